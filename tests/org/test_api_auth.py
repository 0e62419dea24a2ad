"""Bearer tokens: wrong ones are limited per client address and per token prefix (429 with Retry-After), and
the lock-out is audited; a right token from elsewhere keeps working."""

from __future__ import annotations

import pytest

from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/org/me"


@pytest.fixture(autouse=True)
def _limits(settings, fast_password_hashing):
    settings.CITYOPS_TOKEN_FAILURES_PER_IP = 5
    settings.CITYOPS_TOKEN_FAILURES_PER_PREFIX = 3
    settings.CITYOPS_TOKEN_FAILURE_WINDOW_SECONDS = 900


def get(client, auth, ip="203.0.113.7"):
    return client.get(URL, HTTP_AUTHORIZATION=auth, REMOTE_ADDR=ip)


def test_wrong_tokens_from_one_address_are_answered_429_past_the_limit(client, personas, api_token):
    codes = [get(client, f"Bearer guess{n}.secret").status_code for n in range(8)]
    assert codes == [401] * 5 + [429] * 3
    response = get(client, api_token(personas["dispatcher"]))  # even a right token, from this address
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 900
    assert get(client, api_token(personas["dispatcher"]), ip="192.0.2.1").status_code == 200


def test_guessing_the_secret_of_one_prefix_is_limited_from_any_address(client, personas, api_token):
    auth = api_token(personas["dispatcher"])
    prefix = auth.split()[1].split(".")[0]
    codes = [get(client, f"Bearer {prefix}.wrong", ip=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert get(client, auth, ip="192.0.2.1").status_code == 429


def test_the_lock_out_is_audited_once(client, db):
    for n in range(8):
        get(client, f"Bearer guess{n}.secret")
    events = AuditEvent.objects.filter(action="core.api_token.locked_out")
    assert [e.object_id for e in events] == ["token-fail:ip:203.0.113.7"]
    assert events[0].data["failures"] == 5


def test_open311_api_keys_are_limited_too(client, db, settings):
    settings.CITYOPS_TOKEN_FAILURES_PER_IP = 2
    responses = [client.post("/open311/v2/requests.json", {"api_key": f"k{n}.x", "service_code": "x"},
                             REMOTE_ADDR="203.0.113.8") for n in range(3)]
    assert [r.status_code for r in responses] == [403, 403, 429]
    assert "Too many invalid API tokens" in responses[2].content.decode() and int(responses[2]["Retry-After"]) > 0
