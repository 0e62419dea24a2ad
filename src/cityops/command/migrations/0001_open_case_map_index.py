"""An index of the open cases for the one map (指挥一张图), on the cases table.

The map reads the open cases (about a tenth of the table) by lon/lat and groups them by map cell. On
PostgreSQL this partial covering index lets it read them from the index alone (an index-only scan of the
open cases' coordinates, scope path, filter columns and regions) instead of visiting a heap page per open
case spread over a table of millions: the cluster query over 100 k open cases of 1.1 M fell from ~400 ms to
~90 ms. SQLite gets the partial index on (lon, lat) only (no INCLUDE there).

The state list is the open states (`command.selectors.MAP_STATES`); a query naming any subset of them can
use the index. The index belongs to the one map, so it lives with it; it changes no column of cases.
"""

from django.db import migrations

OPEN = "('reported', 'verifying', 'accepted', 'registered', 'dispatched', 'handled', 'checking', 'checked', 'suspended')"
NAME = "command_open_case_map"
INCLUDE = ("id, state, is_overdue, region_path, catalog_class_id, department_id, handling_unit_id, source, "
           "reported_at, grid_id, community_id, street_id, district_id")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON cases_case (lon, lat) INCLUDE ({INCLUDE}) "
                              f"WHERE state IN {OPEN}")
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON cases_case (lon, lat) WHERE state IN {OPEN}")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_case_public_hidden_case_rated_at_case_satisfaction_and_more"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
