"""The org API under /api/v1/org: who am I, tokens, departments, users, audit — and token authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cityops.core.models import AuditEvent
from cityops.org import services
from cityops.org.models import ApiToken, User

BASE = "/api/v1/org"


def bearer(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def issue(user, *scopes: str, **kwargs) -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name="test", scopes=list(scopes), actor=None, **kwargs)


# --- who am I and authentication ----------------------------------------------------------------


def test_me_answers_for_a_session(client, personas):
    client.force_login(personas["handler"])
    body = client.get(f"{BASE}/me").json()
    assert body["username"] == "handler"
    assert body["roles"] == ["handler"]
    assert body["scope_department"] == "EAST-CG"
    assert body["token_scopes"] is None


def test_me_answers_for_a_token_with_its_scopes(client, personas):
    _, plaintext = issue(personas["inspector"], "cases:read", "geo:read")
    body = client.get(f"{BASE}/me", **bearer(plaintext)).json()
    assert body["username"] == "inspector"
    assert body["token_scopes"] == ["cases:read", "geo:read"]


def test_anonymous_requests_get_401(client, db):
    response = client.get(f"{BASE}/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer abcdefgh.wrong-secret", "Bearer .x", "Basic abc"])
def test_a_wrong_token_gets_401(client, personas, header):
    issue(personas["inspector"], "cases:read")
    assert client.get(f"{BASE}/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_token_with_the_right_prefix_but_a_wrong_secret_gets_401(client, personas):
    token, plaintext = issue(personas["inspector"], "cases:read")
    assert client.get(f"{BASE}/me", **bearer(f"{token.prefix}.not-the-secret")).status_code == 401
    assert client.get(f"{BASE}/me", **bearer(plaintext)).status_code == 200


def test_a_revoked_token_gets_401(client, personas):
    token, plaintext = issue(personas["inspector"], "cases:read")
    services.api_token_revoke(token=token, actor=None)
    assert client.get(f"{BASE}/me", **bearer(plaintext)).status_code == 401


def test_an_expired_token_gets_401(client, personas):
    token, plaintext = issue(personas["inspector"], "cases:read")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"{BASE}/me", **bearer(plaintext)).status_code == 401


def test_a_token_stops_working_when_its_user_is_deactivated(client, personas):
    _, plaintext = issue(personas["inspector"], "cases:read")
    assert client.get(f"{BASE}/me", **bearer(plaintext)).status_code == 200
    # Even without the revocation that user_deactivate does, an inactive user's token is refused.
    User.objects.filter(username="inspector").update(is_active=False)
    assert client.get(f"{BASE}/me", **bearer(plaintext)).status_code == 401


def test_a_deactivated_users_session_stops_working(client, personas):
    client.force_login(personas["dispatcher"])
    services.user_deactivate(user=personas["dispatcher"], actor=personas["admin"])
    assert client.get(f"{BASE}/me").status_code == 401


def test_last_used_at_is_stamped_on_use(client, personas):
    token, plaintext = issue(personas["inspector"], "cases:read")
    assert token.last_used_at is None
    client.get(f"{BASE}/me", **bearer(plaintext))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_the_plaintext_token_is_nowhere_in_the_database(client, personas):
    client.force_login(personas["inspector"])
    response = client.post(f"{BASE}/tokens", {"name": "phone", "scopes": ["cases:read"]},
                           content_type="application/json")
    plaintext = response.json()["token"]
    secret = plaintext.split(".", 1)[1]
    client.get(f"{BASE}/me", **bearer(plaintext))
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert secret not in repr(row), table


# --- tokens -------------------------------------------------------------------------------------


def test_a_user_creates_lists_and_revokes_their_own_token(client, personas):
    client.force_login(personas["inspector"])
    response = client.post(f"{BASE}/tokens", {"name": "phone", "scopes": ["cases:read", "cases:write"]},
                           content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(body["prefix"] + ".")
    assert body["scopes"] == ["cases:read", "cases:write"]
    listed = client.get(f"{BASE}/tokens").json()
    assert [t["prefix"] for t in listed] == [body["prefix"]]
    assert "token" not in listed[0]  # the plaintext is shown once
    revoked = client.post(f"{BASE}/tokens/{body['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["usable"] is False
    assert client.post(f"{BASE}/tokens/{body['id']}/revoke").status_code == 409
    assert AuditEvent.objects.filter(action="org.token.revoked", object_id=str(body["id"])).count() == 1


def test_a_user_cannot_see_or_revoke_someone_elses_token(client, personas):
    other, _ = issue(personas["handler"], "cases:read")
    client.force_login(personas["inspector"])
    assert client.get(f"{BASE}/tokens").json() == []
    response = client.post(f"{BASE}/tokens/{other.pk}/revoke")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_an_admin_sees_and_revokes_every_token_and_issues_for_others(client, personas):
    other, _ = issue(personas["handler"], "cases:read")
    client.force_login(personas["admin"])
    assert [t["username"] for t in client.get(f"{BASE}/tokens").json()] == ["handler"]
    assert client.post(f"{BASE}/tokens/{other.pk}/revoke").status_code == 200
    response = client.post(f"{BASE}/tokens", {"name": "gateway", "scopes": ["geo:read"], "username": "nobody"},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["username"] == "nobody"


def test_a_non_admin_cannot_issue_a_token_for_someone_else(client, personas):
    client.force_login(personas["inspector"])
    response = client.post(f"{BASE}/tokens", {"name": "x", "scopes": ["cases:read"], "username": "handler"},
                           content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": "x", "scopes": ["geo:write"]}, 403, None),  # beyond the inspector's roles
        ({"name": "x", "scopes": ["cases:fly"]}, 422, "scopes"),
        ({"name": "x", "scopes": []}, 422, "scopes"),
        ({"name": "", "scopes": ["cases:read"]}, 422, "name"),
        ({"scopes": ["cases:read"]}, 422, "name"),
        ({"name": "x", "scopes": ["cases:read"], "expires_at": "2020-01-01T00:00:00+08:00"}, 422, "expires_at"),
        ({"name": "x", "scopes": ["cases:read"], "expires_at": "yesterday"}, 422, "expires_at"),
        ({"name": "x", "scopes": ["cases:read"], "username": "ghost"}, 422, "username"),
    ],
)
def test_token_creation_refuses_bad_input_with_a_clear_4xx(client, personas, payload, status, field):
    client.force_login(personas["inspector"])
    response = client.post(f"{BASE}/tokens", payload, content_type="application/json")
    assert response.status_code == status, response.content
    body = response.json()
    if field:
        fields = {body.get("field")} | {e.get("field") for e in body.get("errors", [])}
        assert any(f and f.endswith(field) for f in fields), body
    assert not ApiToken.objects.exists()


def test_a_token_cannot_create_tokens(client, personas):
    _, plaintext = issue(personas["admin"], "org:read")
    response = client.post(f"{BASE}/tokens", {"name": "x", "scopes": ["geo:write"]},
                           content_type="application/json", **bearer(plaintext))
    assert response.status_code == 403


def test_an_unknown_token_id_is_404(client, personas):
    client.force_login(personas["admin"])
    assert client.post(f"{BASE}/tokens/999999/revoke").status_code == 404


# --- departments, users, audit --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "codes"),
    [("handler", ["EAST-CG"]), ("other_handler", ["WEST-CG"]), ("admin", ["EAST-CG", "WEST-CG"]), ("nobody", [])],
)
def test_departments_are_scoped(client, personas, persona, codes):
    client.force_login(personas[persona])
    response = client.get(f"{BASE}/departments")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()] == codes


def test_a_token_without_org_read_cannot_list_departments(client, personas):
    _, without = issue(personas["handler"], "cases:read")
    _, with_scope = issue(personas["handler"], "org:read")
    assert client.get(f"{BASE}/departments", **bearer(without)).status_code == 403
    assert client.get(f"{BASE}/departments", **bearer(with_scope)).status_code == 200


@pytest.mark.parametrize("persona", ["inspector", "dispatcher", "leader", "nobody"])
def test_only_admins_list_users(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(f"{BASE}/users").status_code == 403


def test_an_admin_lists_users_with_roles_and_scopes(client, personas):
    client.force_login(personas["admin"])
    users = {u["username"]: u for u in client.get(f"{BASE}/users").json()}
    assert users["inspector"]["roles"] == ["inspector"]
    assert users["inspector"]["scope_region"] == "510104"
    assert users["handler"]["department"] == "EAST-CG"


def test_an_admin_reads_the_audit_trail_with_filters(client, personas):
    admin = personas["admin"]
    services.user_set_roles(user=personas["inspector"], roles=["acceptor"], actor=admin)
    token, _ = issue(personas["handler"], "cases:read")
    client.force_login(admin)
    body = client.get(f"{BASE}/audit", {"action": "org.user"}).json()
    assert [e["action"] for e in body] == ["org.user.roles_changed"]
    assert body[0]["data"] == {"before": ["inspector"], "after": ["acceptor"]}
    assert body[0]["actor"] == "admin"
    by_object = client.get(f"{BASE}/audit", {"object_type": "org.apitoken", "object_id": str(token.pk)}).json()
    assert [e["action"] for e in by_object] == ["org.token.created"]
    assert len(client.get(f"{BASE}/audit", {"limit": 1}).json()) == 1


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_the_audit_limit_is_validated(client, personas, limit):
    client.force_login(personas["admin"])
    assert client.get(f"{BASE}/audit", {"limit": limit}).status_code == 422


@pytest.mark.parametrize("persona", ["leader", "dispatcher", "nobody"])
def test_only_admins_read_the_audit_trail(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(f"{BASE}/audit").status_code == 403


def test_error_messages_follow_the_requested_language(client, personas):
    client.force_login(personas["inspector"])
    payload = {"name": "x", "scopes": ["cases:fly"]}
    chinese = client.post(f"{BASE}/tokens", payload, content_type="application/json",
                          headers={"accept-language": "zh-hans"}).json()
    assert chinese["detail"].startswith("未知权限范围")
    english = client.post(f"{BASE}/tokens", payload, content_type="application/json",
                          headers={"accept-language": "en"}).json()
    assert english["detail"].startswith("Unknown scope(s): cases:fly.")


def test_a_session_post_needs_the_csrf_token_but_a_bearer_token_does_not(personas):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["inspector"])
    payload = {"name": "phone", "scopes": ["cases:read"]}
    response = browser.post(f"{BASE}/tokens", payload, content_type="application/json")
    assert response.status_code == 403, response.status_code
    assert not ApiToken.objects.filter(name="phone").exists()
    browser.get("/accounts/login/")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(f"{BASE}/tokens", payload, content_type="application/json", headers={"x-csrftoken": csrf})
    assert response.status_code == 201
    _, plaintext = issue(personas["admin"], "org:read")
    machine = Client(enforce_csrf_checks=True)
    assert machine.get(f"{BASE}/departments", **bearer(plaintext)).status_code == 200
