"""The marketer chat's answers about one segment, on the demo shop's trained models and the real segment tools: the
recommendations as a table with the same reasons as the workspace (no "share: 0.16" dumps), and a segment named
as a name that does not exist answered as unknown with the known names, never with every segment instead."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.conversation.intents.segment_analysis import named_segment
from assistant.conversation.reply import Caller
from assistant.settings import Settings
from tests.assistant.commerce.models.demo_models import demo_models
from tests.assistant.conversation.test_agent import StubRouter
from tests.assistant.workspace.conftest import workspace_assistant

MARKETER = Caller(role="marketer", user="mia")
ASKS = {
    "what should we recommend to the Champions segment?": "segment_analysis",
    "top products for segment Big spenders": "segment_analysis",
    "list our segments": "segment_analysis",
}


@pytest.fixture
def chat(tmp_path) -> Assistant:
    app = workspace_assistant(Settings(data_dir=tmp_path / "var", _env_file=None), models=demo_models())
    app.router = StubRouter(ASKS)  # the real slot rules; the intent as the real router gives it
    return app


def test_a_segment_s_recommendations_read_as_a_table_with_reasons(chat: Assistant) -> None:
    reply = chat.turn("what should we recommend to the Champions segment?", MARKETER)
    assert reply.tool_calls[0].name == "segment_profile" and reply.tool_calls[0].ok
    assert "| Product | SKU | Price | Customers | Why |" in reply.text
    assert reply.text.count("of this segment's customers") == 5
    assert "share:" not in reply.text and "monetary" not in reply.text


def test_an_unknown_segment_is_said_to_be_unknown(chat: Assistant) -> None:
    reply = chat.turn("top products for segment Big spenders", MARKETER)
    assert reply.outcome == "not_found" and reply.tool_calls[0].error == "not_found"
    assert "Big spenders" in reply.text and "Champions" in reply.text  # the unknown name, and the known ones
    assert "| Segment |" not in reply.text  # not the list of every segment in its place
    listed = chat.turn("list our segments", MARKETER)
    assert "| Segment |" in listed.text


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("top products for segment Big spenders", "Big spenders"),
        ('describe segment "VIP"', "VIP"),
        ("what to offer the Big Spenders segment this month", "Big Spenders"),
        ("which segment should I target?", None),
        ("show the segment list", None),
    ],
)
def test_a_segment_named_as_a_name(message: str, name: str | None) -> None:
    assert named_segment(message) == name
