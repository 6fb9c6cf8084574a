"""Input limits on the real app (real assistant, store and middleware): every bad input is a 4xx with a clear message."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.http.app import create_app
from assistant.settings import Settings

API_KEY = "limits-marketer-key"
MARKETER = {"Authorization": f"Bearer {API_KEY}"}


def _client(settings: Settings) -> TestClient:
    settings.marketer_api_keys = [SecretStr(API_KEY)]
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    settings.limits.max_message_chars = 200
    settings.limits.max_body_bytes = 4096
    settings.limits.max_upload_bytes = 8192
    return _client(settings)


def _error(response, status: int, *words: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    message = response.json()["error"]
    for word in words:
        assert word.lower() in message.lower(), message


def test_empty_and_blank_messages(client):
    _error(client.post("/v1/chat", json={"message": "", "stream": False}), 400, "empty")
    _error(client.post("/v1/chat", json={"message": "  \n\t ", "stream": False}), 400, "empty")
    _error(client.post("/v1/chat", json={}), 422, "message")
    _error(client.post("/v1/chat", content=b"", headers={"content-type": "application/json"}), 422)


def test_message_too_long(client):
    _error(client.post("/v1/chat", json={"message": "x" * 201, "stream": False}), 400, "200")


def test_body_too_large(client):
    _error(client.post("/v1/chat", json={"message": "x" * 5000}), 413, "too large")


def test_binary_invalid_utf8_and_nested_json(client):
    headers = {"content-type": "application/json"}
    _error(client.post("/v1/chat", content=b'{"message": "\xc3\x28"}', headers=headers), 400, "UTF-8")
    _error(client.post("/v1/chat", content=b"\x00\x01\x02\x03", headers=headers), 400)
    _error(client.post("/v1/chat", content=b'{"message": ', headers=headers), 400, "JSON")
    nested = '{"message": "hi", "x": ' + "[" * 100 + "]" * 100 + "}"
    _error(client.post("/v1/chat", content=nested, headers=headers), 400, "nested")
    _error(client.post("/v1/chat", json={"message": ["not", "a", "string"]}), 422, "message")


def test_turns_per_session(settings: Settings):
    settings.limits.max_turns_per_session = 2
    client = _client(settings)
    first = client.post("/v1/chat", json={"message": "hello", "stream": False})
    assert first.status_code == 200, first.text
    sid = first.json()["session_id"]
    assert (
        client.post("/v1/chat", json={"message": "thanks", "session_id": sid, "stream": False}).status_code
        == 200
    )
    _error(
        client.post("/v1/chat", json={"message": "hi", "session_id": sid, "stream": False}), 400, "new one"
    )


def test_unknown_or_foreign_session(client):
    _error(
        client.post("/v1/chat", json={"message": "hi", "session_id": "nope", "stream": False}), 404, "session"
    )
    mine = client.post("/v1/chat", json={"message": "hello", "stream": False}, headers=MARKETER).json()[
        "session_id"
    ]
    # A customer may not continue a marketer's session (or another customer's).
    _error(client.post("/v1/chat", json={"message": "hi", "session_id": mine, "stream": False}), 403)


def test_upload_type_size_and_empty(client):
    ok = client.post(
        "/v1/documents", files={"file": ("faq.md", b"# FAQ\n\nWe ship in 2 days.\n")}, headers=MARKETER
    )
    assert ok.status_code == 200, ok.text
    _error(
        client.post("/v1/documents", files={"file": ("x.exe", b"MZ\x90\x00")}, headers=MARKETER), 400, "type"
    )
    _error(client.post("/v1/documents", files={"file": ("big.md", b"x" * 9000)}, headers=MARKETER), 413)
    _error(client.post("/v1/documents", files={"file": ("empty.md", b"   ")}, headers=MARKETER), 400, "empty")
    # Customers cannot upload at all.
    _error(client.post("/v1/documents", files={"file": ("faq.md", b"# hi\n\ntext\n")}), 401)


def test_client_rate_limit_returns_429_with_retry_after(settings: Settings):
    settings.limits.rate_per_minute_client = 3
    client = _client(settings)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    response = client.get("/healthz")
    _error(response, 429, "too many")
    assert int(response.headers["retry-after"]) >= 1


def test_session_rate_limit_returns_429_with_retry_after(settings: Settings):
    settings.limits.rate_per_minute_session = 2
    client = _client(settings)
    sid = client.post("/v1/chat", json={"message": "hello", "stream": False}).json()["session_id"]
    codes = [
        client.post("/v1/chat", json={"message": "thanks", "session_id": sid, "stream": False}).status_code
        for _ in range(3)
    ]
    assert 429 in codes, codes
    # Another conversation from the same address is not held back by this one.
    assert client.post("/v1/chat", json={"message": "hello", "stream": False}).status_code == 200
