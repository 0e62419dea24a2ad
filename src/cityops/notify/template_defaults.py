"""The messages' default wording, seeded into MessageTemplate by a data migration and used when a row is missing.

Keys: `citizen.*` go to the person who reported (reporter_contact), `staff.*` to staff with a phone or e-mail.
Each default exists for SMS and e-mail in both languages; admins edit the rows, not this file.
"""

from __future__ import annotations

# (key, language) → (e-mail subject, text). The same text serves SMS and the e-mail body.
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("citizen.received", "zh-hans"): (
        "您的反映已收到：{{ case_number }}",
        "【城市运行】您反映的问题已收到（{{ class_name }}）。"
        "{% if tracking_code %}查询码 {{ tracking_code }}，进度：{{ track_url }}{% endif %}",
    ),
    ("citizen.received", "en"): (
        "Your report was received: {{ case_number }}",
        "City operations: your report ({{ class_name }}) was received."
        "{% if tracking_code %} Tracking code {{ tracking_code }}, follow it at {{ track_url }}{% endif %}",
    ),
    ("citizen.accepted", "zh-hans"): (
        "您的反映已受理：{{ case_number }}",
        "【城市运行】您反映的问题（{{ class_name }}）已受理。"
        "{% if tracking_code %}查询码 {{ tracking_code }}{% endif %}",
    ),
    ("citizen.accepted", "en"): (
        "Your report was accepted: {{ case_number }}",
        "City operations: your report ({{ class_name }}) was accepted."
        "{% if tracking_code %} Tracking code {{ tracking_code }}.{% endif %}",
    ),
    ("citizen.dispatched", "zh-hans"): (
        "您的反映已派遣处置：{{ case_number }}",
        "【城市运行】您反映的问题（{{ class_name }}）已派遣至责任单位处置。"
        "{% if tracking_code %}查询码 {{ tracking_code }}{% endif %}",
    ),
    ("citizen.dispatched", "en"): (
        "Your report was sent for handling: {{ case_number }}",
        "City operations: your report ({{ class_name }}) was sent to the responsible department."
        "{% if tracking_code %} Tracking code {{ tracking_code }}.{% endif %}",
    ),
    ("citizen.closed", "zh-hans"): (
        "您的反映已办结：{{ case_number }}",
        "【城市运行】您反映的问题（{{ class_name }}）已办结。处理结果：{{ result }}"
        "{% if tracking_code %} 评价：{{ track_url }}{% endif %}",
    ),
    ("citizen.closed", "en"): (
        "Your report was closed: {{ case_number }}",
        "City operations: your report ({{ class_name }}) was closed. Result: {{ result }}"
        "{% if tracking_code %} Rate it at {{ track_url }}{% endif %}",
    ),
    ("staff.new_task", "zh-hans"): ("新任务：案件 {{ case_number }}", "【城市运行】新任务：案件 {{ case_number }}（{{ class_name }}），{{ link }}"),
    ("staff.new_task", "en"): ("New task: case {{ case_number }}", "City operations: new task, case {{ case_number }} ({{ class_name }}), {{ link }}"),
    ("staff.deadline_warning", "zh-hans"): ("即将超时：案件 {{ case_number }}", "【城市运行】案件 {{ case_number }} 将于 {{ due }} 到期，{{ link }}"),
    ("staff.deadline_warning", "en"): ("Deadline near: case {{ case_number }}", "City operations: case {{ case_number }} is due at {{ due }}, {{ link }}"),
    ("staff.overdue", "zh-hans"): ("已超时：案件 {{ case_number }}", "【城市运行】案件 {{ case_number }} 已超过期限（{{ due }}），{{ link }}"),
    ("staff.overdue", "en"): ("Overdue: case {{ case_number }}", "City operations: case {{ case_number }} passed its deadline ({{ due }}), {{ link }}"),
    ("staff.urged", "zh-hans"): ("督办：案件 {{ case_number }}", "【城市运行】督办：案件 {{ case_number }}（{{ class_name }}），请尽快处置，{{ link }}"),
    ("staff.urged", "en"): ("Urged: case {{ case_number }}", "City operations: case {{ case_number }} ({{ class_name }}) was urged, {{ link }}"),
}

CHANNELS = ("sms", "email")
