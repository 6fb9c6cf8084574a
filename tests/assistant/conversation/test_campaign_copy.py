"""Ad copy for the campaign the marketer names: the real brief resolver, catalog, tools and templates (no model)."""

from __future__ import annotations

import pytest

from assistant import Assistant, Caller, CopyDrafts
from assistant.commerce.catalog import Catalog
from assistant.conversation.router import Route, Router
from assistant.services import Services
from assistant.settings import REPO_ROOT
from assistant.storage.store import ConversationStore
from tests.assistant.fakes import FakeKB, HashEmbedder

MARKETER = Caller(role="marketer")


class AdCopyRouter(Router):
    """Every message is an ad-copy request; the slots (channel, count, SKUs, segment) come from the real rules."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(HashEmbedder(), {"x": ["x"]}, skus=[p.sku for p in catalog])

    def route(self, message, history=None):
        return Route(intent="ad_copy", confidence=1.0, slots=self.slots(message))


@pytest.fixture
def app(settings) -> Assistant:
    catalog = Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")
    services = Services({}, kb=FakeKB([]), catalog=catalog, embedder=HashEmbedder(), llm=None)
    return Assistant(
        settings, ConversationStore.from_url(settings.db_url), services=services, router=AdCopyRouter(catalog)
    )


def _calls(reply):
    return {c.name: c for c in reply.tool_calls}


def test_the_named_campaign_gives_the_brief_its_products_and_channel(app: Assistant) -> None:
    reply = app.turn("Write a Meta ad for the spring campaign", MARKETER)
    calls = _calls(reply)
    checked = calls["check_copy_request"].result
    assert checked.outcome == "ok" and checked.brief_id == "spring-family-camping-2027"
    drafted = calls["draft_copy"]
    assert drafted.ok and drafted.arguments["brief_id"] == "spring-family-camping-2027"
    assert drafted.arguments["channel"] == "meta"
    brief_products = checked.briefs[0].products
    assert drafted.arguments["skus"] and set(drafted.arguments["skus"]) <= set(brief_products)
    assert isinstance(drafted.result, CopyDrafts) and drafted.result.brief_id == "spring-family-camping-2027"
    assert "search_products" not in calls  # the brief named the products: no search with the whole sentence


def test_alpine_summer_by_name(app: Assistant) -> None:
    reply = app.turn("Draft 2 Meta ads for the Alpine Summer campaign", MARKETER)
    drafted = _calls(reply)["draft_copy"]
    assert drafted.arguments["brief_id"] == "alpine-summer-2027" and drafted.arguments["channel"] == "meta"
    assert drafted.arguments["variants"] == 2


def test_an_ambiguous_campaign_gets_a_question(app: Assistant) -> None:
    reply = app.turn("Draft an email for the campaign for At-risk customers", MARKETER)
    assert reply.action == "clarify" and "Which campaign" in reply.text
    assert "draft_copy" not in _calls(reply)


def test_a_campaign_that_matches_no_brief_lists_the_briefs_and_drafts_nothing(app: Assistant) -> None:
    reply = app.turn("google ads for our Black Friday Mega Sale 2026 campaign", MARKETER)
    checked = _calls(reply)["check_copy_request"].result
    assert checked.outcome == "unknown_brief" and len(checked.briefs) == 4
    assert "draft_copy" not in _calls(reply) and "search_products" not in _calls(reply)
    assert "| winter-trail-2026 |" in reply.text  # the briefs as a table


def test_a_discount_the_brief_does_not_grant_is_questioned(app: Assistant) -> None:
    reply = app.turn("Meta ads for the winter campaign with 20% off", MARKETER)
    checked = _calls(reply)["check_copy_request"].result
    assert checked.outcome == "questioned" and checked.issues[0].kind == "discount_not_granted"
    assert "grants no discount" in checked.question and "draft_copy" not in _calls(reply)


def test_a_claim_is_checked_not_searched(app: Assistant) -> None:
    reply = app.turn("Google ads for the Nordkette boot saying it is 100% waterproof", MARKETER)
    checked = _calls(reply)["check_copy_request"].result
    assert checked.outcome == "refused" and checked.claims == ["100% waterproof"]
    assert "search_products" not in _calls(reply) and "draft_copy" not in _calls(reply)


def test_yes_after_a_question_drafts_without_what_was_not_granted(app: Assistant) -> None:
    first = app.turn("Meta ads for the winter campaign with 20% off", MARKETER)
    assert _calls(first)["check_copy_request"].result.outcome == "questioned"
    reply = app.turn("yes, draft without it", MARKETER, session_id=first.session_id)
    drafted = _calls(reply)["draft_copy"]
    assert drafted.ok and drafted.result.drafts and drafted.arguments["confirmed"] is True
    assert drafted.result.check.discount is None  # the discount was left out, not used
