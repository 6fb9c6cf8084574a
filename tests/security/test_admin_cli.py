"""`mka admin hash-password` and `mka admin sign-customer` through the real Typer app."""

from __future__ import annotations

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


def test_sign_customer_uses_widget_secret(monkeypatch):
    monkeypatch.setenv("MKA_WIDGET_SECRET", "shop-secret-123")
    result = runner.invoke(app, ["admin", "sign-customer", "C-17850", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert verify_customer_token(token, "shop-secret-123") == "C-17850"
