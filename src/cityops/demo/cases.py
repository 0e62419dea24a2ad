"""Historical demo cases, and the class / source / urgency mixes `cityops seed-cases` shares.

The mixes follow what a city's digital city management centre typically receives: exposed garbage and street
order (占道经营, 乱停放, 小广告) dominate, then road cleanliness, facilities (manhole covers, street lamps)
and greenery; inspectors (监督员) find about nine cases in ten, the rest come from citizens and hotlines.
"""

from __future__ import annotations

# Matter classes (事项, GB/T 47678.5) by relative weight.
CLASS_MIX: dict[str, int] = {
    "06010": 18,  # 暴露垃圾 exposed garbage
    "09006": 10,  # 占道经营 road-occupying vending
    "06012": 8,   # 道路不洁 dirty road
    "07001": 8,   # 非法小广告 illegal small ads
    "09005": 8,   # 店外经营 trading outside the shop
    "06042": 7,   # 垃圾站（箱）满溢 overflowing bins
    "09009": 7,   # 机动车乱停放 illegal parking
    "06036": 6,   # 乱堆杂物 stacked clutter
    "09010": 6,   # 非机动车乱停放 bicycles parked anyhow
    "09011": 4,   # 共享单车乱象 shared bikes
    "06013": 3,   # 道路破损 damaged road
    "01037": 3,   # 路灯异常 street lamp
    "06014": 2,   # 道路遗撒 spillage on the road
    "01002": 2,   # 污水井盖异常 sewage manhole cover
    "01003": 2,   # 雨水井盖异常 stormwater manhole cover
    "04013": 2,   # 绿地异常 green space
    "06017": 2,   # 绿地脏乱 dirty green space
    "08002": 1,   # 施工占道 road occupied by construction
    "08004": 1,   # 工地扬尘 construction dust
}

# Source channels by share (values of cases.models.Source).
SOURCE_MIX: dict[str, float] = {
    "inspector": 0.90,
    "citizen": 0.04,
    "hotline": 0.04,
    "video_ai": 0.01,
    "open311": 0.005,
    "staff": 0.005,
}

# Urgency codes by share (the catalogue seeds 一般 normal, 较急 pressing, 紧急 urgent).
URGENCY_MIX: dict[str, float] = {"normal": 0.85, "pressing": 0.12, "urgent": 0.03}

RESULTS = ["已清理完毕，现场恢复整洁。", "已劝离并督促整改。", "已维修更换，恢复正常使用。", "已清运处理。",
           "已依法处置，现场已整改。"]
