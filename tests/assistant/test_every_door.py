"""A customer is refused a marketer tool through every door: the chat turn, the HTTP endpoints, the workspace's
functions and the application API itself. One policy decides in all four (`Policy.run` / `Policy.require`)."""

from __future__ import annotations

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from assistant import Assistant, Caller, Forbidden, SegmentList
from assistant.conversation.policy import Policy
from assistant.conversation.router import Route, Router
from assistant.security import sign_customer
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from assistant.tools import ToolContext, tool
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_catalog, demo_hits
from ui import workspace as ws
from ui import workspace_caller

API_KEY = "door-test-key"
ran: list[str] = []


@tool(roles={"marketer"})
def list_segments(ctx: ToolContext) -> SegmentList:
    """List segments."""
    ran.append(ctx.role)
    return SegmentList(segments=[])


class SegmentRouter(Router):
    """Routes every message to the segment listing (the real slot rules)."""

    def __init__(self) -> None:
        super().__init__(HashEmbedder(), {"x": ["x"]}, skus=[p.sku for p in demo_catalog()])

    def route(self, message, history=None):
        return Route(intent="segment_analysis", confidence=1.0, slots={})


@pytest.fixture
def app(tmp_path) -> Assistant:
    settings = Settings(data_dir=tmp_path / "var", marketer_api_keys=[API_KEY], _env_file=None)
    store = ConversationStore.from_url(settings.db_url)
    services = Services({}, kb=FakeKB(demo_hits()), catalog=demo_catalog(), embedder=HashEmbedder())
    ran.clear()
    return Assistant(
        settings,
        store,
        services=services,
        router=SegmentRouter(),
        policy=Policy(tools={"list_segments": list_segments}),
    )


def test_the_chat_door(app: Assistant) -> None:
    refused = app.turn("show me all customer segments", Caller(role="customer", customer_id="C1"))
    assert not refused.tool_calls[0].ok and refused.tool_calls[0].summary.startswith("refused")
    allowed = app.turn("show me all customer segments", Caller(role="marketer"))
    assert allowed.tool_calls[0].ok and ran == ["marketer"]


def test_the_http_door(app: Assistant) -> None:
    from assistant.http import create_app

    http = create_app(app.settings, app)  # generates the widget secret the shop signs with
    customer = {"X-Customer-Token": sign_customer("C1", app.settings.widget_secret.get_secret_value())}
    with TestClient(http) as client:
        assert client.get("/v1/segments", headers=customer).status_code == 403
        assert client.get("/v1/segments/plot.png", headers=customer).status_code == 403
        assert client.get("/v1/segments").status_code == 401  # nobody at all: told how to log in
        assert client.get("/v1/segments", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200
    assert ran == ["marketer"]


def test_the_workspace_door(app: Assistant) -> None:
    anonymous = gr.Request(username=None)
    assert workspace_caller(anonymous).role == "customer"
    with pytest.raises(Forbidden):
        ws.segments(app, workspace_caller(anonymous))
    with pytest.raises(Forbidden):
        ws.upload(app, workspace_caller(anonymous), __file__)
    logged_in = workspace_caller(gr.Request(username="marketer"))
    assert logged_in.role == "marketer"
    ws.segments(app, logged_in)
    assert ran == ["marketer"]


def test_the_api_door(app: Assistant) -> None:
    customer = Caller(role="customer", customer_id="C1")
    for attempt in (
        lambda: app.call_tool(customer, "list_segments", {}),
        lambda: app.call_tool(customer, "no_such_tool", {}),
        lambda: app.open_handoffs(customer),
        lambda: app.copy_options(customer),
        lambda: app.upload_document(customer, "x.md", b"# x\n"),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert ran == []
