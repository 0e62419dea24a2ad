import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from cityops.catalog.models import CatalogClass, TimeLimit
from cityops.core.models import AuditEvent
from cityops.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return f.make_user("root", is_staff=True, is_superuser=True)


def test_changelist_searches_pinyin_initials(client, root):
    client.force_login(root)
    page = client.get("/admin/catalog/catalogclass/", {"q": "bllj"}).content.decode()
    assert "暴露垃圾" in page and "道路不洁" not in page


def test_retire_and_restore_actions_go_through_the_services(client, root):
    client.force_login(root)
    garbage = CatalogClass.objects.get(kind="matter", code="06010")
    url = "/admin/catalog/catalogclass/"
    client.post(url, {"action": "retire_selected", "_selected_action": [garbage.pk]})
    assert CatalogClass.objects.get(pk=garbage.pk).is_retired
    client.post(url, {"action": "restore_selected", "_selected_action": [garbage.pk]})
    assert not CatalogClass.objects.get(pk=garbage.pk).is_retired
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "catalog.class.retired", "catalog.class.restored"]


def test_admin_saves_and_deletes_are_audited_and_keep_pinyin_in_step(root):
    request = RequestFactory().post("/")
    request.user = root
    model_admin = site._registry[CatalogClass]
    garbage = CatalogClass.objects.get(kind="matter", code="06010")
    garbage.local_name = "垃圾堆"
    model_admin.save_model(request, garbage, form=None, change=True)
    assert CatalogClass.objects.get(pk=garbage.pk).pinyin_initials == "bllj ljd"
    event = AuditEvent.objects.get(action="catalog.catalogclass.updated")
    assert event.data["after"]["local_name"] == "垃圾堆"
    limit = TimeLimit.objects.filter(catalog_class=garbage).first()
    site._registry[TimeLimit].delete_model(request, limit)
    assert AuditEvent.objects.filter(action="catalog.timelimit.deleted").exists()


def test_change_page_shows_the_time_limits_inline(client, root):
    client.force_login(root)
    garbage = CatalogClass.objects.get(kind="matter", code="06010")
    page = client.get(f"/admin/catalog/catalogclass/{garbage.pk}/change/").content.decode()
    assert "time_limits-TOTAL_FORMS" in page
