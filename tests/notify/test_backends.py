"""The backends against a real HTTP server on 127.0.0.1: the SMS gateway's body and the webhook's signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from cityops.notify import backends
from cityops.notify.models import OutboxMessage, OutboxState
from cityops.notify.outbox import outbox_deliver_due, outbox_enqueue

SECRET = "s3cret-for-tests"


class Gateway:
    """A tiny HTTP server recording what it receives and answering with `status`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((self.path, dict(self.headers), body))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    thread = threading.Thread(target=gw.server.serve_forever, daemon=True)
    thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()


def test_the_http_sms_backend_posts_the_configured_json_body(db, committed, gateway, settings):
    settings.CITYOPS_SMS_BACKEND = "http"
    settings.CITYOPS_SMS_HTTP_URL = f"{gateway.url}/sms"
    settings.CITYOPS_SMS_HTTP_TEMPLATE = '{"mobile": "{phone}", "content": "{text}", "sign": "城市运行"}'
    settings.CITYOPS_SMS_HTTP_HEADERS = {"Authorization": "Bearer gw-key"}
    with committed():
        outbox_enqueue(channel="sms", to="13800138000", template="citizen.closed", language="zh-hans",
                       context={"class_name": "暴露垃圾", "result": '已清运 "全部"'})
    assert outbox_deliver_due(worker_id="w").sent == 1
    [(path, headers, body)] = gateway.requests
    sent = json.loads(body)
    assert path == "/sms" and headers["Authorization"] == "Bearer gw-key"
    assert sent["mobile"] == "13800138000" and sent["sign"] == "城市运行"
    assert '已清运 "全部"' in sent["content"]  # quotes in the text keep the JSON valid


def test_a_gateway_error_is_kept_on_the_message_and_retried(db, committed, gateway, settings):
    settings.CITYOPS_SMS_BACKEND, settings.CITYOPS_SMS_HTTP_URL = "http", f"{gateway.url}/sms"
    gateway.status = 503
    with committed():
        outbox_enqueue(channel="sms", to="13800138000", template="citizen.received", context={})
    assert outbox_deliver_due(worker_id="w").failed == 1
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.FAILED and "HTTP 503" in message.last_error


def test_a_webhook_is_posted_as_json_signed_with_hmac_sha256(db, committed, gateway, settings):
    settings.CITYOPS_WEBHOOK_SECRET = SECRET
    event = {"event": "case.closed", "case": "C-1", "result": "清运完毕"}
    with committed():
        outbox_enqueue(channel="webhook", to=f"{gateway.url}/hook", payload={"body": event})
    assert outbox_deliver_due(worker_id="w").sent == 1
    [(_path, headers, body)] = gateway.requests
    assert json.loads(body) == event
    signature = headers["X-Cityops-Signature"]
    assert signature.startswith("t=") and ",v1=" in signature
    assert backends.verify(body, signature, secret=SECRET)
    assert not backends.verify(body + b" ", signature, secret=SECRET)
    assert not backends.verify(body, signature, secret="another")


def test_a_webhook_target_may_have_its_own_secret(db, committed, gateway, settings):
    settings.CITYOPS_WEBHOOK_SECRET = "platform"
    backends.register_secret_resolver("test-target", lambda ident: f"own-{ident}")
    with committed():
        outbox_enqueue(channel="webhook", to=f"{gateway.url}/hook",
                       payload={"body": {"ok": True}, "secret_ref": "test-target:7"})
    outbox_deliver_due(worker_id="w")
    [(_path, headers, body)] = gateway.requests
    assert backends.verify(body, headers["X-Cityops-Signature"], secret="own-7")
    assert b"secret_ref" not in body


def test_an_old_signature_is_refused():
    body = b'{"a":1}'
    header = backends.sign(body, secret=SECRET, timestamp=1_000_000)
    assert backends.verify(body, header, secret=SECRET, now=1_000_100)
    assert not backends.verify(body, header, secret=SECRET, now=1_000_000 + 3600)


def test_a_status_callback_is_signed_with_the_integration_sources_own_secret(db, committed, gateway, personas,
                                                                              settings):
    from cityops.intake.models import IntegrationSource

    settings.CITYOPS_WEBHOOK_SECRET = "platform"
    source = IntegrationSource.objects.create(code="hotline-12345", name="12345", kind="hotline",
                                              secret="source-secret", account=personas["admin"])
    with committed():
        outbox_enqueue(channel="webhook", to=f"{gateway.url}/status",
                       payload={"body": {"status": "closed"}, "secret_ref": f"intake.source:{source.pk}"})
    outbox_deliver_due(worker_id="w")
    [(_path, headers, body)] = gateway.requests
    assert backends.verify(body, headers["X-Cityops-Signature"], secret="source-secret")
