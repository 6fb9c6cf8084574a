"""Sessions belong to their caller on every endpoint that takes a session id; the login cookie's flags; handoffs need
a way to reach the customer. Real application API, store and middleware over the scripted turn loop."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.http.app import create_app
from assistant.security import hash_password, sign_customer
from assistant.settings import Settings
from tests.conftest import LOCAL_CLIENT
from tests.ui.fake_assistant import FakeAssistant

API_KEY = "sessions-marketer-key"


def _client(settings: Settings, **kwargs) -> TestClient:
    settings.marketer_api_keys = [SecretStr(API_KEY)]
    kwargs = {**LOCAL_CLIENT, **kwargs}
    return TestClient(create_app(settings, FakeAssistant(settings)), raise_server_exceptions=False, **kwargs)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return _client(settings)


def _token(client: TestClient, customer_id: str) -> dict[str, str]:
    secret = client.app.state.settings.widget_secret.get_secret_value()
    return {"X-Customer-Token": sign_customer(customer_id, secret)}


def _start(client: TestClient, headers: dict[str, str]) -> tuple[str, int]:
    reply = client.post("/v1/chat", json={"message": "hello", "stream": False}, headers=headers).json()
    return reply["session_id"], reply["turn_id"]


def test_only_the_owner_continues_rates_or_hands_off_a_session(client: TestClient) -> None:
    alice = _token(client, "C-ALICE")
    sid, turn = _start(client, alice)
    strangers = {
        "another customer": _token(client, "C-MALLORY"),
        "an anonymous caller": {},
        "a marketer": {"Authorization": f"Bearer {API_KEY}"},
    }
    for who, headers in strangers.items():
        chat = client.post(
            "/v1/chat", json={"message": "hi", "session_id": sid, "stream": False}, headers=headers
        )
        feedback = client.post(
            "/v1/feedback", json={"session_id": sid, "turn_id": turn, "rating": -1}, headers=headers
        )
        handoff = client.post(
            "/v1/handoff", json={"session_id": sid, "contact": "m@evil.example"}, headers=headers
        )
        assert (chat.status_code, feedback.status_code, handoff.status_code) == (403, 403, 403), who
    own = client.post("/v1/feedback", json={"session_id": sid, "turn_id": turn, "rating": 1}, headers=alice)
    assert own.status_code == 200
    # An identified customer needs no contact: the shop knows who they are.
    assert client.post("/v1/handoff", json={"session_id": sid}, headers=alice).status_code == 200


def test_an_anonymous_handoff_needs_a_usable_contact(client: TestClient) -> None:
    sid, _ = _start(client, {})
    for contact in (None, "", "   ", "call me maybe", "x@y"):
        response = client.post("/v1/handoff", json={"session_id": sid, "contact": contact})
        assert response.status_code == 400, (contact, response.text)
        assert "contact" in response.json()["error"] or "email" in response.json()["error"]
    for contact in ("ann@example.com", "+49 30 1234567"):
        assert client.post("/v1/handoff", json={"session_id": sid, "contact": contact}).status_code == 200


def test_customer_tokens_only_in_the_header(client: TestClient) -> None:
    token = _token(client, "C-1")["X-Customer-Token"]
    in_query = client.post("/v1/chat?customer_token=" + token, json={"message": "hi", "stream": False})
    assert in_query.status_code == 400 and "X-Customer-Token header" in in_query.json()["error"]
    in_body = client.post("/v1/chat", json={"message": "hi", "stream": False, "customer_token": token})
    assert in_body.status_code == 422 and "X-Customer-Token header" in in_body.json()["error"]
    in_header = client.post(
        "/v1/chat", json={"message": "hi", "stream": False}, headers={"X-Customer-Token": token}
    )
    assert in_header.status_code == 200


def _login_cookie(client: TestClient, password: str = "demo", **headers: str) -> str:
    response = client.post("/v1/login", json={"username": "marketer", "password": password}, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["set-cookie"].lower()


def test_cookie_flags_over_plain_http(client: TestClient) -> None:
    cookie = _login_cookie(client)
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_cookie_is_secure_over_https(settings: Settings) -> None:
    cookie = _login_cookie(_client(settings, base_url="https://127.0.0.1:8443"))
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_forwarded_proto_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    settings.marketer_password_hash = SecretStr(
        hash_password("a-real-password")
    )  # no demo password via a proxy
    proxied = {"X-Forwarded-Proto": "https"}
    assert "secure" not in _login_cookie(_client(settings), "a-real-password", **proxied)
    settings.trusted_proxies = ["127.0.0.1"]  # the in-process client's address
    assert "secure" in _login_cookie(_client(settings), "a-real-password", **proxied)


@pytest.mark.parametrize(
    ("client_kwargs", "headers"),
    [
        ({"client": ("203.0.113.9", 4000)}, {}),  # another machine
        ({"client": ("10.0.0.5", 4000), "base_url": "http://127.0.0.1:8000"}, {}),
        ({}, {"Host": "shop.example.com"}),  # a relay on this machine, addressed by name
        ({}, {"Host": "192.0.2.1:8000"}),
        *(
            ({}, {header: "203.0.113.9"})
            for header in (
                "X-Forwarded-For", "Forwarded", "X-Real-IP", "CF-Connecting-IP", "True-Client-IP", "X-Client-IP",
                "X-Original-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Via", "Fastly-Client-IP",
            )
        ),
    ],
)  # fmt: skip
def test_the_demo_password_works_from_this_machine_only(settings, client_kwargs, headers) -> None:
    client = _client(settings, **client_kwargs)
    for path, kwargs in (
        ("/v1/login", {"json": {"username": "marketer", "password": "demo"}}),
        ("/login", {"data": {"username": "marketer", "password": "demo"}}),
    ):
        response = client.post(path, headers=headers, follow_redirects=False, **kwargs)
        assert response.status_code == 401, (path, response.status_code)
        assert "MKA_MARKETER_PASSWORD_HASH" in response.text and "mka_session" not in client.cookies


def test_the_demo_password_works_locally(settings) -> None:
    assert "httponly" in _login_cookie(_client(settings))
    assert "httponly" in _login_cookie(_client(settings, base_url="http://localhost:8000"))
    assert "httponly" in _login_cookie(_client(settings, base_url="http://[::1]:8000", client=("::1", 5000)))


def test_a_setting_forces_secure_cookies(settings: Settings) -> None:
    settings.secure_cookies = True
    assert "secure" in _login_cookie(_client(settings))
