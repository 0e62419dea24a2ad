"""`cityops demo`: migrate, build the demo city when the database has none, print the logins, serve."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.core.management.commands.serve import default_workers, serve
from cityops.demo.build import build_demo
from cityops.demo.cases import default_case_count
from cityops.demo.people import Login, demo_logins
from cityops.geo.models import Region


class Command(BaseCommand):
    help = "Build a demo city (regions, grids, departments, users, components, cases) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--db", help="SQLite file to use (created if missing); needs the `cityops` launcher.")
        parser.add_argument("--grids", type=int, default=2500, help="About how many unit grids (default 2500).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the generator (same seed, same city).")
        parser.add_argument("--cases", type=int, default=None,
                            help="Historical cases to create (default: 1000 for 2500 grids, fewer in a smaller city).")
        parser.add_argument("--reset", action="store_true", help="Delete the --db file first and build afresh.")
        parser.add_argument("--no-serve", action="store_true", help="Build and print the logins, then exit.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())

    def handle(self, *args: Any, **options: Any) -> None:
        db_file = self._sqlite_file(options["db"])
        if options["reset"]:
            self._delete_database(db_file, options["db"])
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        cases = options["cases"] if options["cases"] is not None else default_case_count(options["grids"])
        self._build(grids=options["grids"], seed=options["seed"], cases=cases)
        self._print_logins(demo_logins())
        if options["no_serve"]:
            return
        self.stdout.write(_("Open http://%(host)s:%(port)s/ and log in with one of the users above.")
                          % {"host": options["host"], "port": options["port"]})
        serve(host=options["host"], port=options["port"], workers=options["workers"], stdout=self.stdout)

    def _sqlite_file(self, requested: str | None) -> Path | None:
        """The SQLite file in use (None on PostgreSQL), checked against --db."""
        db = settings.DATABASES["default"]
        is_sqlite = db["ENGINE"] == "django.db.backends.sqlite3"
        current = Path(db["NAME"]).resolve() if is_sqlite else None
        if requested and current != Path(requested).expanduser().resolve():
            raise CommandError(
                _("--db is applied before settings load: run it as `cityops demo --db PATH`, "
                  "or set DATABASE_URL=sqlite:///PATH instead.")
            )
        return current

    def _delete_database(self, db_file: Path | None, requested: str | None) -> None:
        # Only a file named on this very command line is ever deleted: --reset must not wipe a real database.
        if db_file is None or not requested:
            raise CommandError(_("--reset deletes the SQLite file given with --db; it needs --db PATH."))
        connections.close_all()
        for path in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
            path.unlink(missing_ok=True)
        self.stdout.write(_("Deleted %(path)s.") % {"path": db_file})

    def _build(self, *, grids: int, seed: int, cases: int) -> None:
        if Region.objects.exists():
            self.stdout.write(_("The database already holds regions: keeping them (--reset rebuilds the demo)."))
            return
        self.stdout.write(_("Building the demo city (%(grids)d grids, seed %(seed)d)…") % {"grids": grids, "seed": seed})
        try:
            report = build_demo(grids=grids, seed=seed, cases=cases)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        counts = ", ".join(f"{name} {n}" for name, n in report.summary().items())
        self.stdout.write(self.style.SUCCESS(_("Built: %(counts)s.") % {"counts": counts}))

    def _print_logins(self, logins: list[Login]) -> None:
        # Bilingual headers, like the role labels under them, whatever the active language.
        header = Login(role="role 角色", username="username 用户名", password="password 密码", scope="scope 数据范围")
        rows = [header, *logins]
        widths = [max(_width(getattr(r, f)) for r in rows) for f in ("role", "username", "password")]
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for i, row in enumerate(rows):
            cells = [_pad(row.role, widths[0]), _pad(row.username, widths[1]), _pad(row.password, widths[2]), row.scope]
            self.stdout.write("  " + "  ".join(cells))
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, _width(row.scope)]))
        self.stdout.write("")


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
