"""Issue 12, on the real app (`create_app` over the real `Assistant`, real SQLite, the demo shop's files): no forgeable
logins, internal documents stay internal, a lone surrogate is a 4xx. No model loads: every case here is refused (or
answered) before a turn would need one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.errors import ConfigError
from assistant.http.app import create_app
from assistant.security import hash_password, sign_customer
from assistant.settings import REPO_ROOT, Settings
from tests.conftest import LOCAL_CLIENT

OLD_SESSION_SECRET = "change-me-demo-session-secret"  # the default the source shipped before issue 12
OLD_WIDGET_SECRET = "change-me-demo-widget-secret"
API_KEY = "locked-marketer-key"
BRIEF = "campaigns/alpine-summer-2027.yaml"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged_cookie(secret: str, user: str = "marketer") -> str:
    """A session cookie made the way the server makes them, with a secret the attacker knows."""
    payload = _b64(json.dumps({"u": user, "exp": int(time.time()) + 3600}).encode())
    mac = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}"


@pytest.fixture
def client(settings: Settings) -> TestClient:
    settings.marketer_api_keys = [SecretStr(API_KEY)]
    return TestClient(create_app(settings), raise_server_exceptions=False, **LOCAL_CLIENT)


# ------------------------------------------------------------------------------------------- forgeable logins
def test_a_cookie_forged_with_the_old_default_secret_is_refused(client: TestClient) -> None:
    client.cookies.set("mka_session", forged_cookie(OLD_SESSION_SECRET))
    for path in ("/v1/segments", "/v1/segments/plot.png"):
        response = client.get(path)
        assert response.status_code == 401, (path, response.status_code, response.text)
        assert "marketer" in response.json()["error"]
    client.cookies.clear()
    # The control: a cookie the server itself issued after a real login opens the same door (503: not trained yet).
    login = client.post("/v1/login", json={"username": "marketer", "password": "demo"})
    assert login.status_code == 200
    assert client.get("/v1/segments/plot.png").status_code == 503


def test_a_customer_token_signed_with_the_old_default_secret_is_refused(client: TestClient) -> None:
    forged = sign_customer("C00042", OLD_WIDGET_SECRET)
    response = client.get("/v1/customers/C00042/recommendations", headers={"X-Customer-Token": forged})
    assert response.status_code == 401 and "signature" in response.json()["error"]


def test_no_working_secret_in_the_source() -> None:
    for path in (REPO_ROOT / "assistant").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for old in (OLD_SESSION_SECRET, OLD_WIDGET_SECRET):
            assert old not in text or path.name == "secret_store.py", path  # only its refusal list names it


def test_secrets_are_generated_once_private_and_reused(settings: Settings) -> None:
    create_app(settings)
    path = settings.data_dir / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = settings.session_secret.get_secret_value(), settings.widget_secret.get_secret_value()
    assert len(first[0]) >= 40 and first[0] != first[1]
    again = Settings(data_dir=settings.data_dir, _env_file=None)
    create_app(again)
    assert (again.session_secret.get_secret_value(), again.widget_secret.get_secret_value()) == first
    elsewhere = Settings(data_dir=settings.data_dir.parent / "other", _env_file=None)
    create_app(elsewhere)
    assert elsewhere.session_secret.get_secret_value() != first[0]  # never one value for every install


def test_the_environment_overrides_and_is_never_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MKA_SESSION_SECRET", "operator-chosen-session-secret-0123")
    settings = Settings(data_dir=tmp_path / "var", _env_file=None)
    create_app(settings)
    assert settings.session_secret.get_secret_value() == "operator-chosen-session-secret-0123"
    stored = json.loads((tmp_path / "var" / "secrets.json").read_text())
    assert "operator-chosen" not in json.dumps(stored) and stored["widget_secret"]


def test_the_old_defaults_and_short_secrets_are_refused(tmp_path: Path) -> None:
    for value in (OLD_SESSION_SECRET, "secret"):
        settings = Settings(data_dir=tmp_path / "var", session_secret=SecretStr(value), _env_file=None)
        with pytest.raises(ConfigError, match="MKA_SESSION_SECRET"):
            create_app(settings)


def test_no_network_address_with_the_demo_password(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", host="0.0.0.0", _env_file=None)
    with pytest.raises(ConfigError, match="MKA_MARKETER_PASSWORD_HASH"):
        create_app(settings)
    settings.marketer_password_hash = SecretStr(hash_password("a-real-password"))
    create_app(settings)  # with a real password it serves anywhere
    create_app(Settings(data_dir=tmp_path / "var", host="127.0.0.1", _env_file=None))


def test_the_demo_password_is_refused_through_a_proxy(client: TestClient) -> None:
    proxied = client.post(
        "/v1/login",
        json={"username": "marketer", "password": "demo"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert proxied.status_code == 401


# ------------------------------------------------------------------------------------------ internal documents
def test_a_campaign_brief_is_not_public(client: TestClient) -> None:
    anonymous = client.get(f"/docs/{BRIEF}")
    assert anonymous.status_code in (403, 404), anonymous.text[:200]
    assert "banned" not in anonymous.text.lower()
    token = sign_customer("C00042", client.app.state.settings.widget_secret.get_secret_value())
    assert client.get(f"/docs/{BRIEF}", headers={"X-Customer-Token": token}).status_code == 404
    marketer = client.get(f"/docs/{BRIEF}", headers={"Authorization": f"Bearer {API_KEY}"})
    assert marketer.status_code == 200 and "alpine" in marketer.text.lower()
    assert "no-store" in marketer.headers["cache-control"]
    assert client.get("/docs/policies/returns.md").status_code == 200  # policies stay public


# ------------------------------------------------------------------------------------------------ not text
@pytest.mark.parametrize(
    "raw", ['{"message": "\\ud800"}', '{"message": "hi \\udfff there", "stream": false}']
)
def test_a_lone_surrogate_is_a_4xx_with_a_message(client: TestClient, raw: str) -> None:
    response = client.post("/v1/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), (response.status_code, response.text)
    assert "surrogate" in response.json()["error"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"message": "a\\u0000b"}', "NUL"),
        ('{"message": "bell \\u0007 ring"}', "control character"),
        ('{"message": "c1 \\u009b x"}', "control character"),
    ],
)
def test_control_characters_are_refused(client: TestClient, raw: str, words: str) -> None:
    response = client.post("/v1/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert words in response.json()["error"]


def test_uploads_must_be_text(client: TestClient, settings: Settings) -> None:
    marketer = {"Authorization": f"Bearer {API_KEY}"}
    latin1 = client.post(
        "/v1/documents", files={"file": ("faq.md", "Größe: 42\n".encode("latin-1"))}, headers=marketer
    )
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["error"]
    nul = client.post("/v1/documents", files={"file": ("faq.txt", b"hello\x00world\n")}, headers=marketer)
    assert nul.status_code == 400 and "control character" in nul.json()["error"]
    long_line = b"x" * (settings.limits.max_upload_line_chars + 1) + b"\n"
    huge = client.post("/v1/documents", files={"file": ("faq.md", long_line)}, headers=marketer)
    assert huge.status_code == 400 and "line" in huge.json()["error"]
    assert not (settings.data_dir / "uploads" / "faq.md").exists()  # nothing refused is kept


@pytest.mark.parametrize(
    "body",
    [
        {"message": "hi", "stream": "yes"},  # not a boolean
        {"message": 123},
        {"message": "hi", "session_id": "../../etc"},
        {"message": "hi", "role": "marketer"},  # unknown fields are refused, not ignored
    ],
)
def test_wrong_types_are_422_not_coerced(client: TestClient, body: dict) -> None:
    response = client.post("/v1/chat", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]


@pytest.mark.parametrize(
    "path", ["/v1/segments/%00", "/v1/segments/" + "x" * 300, "/v1/customers/%ED%A0%80/recommendations"]
)
def test_names_in_urls_must_be_short_text(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code in (400, 404, 422), (response.status_code, response.text)
