import pytest

from cityops.assets.admin import ComponentForm
from cityops.catalog.models import CatalogClass
from cityops.testing import factories as f

pytestmark = pytest.mark.django_db


def _form(city, **overrides):
    data = {"ident": "51010401001000001", "catalog_class": CatalogClass.objects.get(kind="component", code="01001").pk,
            "lon": 104.005, "lat": 30.015, "status": "intact", "survey_date": "2026-01-05", "attributes": "{}",
            **overrides}
    return ComponentForm(data=data)


def test_admin_form_locates_the_point_and_sets_grid_and_path(city):
    form = _form(city)
    assert form.is_valid(), form.errors
    assert form.instance.grid_id == city.grids[0].id and form.instance.region_path == city.grids[0].path


@pytest.mark.parametrize(("overrides", "field"), [
    ({"ident": "51010501001000001"}, "ident"),
    ({"lon": 110.0}, "lon"),
])
def test_admin_form_refuses_what_the_services_refuse(city, overrides, field):
    form = _form(city, **overrides)
    assert not form.is_valid() and field in form.errors


def test_admin_form_offers_only_component_classes(city):
    assert not _form(city, catalog_class=CatalogClass.objects.get(kind="matter", code="06010").pk).is_valid()


def test_changelist_searches_by_ident_and_filters_by_major(client, city, census):
    client.force_login(f.make_user("root", is_staff=True, is_superuser=True))
    page = client.get("/admin/assets/component/", {"q": census["east1"].ident}).content.decode()
    assert census["east1"].ident in page and census["west1"].ident not in page
    assert client.get("/admin/assets/component/", {"major": "01", "status__exact": "intact"}).status_code == 200
