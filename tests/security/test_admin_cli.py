"""`mka admin hash-password`, `sign-customer` and `rotate-secrets` through the real Typer app."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.security import verify_customer_token, verify_password

runner = CliRunner()


def test_hash_password_from_stdin():
    result = runner.invoke(app, ["admin", "hash-password", "--stdin"], input="s3cret-pass\n")
    assert result.exit_code == 0, result.output
    hashed = result.stdout.strip().splitlines()[-1]
    assert hashed.startswith("pbkdf2_sha256$")
    assert verify_password("s3cret-pass", hashed)
    assert "s3cret-pass" not in result.stdout


def test_hash_password_prompt_confirms():
    result = runner.invoke(app, ["admin", "hash-password"], input="abc123\nabc123\n")
    assert result.exit_code == 0, result.output
    assert verify_password("abc123", result.stdout.strip().splitlines()[-1])


def test_hash_password_empty_is_refused():
    result = runner.invoke(app, ["admin", "hash-password", "--stdin"], input="\n")
    assert result.exit_code == 2
    assert "empty" in result.output


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data directory for the command (never the repository's var/), no secrets in the environment."""
    folder = tmp_path / "var"
    monkeypatch.setenv("MKA_DATA_DIR", str(folder))
    monkeypatch.delenv("MKA_WIDGET_SECRET", raising=False)
    monkeypatch.delenv("MKA_SESSION_SECRET", raising=False)
    return folder


def test_sign_customer_uses_widget_secret(monkeypatch, data_dir):
    monkeypatch.setenv("MKA_WIDGET_SECRET", "shop-secret-123-long-enough")
    result = runner.invoke(app, ["admin", "sign-customer", "C-17850", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert verify_customer_token(token, "shop-secret-123-long-enough") == "C-17850"


def test_sign_customer_uses_the_stored_secret_the_server_uses(data_dir):
    from assistant.http.app import create_app
    from assistant.settings import Settings

    result = runner.invoke(app, ["admin", "sign-customer", "C-1"])
    assert result.exit_code == 0, result.output
    stored = json.loads((data_dir / "secrets.json").read_text())
    token = result.stdout.strip().splitlines()[-1]
    assert verify_customer_token(token, stored["widget_secret"]) == "C-1"
    settings = Settings(data_dir=data_dir, _env_file=None)
    create_app(settings)  # the server started later reads the same file
    assert settings.widget_secret.get_secret_value() == stored["widget_secret"]


@pytest.mark.parametrize("weak", ["short", "change-me-demo-widget-secret"])
def test_sign_customer_refuses_a_guessable_secret(monkeypatch, data_dir, weak):
    monkeypatch.setenv("MKA_WIDGET_SECRET", weak)
    result = runner.invoke(app, ["admin", "sign-customer", "C-1"])
    assert result.exit_code == 2 and "MKA_WIDGET_SECRET" in result.output


def test_rotate_secrets_replaces_the_stored_values(data_dir):
    assert runner.invoke(app, ["admin", "sign-customer", "C-1"]).exit_code == 0
    path = data_dir / "secrets.json"
    before = json.loads(path.read_text())
    result = runner.invoke(app, ["admin", "rotate-secrets", "--only", "widget_secret"])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output and "restart" in result.output
    after = json.loads(path.read_text())
    assert after["widget_secret"] != before["widget_secret"]
    assert after["session_secret"] == before["session_secret"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    everything = runner.invoke(app, ["admin", "rotate-secrets"])
    assert everything.exit_code == 0
    assert json.loads(path.read_text())["session_secret"] != before["session_secret"]
    assert runner.invoke(app, ["admin", "rotate-secrets", "--only", "nope"]).exit_code == 2


def test_rotate_secrets_warns_when_the_environment_still_wins(monkeypatch, data_dir):
    monkeypatch.setenv("MKA_SESSION_SECRET", "an-operator-chosen-session-secret")
    result = runner.invoke(app, ["admin", "rotate-secrets"])
    assert result.exit_code == 0
    assert "MKA_SESSION_SECRET is set and still wins" in result.output


def test_serve_refuses_a_network_address_with_the_demo_password(monkeypatch, data_dir):
    monkeypatch.delenv("MKA_MARKETER_PASSWORD_HASH", raising=False)
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-bootstrap"])
    assert result.exit_code == 1
    assert "MKA_MARKETER_PASSWORD_HASH" in result.output and "refusing to serve on 0.0.0.0" in result.output
    assert not (data_dir / "secrets.json").exists()  # refused before anything was prepared
