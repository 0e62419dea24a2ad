"""Seed urgency levels and time limits: the defaults a new installation starts from.

No national table gives handling limits, so these follow common local practice and are meant to be edited
by an administrator (Django admin → time limits). Minutes are *working* minutes unless marked natural; a
working day is 7.5 working hours (08:30–12:00 and 13:30–17:30) = 450 working minutes.

Global defaults, per urgency (stage: minutes, all working unless noted):

| stage            | 一般 normal | 较急 pressing | 紧急 urgent (natural minutes) |
|------------------|------------:|--------------:|------------------------------:|
| 受理 accept      | 30          | 15            | 10                            |
| 核实 verify      | 60          | 30            | 30                            |
| 立案 register    | 30          | 15            | 10                            |
| 派遣 dispatch    | 30          | 15            | 10                            |
| 处置 handle      | 480 (8 h)   | 240 (4 h)     | 120 (2 h)                     |
| 核查 check       | 120         | 60            | 30                            |
| 结案 close       | 60          | 30            | 20                            |

Urgent cases run on natural minutes: a danger on the street does not wait for office hours.

Class-specific handling (处置) limits, matter classes (normal / pressing / urgent):
- 06010 暴露垃圾 exposed garbage: 4 / 2 working hours / 60 natural minutes;
- 06012 道路不洁 dirty road: 2 / 1 working hours / 60 natural minutes;
- 06017 绿地脏乱, 06018 绿化弃料 (green-space litter): 1 working day / 4 working hours / 120 natural minutes;
- 04xxx 园林绿化设施类 abnormalities and 06021 病虫害 (green-space upkeep): 5 working days / 2 working
  days / 240 natural minutes (an urgent one is a fallen tree, which must be made safe quickly);
- 01001–01003 water, sewage and storm manhole covers missing or damaged: 4 / 2 / 1 natural hours, and a
  30 natural-minute dispatch (an open manhole is a hazard day and night);
- 10002 架空线缆脱落 fallen overhead cable: 4 / 2 / 1 natural hours.
"""

from __future__ import annotations

from typing import Any

WORKING, NATURAL = "working", "natural"
WORKING_DAY = 450  # 3.5 h + 4 h of office hours

# code, Chinese name, English name, rank (lower = more urgent), default
URGENCIES = [
    ("urgent", "紧急", "Urgent", 0, False),
    ("pressing", "较急", "Pressing", 1, False),
    ("normal", "一般", "Normal", 2, True),
]

STAGES = ["accept", "verify", "register", "dispatch", "handle", "check", "close"]

GLOBAL_LIMITS: dict[str, tuple[dict[str, int], str]] = {
    "normal": ({"accept": 30, "verify": 60, "register": 30, "dispatch": 30, "handle": 480, "check": 120,
                "close": 60}, WORKING),
    "pressing": ({"accept": 15, "verify": 30, "register": 15, "dispatch": 15, "handle": 240, "check": 60,
                  "close": 30}, WORKING),
    "urgent": ({"accept": 10, "verify": 30, "register": 10, "dispatch": 10, "handle": 120, "check": 30,
                "close": 20}, NATURAL),
}

_GREEN_UPKEEP = {"normal": (5 * WORKING_DAY, WORKING), "pressing": (2 * WORKING_DAY, WORKING), "urgent": (240, NATURAL)}
_MANHOLE = {"normal": (240, NATURAL), "pressing": (120, NATURAL), "urgent": (60, NATURAL)}

# matter code → stage → urgency → (minutes, basis)
CLASS_LIMITS: dict[str, dict[str, dict[str, tuple[int, str]]]] = {
    "06010": {"handle": {"normal": (240, WORKING), "pressing": (120, WORKING), "urgent": (60, NATURAL)}},
    "06012": {"handle": {"normal": (120, WORKING), "pressing": (60, WORKING), "urgent": (60, NATURAL)}},
    "06017": {"handle": {"normal": (WORKING_DAY, WORKING), "pressing": (240, WORKING), "urgent": (120, NATURAL)}},
    "06018": {"handle": {"normal": (WORKING_DAY, WORKING), "pressing": (240, WORKING), "urgent": (120, NATURAL)}},
    "06021": {"handle": _GREEN_UPKEEP},
    **{f"04{minor:03d}": {"handle": _GREEN_UPKEEP} for minor in range(1, 15)},
    **{
        code: {"handle": _MANHOLE, "dispatch": {u: (30, NATURAL) for u in ("normal", "pressing", "urgent")}}
        for code in ("01001", "01002", "01003")
    },
    "10002": {"handle": _MANHOLE},
}


def seed_urgencies(urgency_model: Any) -> dict[str, Any]:
    """Create the three urgency levels when missing; return them by code."""
    levels = {}
    for code, name, name_en, rank, is_default in URGENCIES:
        levels[code], _ = urgency_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "rank": rank, "is_default": is_default}
        )
    return levels


def seed_time_limits(*, urgency_model: Any, time_limit_model: Any, class_model: Any) -> int:
    """Create the default time limits that are missing (never overwrite an edited one); return how many."""
    levels = seed_urgencies(urgency_model)
    wanted: list[tuple[Any, str, str, int, str]] = []
    for urgency, (stages, basis) in GLOBAL_LIMITS.items():
        wanted += [(None, urgency, stage, minutes, basis) for stage, minutes in stages.items()]
    classes = {c.code: c for c in class_model.objects.filter(kind="matter", code__in=list(CLASS_LIMITS))}
    for code, per_stage in CLASS_LIMITS.items():
        if code not in classes:
            continue
        for stage, per_urgency in per_stage.items():
            wanted += [(classes[code], u, stage, m, b) for u, (m, b) in per_urgency.items()]
    created = 0
    for catalog_class, urgency, stage, minutes, basis in wanted:
        _, was_created = time_limit_model.objects.get_or_create(
            catalog_class=catalog_class, urgency=levels[urgency], stage=stage,
            defaults={"minutes": minutes, "basis": basis},
        )
        created += was_created
    return created
