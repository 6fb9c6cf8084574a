"""The HTTP API against a fake assistant (real store, real SQLite, real middleware): routes, auth, errors, streaming."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.security import hash_password, sign_customer
from assistant.settings import Settings
from assistant.tools import ToolContext, tool
from tests.conftest import LOCAL_CLIENT
from tests.ui.fake_assistant import FakeAssistant
from ui.server import create_server

API_KEY = "test-marketer-key"
SHOP = "http://shop.example"


class FakeKB:
    def __init__(self) -> None:
        self.synced: list[list[Path]] = []

    def sync(self, paths: list[Path]) -> dict[str, Any]:
        self.synced.append(list(paths))
        return {"added": [p.name for p in paths]}


@pytest.fixture(scope="module")
def api_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("api")
    demo = root / "demo"
    (demo / "policies").mkdir(parents=True)
    (demo / "policies" / "returns.md").write_text(
        "# Returns\n\n## Return window\n\nYou have 30 days.\n<script>x</script>\n"
    )
    (demo / "pages").mkdir()
    (demo / "pages" / "about.html").write_text(
        '<html><head><title>About</title></head><body><h2>Our story</h2><p onclick="evil()">Hi</p>'
        "<script>alert(1)</script></body></html>"
    )
    (demo / "catalog.csv").write_text(
        'sku,name,description\nFTW-001,Talus Boot,"Waterproof, <b>breathable</b>"\n\nFTW-002,Talus W,Lighter\n'
    )
    (root / "secret.txt").write_text("do not serve")
    return Settings(
        data_dir=root / "var",
        demo_dir=demo,
        marketer_api_keys=[API_KEY],
        cors_origins=[SHOP],
        _env_file=None,
    )


@pytest.fixture(scope="module")
def fake(api_settings: Settings) -> FakeAssistant:
    return FakeAssistant(api_settings, token_delay_s=0.0, kb=FakeKB())


@pytest.fixture(scope="module")
def client(api_settings: Settings, fake: FakeAssistant):
    with TestClient(create_server(api_settings, fake), **LOCAL_CLIENT) as c:
        yield c


@pytest.fixture
def fake_tools(monkeypatch: pytest.MonkeyPatch, fake: FakeAssistant) -> list[tuple[str, ToolContext, dict]]:
    """Real `Tool` objects with real role checks, standing in for the tools other rooms write."""
    seen: list[tuple[str, ToolContext, dict]] = []

    @tool(roles={"marketer"})
    def list_segments(ctx: ToolContext) -> dict:
        """List segments."""
        seen.append(("list_segments", ctx, {}))
        return {"segments": [{"name": "loyal", "size": 10}]}

    @tool(roles={"marketer"})
    def segment_profile(ctx: ToolContext, segment: str) -> dict:
        """One segment."""
        seen.append(("segment_profile", ctx, {"segment": segment}))
        return {"name": segment, "size": 10}

    @tool(roles={"marketer", "customer"})
    def recommend_products(ctx: ToolContext, customer_id: str, k: int = 5) -> dict:
        """Recommend."""
        seen.append(("recommend_products", ctx, {"customer_id": customer_id, "k": k}))
        return {"customer_id": customer_id, "items": [{"sku": "A1", "reason": "bought before"}][:k]}

    @tool(roles={"marketer"})
    def draft_copy(
        ctx: ToolContext, skus: list[str], channel: str, variants: int = 3, brief_id: str | None = None
    ) -> dict:
        """Draft copy."""
        seen.append(("draft_copy", ctx, {"skus": skus, "brief_id": brief_id}))
        return {"drafts": [{"headline": "Boots!", "description": "Dry feet."}] * variants}

    found = {t.name: t for t in (list_segments, segment_profile, recommend_products, draft_copy)}
    monkeypatch.setattr(fake.policy, "tools", found)  # the real policy, over these tools
    return seen


def marketer() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


def sse_events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if name and data:
            events.append((name, json.loads("\n".join(data))))
    return events


# ------------------------------------------------------------------------------------------------------------ chat
def test_chat_streams_tokens_citations_and_a_final_reply(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": "what is your return window?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "done" and kinds.count("done") == 1
    assert "token" in kinds and "citation" in kinds
    reply = events[-1][1]
    assert "".join(d["text"] for k, d in events if k == "token") == reply["text"]
    assert reply["citations"][0]["source"] == "policies/returns.md"
    assert reply["session_id"] in reply["text"]


def test_chat_without_stream_returns_the_reply_and_keeps_the_session(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": "hi", "stream": False})
    assert first.status_code == 200
    sid = first.json()["session_id"]
    second = client.post("/v1/chat", json={"message": "again", "stream": False, "session_id": sid}).json()
    assert second["session_id"] == sid and second["turn_id"] > first.json()["turn_id"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"message": "   "}, 400, "empty"),
        ({"message": "x" * 5000}, 400, "longer than"),
        ({}, 422, "message"),
        ({"message": "boom-bad"}, 400, "not allowed"),
        ({"message": "hi", "session_id": "nope"}, 404, "unknown session"),
        # Customer tokens travel in the X-Customer-Token header only (issue 12): one in the body is refused.
        ({"message": "hi", "customer_token": "forged.1.abc"}, 422, "X-Customer-Token header"),
    ],
)
def test_chat_errors_are_json_with_a_message(
    client: TestClient, body: dict, status: int, fragment: str
) -> None:
    response = client.post("/v1/chat", json=body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]


def test_a_forged_customer_token_in_the_header_is_401(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": "hi"}, headers={"X-Customer-Token": "forged.1.abc"})
    assert response.status_code == 401 and "token" in response.json()["error"]


def test_an_internal_error_never_shows_a_traceback(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": "boom-crash"})
    assert response.status_code == 500
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert "error" in response.json()


def test_signed_customer_token_identifies_the_customer(
    client: TestClient, fake: FakeAssistant, api_settings
) -> None:
    token = sign_customer("C-42", api_settings.widget_secret.get_secret_value())
    response = client.post(
        "/v1/chat", json={"message": "who am i", "stream": False}, headers={"X-Customer-Token": token}
    )
    assert response.status_code == 200
    message, caller, _ = fake.calls[-1]
    assert message == "who am i" and caller.role == "customer" and caller.customer_id == "C-42"


def test_a_marketer_api_key_chats_as_marketer_with_tool_events(
    client: TestClient, fake: FakeAssistant
) -> None:
    events = sse_events(client.post("/v1/chat", json={"message": "segments?"}, headers=marketer()).text)
    assert fake.calls[-1][1].role == "marketer"
    assert events[0][0] == "tool_call" and events[0][1]["name"] == "list_segments"


def test_a_slow_stream_blocks_neither_the_server_nor_other_sessions(
    client: TestClient, fake: FakeAssistant
) -> None:
    fake.echo.token_delay_s = 0.15  # ~10 tokens: each slow answer takes about 1.5 s
    results: dict[str, Any] = {}

    def talk(name: str) -> None:
        results[name] = sse_events(client.post("/v1/chat", json={"message": f"question {name}"}).text)[-1][1]

    try:
        threads = [threading.Thread(target=talk, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        time.sleep(0.3)
        start = time.perf_counter()
        assert client.get("/healthz").json()["status"] == "ok"
        assert time.perf_counter() - start < 0.5  # the event loop is free while two turns generate
        for t in threads:
            t.join(10)
    finally:
        fake.echo.token_delay_s = 0.0
    assert results["a"]["session_id"] != results["b"]["session_id"]
    for name in ("a", "b"):
        assert f"question {name} (session {results[name]['session_id']})" in results[name]["text"]


# --------------------------------------------------------------------------------------------- feedback, handoff
def test_feedback_and_handoff_are_stored(client: TestClient, fake: FakeAssistant) -> None:
    reply = client.post("/v1/chat", json={"message": "hi", "stream": False}).json()
    ok = client.post(
        "/v1/feedback", json={"session_id": reply["session_id"], "turn_id": reply["turn_id"], "rating": -1}
    )
    assert ok.status_code == 200
    assert fake.store.feedback(reply["session_id"])[0]["rating"] == -1
    assert (
        client.post(
            "/v1/feedback", json={"session_id": reply["session_id"], "turn_id": 1, "rating": 5}
        ).status_code
        == 422
    )
    assert (
        client.post("/v1/feedback", json={"session_id": "nope", "turn_id": 1, "rating": 1}).status_code == 404
    )
    handoff = client.post(
        "/v1/handoff", json={"session_id": reply["session_id"], "contact": "ann@example.com"}
    )
    assert handoff.status_code == 200
    assert fake.store.list_handoffs()[0]["contact"] == "ann@example.com"
    nowhere = {"session_id": "nope", "contact": "ann@example.com"}
    assert client.post("/v1/handoff", json=nowhere).status_code == 404
    # An anonymous customer must leave a way to be reached (issue 12).
    no_contact = client.post("/v1/handoff", json={"session_id": reply["session_id"], "contact": " "})
    assert no_contact.status_code == 400 and "contact" in no_contact.json()["error"]


# ------------------------------------------------------------------------------------------------- marketer API
def test_marketer_routes_need_credentials(client: TestClient, fake_tools) -> None:
    for method, path, body in [
        ("get", "/v1/segments", None),
        ("get", "/v1/segments/loyal", None),
        ("post", "/v1/copy", {"skus": ["A1"], "channel": "sms"}),
    ]:
        anonymous = client.request(method, path, json=body)
        wrong = client.request(method, path, json=body, headers={"Authorization": "Bearer wrong"})
        assert anonymous.status_code == wrong.status_code == 401
        assert "marketer" in anonymous.json()["error"]
    assert fake_tools == []


def test_marketer_routes_run_the_tools(client: TestClient, fake_tools) -> None:
    assert client.get("/v1/segments", headers=marketer()).json()["segments"][0]["name"] == "loyal"
    assert client.get("/v1/segments/loyal", headers=marketer()).json()["name"] == "loyal"
    drafts = client.post(
        "/v1/copy", json={"skus": ["A1"], "channel": "sms", "variants": 2}, headers=marketer()
    )
    assert len(drafts.json()["drafts"]) == 2
    assert {ctx.role for _, ctx, _ in fake_tools} == {"marketer"}
    bad = client.post("/v1/copy", json={"skus": [], "channel": "sms"}, headers=marketer())
    assert bad.status_code == 422 and "skus" in bad.json()["error"]


def test_login_cookie_opens_marketer_routes_and_the_workspace(client: TestClient, fake_tools) -> None:
    assert client.get("/workspace/", follow_redirects=False).headers["location"].startswith("/login")
    wrong = client.post("/v1/login", json={"username": "marketer", "password": "nope"})
    assert wrong.status_code == 401
    page = client.post(
        "/login",
        data={"username": "marketer", "password": "demo", "next": "//evil.example"},
        follow_redirects=False,
    )
    assert page.status_code == 303 and page.headers["location"] == "/workspace/"  # no open redirect
    try:
        assert client.get("/v1/segments").status_code == 200
        assert client.get("/workspace/").status_code == 200
    finally:
        client.cookies.clear()
    assert client.get("/v1/segments").status_code == 401


def test_a_configured_password_hash_replaces_the_demo_password(
    api_settings: Settings, fake: FakeAssistant
) -> None:
    settings = api_settings.model_copy(
        update={"marketer_password_hash": SecretStr(hash_password("s3cret-pass"))}
    )
    from assistant.http.auth import Authenticator

    auth = Authenticator(settings)
    assert not auth.check_password("marketer", "demo")
    assert auth.check_password("marketer", "s3cret-pass")
    assert not auth.check_password("someone", "s3cret-pass")
    cookie = auth.issue_session("marketer", now=1000.0)
    assert auth.read_session(cookie, now=1001.0) == "marketer"
    assert auth.read_session(cookie, now=1000.0 + 13 * 3600) is None  # expired
    assert auth.read_session(cookie[:-2] + "xx", now=1001.0) is None  # tampered


def test_recommendations_for_a_marketer_or_the_customer_themselves(
    client: TestClient, fake_tools, api_settings
) -> None:
    secret = api_settings.widget_secret.get_secret_value()
    assert (
        client.get("/v1/customers/C-1/recommendations", headers=marketer()).json()["items"][0]["sku"] == "A1"
    )
    own = client.get(
        "/v1/customers/C-1/recommendations", headers={"X-Customer-Token": sign_customer("C-1", secret)}
    )
    assert own.status_code == 200 and fake_tools[-1][1].role == "customer"
    other = client.get(
        "/v1/customers/C-1/recommendations", headers={"X-Customer-Token": sign_customer("C-2", secret)}
    )
    assert other.status_code == 403
    # A token in the URL would land in access logs: refused, saying where it goes (issue 12).
    in_url = client.get(
        "/v1/customers/C-1/recommendations", params={"customer_token": sign_customer("C-1", secret)}
    )
    assert in_url.status_code == 400 and "X-Customer-Token header" in in_url.json()["error"]
    assert client.get("/v1/customers/C-1/recommendations").status_code == 401
    assert (
        client.get("/v1/customers/C-1/recommendations", params={"k": 0}, headers=marketer()).status_code
        == 400
    )


# ------------------------------------------------------------------------------------------------------ documents
def test_upload_saves_and_ingests_checked_files(
    client: TestClient, fake: FakeAssistant, api_settings
) -> None:
    files = {"file": ("new policy.md", b"# Gift wrap\n\nWe wrap gifts for free.\n", "text/markdown")}
    assert client.post("/v1/documents", files=files).status_code == 401
    response = client.post("/v1/documents", files=files, headers=marketer())
    assert response.status_code == 200, response.text
    assert response.json()["saved"] == "uploads/new_policy.md"
    # indexed from the server's mirror of the uploads table, in the uploads/ namespace
    root = api_settings.data_dir / "upload-cache" / "index"
    assert fake.services["kb"].synced[-1] == [root]
    assert (root / "uploads" / "new_policy.md").read_text().startswith("# Gift wrap")
    exe = client.post(
        "/v1/documents", files={"file": ("x.exe", b"MZ..", "application/octet-stream")}, headers=marketer()
    )
    assert exe.status_code == 400 and "unsupported file type" in exe.json()["error"]
    empty = client.post("/v1/documents", files={"file": ("e.txt", b"  ", "text/plain")}, headers=marketer())
    assert empty.status_code == 400
    # From the database, on any server; internal by default (issue 12): marketers open them, anyone else gets a 404.
    page = client.get("/docs/uploads/new_policy.md", headers=marketer())
    assert page.status_code == 200 and "Gift wrap" in page.text
    assert client.get("/docs/uploads/new_policy.md").status_code == 404
    assert (
        client.get("/docs/new_policy.md", headers=marketer()).status_code == 404
    )  # not the shop's own namespace
    assert client.get("/docs/uploads/missing.md", headers=marketer()).status_code == 404


def test_documents_render_with_anchors_and_without_scripts(client: TestClient) -> None:
    page = client.get("/docs/policies/returns.md")
    assert page.status_code == 200 and 'id="return-window"' in page.text
    assert "<script>" not in page.text
    html_page = client.get("/docs/pages/about.html")
    assert (
        'id="our-story"' in html_page.text
        and "alert(1)" not in html_page.text
        and "onclick" not in html_page.text
    )
    for bad in ("../secret.txt", "policies/../../secret.txt", "nope.md", ""):
        assert client.get(f"/docs/{bad}").status_code in (404, 200 if bad == "" else 404)
    assert "do not serve" not in client.get("/docs/..%2Fsecret.txt").text


def test_the_catalog_renders_as_a_table_whose_rows_are_citation_anchors(client: TestClient) -> None:
    page = client.get("/docs/catalog.csv")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<th>sku</th>" in page.text and '<tr id="FTW-001"><td>FTW-001</td>' in page.text
    assert "<pre>" not in page.text


# ----------------------------------------------------------------------------------------------- pages and CORS
def test_pages_widget_and_openapi(client: TestClient) -> None:
    landing = client.get("/").text
    for link in ("/chat/", "/workspace/", "/widget-demo", "/docs"):
        assert f'href="{link}"' in landing
    widget = client.get("/widget.js")
    assert (
        widget.headers["content-type"].startswith("application/javascript") and "attachShadow" in widget.text
    )
    assert 'src="/widget.js"' in client.get("/widget-demo").text
    assert client.get("/chat/").status_code == 200
    docs = client.get("/docs")
    assert (
        docs.status_code == 200
        and "/api-docs-assets/swagger-ui-bundle.js" in docs.text
        and "cdn" not in docs.text
    )
    assert client.get("/api-docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/chat",
        "/v1/copy",
        "/v1/segments",
        "/v1/feedback",
        "/v1/handoff",
        "/v1/documents",
        "/healthz",
    ):
        assert path in paths


def test_cors_allows_only_configured_shop_origins(client: TestClient) -> None:
    headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/v1/chat", headers={**headers, "Origin": SHOP})
    assert allowed.headers.get("access-control-allow-origin") == SHOP
    other = client.options("/v1/chat", headers={**headers, "Origin": "http://evil.example"})
    assert other.headers.get("access-control-allow-origin") is None


def test_segment_plot_for_marketers_once_trained(client: TestClient, api_settings: Settings) -> None:
    assert client.get("/v1/segments/plot.png").status_code == 401
    missing = client.get("/v1/segments/plot.png", headers=marketer())
    assert missing.status_code == 503 and "train" in missing.json()["error"]
    api_settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
    (api_settings.artifacts_dir / "segments.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    plot = client.get("/v1/segments/plot.png", headers=marketer())
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
