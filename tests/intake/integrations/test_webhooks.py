"""Signed detections from integrations: the signature, the clock window, replays, idempotency and outcomes."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest

from cityops.cases.models import Case, CaseEvent, CasePhoto
from cityops.intake.integrations.webhooks import sign, signed_headers
from cityops.intake.models import ExternalReport, IntegrationSource, SignatureNonce
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.api_support import EAST, EAST_2, GARBAGE, image_bytes

URL = "/api/v1/intake/detections"
SECRET = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    """The shared fast hasher."""


@pytest.fixture
def source(city):
    account = f.make_user("video-ai", Role.INSPECTOR, scope_region=city.city)
    return IntegrationSource.objects.create(code="video-ai", name="视频AI", kind="video_ai", secret=SECRET,
                                            account=account, default_threshold=0.8,
                                            class_thresholds={GARBAGE: 0.95})


def detection(**overrides):
    body = {"external_id": "det-1", "class": "matter:06020", "lon": EAST[0], "lat": EAST[1], "confidence": 0.9,
            "description": "AI 识别：占道经营", "address": "东区一街道"}
    body.update(overrides)
    return body


def post(client, body, *, source="video-ai", secret=SECRET, nonce=None, timestamp=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = signed_headers(source=source, secret=secret, body=data, nonce=nonce or secrets.token_hex(8),
                             timestamp=timestamp)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_sign_is_hmac_sha256_of_timestamp_nonce_and_body():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.abc.{}", hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, "abc", b"{}") == expected


def test_a_confident_detection_is_accepted_and_waits_for_registration(client, source):
    response = post(client, detection())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "registration"
    case = Case.objects.get(number=body["case_number"])
    assert (case.state, case.source, case.reporter) == ("accepted", "video_ai", source.account)
    assert ExternalReport.objects.get(source=source, external_id="det-1").case == case


def test_a_confident_detection_calls_back_reported_then_the_automatic_accept(client, source,
                                                                             django_capture_on_commit_callbacks):
    from cityops.notify.models import OutboxMessage

    IntegrationSource.objects.filter(pk=source.pk).update(callback_url="https://ai.example/status")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, detection()).status_code == 201
    callbacks = OutboxMessage.objects.filter(channel="webhook").order_by("id")
    assert [c.payload["body"]["state"] for c in callbacks] == ["reported", "accepted"]
    assert {c.recipient for c in callbacks} == {"https://ai.example/status"}


def test_a_detection_below_the_threshold_stays_reported_for_verification(client, source):
    body = post(client, detection(confidence=0.5)).json()
    assert body["outcome"] == "verification"
    assert Case.objects.get(number=body["case_number"]).state == "reported"


def test_the_class_threshold_overrides_the_default(client, source):
    # 0.9 passes the default 0.8 but not garbage's own 0.95.
    body = post(client, detection(**{"class": GARBAGE, "confidence": 0.9})).json()
    assert body["outcome"] == "verification"
    body = post(client, detection(**{"external_id": "det-2", "class": GARBAGE, "confidence": 0.96,
                                     "lon": EAST_2[0], "lat": EAST_2[1]})).json()
    assert body["outcome"] == "registration"


def test_a_resend_returns_the_same_result_without_a_second_case(client, source):
    first = post(client, detection()).json()
    again = post(client, detection())
    assert again.status_code == 200
    assert again.json() == first
    assert Case.objects.count() == 1


def test_an_open_case_nearby_makes_the_detection_a_duplicate(client, source, city):
    existing = f.make_case(city, catalog_class="matter:06020", lon=EAST[0], lat=EAST[1])
    body = post(client, detection()).json()
    assert body == {"external_id": "det-1", "case_number": existing.number, "outcome": "duplicate"}
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=existing, action="case.caller_added").exists()


def test_the_evidence_image_becomes_the_cases_photo(client, source):
    image = base64.b64encode(image_bytes("PNG", (32, 32))).decode()
    body = post(client, detection(evidence_image=image)).json()
    assert CasePhoto.objects.filter(case__number=body["case_number"], phase="before").count() == 1


@pytest.mark.parametrize("image, status", [
    (base64.b64encode(b"%PDF-1.4 not an image").decode(), 415),
    ("***not base64***", 422),
])
def test_a_bad_evidence_image_is_refused_and_nothing_is_written(client, source, image, status):
    response = post(client, detection(evidence_image=image))
    assert response.status_code == status
    assert response.json()["field"] == "evidence_image"
    assert not Case.objects.exists() and not ExternalReport.objects.exists()


@pytest.mark.parametrize("override, field", [
    ({"confidence": 1.5}, "confidence"),
    ({"class": "matter:99999"}, "class"),
    ({"lon": 105.0, "lat": 31.0}, "lon"),
    ({"description": ""}, "description"),
])
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(client, source, override, field):
    response = post(client, detection(**override))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Case.objects.exists() and not ExternalReport.objects.exists()


def test_a_body_that_is_not_json_is_422(client, source):
    response = post(client, None, raw=b"not json")
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("malformed_body", "body")


def test_a_bad_signature_is_refused(client, source):
    response = post(client, detection(), secret="wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert not ExternalReport.objects.exists()


def test_a_request_without_signature_headers_is_refused(client, source):
    response = client.post(URL, data=json.dumps(detection()), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "missing_signature"


def test_an_unknown_or_inactive_source_is_refused(client, source):
    assert post(client, detection(), source="nobody").json()["code"] == "unknown_source"
    IntegrationSource.objects.filter(pk=source.pk).update(is_active=False)
    response = post(client, detection())
    assert response.status_code == 401
    assert response.json()["code"] == "unknown_source"


def test_a_stale_timestamp_is_refused(client, source):
    response = post(client, detection(), timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"


def test_a_replayed_nonce_is_refused(client, source):
    assert post(client, detection(), nonce="n-1").status_code == 201
    response = post(client, detection(), nonce="n-1")
    assert response.status_code == 401
    assert response.json()["code"] == "replayed"
    assert SignatureNonce.objects.filter(nonce="n-1").count() == 1


def test_a_hotline_source_cannot_post_detections(client, source):
    IntegrationSource.objects.filter(pk=source.pk).update(kind="hotline")
    assert post(client, detection()).json()["code"] == "unknown_source"


def test_old_nonces_are_purged_and_recent_ones_kept(source):
    from datetime import timedelta

    from django.utils import timezone

    from cityops.intake.jobs import nonces_purge

    now = timezone.now()
    SignatureNonce.objects.create(source=source, nonce="old", seen_at=now - timedelta(minutes=11))
    SignatureNonce.objects.create(source=source, nonce="new", seen_at=now - timedelta(minutes=1))
    assert nonces_purge(now=now) == 1
    assert list(SignatureNonce.objects.values_list("nonce", flat=True)) == ["new"]


def test_the_admin_never_shows_the_secret_back(client, source, personas):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin_user)
    page = client.get(f"/admin/intake/integrationsource/{source.pk}/change/")
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
