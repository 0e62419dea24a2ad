import os
import subprocess
import sys

import pytest


def _settings_import(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cityops.settings'; django.setup()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_placeholder_secret_key_is_refused_outside_debug():
    result = _settings_import({"SECRET_KEY": "change-me", "DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_missing_secret_key_is_accepted_in_debug():
    result = _settings_import({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_bad_database_url_fails_loudly():
    result = _settings_import({"DEBUG": "true", "DATABASE_URL": "mysql://x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.django_db
def test_healthz_answers(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_home_shows_the_users_scope(client, personas, city):
    client.force_login(personas["inspector"])
    page = client.get("/").content.decode()
    assert "东区" in page
    assert "inspector" in page
