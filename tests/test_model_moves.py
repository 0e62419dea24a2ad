"""Moving ExportJob (analytics → exports), PositionPing (intake → tracking) and RateCounter (intake → core) keeps
every row and permission."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# Runs on SQLite and PostgreSQL alike (no vendor marker): the move must hold on both.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Before the move: the new apps unapplied entirely (None), the old ones at their last migration holding the models.
BEFORE = [("exports", None), ("tracking", None), ("analytics", "0002_export_language"), ("intake", "0004_inbox")]
AFTER = [("analytics", "0003_exportjob_moved_to_exports"), ("intake", "0005_positionping_moved_to_tracking")]


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """The moves delete and recreate content types: later tests in this process must not read stale cached ids."""
    yield
    ContentType.objects.clear_cache()


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def test_the_moves_keep_an_export_and_a_ping_readable_through_the_new_apps():
    old = _migrate(BEFORE)
    user = old.get_model("org", "User").objects.create(username="mover")
    content_type = old.get_model("contenttypes", "ContentType")
    # As before the move existed (post_migrate of the test database made the new apps' rows).
    content_type.objects.filter(app_label__in=["exports", "tracking"]).delete()
    ct_export, _ = content_type.objects.get_or_create(app_label="analytics", model="exportjob")
    ct_ping, _ = content_type.objects.get_or_create(app_label="intake", model="positionping")
    export = old.get_model("analytics", "ExportJob").objects.create(kind="test.kind", format="csv",
                                                                    requested_by_id=user.pk, rows_done=7)
    ping = old.get_model("intake", "PositionPing").objects.create(user_id=user.pk, at=timezone.now(), lon=104.0,
                                                                  lat=30.0)

    new = _migrate(AFTER)

    moved_export = new.get_model("exports", "ExportJob").objects.get(pk=export.pk)
    assert (moved_export.kind, moved_export.rows_done, moved_export.requested_by_id) == ("test.kind", 7, user.pk)
    moved_ping = new.get_model("tracking", "PositionPing").objects.get(pk=ping.pk)
    assert (moved_ping.lon, moved_ping.lat, moved_ping.user_id) == (104.0, 30.0, user.pk)
    # The content types (and with them the admin permissions) followed the models.
    types = new.get_model("contenttypes", "ContentType").objects
    assert types.get(pk=ct_export.pk).app_label == "exports"
    assert types.get(pk=ct_ping.pk).app_label == "tracking"


def test_the_moves_are_reversible_without_losing_rows():
    _migrate(AFTER)
    new = _migrate([("exports", "0001_initial"), ("tracking", "0001_initial")])
    user = new.get_model("org", "User").objects.create(username="mover")
    export = new.get_model("exports", "ExportJob").objects.create(kind="k", format="xlsx", requested_by_id=user.pk)

    old = _migrate(BEFORE)

    assert old.get_model("analytics", "ExportJob").objects.filter(pk=export.pk).exists()


def test_the_rate_counters_move_to_core_with_their_rows_and_back():
    _migrate([("core", "0003_holiday_arrangement")])  # backwards alone: a plan never goes both ways
    old = _migrate([("core", "0003_holiday_arrangement"), ("intake", "0005_positionping_moved_to_tracking")])
    content_type = old.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="core", model="ratecounter").delete()
    ct_counter, _ = content_type.objects.get_or_create(app_label="intake", model="ratecounter")
    counter = old.get_model("intake", "RateCounter").objects.create(key="portal:ip:1.2.3.4",
                                                                    window_start=timezone.now(), count=3)

    new = _migrate([("intake", "0006_ratecounter_moved_to_core")])

    moved = new.get_model("core", "RateCounter").objects.get(pk=counter.pk)
    assert (moved.key, moved.count) == ("portal:ip:1.2.3.4", 3)
    assert new.get_model("contenttypes", "ContentType").objects.get(pk=ct_counter.pk).app_label == "core"
    _migrate([("core", "0003_holiday_arrangement")])
    back = _migrate([("core", "0003_holiday_arrangement"), ("intake", "0005_positionping_moved_to_tracking")])
    assert back.get_model("intake", "RateCounter").objects.filter(pk=counter.pk, count=3).exists()
