"""Reading the GB/T 47678.5 catalogue CSVs and upserting them into CatalogClass rows.

The loader takes the model class as a parameter so the data migration can pass its historical model
(`apps.get_model("catalog", "CatalogClass")`) and `cityops import-catalog` the live one: both run the same
code. It does not write audit events; the service around it (`catalog_import`) does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin

from cityops.catalog.conditions import default_conditions
from cityops.core.errors import InvalidInput

DATA_DIR = Path(__file__).resolve().parent / "data"
COMPONENTS_CSV = DATA_DIR / "components.csv"
EVENTS_CSV = DATA_DIR / "events.csv"

COMPONENT_COLUMNS = (
    "major_code", "major_name_zh", "major_name_en", "minor_code", "full_code",
    "minor_name_zh", "minor_name_en", "typical_owner_department", "source",
)
EVENT_COLUMNS = ("matter_kind", *COMPONENT_COLUMNS)

# The CSV spells the matter kind in prose; map the leading words to MatterKind values.
_MATTER_KINDS = {"component-abnormality": "component_abnormality", "event-type": "event"}

# Fields the CSV owns: a re-import overwrites them. Local names, retirement and conditions edited by an
# administrator are left alone.
_CSV_FIELDS = (
    "matter_kind", "major_code", "major_name", "major_name_en", "name", "name_en",
    "pinyin_initials", "source", "default_department_hint",
)


@dataclass(frozen=True)
class CatalogRow:
    """One validated catalogue row, ready to upsert."""

    kind: str
    code: str
    values: dict[str, str]


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


def pinyin_initials(*names: str) -> str:
    """Lower-case pinyin initials of each name, space-separated (暴露垃圾 → "bllj")."""
    parts = []
    for name in names:
        letters = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"))
        initials = "".join(ch for ch in letters.lower() if ch.isascii() and ch.isalnum())
        if initials and initials not in parts:
            parts.append(initials)
    return " ".join(parts)[:60]


def read_catalog_csv(source: Path | str | io.TextIOBase, *, kind: str) -> list[CatalogRow]:
    """Parse and validate one catalogue CSV (`kind` = component or matter); refuse it naming the bad row."""
    text = _read_text(source)
    reader = csv.DictReader(io.StringIO(text))
    required = EVENT_COLUMNS if kind == "matter" else COMPONENT_COLUMNS
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"The {kind} catalogue file lacks the columns: {', '.join(missing)}.", field="file")
    rows: list[CatalogRow] = []
    errors: list[dict] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):  # line 1 is the header
        try:
            row = _parse_row(raw, kind=kind)
        except ValueError as exc:
            errors.append({"row": line, "message": str(exc)})
            continue
        if row.code in seen:
            errors.append({"row": line, "message": f"code {row.code} repeats row {seen[row.code]}"})
            continue
        seen[row.code] = line
        rows.append(row)
    if errors:
        first = errors[0]
        raise InvalidInput(
            f"The {kind} catalogue file has {len(errors)} bad row(s); row {first['row']}: {first['message']}.",
            field="file",
            details=errors,
        )
    return rows


def load_catalog(class_model: Any, rows: Iterable[CatalogRow]) -> LoadResult:
    """Upsert rows by (kind, code) into `class_model`; fill default conditions where still empty."""
    rows = list(rows)
    existing = {(c.kind, c.code): c for c in class_model.objects.all()}
    result = LoadResult()
    to_create = []
    for row in rows:
        current = existing.get((row.kind, row.code))
        if current is None:
            register, close = default_conditions(row.kind, row.code, row.values["major_code"])
            to_create.append(
                class_model(kind=row.kind, code=row.code, register_conditions=register, close_conditions=close,
                            **row.values)
            )
            result.created += 1
        elif _apply(current, row):
            current.save()
            result.updated += 1
        else:
            result.unchanged += 1
        result.codes.append(f"{row.kind}:{row.code}")
    class_model.objects.bulk_create(to_create)
    return result


def _apply(current: Any, row: CatalogRow) -> bool:
    changed = False
    # The initials also cover an administrator's local name, so searching by it keeps working.
    values = {**row.values, "pinyin_initials": pinyin_initials(row.values["name"], current.local_name)}
    for name in _CSV_FIELDS:
        if getattr(current, name) != values[name]:
            setattr(current, name, values[name])
            changed = True
    if not current.register_conditions and not current.close_conditions:
        register, close = default_conditions(row.kind, row.code, row.values["major_code"])
        current.register_conditions, current.close_conditions = register, close
        changed = changed or bool(register or close)
    return changed


def _parse_row(raw: dict[str, str | None], *, kind: str) -> CatalogRow:
    get = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    major, minor, code = get.get("major_code", ""), get.get("minor_code", ""), get.get("full_code", "")
    if not (len(major) == 2 and major.isdigit()):
        raise ValueError(f"major_code must be 2 digits, got {major!r}")
    if not (len(minor) == 3 and minor.isdigit()):
        raise ValueError(f"minor_code must be 3 digits, got {minor!r}")
    if code != major + minor:
        raise ValueError(f"full_code {code!r} is not major_code + minor_code ({major + minor})")
    for column in ("minor_name_zh", "minor_name_en", "major_name_zh", "major_name_en", "source"):
        if not get.get(column):
            raise ValueError(f"{column} is empty")
    if len(get["minor_name_zh"]) > 60:
        raise ValueError("minor_name_zh is longer than 60 characters")
    matter_kind = ""
    if kind == "matter":
        matter_kind = _MATTER_KINDS.get(get.get("matter_kind", "").split(" ", 1)[0], "")
        if not matter_kind:
            raise ValueError(f"matter_kind {get.get('matter_kind')!r} is neither component-abnormality nor event-type")
    values = {
        "matter_kind": matter_kind,
        "major_code": major,
        "major_name": get["major_name_zh"][:60],
        "major_name_en": get["major_name_en"][:120],
        "name": get["minor_name_zh"],
        "name_en": get["minor_name_en"][:160],
        "pinyin_initials": pinyin_initials(get["minor_name_zh"]),
        "source": _source(get)[:400],
        "default_department_hint": get.get("typical_owner_department", "")[:100],
    }
    return CatalogRow(kind=kind, code=code, values=values)


def _source(get: dict[str, str]) -> str:
    standard = get.get("standard", "")
    source = get["source"]
    return source if not standard or source.startswith(standard) else f"{standard}: {source}"


def _read_text(source: Path | str | io.TextIOBase) -> str:
    if isinstance(source, io.TextIOBase):
        return source.read()
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {source}: {exc}", field="file") from exc
