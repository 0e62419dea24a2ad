"""Read a yearly holiday arrangement file (CSV: date,kind,name) into labelled rows for `arrangement_import`.

The format is described in docs/import-formats.md. Lines that are empty or start with `#` are skipped; every
row is labelled with its line number ("line 7") so a refusal names where to look.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput

COLUMNS = ("date", "kind", "name")
REQUIRED = ("date", "kind")
MAX_BYTES = 64 * 1024  # a year has a few dozen rows; anything larger is not an arrangement


def read_arrangement_file(path: str | Path) -> list[tuple[str, dict[str, str]]]:
    """The file's rows as ("line N", {"date", "kind", "name"}); InvalidInput for an unreadable file or header."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
                           field="file") from exc
    if len(raw) > MAX_BYTES:
        raise InvalidInput(_("The file is larger than %(n)d KiB.") % {"n": MAX_BYTES // 1024}, field="file")
    try:
        text = raw.decode("utf-8-sig")  # a BOM, as spreadsheet programs write it, is not part of the header
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("The file is not UTF-8 text (byte %(at)d).") % {"at": exc.start}, field="file") from exc
    return read_arrangement_text(text)


def read_arrangement_text(text: str) -> list[tuple[str, dict[str, str]]]:
    """Rows of the CSV `text`, each labelled with its line number."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InvalidInput(_("The file lists no days."), field="file")
    (header_line, header), *body = lines
    columns = [name.strip().lower() for name in next(csv.reader([header]))]
    missing = [name for name in REQUIRED if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            _("line %(line)d: the header must name the columns date,kind,name (missing: %(missing)s; unknown: "
              "%(unknown)s).") % {"line": header_line, "missing": ", ".join(missing) or "—",
                                 "unknown": ", ".join(unknown) or "—"},
            field="file",
        )
    rows: list[tuple[str, dict[str, str]]] = []
    for number, line in body:
        values = next(csv.reader(io.StringIO(line)))
        label = _("line %(line)d") % {"line": number}
        row = dict(zip(columns, values, strict=False))
        if len(values) > len(columns):
            row["_extra"] = ",".join(values[len(columns):])  # refused by the import, never silently dropped
        rows.append((label, row))
    return rows
