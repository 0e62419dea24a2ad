"""The `cityops` console script: a thin wrapper over Django's management commands.

`cityops import-regions grid f.geojson` runs the `import_regions` command; every Django command works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, accepting hyphenated names (import-regions → import_regions)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    args = list(sys.argv if argv is None else ["cityops", *argv])
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
