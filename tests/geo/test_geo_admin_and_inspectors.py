"""Grid inspectors and the region admin: audited edits through the services, no polygon blobs on screen."""

from __future__ import annotations

import pytest

from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.models import AuditEvent
from cityops.geo.locate import locate
from cityops.geo.models import Region, RegionSetVersion
from cityops.geo.services import grid_assign_inspectors, region_update
from cityops.org.models import Role
from cityops.testing import factories as f


def test_assigning_inspectors_to_a_grid_is_audited(city, personas):
    grid = city.grids[0]
    grid_assign_inspectors(grid=grid, inspectors=[personas["inspector"]], actor=personas["admin"])
    assert list(grid.inspectors.all()) == [personas["inspector"]]
    event = AuditEvent.objects.get(action="geo.grid.inspectors_assigned")
    assert event.data == {"code": grid.code, "before": [], "after": ["inspector"]}
    assert event.actor_user == personas["admin"]


def test_inspectors_are_assigned_only_to_grids_and_only_inspectors(city, personas):
    with pytest.raises(InvalidInput) as err:
        grid_assign_inspectors(grid=city.communities[0], inspectors=[], actor=personas["admin"])
    assert err.value.field == "grid"
    with pytest.raises(InvalidInput, match="dispatcher is not an active inspector"):
        grid_assign_inspectors(grid=city.grids[0], inspectors=[personas["dispatcher"]], actor=personas["admin"])
    with pytest.raises(Forbidden):
        grid_assign_inspectors(grid=city.grids[0], inspectors=[personas["inspector"]], actor=personas["leader"])
    assert not city.grids[0].inspectors.exists()


def test_renaming_a_region_is_audited_and_bumps_the_region_set(city, personas):
    grid = city.grids[0]
    old_name = grid.name
    assert locate(104.005, 30.015).grid.name == old_name
    version = RegionSetVersion.objects.get().version
    region_update(region=grid, actor=personas["admin"], name="新名字")
    assert RegionSetVersion.objects.get().version == version + 1
    assert AuditEvent.objects.get(action="geo.region.updated").data["changes"] == {"name": [old_name, "新名字"]}
    assert locate(104.005, 30.015).grid.name == "新名字"
    with pytest.raises(InvalidInput):
        region_update(region=grid, actor=personas["admin"], code="123")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(f.make_user("root", is_staff=True, is_superuser=True))
    return client


def test_the_region_admin_lists_and_shows_a_summary_instead_of_the_polygon(superuser_client, city):
    listing = superuser_client.get("/admin/geo/region/", {"level__exact": "grid", "q": "510104"})
    assert listing.status_code == 200
    assert "510104001001001" in listing.content.decode()
    page = superuser_client.get(f"/admin/geo/region/{city.grids[0].pk}/change/").content.decode()
    assert "bbox 104.000000, 30.010000 – 104.010000, 30.020000" in page
    assert "geom_wkb" not in page
    assert 'name="inspectors"' in page
    assert superuser_client.get("/admin/geo/region/add/").status_code == 403
    assert superuser_client.get("/admin/geo/regionsetversion/").status_code == 200


def test_the_region_admin_saves_through_the_services(superuser_client, city):
    grid = city.grids[0]
    inspector = f.make_user("walker", Role.INSPECTOR)
    response = superuser_client.post(f"/admin/geo/region/{grid.pk}/change/", {
        "name": "管理端改名", "name_en": "Renamed", "properties": "{}", "inspectors": [inspector.pk],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    grid = Region.objects.get(pk=grid.pk)
    assert grid.name == "管理端改名"
    assert list(grid.inspectors.all()) == [inspector]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"geo.region.updated", "geo.grid.inspectors_assigned"} <= actions
