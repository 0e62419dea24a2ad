"""Case numbers: `YYYYMMDD` of the local day (platform time zone) + a 5-digit sequence of that day."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from cityops.cases.models import CaseNumberCounter

SEQUENCE_DIGITS = 5


def local_day(at: datetime) -> date:
    """The calendar day of `at` in the platform time zone (Asia/Shanghai by default)."""
    return timezone.localtime(at).date()


def next_sequence(day: date) -> int:
    """Allocate the next sequence number of `day`, safely under concurrency, in one statement.

    The race this prevents: two reports read "the last number of today", both add one and both get the same
    number (or both find no counter for a new day and both insert one). An upsert with RETURNING
    (PostgreSQL, and SQLite ≥ 3.35) increments the counter and reads the result atomically: PostgreSQL takes
    the row lock for the increment (a concurrent insert of the same new day waits on the unique index and then
    takes the update branch), SQLite holds its single write lock. The counter row stays locked until the
    surrounding transaction ends: the report allocates inside the case's own transaction, last before its insert,
    so a report that fails gives its number back (no gap) and the lock is held only for the inserts and the commit.
    """
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - the table name is our own model's
        "ON CONFLICT (day) DO UPDATE SET last = " + f"{table}.last + 1 RETURNING last"
    )
    # No savepoint inside the caller's transaction: one statement, nothing to roll back to.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day)])
        return int(cursor.fetchone()[0])


def format_number(day: date, sequence: int) -> str:
    """`20261121` + `00001` → "2026112100001"; a day past 99,999 reports widens the sequence instead of failing."""
    return f"{day:%Y%m%d}{sequence:0{SEQUENCE_DIGITS}d}"


def next_case_number(at: datetime | None = None) -> str:
    """The next case number of the local day of `at` (now by default)."""
    day = local_day(at or timezone.now())
    return format_number(day, next_sequence(day))
