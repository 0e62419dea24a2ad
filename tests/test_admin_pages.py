"""Every model registered in the admin renders its list, add and change pages, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import RequestFactory
from django.urls import reverse

from cityops.core.audit import audit_log
from cityops.core.models import CalendarOverride
from cityops.org.services import api_token_create
from cityops.testing import factories as f

# Read at collection time: whatever any app registers is covered, including models added later.
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
# The suite runs with LANGUAGE_CODE=en (see cityops.testing.pytest_env), so both languages are asked for.
ZH = {"accept-language": "zh-hans"}
EN = {"accept-language": "en"}
LANGUAGES = {
    "zh-hans": {"headers": ZH, "expect": "管理后台", "absent": "Service Platform administration"},
    "en": {"headers": EN, "expect": "Service Platform administration", "absent": "管理后台"},
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas' passwords are hashed on creation; Argon2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(db):
    return f.make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def rows(city, personas, superuser):
    """At least one row for the core and org models; the city and catalogue migrations provide the rest."""
    from django.contrib.auth.models import Group

    Group.objects.create(name="值班组")
    CalendarOverride.objects.create(date="2026-03-03", kind="holiday", note="local holiday")
    api_token_create(user=personas["inspector"], name="phone", scopes=["cases:read"], actor=None)
    audit_log(actor=superuser, action="test.rendered", obj=city.city)
    return city


def _get(client, url: str, language: str):
    return client.get(url, headers=LANGUAGES[language]["headers"])


def _check_language(page: str, language: str, url: str) -> None:
    spec = LANGUAGES[language]
    assert spec["expect"] in page, f"{url} in {language} lacks {spec['expect']!r}"
    assert spec["absent"] not in page, f"{url} in {language} shows {spec['absent']!r}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_admin_page_renders(client, superuser, rows, model, language):
    client.force_login(superuser)
    opts = model._meta
    model_admin = admin.site._registry[model]
    prefix = f"admin:{opts.app_label}_{opts.model_name}"

    changelist = reverse(f"{prefix}_changelist")
    response = _get(client, changelist, language)
    assert response.status_code == 200, changelist
    _check_language(response.content.decode(), language, changelist)
    if model_admin.search_fields:
        assert _get(client, f"{changelist}?q=1", language).status_code == 200

    request = RequestFactory().get("/")
    request.user = superuser
    add = reverse(f"{prefix}_add")
    expected = 200 if model_admin.has_add_permission(request) else 403
    response = _get(client, add, language)
    assert response.status_code == expected, add
    if expected == 200:
        _check_language(response.content.decode(), language, add)

    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        change = reverse(f"{prefix}_change", args=[quote(obj.pk)])
        response = _get(client, change, language)
        assert response.status_code == 200, change
        _check_language(response.content.decode(), language, change)


def test_the_admin_index_is_in_chinese_by_default_and_in_english_on_request(client, superuser, rows, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default (the suite itself runs in English)
    client.force_login(superuser)
    chinese = client.get("/admin/").content.decode()
    assert "城市运行管理服务平台 管理后台" in chinese
    assert "组织与权限" in chinese and "部门" in chinese
    english = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "Organisation and access" in english and "Departments" in english


@pytest.mark.parametrize(("cookie", "text"), [("en", "Organisation and access"), ("zh-hans", "组织与权限")])
def test_the_language_cookie_switches_the_admin_language(client, superuser, rows, cookie, text):
    client.force_login(superuser)
    client.cookies["django_language"] = cookie
    assert text in client.get("/admin/").content.decode()


def test_the_product_default_language_is_simplified_chinese():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"LANGUAGE_CODE", "SECRET_KEY"}}
    env["DEBUG"] = "true"
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cityops.settings'; django.setup(); "
            "from django.conf import settings; print(settings.LANGUAGE_CODE)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "zh-hans", result.stderr


def test_role_names_show_in_chinese_only_in_the_chinese_admin(client, superuser, rows, personas):
    client.force_login(superuser)
    url = reverse("admin:org_user_changelist")
    chinese = client.get(url, headers=ZH).content.decode()
    assert "监督员" in chinese and "Inspector (监督员)" not in chinese
    assert "Inspector (监督员)" in client.get(url, headers={"accept-language": "en"}).content.decode()


def test_region_levels_are_translated(client, superuser, rows):
    from cityops.geo.models import Region

    if Region not in admin.site._registry:
        pytest.skip("regions are not in the admin")
    client.force_login(superuser)
    page = client.get(reverse("admin:geo_region_changelist"), headers=ZH).content.decode()
    assert "单元网格" in page


@pytest.mark.parametrize("persona", ["inspector", "leader", "nobody"])
def test_a_user_without_staff_status_is_redirected_from_the_admin(client, personas, persona):
    client.force_login(personas[persona])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_anonymous_visitor_is_redirected_to_the_admin_login(client, db):
    response = client.get("/admin/org/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
