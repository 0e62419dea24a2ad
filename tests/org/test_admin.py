"""The org admin: every change of users, roles, scopes, departments and tokens is audited there too."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

import pytest

from cityops.core.models import AuditEvent
from cityops.org.models import ApiToken, Department, RoleAssignment, User
from cityops.org.services import api_token_create
from cityops.testing import factories as f

from .conftest import ARGON2


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's main form (admin change forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                return
            default = "on" if a.get("type") in {"checkbox", "radio"} else ""
            self.data.setdefault(name, []).append(a.get("value", default))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(client, url: str, **overrides) -> dict:
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    data = {k: (v if len(v) != 1 else v[0]) for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def root(db):
    return f.make_user("root", is_staff=True, is_superuser=True)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- users --------------------------------------------------------------------------------------


def test_adding_a_user_in_the_admin_hashes_with_argon2_and_audits_roles(client, root, personas, settings):
    settings.PASSWORD_HASHERS = ARGON2
    client.force_login(root)
    response = client.post("/admin/org/user/add/", {
        "username": "li.si", "usable_password": "true", "password1": "Lamps-and-tiles-99",
        "password2": "Lamps-and-tiles-99", "full_name": "李四", "phone": "", "department": "",
        "scope_region": "", "scope_department": "", "is_staff": "",
        "role_assignments-TOTAL_FORMS": "1", "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-role": "inspector",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="li.si")
    assert user.password.startswith("argon2$")
    assert user.role_set == {"inspector"}
    assert actions() == ["org.user.created", "org.user.roles_changed"]
    created = AuditEvent.objects.get(action="org.user.created")
    assert "password" not in created.data["after"]
    roles = AuditEvent.objects.get(action="org.user.roles_changed")
    assert roles.data == {"via": "admin", "before": [], "after": ["inspector"]}
    assert roles.actor_user == root


def test_role_edits_in_the_admin_inline_are_audited_with_before_and_after(client, root, personas):
    user = personas["inspector"]
    assignment = RoleAssignment.objects.get(user=user)
    client.force_login(root)
    url = f"/admin/org/user/{user.pk}/change/"
    data = form_data(client, url, **{
        "role_assignments-0-role": "acceptor",  # change inspector → acceptor
        "role_assignments-1-role": "shift_leader",  # and add a role
        "role_assignments-TOTAL_FORMS": "2",
    })
    assert data["role_assignments-0-id"] == str(assignment.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=user.pk).role_set == {"acceptor", "shift_leader"}
    event = AuditEvent.objects.get(action="org.user.roles_changed")
    assert event.data == {"via": "admin", "before": ["inspector"], "after": ["acceptor", "shift_leader"]}
    assert not AuditEvent.objects.filter(action="org.user.updated").exists()  # nothing else changed


def test_scope_change_and_deactivation_in_the_admin_are_audited(client, root, personas, city):
    user = personas["dispatcher"]
    token, plaintext = api_token_create(user=user, name="t", scopes=["cases:read"], actor=None)
    client.force_login(root)
    url = f"/admin/org/user/{user.pk}/change/"
    data = form_data(client, url, scope_region=str(city.districts[1].pk), is_active=None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    scope = AuditEvent.objects.get(action="org.user.scope_changed")
    assert scope.data["before"]["scope_region_id"] == city.districts[0].pk
    assert scope.data["after"]["scope_region_id"] == city.districts[1].pk
    deactivated = AuditEvent.objects.get(action="org.user.deactivated")
    assert deactivated.data == {"via": "admin", "tokens_revoked": 1}
    updated = AuditEvent.objects.get(action="org.user.updated")
    assert updated.data["before"]["is_active"] is True and updated.data["after"]["is_active"] is False
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_password_change_in_the_admin_is_audited_without_the_password(client, root, personas, settings):
    settings.PASSWORD_HASHERS = ARGON2
    user = personas["inspector"]
    client.force_login(root)
    response = client.post(f"/admin/org/user/{user.pk}/password/", {
        "usable_password": "true", "password1": "Brand-new-pass-77", "password2": "Brand-new-pass-77",
        "set-password": "1",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="org.user.password_changed")
    assert "Brand-new-pass-77" not in str(event.data)
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-77") and user.password.startswith("argon2$")


def test_deleting_a_user_in_the_admin_is_audited(client, root, personas):
    user = personas["nobody"]
    client.force_login(root)
    response = client.post(f"/admin/org/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="org.user.deleted", object_id=str(user.pk)).exists()


def test_a_user_with_the_admin_role_may_use_the_admin_without_being_superuser(client, personas):
    client.force_login(personas["admin"])
    assert client.get("/admin/org/user/").status_code == 200
    assert client.get("/admin/org/apitoken/").status_code == 200
    assert client.get("/admin/core/calendaroverride/").status_code == 200


def test_staff_without_the_admin_role_cannot_manage_users_or_tokens(client, personas):
    clerk = f.make_user("clerk", "dispatcher", is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user", "add_apitoken"]))
    client.force_login(clerk)
    assert client.get("/admin/org/user/").status_code == 403
    assert client.get("/admin/org/apitoken/add/").status_code == 403


def test_a_user_without_staff_status_is_sent_to_the_admin_login(client, personas):
    client.force_login(personas["inspector"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- API tokens ---------------------------------------------------------------------------------


def test_issuing_a_token_in_the_admin_shows_the_plaintext_once_and_stores_only_its_hash(client, root, personas):
    client.force_login(root)
    response = client.post("/admin/org/apitoken/add/", {
        "user": str(personas["nobody"].pk), "name": "hotline", "scopes": ["cases:write", "cases:read"],
        "expires_at_0": "", "expires_at_1": "",
    })
    assert response.status_code == 200, response.content.decode()[:3000]
    token = ApiToken.objects.get(name="hotline")
    page = response.content.decode()
    start = page.index('id="api-token"')
    plaintext = page[page.index(">", start) + 1: page.index("</code>", start)]
    assert plaintext.startswith(token.prefix + ".")
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.scopes == ["cases:read", "cases:write"]
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.get(action="org.token.created").actor_user == root
    # Shown once: the list and the change page show the prefix only.
    secret = plaintext.split(".", 1)[1]
    listing = client.get("/admin/org/apitoken/").content.decode()
    assert token.prefix in listing and secret not in listing
    assert secret not in client.get(f"/admin/org/apitoken/{token.pk}/change/").content.decode()


def test_the_token_add_form_refuses_a_past_expiry(client, root, personas):
    client.force_login(root)
    response = client.post("/admin/org/apitoken/add/", {
        "user": str(personas["nobody"].pk), "name": "old", "scopes": ["cases:read"],
        "expires_at_0": "2020-01-01", "expires_at_1": "00:00:00",
    })
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_the_revoke_action_revokes_and_audits_each_token(client, root, personas):
    a, _ = api_token_create(user=personas["inspector"], name="a", scopes=["cases:read"], actor=None)
    b, _ = api_token_create(user=personas["handler"], name="b", scopes=["cases:read"], actor=None)
    client.force_login(root)
    response = client.post("/admin/org/apitoken/", {"action": "revoke", "_selected_action": [a.pk, b.pk]})
    assert response.status_code == 302
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="org.token.revoked").count() == 2


# --- departments --------------------------------------------------------------------------------


def test_moving_a_department_in_the_admin_moves_its_subtree_and_is_audited(client, root, personas):
    east = Department.objects.get(code="EAST-CG")
    west = Department.objects.get(code="WEST-CG")
    sub = Department.objects.create(code="EAST-HW", name="环卫所", parent=east)
    leaf = Department.objects.create(code="EAST-HW-1", name="一班", parent=sub)
    client.force_login(root)
    url = f"/admin/org/department/{sub.pk}/change/"
    response = client.post(url, form_data(client, url, parent=str(west.pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    leaf.refresh_from_db()
    assert leaf.path == "/WEST-CG/EAST-HW/EAST-HW-1/"
    event = AuditEvent.objects.get(action="org.department.updated")
    assert event.data["after"]["parent"] == "WEST-CG"


def test_the_department_admin_refuses_a_loop(client, root, personas):
    east = Department.objects.get(code="EAST-CG")
    sub = Department.objects.create(code="EAST-HW", name="环卫所", parent=east)
    client.force_login(root)
    url = f"/admin/org/department/{east.pk}/change/"
    response = client.post(url, form_data(client, url, parent=str(sub.pk)))
    assert response.status_code == 200  # the form again, with the error
    assert Department.objects.get(pk=east.pk).parent is None


def test_adding_a_department_in_the_admin_goes_through_the_service(client, root, personas):
    client.force_login(root)
    east = Department.objects.get(code="EAST-CG")
    response = client.post("/admin/org/department/add/", {
        "code": "EAST-LD", "name": "东区路灯所", "name_en": "", "kind": "other", "parent": str(east.pk),
        "region": "", "credit_code": "", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Department.objects.get(code="EAST-LD").path == "/EAST-CG/EAST-LD/"
    assert actions() == ["org.department.created"]


# --- the login page -----------------------------------------------------------------------------


def test_the_login_page_logs_a_user_in_with_a_session(client, personas):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "inspector", "password": f.PASSWORD, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/org/me").json()["username"] == "inspector"


def test_the_login_page_refuses_a_wrong_password(client, personas):
    response = client.post("/accounts/login/", {"username": "inspector", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302

