"""The mounted Gradio apps: no anonymous uploads on the customer chat, unknown functions are a 404 (not a 500 with a
traceback), upload names the file system cannot hold are a 400, and errors show no internals (show_error off)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import LOCAL_CLIENT
from tests.ui.fake_assistant import FakeAssistant
from ui.gradio_guard import MAX_UPLOAD_NAME_CHARS, GradioGuard
from ui.server import create_server

ORIGIN = {"Origin": LOCAL_CLIENT["base_url"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("guard") / "var", _env_file=None)
    with TestClient(
        create_server(settings, FakeAssistant(settings)), raise_server_exceptions=False, **LOCAL_CLIENT
    ) as c:
        yield c


def _guards(client: TestClient) -> dict[str, GradioGuard]:
    return {r.path: r.app for r in client.app.routes if isinstance(getattr(r, "app", None), GradioGuard)}


def test_both_pages_are_guarded_and_show_no_internal_errors(server) -> None:
    guards = _guards(server)
    assert set(guards) == {"/chat", "/workspace"}
    assert all(g.blocks.show_error is False for g in guards.values())


def test_the_customer_chat_takes_no_uploads(server) -> None:
    files = {"files": ("page.html", b"<h1>phish</h1>", "text/html")}
    for path in ("/chat/gradio_api/upload", "/chat/gradio_api/upload/"):
        response = server.post(path, files=files)
        assert response.status_code == 404 and "no uploads" in response.json()["error"]
        assert "/tmp" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/chat/gradio_api/call/nothing",
        "/chat/gradio_api/run/x.js",
        "/chat/gradio_api/api/predict",
        "/chat/gradio_api/call/",
    ],
)
def test_unknown_functions_by_name_are_404(server, path) -> None:
    response = server.post(path, json={"data": []})
    assert response.status_code == 404, response.text[:200]


@pytest.mark.parametrize("fn_index", [9999, -1, "0", None, True, 1.5])
def test_unknown_function_indexes_are_404(server, fn_index) -> None:
    body = {"fn_index": fn_index, "data": [], "session_hash": "abc123", "event_data": None, "trigger_id": 1}
    response = server.post("/chat/gradio_api/queue/join", json=body)
    assert response.status_code == 404, response.text[:200]


def test_a_known_function_index_still_joins_the_queue(server) -> None:
    guard = _guards(server)["/chat"]
    fn_index = next(iter(guard.blocks.fns))
    body = {"fn_index": fn_index, "data": [], "session_hash": "abc123", "event_data": None, "trigger_id": 1}
    response = server.post("/chat/gradio_api/queue/join", json=body)
    assert response.status_code == 200, response.text[:200]


def test_a_long_upload_name_is_400_for_the_marketer(server) -> None:
    login = server.post("/v1/login", json={"username": "marketer", "password": "demo"})
    assert login.status_code == 200
    try:
        long_name = "a" * (MAX_UPLOAD_NAME_CHARS + 103) + ".md"
        bad = server.post(
            "/workspace/gradio_api/upload",
            files={"files": (long_name, b"# x", "text/markdown")},
            headers=ORIGIN,
        )
        assert bad.status_code == 400, bad.text[:200]
        good = server.post(
            "/workspace/gradio_api/upload",
            files={"files": ("notes.md", b"# x", "text/markdown")},
            headers=ORIGIN,
        )
        assert good.status_code == 200, good.text[:200]
    finally:
        server.cookies.clear()
