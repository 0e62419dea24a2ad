"""`cityops calendar-import FILE`: one year's holiday arrangement from a small CSV, all rows or none, re-imported in
place with a report of what changed; and the service's refusals (file, line and field named)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cityops.core import worktime as wt
from cityops.core.calendar_file import read_arrangement_text
from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.models import ArrangementDay, AuditEvent, HolidayArrangement
from cityops.core.services import arrangement_import
from cityops.org.models import Role
from cityops.testing import factories as f

pytestmark = pytest.mark.django_db

# A made-up 2027 arrangement in the State Council's usual shape (the real one is not published yet).
ARRANGEMENT_2027 = """\
# 2027 holiday arrangement (test data)
date,kind,name
2027-01-01,holiday,元旦
2027-02-05..2027-02-12,holiday,春节
2027-02-14,workday,春节
2027-02-20,班,春节
2027-04-05,休,清明节
"""


def run(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "arrangement.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("calendar_import", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_the_year_and_its_make_up_sunday_becomes_a_working_day(tmp_path):
    assert not wt.is_working_day(date(2027, 2, 14))  # a Sunday
    output = run(tmp_path, ARRANGEMENT_2027, "--reference", "国办发明电〔2026〕1号")
    assert "Holiday arrangement 2027 created: 12 days added, 0 changed, 0 removed" in output
    arrangement = HolidayArrangement.objects.get(year=2027)
    assert arrangement.reference == "国办发明电〔2026〕1号"
    assert arrangement.days.count() == 12
    assert wt.is_working_day(date(2027, 2, 14))
    assert wt.is_working_day(date(2027, 2, 20))  # a Saturday, 班
    assert not wt.is_working_day(date(2027, 2, 10))  # a Wednesday inside the range
    event = AuditEvent.objects.get(action="core.holiday_arrangement.imported")
    assert event.actor_label == "command:calendar-import"
    assert event.data["created"] is True and len(event.data["added"]) == 12


def test_a_re_import_updates_in_place_and_reports_what_changed(tmp_path):
    run(tmp_path, ARRANGEMENT_2027)
    first_id = HolidayArrangement.objects.get(year=2027).pk
    changed = ARRANGEMENT_2027.replace("2027-02-20,班,春节\n", "").replace("2027-04-05,休,清明节", "2027-04-05,休,清明")
    changed += "2027-05-03,holiday,劳动节\n"
    output = run(tmp_path, changed)
    assert "Holiday arrangement 2027 updated: 1 days added, 1 changed, 1 removed" in output
    assert "added: 2027-05-03" in output and "changed: 2027-04-05" in output and "removed: 2027-02-20" in output
    assert HolidayArrangement.objects.get().pk == first_id
    assert not ArrangementDay.objects.filter(date=date(2027, 2, 20)).exists()
    assert not wt.is_working_day(date(2027, 2, 20))  # a Saturday again
    assert ArrangementDay.objects.get(date=date(2027, 4, 5)).name == "清明"


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run(tmp_path, ARRANGEMENT_2027)
    assert "0 days added, 0 changed, 0 removed" in run(tmp_path, ARRANGEMENT_2027)


@pytest.mark.parametrize(
    ("line", "bad", "where"),
    [
        ("2027-02-14,workday,春节", "2027-02-30,workday,春节", "line 5 (date)"),
        ("2027-02-14,workday,春节", "2027-02-14,maybe,春节", "line 5 (kind)"),
        ("2027-02-14,workday,春节", "2027-02-14,workday," + "长" * 61, "line 5 (name)"),
        ("2027-02-14,workday,春节", "2027-02-12,workday,春节", "line 5 (date)"),  # listed twice
        ("2027-02-14,workday,春节", "2026-11-30,holiday,早", "line 5 (date)"),  # before December of the year before
        ("2027-02-14,workday,春节", "2027-02-14..2027-02-13,workday,春节", "line 5 (date)"),
        ("2027-02-14,workday,春节", ",workday,春节", "line 5 (date)"),
        ("2027-02-14,workday,春节", "2027-02-14,workday,春节,extra", "line 5 (name)"),
    ],
)
def test_a_bad_row_is_refused_naming_the_line_and_nothing_is_written(tmp_path, line, bad, where):
    with pytest.raises(CommandError) as refused:
        run(tmp_path, ARRANGEMENT_2027.replace(line, bad))
    assert "1 row(s) refused, nothing imported" in str(refused.value)
    assert where in str(refused.value)
    assert not HolidayArrangement.objects.exists()
    assert not ArrangementDay.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_bad_re_import_leaves_the_stored_arrangement_as_it_was(tmp_path):
    run(tmp_path, ARRANGEMENT_2027)
    before = list(ArrangementDay.objects.values_list("date", "kind", "name"))
    with pytest.raises(CommandError, match=r"line 3 \(kind\)"):
        run(tmp_path, ARRANGEMENT_2027.replace("2027-01-01,holiday", "2027-01-01,holyday"))
    assert list(ArrangementDay.objects.values_list("date", "kind", "name")) == before


def test_every_bad_row_is_listed(tmp_path):
    text = ARRANGEMENT_2027.replace("2027-01-01,holiday", "2027-13-01,holiday").replace("清明节", "清明节,x")
    with pytest.raises(CommandError) as refused:
        run(tmp_path, text)
    assert "2 row(s) refused" in str(refused.value)
    assert "line 3 (date)" in str(refused.value) and "line 7 (name)" in str(refused.value)


def test_a_file_without_the_header_is_refused_naming_its_line(tmp_path):
    with pytest.raises(CommandError, match="line 1: the header must name the columns"):
        run(tmp_path, "2027-01-01,holiday,元旦\n")
    with pytest.raises(CommandError, match="lists no days"):
        run(tmp_path, "# nothing\n\n")


def test_a_missing_or_binary_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("calendar_import", str(tmp_path / "missing.csv"))
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,kind,name\n2027-01-01,holiday,\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("calendar_import", str(path))


def test_december_before_the_year_may_be_listed_and_the_year_is_the_latest_named(tmp_path):
    output = run(tmp_path, "date,kind,name\n2027-12-31,holiday,元旦\n2028-01-01,holiday,元旦\n")
    assert "Holiday arrangement 2028 created" in output
    with pytest.raises(CommandError, match="lies outside the 2029 arrangement"):
        run(tmp_path, "date,kind,name\n2027-12-31,holiday,元旦\n", "--year", "2029")


def test_a_date_of_another_years_arrangement_is_refused(tmp_path):
    run(tmp_path, "date,kind,name\n2027-12-31,holiday,元旦\n2028-01-01,holiday,元旦\n")
    with pytest.raises(CommandError, match="already belongs to the 2028 arrangement"):
        run(tmp_path, "date,kind,name\n2027-12-31,holiday,元旦\n", "--year", "2027")


def test_a_year_outside_the_range_is_refused(tmp_path):
    with pytest.raises(CommandError, match="between 2000 and 2099"):
        run(tmp_path, "date,kind,name\n2100-01-01,holiday,元旦\n")


def test_the_service_refuses_a_user_without_the_administrator_role(city):
    rows = read_arrangement_text(ARRANGEMENT_2027)
    with pytest.raises(Forbidden):
        arrangement_import(rows=rows, actor=f.make_user("dispatcher", Role.DISPATCHER))
    admin = f.make_user("admin", Role.ADMIN)
    assert arrangement_import(rows=rows, actor=admin).year == 2027
    assert AuditEvent.objects.get(action="core.holiday_arrangement.imported").actor_user == admin


def test_the_service_names_the_field_of_the_first_refusal():
    with pytest.raises(InvalidInput) as refused:
        arrangement_import(rows=[("line 2", {"date": "2027-01-01", "kind": "?"})], actor=None)
    assert refused.value.field == "kind"
    assert refused.value.details == [{"row": "line 2", "field": "kind", "message": refused.value.details[0]["message"]}]


def test_refusals_are_listed_in_file_order_whichever_check_found_them(tmp_path):
    text = ARRANGEMENT_2027.replace("2027-01-01,holiday", "2026-01-01,holiday").replace("清明节", "清明节,x")
    with pytest.raises(CommandError) as refused:
        run(tmp_path, text)
    message = str(refused.value)
    assert message.index("line 3 (date)") < message.index("line 7 (name)")
