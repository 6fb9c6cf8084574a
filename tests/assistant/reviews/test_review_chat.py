"""The chat reaches the review tools: a marketer asks which products draw sizing complaints, a customer asks what
other buyers say about the fit (of a product named, or of the one the last reply showed); "how do I write a review?"
stays a help-page question."""

from __future__ import annotations

import pytest

from assistant import Assistant, Caller
from assistant.conversation.intents.reviews import asks_about_reviews
from assistant.conversation.router import Route, Router
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_hits
from tests.assistant.reviews.conftest import csv_bytes
from tests.assistant.workspace.conftest import workspace_assistant


class ServiceRouter(Router):
    """Every message looks like a service question to the router; the review check must win on its words."""

    def __init__(self) -> None:
        super().__init__(HashEmbedder(), {"x": ["x"]}, skus=[])

    def route(self, message, history=None):
        return Route(intent="service_question", confidence=0.5, slots={}, scores={"service_question": 0.5})


@pytest.fixture
def app(tmp_path) -> Assistant:
    settings = Settings(data_dir=tmp_path / "var", reviews_sentiment="lexicon", _env_file=None)
    seeded = workspace_assistant(settings, kb=FakeKB(demo_hits()))
    seeded.call_tool(
        Caller(role="marketer"), "import_reviews", {"filename": "r.csv", "content": csv_bytes().decode()}
    )
    services = Services({}, **{k: seeded.services[k] for k in ("catalog", "embedder", "kb", "llm", "models")})
    return Assistant(
        settings, ConversationStore.from_url(settings.db_url), services=services, router=ServiceRouter()
    )


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("what do customers say about the Talus boot?", True),
        ("What do other buyers say about the fit?", True),
        ("which products have the most complaints about sizing?", True),
        ("Was sagen andere Käufer zur Passform?", True),
        ("Gibt es Beschwerden über die Größe?", True),
        ("how do I write a review?", False),
        ("i want to file a complaint about your service", False),  # the shop's capability map answers that
        ("what do customers complain about most for the Stormline?", True),
        ("Is the Talus waterproof?", False),
    ],
)
def test_which_messages_ask_about_reviews(message: str, asks: bool) -> None:
    assert asks_about_reviews(message) is asks


def test_a_marketer_asks_for_the_products_with_sizing_complaints(app: Assistant) -> None:
    reply = app.turn("Which products have the most complaints about sizing?", Caller(role="marketer"))
    assert [c.name for c in reply.tool_calls] == ["review_complaints"] and reply.tool_calls[0].ok
    assert "Talus Mid Waterproof Hiking Boot (Men's)** (FTW-001): 3 of 4 reviews complain" in reply.text
    assert "(review #" in reply.text


def test_a_customer_asks_about_the_fit_of_the_product_just_shown(app: Assistant) -> None:
    customer = Caller(role="customer")
    first = app.turn("What do other buyers say about the Talus Mid (Men's)?", customer)
    assert first.tool_calls[0].name == "review_summary" and "4 reviews" in first.text
    follow = app.turn("and what do other buyers say about the fit?", customer, session_id=first.session_id)
    call = follow.tool_calls[0]
    assert call.name == "review_summary" and call.arguments["aspect"] == "fit"
    assert "Fit and sizing**: 0 positive, 3 negative" in follow.text and "@" not in follow.text
    refused = app.turn("which products have the most complaints about sizing?", customer)
    assert refused.action == "clarify" and not refused.tool_calls  # a customer gets no ranking of products
