"""Org services: users, roles, scopes, departments and API tokens — permission-checked and audited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.core.models import AuditEvent
from cityops.org import services
from cityops.org.models import ApiToken, Department, Role, User
from cityops.testing import factories as f

from .conftest import ARGON2

GOOD_PASSWORD = "Tiles-and-lamps-2026"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- users --------------------------------------------------------------------------------------


def test_user_create_makes_a_user_with_roles_and_scope_and_audits_it(personas, city, settings):
    settings.PASSWORD_HASHERS = ARGON2
    admin = personas["admin"]
    dept = Department.objects.get(code="EAST-CG")
    user = services.user_create(
        username="zhang.san", password=GOOD_PASSWORD, full_name="张三", roles=[Role.INSPECTOR, Role.ACCEPTOR],
        scope_region=city.districts[0], scope_department=None, department=dept, actor=admin,
    )
    assert user.role_set == {"inspector", "acceptor"}
    assert user.check_password(GOOD_PASSWORD)
    assert user.password.startswith("argon2")
    [event] = events("org.user.created")
    assert event.actor_user == admin
    assert event.object_id == str(user.pk)
    assert event.data["roles"] == ["acceptor", "inspector"]
    assert event.data["scope_region"] == "510104"
    assert GOOD_PASSWORD not in str(event.data)


def test_user_create_without_password_makes_an_unusable_one(personas):
    user = services.user_create(username="hotline-bridge", password=None, actor=personas["admin"])
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "x1", "password": "123"}, "password"),
        ({"username": "", "password": GOOD_PASSWORD}, "username"),
        ({"username": "x2", "password": GOOD_PASSWORD, "roles": ["mayor"]}, "roles"),
    ],
)
def test_user_create_refuses_bad_input_naming_the_field(personas, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        services.user_create(actor=personas["admin"], **kwargs)
    assert exc.value.field == field
    assert not User.objects.filter(username=kwargs["username"] or "x").exists()
    assert not events("org.user.created")


def test_user_create_refuses_a_taken_username_in_any_case(personas):
    with pytest.raises(Conflict) as exc:
        services.user_create(username="INSPECTOR", password=GOOD_PASSWORD, actor=personas["admin"])
    assert exc.value.field == "username"


@pytest.mark.parametrize("persona", ["inspector", "dispatcher", "leader", "nobody"])
def test_only_admins_may_create_users(personas, persona):
    with pytest.raises(Forbidden):
        services.user_create(username="new", password=GOOD_PASSWORD, actor=personas[persona])
    assert not User.objects.filter(username="new").exists()


def test_a_superuser_and_the_system_may_create_users(db):
    root = f.make_user("root", is_superuser=True)
    services.user_create(username="a1", password=GOOD_PASSWORD, actor=root)
    services.user_create(username="a2", password=GOOD_PASSWORD, actor=None)
    assert [e.actor_kind for e in events("org.user.created")] == ["user", "system"]


def test_users_cannot_be_managed_with_an_api_token(personas):
    admin = personas["admin"]
    token, _ = services.api_token_create(user=admin, name="ops", scopes=["org:read"], actor=admin)
    admin.via_token = token
    with pytest.raises(Forbidden):
        services.user_create(username="new", password=GOOD_PASSWORD, actor=admin)


def test_user_set_roles_replaces_the_roles_and_audits_before_and_after(personas):
    user = personas["inspector"]
    assert user.role_set == {"inspector"}
    services.user_set_roles(user=user, roles=[Role.ACCEPTOR, Role.SHIFT_LEADER], actor=personas["admin"])
    assert user.role_set == {"acceptor", "shift_leader"}  # the cached set is refreshed
    assert User.objects.get(pk=user.pk).role_set == {"acceptor", "shift_leader"}
    [event] = events("org.user.roles_changed")
    assert event.data == {"before": ["inspector"], "after": ["acceptor", "shift_leader"]}


def test_setting_the_same_roles_again_writes_no_event(personas):
    services.user_set_roles(user=personas["inspector"], roles=["inspector"], actor=personas["admin"])
    assert not events("org.user.roles_changed")


def test_only_admins_may_change_roles(personas):
    with pytest.raises(Forbidden):
        services.user_set_roles(user=personas["inspector"], roles=["admin"], actor=personas["inspector"])
    assert personas["inspector"].role_set == {"inspector"}


def test_user_set_scope_audits_before_and_after(personas, city):
    user = personas["inspector"]
    west_dept = Department.objects.get(code="WEST-CG")
    services.user_set_scope(user=user, scope_region=city.districts[1], scope_department=west_dept,
                            actor=personas["admin"])
    user.refresh_from_db()
    assert user.scope_region == city.districts[1]
    [event] = events("org.user.scope_changed")
    assert event.data == {
        "before": {"scope_region": "510104", "scope_department": None},
        "after": {"scope_region": "510105", "scope_department": "WEST-CG"},
    }


def test_user_deactivate_stops_the_user_and_revokes_their_tokens(personas):
    user, admin = personas["dispatcher"], personas["admin"]
    token, _ = services.api_token_create(user=user, name="t", scopes=["cases:read"], actor=user)
    services.user_deactivate(user=user, actor=admin)
    user.refresh_from_db()
    token.refresh_from_db()
    assert not user.is_active
    assert token.revoked_at is not None
    [event] = events("org.user.deactivated")
    assert event.data == {"tokens_revoked": 1}
    with pytest.raises(Conflict):
        services.user_deactivate(user=user, actor=admin)


def test_an_admin_cannot_deactivate_themselves(personas):
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=personas["admin"], actor=personas["admin"])


# --- departments --------------------------------------------------------------------------------


def test_department_create_sets_the_path_under_the_parent_and_audits(personas):
    east = Department.objects.get(code="EAST-CG")
    sub = services.department_create(code="EAST-HW", name="东区环卫所", parent=east, actor=personas["admin"])
    assert sub.path == "/EAST-CG/EAST-HW/"
    [event] = events("org.department.created")
    assert event.data["parent"] == "EAST-CG"


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"code": "", "name": "x"}, InvalidInput, "code"),
        ({"code": "A/B", "name": "x"}, InvalidInput, "code"),
        ({"code": "NEW", "name": " "}, InvalidInput, "name"),
        ({"code": "NEW", "name": "x", "kind": "ministry"}, InvalidInput, "kind"),
        ({"code": "EAST-CG", "name": "x"}, Conflict, "code"),
    ],
)
def test_department_create_refuses_bad_input(personas, kwargs, error, field):
    with pytest.raises(error) as exc:
        services.department_create(actor=personas["admin"], **kwargs)
    assert exc.value.field == field


def test_moving_a_department_moves_the_paths_of_its_whole_subtree(personas):
    admin = personas["admin"]
    east = Department.objects.get(code="EAST-CG")
    west = Department.objects.get(code="WEST-CG")
    a = services.department_create(code="A", name="A", parent=east, actor=admin)
    b = services.department_create(code="B", name="B", parent=a, actor=admin)
    c = services.department_create(code="C", name="C", parent=b, actor=admin)
    services.department_update(department=a, parent=west, actor=admin)
    paths = dict(Department.objects.filter(code__in=["A", "B", "C"]).values_list("code", "path"))
    assert paths == {"A": "/WEST-CG/A/", "B": "/WEST-CG/A/B/", "C": "/WEST-CG/A/B/C/"}
    # Unrelated departments whose path merely starts alike are untouched.
    assert Department.objects.get(code="EAST-CG").path == "/EAST-CG/"
    [event] = events("org.department.updated")
    assert event.data["before"]["parent"] == "EAST-CG" and event.data["after"]["parent"] == "WEST-CG"
    c.refresh_from_db()
    assert c.path == "/WEST-CG/A/B/C/"


def test_renaming_a_department_code_moves_its_subtree(personas):
    admin = personas["admin"]
    east = Department.objects.get(code="EAST-CG")
    services.department_create(code="EAST-HW", name="环卫所", parent=east, actor=admin)
    services.department_update(department=east, code="DONG-CG", actor=admin)
    assert Department.objects.get(code="EAST-HW").path == "/DONG-CG/EAST-HW/"


def test_a_department_cannot_be_moved_under_its_own_subtree(personas):
    admin = personas["admin"]
    east = Department.objects.get(code="EAST-CG")
    sub = services.department_create(code="EAST-HW", name="环卫所", parent=east, actor=admin)
    with pytest.raises(InvalidInput) as exc:
        services.department_update(department=east, parent=sub, actor=admin)
    assert exc.value.field == "parent"
    with pytest.raises(InvalidInput):
        services.department_update(department=east, parent=east, actor=admin)
    assert Department.objects.get(code="EAST-CG").path == "/EAST-CG/"


def test_department_update_refuses_unknown_fields(personas):
    with pytest.raises(InvalidInput):
        services.department_update(department=Department.objects.get(code="EAST-CG"), path="/x/",
                                   actor=personas["admin"])


def test_only_admins_may_manage_departments(personas):
    with pytest.raises(Forbidden):
        services.department_create(code="X", name="X", actor=personas["leader"])
    with pytest.raises(Forbidden):
        services.department_update(department=Department.objects.get(code="EAST-CG"), name="X",
                                   actor=personas["handler"])


# --- API tokens ---------------------------------------------------------------------------------


def test_a_token_is_prefix_dot_secret_and_only_its_hash_is_stored(personas):
    user = personas["inspector"]
    token, plaintext = services.api_token_create(user=user, name="phone", scopes=["cases:write"], actor=user)
    prefix, secret = plaintext.split(".", 1)
    assert re.fullmatch(r"[a-z0-9]{8}", prefix)
    assert len(secret) >= 40
    assert token.prefix == prefix
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(v) for v in stored.values())
    [event] = events("org.token.created")
    assert secret not in str(event.data)
    assert event.data["prefix"] == prefix and event.data["scopes"] == ["cases:write"]


def test_a_user_may_only_put_scopes_their_roles_allow_on_their_own_tokens(personas):
    user = personas["inspector"]
    with pytest.raises(Forbidden, match="geo:write"):
        services.api_token_create(user=user, name="x", scopes=["geo:read", "geo:write"], actor=user)
    assert not ApiToken.objects.exists()


def test_a_user_without_roles_may_not_issue_tokens_with_any_scope(personas):
    with pytest.raises(Forbidden):
        services.api_token_create(user=personas["nobody"], name="x", scopes=["geo:read"], actor=personas["nobody"])


def test_an_admin_may_issue_any_scope_for_another_user(personas):
    token, _ = services.api_token_create(user=personas["nobody"], name="gateway", scopes=["geo:write"],
                                         actor=personas["admin"])
    assert token.user == personas["nobody"]


def test_a_non_admin_may_not_issue_or_revoke_tokens_for_someone_else(personas):
    with pytest.raises(Forbidden):
        services.api_token_create(user=personas["handler"], name="x", scopes=["cases:read"],
                                  actor=personas["dispatcher"])
    token, _ = services.api_token_create(user=personas["handler"], name="x", scopes=["cases:read"],
                                         actor=personas["handler"])
    with pytest.raises(Forbidden):
        services.api_token_revoke(token=token, actor=personas["dispatcher"])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "", "scopes": ["cases:read"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["cases:delete"]}, "scopes"),
        ({"name": "x", "scopes": ["cases:read"], "expires_at": timezone.now() - timedelta(minutes=1)}, "expires_at"),
    ],
)
def test_api_token_create_refuses_bad_input(personas, kwargs, field):
    user = personas["inspector"]
    with pytest.raises(InvalidInput) as exc:
        services.api_token_create(user=user, actor=user, **kwargs)
    assert exc.value.field == field


def test_tokens_cannot_mint_tokens(personas):
    user = personas["inspector"]
    token, _ = services.api_token_create(user=user, name="a", scopes=["cases:read"], actor=user)
    user.via_token = token
    with pytest.raises(Forbidden):
        services.api_token_create(user=user, name="b", scopes=["cases:read"], actor=user)


def test_revoking_a_token_is_audited_and_happens_once(personas):
    user = personas["inspector"]
    token, _ = services.api_token_create(user=user, name="a", scopes=["cases:read"], actor=user)
    services.api_token_revoke(token=token, actor=user)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_usable
    assert len(events("org.token.revoked")) == 1
    with pytest.raises(Conflict):
        services.api_token_revoke(token=token, actor=personas["admin"])
    assert len(events("org.token.revoked")) == 1


def test_token_scopes_for_user_follow_the_roles(personas):
    assert "cases:write" in services.token_scopes_for_user(personas["handler"])
    assert "geo:write" not in services.token_scopes_for_user(personas["handler"])
    assert services.token_scopes_for_user(personas["admin"]) >= {"geo:write", "catalog:write", "org:read"}
    assert services.token_scopes_for_user(personas["nobody"]) == frozenset()
