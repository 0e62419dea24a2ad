"""The `cityops` console script: a thin wrapper over Django's management commands.

`cityops import-regions grid f.geojson` runs the `import_regions` command; every Django command works too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    """Run a management command, accepting hyphenated names (import-regions → import_regions)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    args = list(sys.argv if argv is None else ["cityops", *argv])
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    if len(args) > 1 and args[1] == "demo":
        _use_demo_database(args[2:])
    execute_from_command_line(args)


def _use_demo_database(options: list[str]) -> None:
    """`cityops demo --db PATH`: point DATABASE_URL at that SQLite file."""
    # Settings read DATABASE_URL once, when they load, which is before any command parses its options; so
    # `--db` must be applied here. The demo command then checks that the database it got is that file.
    for i, option in enumerate(options):
        if option == "--db" and i + 1 < len(options):
            path = options[i + 1]
        elif option.startswith("--db="):
            path = option.removeprefix("--db=")
        else:
            continue
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(path).expanduser().resolve()}"
        return


if __name__ == "__main__":
    main()
