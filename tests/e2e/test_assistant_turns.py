"""The assistant end to end with its real parts: the bundled embedder, a real Chroma index over demo policy pages,
real SQLite, the real router, policy and tools; the bundled chat model where an answer mode uses it."""

from __future__ import annotations

import statistics
import time

import pytest

from assistant import Assistant
from assistant.conversation.reply import Caller, DoneEvent, TokenEvent
from assistant.storage.store import ConversationStore

pytestmark = pytest.mark.slow
CUSTOMER = Caller(role="customer")


@pytest.fixture(scope="module")
def assistant(assistant_shop) -> Assistant:
    bot = Assistant.from_settings(assistant_shop)
    bot.warm_up()
    return bot


def test_return_window_gets_the_number_of_days_with_a_citation(assistant):
    reply = assistant.turn("what is your return window?", CUSTOMER)
    assert reply.intent == "service_question" and reply.action == "answer"
    assert "30 days" in reply.text and "[" in reply.text
    returns = [c for c in reply.citations if c.source == "policies/returns.md"]
    assert returns and returns[0].url.startswith("/docs/policies/returns.md#")
    assert any(c.anchor == "return-window" for c in reply.citations)


def test_worn_boots_cite_the_returns_page(assistant):
    reply = assistant.turn("can I return worn boots?", CUSTOMER)
    assert "cannot be returned" in reply.text
    assert [c.source for c in reply.citations] and all(
        c.source == "policies/returns.md" for c in reply.citations
    )
    assert reply.citations[0].snippet


def test_asking_for_a_human_is_a_handoff(assistant):
    reply = assistant.turn("I want to talk to a real person, please email me at kim@example.com", CUSTOMER)
    assert reply.action == "handoff" and reply.intent == "handoff"
    stored = [h for h in assistant.store.list_handoffs() if h["session_id"] == reply.session_id]
    assert stored and stored[0]["contact"] == "kim@example.com"


def test_unanswerable_question_offers_a_person_without_guessing(assistant):
    reply = assistant.turn("who designed your company logo?", CUSTOMER)
    assert reply.action == "answer"
    assert "person" in reply.text or "team" in reply.text


def test_product_question_uses_catalog_prices(assistant):
    reply = assistant.turn("do you sell waterproof hiking boots?", CUSTOMER)
    assert reply.intent == "product_discovery"
    assert "FTW-001" in reply.text and "169.00 EUR" in reply.text


def test_customer_cannot_reach_marketer_tools_and_history_survives(assistant, assistant_shop):
    reply = assistant.turn(
        "list the members of the loyal segment", Caller(role="customer", customer_id="C00042")
    )
    assert reply.tool_calls and not any(c.ok for c in reply.tool_calls)
    restarted = ConversationStore.from_url(assistant_shop.db_url)
    assert restarted.history(reply.session_id, 5)[0]["tool_calls"][0]["ok"] is False


def test_time_to_first_token_is_low(assistant):
    """p50 over a few warm service questions (2 shared cores; the service target is < 1.5 s)."""
    questions = [
        "how long does delivery take?",
        "is return shipping free?",
        "how long is the warranty on tents?",
    ] * 2
    firsts = []
    for q in questions:
        started = time.perf_counter()
        for event in assistant.stream_turn(q, CUSTOMER):
            if isinstance(event, TokenEvent):
                firsts.append(time.perf_counter() - started)
                break
        else:
            pytest.fail("no token streamed")
    assert statistics.median(firsts) < 1.5, firsts


def test_rephrase_mode_with_the_real_bundled_model(assistant_shop):
    """The tiny model rephrases the extract; the verifier keeps the facts (or falls back to the extract)."""
    from assistant.settings import Settings
    from generation import get_llm
    from generation.config import LLMSettings

    settings = assistant_shop.model_copy(update={"llm": LLMSettings(answer_mode="rephrase")})
    bot = Assistant.from_settings(settings)
    # The same shared model instance the generation tests use (converted weights cached under var/models).
    bot.services["llm"] = get_llm(LLMSettings(), Settings(_env_file=None).model_cache_dir)
    final = None
    for event in bot.stream_turn("what is your return window?", CUSTOMER):
        if isinstance(event, DoneEvent):
            final = event.reply
    assert final is not None and "30" in final.text
    assert any(c.source == "policies/returns.md" for c in final.citations)


def test_help_pages_read_ahead_leave_only_the_question_to_embed(assistant_shop):
    bot = Assistant.from_settings(assistant_shop.model_copy(update={"read_ahead": True}))
    bot.warm_up()
    bot.agent.reading_ahead.join(timeout=120)
    assert not bot.agent.reading_ahead.is_alive()
    embedder = bot.agent.services["embedder"].inner
    before = embedder.calls
    reply = bot.turn("how many days do I have to send something back?", CUSTOMER)
    assert "30 days" in reply.text
    # the question (and its search query) are new; every unit of the returns page was embedded ahead
    assert embedder.calls - before <= 2


def test_an_unsure_yes_no_quotes_the_page_and_says_so(assistant):
    # The warranty page says "We do not offer a lifetime guarantee on any product": a no, about every product.
    reply = assistant.turn("is there a lifetime guarantee on your down jackets?", CUSTOMER)
    assert reply.text.startswith("No.") and "lifetime guarantee" in reply.text
    assert reply.outcome == "answered" and reply.confidence is not None and reply.confidence >= 0.75
    # Nothing states whether a price match covers a marketplace seller by that name: the page is quoted, unled.
    reply = assistant.turn("do you price match a shop in Vienna called Bergwelt?", CUSTOMER)
    assert not reply.text.startswith(("Yes", "No"))
    assert reply.outcome in ("quoted", "not_found") and reply.handoff_offered


def test_a_part_the_pages_do_not_answer_is_named_beside_the_part_they_do(assistant):
    reply = assistant.turn("what is your return window? and who designed your company logo?", CUSTOMER)
    assert "30 days" in reply.text
    assert "company logo" in reply.text and "I couldn't find" not in reply.text
    assert reply.handoff_offered


def test_a_dated_story_over_two_sentences_gets_the_last_day_worked_out(assistant):
    reply = assistant.turn(
        "My parcel was delivered on 1 September. Today is 20 October, can I still return it?", CUSTOMER
    )
    assert reply.text.startswith("No, that is too late") and "1 October" in reply.text
    assert any(c.source.endswith("returns.md") or c.source.endswith("faq.md") for c in reply.citations)
