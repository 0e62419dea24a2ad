"""The default evaluation scheme, from `shared/reference/standards/evaluation_indicators.csv`.

Source: the unicom urban-management platform (GitHub missaouib/urban-management-platform, 2020), whose
evaluation pages and SQL mirror the wording of GB/T 30428.4-2016. Deliberate departures (docs/evaluation.md):

- region (grid/community/street/district) weights in the source sum to 70 % (10/20/30/10, its own TODO repeats
  them); the on-time closing rate (按期结案率) defaults to 40 % so they sum to 100 %;
- region 立案数 bins differ for class-1 and class-2 areas; the class-1 bins are the default, applied per unit
  grid (for a community, street or district: cases registered per unit grid inside it);
- the source scores the region closing rate as 100 − rate (a bug): here rate × 100;
- the source's shift-leader SQL reuses 按时结案率 for the 25 % term: here it is the on-time registration rate.
"""

from __future__ import annotations

from typing import Any

SOURCE = ("GB/T 30428.4-2016 as implemented by the unicom urban-management platform "
          "(GitHub missaouib/urban-management-platform, 2020: evaluate/PositionRepository.java, "
          "templates/page/evaluate/*.html)")

# 受理数 / 派遣数: >2000→100; 1201–2000→90; 501–1200→75; 301–500→60; 101–300→40; ≤100→0.
WORKLOAD_BINS = [[2001, None, 100], [1201, 2000, 90], [501, 1200, 75], [301, 500, 60], [101, 300, 40], [0, 100, 0]]
# 专业部门立案数: 0–50→100; 51–100→90; 101–200→75; 201–500→60; 501–1000→40; >1000→0.
DEPARTMENT_BINS = [[0, 50, 100], [51, 100, 90], [101, 200, 75], [201, 500, 60], [501, 1000, 40], [1001, None, 0]]
# 区域立案数 per unit grid, class-1 area (一类区域): 0→100; 1–2→90; 3–4→75; 5–6→60; 7–8→40; ≥9→0.
AREA_CLASS1_BINS = [[0, 0, 100], [1, 2, 90], [3, 4, 75], [5, 6, 60], [7, 8, 40], [9, None, 0]]
# Class-2 area (二类区域), documented for administrators who evaluate such areas: 0→100; 1–3→90; 4–5→75 …
AREA_CLASS2_BINS = [[0, 0, 100], [1, 3, 90], [4, 5, 75], [6, 7, 60], [8, 9, 40], [10, None, 0]]

# code, 中文, English, numerator, denominator, method, weight, bins, note
Row = tuple[str, str, str, str, str, str, int, list, str]

_REGION: list[Row] = [
    ("public_report_rate", "监督举报率", "Public-report rate", "public_reports", "registered", "inverse_rate", 10, [],
     ""),
    ("registered_count", "立案数", "Cases registered", "registered", "", "bins", 20, AREA_CLASS1_BINS,
     "class-1 area bins (一类区域); class-2 bins are 0→100, 1–3→90, 4–5→75, 6–7→60, 8–9→40, ≥10→0"),
    ("closing_rate", "结案率", "Closing rate", "closed", "close_due", "rate", 30, [],
     "the source scores 100 − rate (a bug); here rate × 100"),
    ("on_time_closing_rate", "按期结案率", "On-time closing rate", "closed_in_time", "close_due", "rate", 40, [],
     "10 % in the source, whose weights then sum to 70 %; 40 % makes them 100 %"),
]


def _per_grid(rows: list[Row]) -> list[Row]:
    """The region rows for a community, street or district: 立案数 bins apply to cases per unit grid."""
    return [(r[0], r[1], r[2], r[3], "grids", r[5], r[6], r[7], r[8] + "; scored per unit grid")
            if r[0] == "registered_count" else r for r in rows]


INDICATORS: dict[str, list[Row]] = {
    "inspector": [
        ("valid_report_rate", "有效上报率", "Valid-report rate", "valid_reports", "reports", "rate", 40, [], ""),
        ("missed_report_rate", "漏报率", "Missed-report rate", "missed", "grid_registered", "inverse_rate", 20, [],
         "missed = registered public reports in the inspector's grids"),
        ("on_time_verification_rate", "按时核实率", "On-time verification rate", "verify_on_time", "verify_due",
         "rate", 20, [], ""),
        ("on_time_check_rate", "按时核查率", "On-time check rate", "check_on_time", "check_due", "rate", 20, [],
         "the source page mislabels this line as 按期处置率分值"),
    ],
    "acceptor": [
        ("accepted_count", "受理数", "Cases accepted", "accepted", "", "bins", 25, WORKLOAD_BINS, ""),
        ("verify_handoff_rate", "核实按时派发率", "On-time verification hand-off rate", "verify_sends_on_time",
         "verify_sends", "rate", 40, [], ""),
        ("check_handoff_rate", "核查按时派发率", "On-time check hand-off rate", "check_sends_on_time", "check_sends",
         "rate", 35, [], ""),
    ],
    "shift_leader": [
        ("on_time_registration_rate", "按时立案率", "On-time registration rate", "registered_on_time", "registered",
         "rate", 25, [], "the source SQL reuses 按时结案率 for this term (a bug)"),
        ("registration_accuracy", "准确立案率", "Registration accuracy rate", "registered_accurate", "registered",
         "rate", 40, [], "准确立案数 = 立案数 − 作废数"),
        ("on_time_closing_rate", "按时结案率", "On-time closing rate", "closed_on_time", "close_due", "rate", 35, [],
         "denominator 应结案数 (the source code uses 结案数)"),
    ],
    "dispatcher": [
        ("dispatch_count", "派遣数", "Cases dispatched", "dispatches", "", "bins", 20, WORKLOAD_BINS, ""),
        ("on_time_dispatch_rate", "按时派遣率", "On-time dispatch rate", "dispatches_on_time", "dispatches", "rate", 40,
         [], ""),
        ("dispatch_accuracy", "准确派遣率", "Dispatch accuracy rate", "dispatches_accurate", "dispatches", "rate", 40,
         [], "准确派遣数 = 派遣数 − 回退数"),
    ],
    "department": [
        ("registered_count", "立案数", "Cases registered", "registered", "", "bins", 10, DEPARTMENT_BINS,
         "bins should be set per department group according to duties"),
        ("closing_rate", "结案率", "Closing rate", "closed", "close_due", "rate", 30, [],
         "应结案数 = 处置数 + 超时未处置数"),
        ("on_time_disposal_rate", "按期处置率", "On-time disposal rate", "handled_in_time", "handle_due", "rate", 30,
         [], ""),
        ("rework_rate", "返工率", "Rework rate", "reworks", "close_due", "inverse_rate", 30, [],
         "denominator 应结案数 per the Jinniu rule"),
    ],
    "grid": _REGION,
    "community": _per_grid(_REGION),
    "street": _per_grid(_REGION),
    "district": _per_grid(_REGION),
}

# grade, lower, upper, colour, hex
GRADES = [
    ("A", 90, 100, "green", "#2e7d32"),
    ("B", 75, 90, "blue", "#1565c0"),
    ("C", 60, 75, "yellow", "#f9a825"),
    ("D", 40, 60, "red", "#c62828"),
    ("E", 0, 40, "black", "#212121"),
]


def seed_scheme(*, indicator_model: Any, grade_model: Any) -> None:
    """Create the default indicators and grade bands that are missing (existing rows are left as edited)."""
    for kind, rows in INDICATORS.items():
        for position, (code, name, name_en, num, den, method, weight, bins, note) in enumerate(rows):
            source = f"{SOURCE}. {note}" if note else SOURCE
            indicator_model.objects.get_or_create(kind=kind, code=code, defaults={
                "position": position, "name": name, "name_en": name_en, "numerator": num, "denominator": den,
                "method": method, "weight": weight, "bins": bins, "source": source,
            })
    for grade, lower, upper, colour, hex_ in GRADES:
        grade_model.objects.get_or_create(grade=grade, defaults={"lower": lower, "upper": upper, "colour": colour,
                                                                 "colour_hex": hex_})
