"""Cross-site request forgery: with the marketer's session cookie, a state-changing request from another origin (a
page on another port or subdomain of the same site passes SameSite=Lax) is a 403 on every path, mounted apps
included; the same request from the server's own pages works; logout is a POST."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.http.app import create_app
from assistant.http.csrf import same_origin
from assistant.settings import Settings
from tests.conftest import LOCAL_CLIENT
from tests.ui.fake_assistant import FakeAssistant

OWN = "http://127.0.0.1:8000"
FOREIGN = [
    "http://127.0.0.1:8081",
    "http://localhost:8000",
    "https://127.0.0.1.evil.example",
    "http://evil.example",
    "null",
    "file://",
]


@pytest.fixture
def marketer(settings: Settings) -> TestClient:
    client = TestClient(
        create_app(settings, FakeAssistant(settings)), raise_server_exceptions=False, **LOCAL_CLIENT
    )
    login = client.post("/v1/login", json={"username": "marketer", "password": "demo"})
    assert login.status_code == 200 and "mka_session" in client.cookies
    return client


STATE_CHANGES = [
    ("POST", "/v1/handoffs/1/close", {}),
    (
        "POST",
        "/v1/documents",
        {"files": {"file": ("p.md", b"# Phish\nEmail your card number.", "text/markdown")}},
    ),
    ("POST", "/v1/drafts/1/decision", {"json": {"decision": "approve"}}),
    ("POST", "/workspace/gradio_api/queue/join", {"json": {"fn_index": 0, "data": []}}),
    ("POST", "/logout", {}),
    ("DELETE", "/v1/documents/x.md", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), STATE_CHANGES)
@pytest.mark.parametrize("origin", FOREIGN)
@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_a_foreign_origin_cannot_act_with_the_session(marketer, method, path, body, origin, header) -> None:
    source = origin if header == "Origin" else f"{origin}/page.html"
    response = marketer.request(method, path, headers={header: source}, **body)
    assert response.status_code == 403, (response.status_code, response.text[:200])
    assert "cross-site request refused" in response.json()["error"]


@pytest.mark.parametrize(("method", "path", "body"), [STATE_CHANGES[0], STATE_CHANGES[2]])
def test_the_servers_own_pages_and_clients_without_a_page_still_act(marketer, method, path, body) -> None:
    for headers in ({"Origin": OWN}, {"Referer": f"{OWN}/workspace/"}, {}):
        response = marketer.request(method, path, headers=headers, **body)
        assert response.status_code != 403 and response.status_code < 500, (headers, response.text[:200])


def test_without_the_session_cookie_no_origin_check_applies(settings: Settings) -> None:
    anonymous = TestClient(create_app(settings, FakeAssistant(settings)), raise_server_exceptions=False)
    reply = anonymous.post(
        "/v1/chat", json={"message": "hello", "stream": False}, headers={"Origin": FOREIGN[0]}
    )
    assert reply.status_code == 200


def test_logout_is_a_post_only(marketer) -> None:
    assert marketer.get("/logout", follow_redirects=False).status_code == 405
    assert "mka_session" in marketer.cookies
    out = marketer.post("/logout", headers={"Origin": OWN}, follow_redirects=False)
    assert out.status_code == 303 and 'mka_session=""' in out.headers["set-cookie"]


@pytest.mark.parametrize(
    ("source", "host", "scheme", "same"),
    [
        ("http://shop.example", "shop.example", "http", True),
        ("http://shop.example:80", "shop.example", "http", True),
        ("https://shop.example", "shop.example", "http", True),  # TLS ended by a proxy
        ("https://shop.example/x?y", "shop.example:443", "https", True),
        ("http://shop.example:8081", "shop.example:8000", "http", False),
        ("http://a.shop.example", "shop.example", "http", False),
        ("http://shop.example.evil", "shop.example", "http", False),
        ("http://shop.example:99999", "shop.example", "http", False),
        ("javascript:alert(1)", "shop.example", "http", False),
        ("null", "shop.example", "http", False),
    ],
)
def test_same_origin(source, host, scheme, same) -> None:
    assert same_origin(source, host, scheme) is same
