"""Security headers on every answer: Content-Security-Policy (nonce for the few inline scripts), HSTS over
HTTPS only, nosniff, referrer and permissions policies, no framing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";") if part.strip()}


def test_every_page_carries_the_content_security_policy(client):
    for path in ["/accounts/login/", "/portal/", "/api/v1/openapi.json", "/healthz"]:
        policy = _policy(client.get(path))
        assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"] and policy["worker-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], path


def test_an_inline_script_carries_the_nonce_of_its_response(client, personas):
    client.force_login(personas["admin"])
    response = client.get("/portal/nearby/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)


def test_the_other_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "geolocation=(self)" in response["Permissions-Policy"] and "camera=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response  # plain HTTP: HSTS means nothing and is not sent


def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _settings_value(expression: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HTTPS", "SECURE_", "CITYOPS_TILE"))}
    environ.update({"DEBUG": "true", **env})
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cityops.settings'; django.setup(); "
            f"from django.conf import settings as s; print({expression})")
    result = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_https_turns_hsts_on_and_the_proxy_header_is_read_only_when_configured():
    assert _settings_value("s.SECURE_HSTS_SECONDS") == "0"
    assert _settings_value("s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS="true",
                           SECURE_HSTS_INCLUDE_SUBDOMAINS="true") == "31536000 True"
    assert _settings_value("getattr(s, 'SECURE_PROXY_SSL_HEADER', None)") == "None"
    assert _settings_value("s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto") == \
        "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_configured_tile_host_may_serve_images():
    value = _settings_value("s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
                            CITYOPS_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert value == "[\"'self'\", 'data:', 'blob:', 'https://*.tiles.example.org']"
