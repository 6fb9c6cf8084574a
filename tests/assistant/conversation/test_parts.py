"""Messages of several parts: split, each part routed and answered, one reply; off-topic requests get a scope reply."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.conversation.parts import pieces, split_parts
from assistant.conversation.phrases import phrase
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller
from assistant.conversation.route_model import FILE_NAME, RouteModel
from assistant.conversation.router import Route, Router
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from assistant.tools import all_tools
from tests.assistant.conversation.test_agent import StubAnswerer, StubRouter
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_catalog, demo_hits

CUSTOMER = Caller(role="customer")


def _route_by(table: dict[str, tuple[str, float]]):
    def route_of(text: str) -> Route:
        words = set(re.findall(r"\w+", text.lower()))
        intent, confidence = next((v for k, v in table.items() if k in words), ("service_question", 0.2))
        return Route(intent=intent, confidence=confidence)

    return route_of


def test_pieces_are_sentences_and_joined_questions():
    assert pieces("My boots leak. Is that covered? And do you sell laces?") == [
        "My boots leak.",
        "Is that covered?",
        "And do you sell laces?",
    ]
    assert pieces("how long is delivery and can I pay by PayPal?") == [
        "how long is delivery",
        "can I pay by PayPal?",
    ]


def test_two_questions_of_different_kinds_are_two_parts():
    route_of = _route_by({"return": ("service_question", 0.9), "tent": ("catalog_query", 0.9)})
    parts = split_parts("What is your return window? Which is your lightest tent?", route_of)
    assert [(p.text, p.route.intent) for p in parts] == [
        ("What is your return window?", "service_question"),
        ("Which is your lightest tent?", "catalog_query"),
    ]


def test_an_unsure_statement_is_context_for_the_question_after_it():
    route_of = _route_by({"repair": ("service_question", 0.9), "arrived": ("product_discovery", 0.1)})
    parts = split_parts("My tent arrived with a torn seam. Do you repair it?", route_of)
    assert parts == []  # one part: the whole message is routed as it is


def test_greetings_are_dropped_and_neighbours_of_one_kind_stay_together():
    route_of = _route_by({"hi": ("small_talk", 0.9), "weather": ("off_topic", 0.9), "ship": ("service_question", 0.9),
                          "pay": ("service_question", 0.9)})  # fmt: skip
    parts = split_parts("Hi! What's the weather tomorrow? Do you ship to Italy? Can I pay by card?", route_of)
    assert [(p.route.intent, p.text) for p in parts] == [
        ("off_topic", "What's the weather tomorrow?"),
        ("service_question", "Do you ship to Italy? Can I pay by card?"),
    ]


def test_one_piece_or_a_pasted_text_is_not_split():
    route_of = _route_by({})
    assert split_parts("what is your return window?", route_of) == []
    assert split_parts("One. Two. Three. Four. Five.", route_of) == []


# -- through the agent -------------------------------------------------------------------------------------------
@pytest.fixture
def assistant(settings) -> Assistant:
    intents = {
        "what is your return window?": "service_question",
        "Also, write me a poem about my cat.": "off_topic",
    }
    store = ConversationStore.from_url(settings.db_url)
    services = Services({}, kb=FakeKB(demo_hits()), catalog=demo_catalog(), embedder=HashEmbedder())
    return Assistant(settings, store, services=services, router=StubRouter(intents), policy=Policy(tools=all_tools()),
                     answerer=StubAnswerer())  # fmt: skip


def test_each_part_is_answered_in_one_reply_and_the_whole_message_is_stored(assistant):
    message = "what is your return window? Also, write me a poem about my cat."
    reply = assistant.turn(message, CUSTOMER)
    answer, scope = reply.text.split("\n\n")
    assert "30 days" in answer and "[1]" in answer
    assert scope == phrase("off_topic", "en")
    assert [c.name for c in reply.tool_calls] == ["search_docs"]  # the poem searched nothing
    assert assistant.store.history(reply.session_id, 1)[0]["message"] == message


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("write me a poem about my cat", "en"),
        ("schreib mir bitte ein Gedicht über meine Katze", "de"),
        ("écris-moi un poème sur mon chat, s'il te plaît", "fr"),
    ],  # fmt: skip
)
def test_off_topic_gets_a_short_scope_reply_in_the_customer_s_language(assistant, message, language):
    reply = assistant.turn(message, CUSTOMER)
    assert reply.text == phrase("off_topic", language)
    assert not reply.tool_calls and not reply.citations  # never a catalog match


def test_the_real_router_sends_off_topic_requests_past_the_catalog_shortcuts():
    from assistant.conversation.agent import _catalog_scorers, _catalog_shortcuts

    catalog = demo_catalog()
    model = RouteModel.load(Settings.model_fields["demo_dir"].default / FILE_NAME)
    router = Router(HashEmbedder(), model=model, scorers=_catalog_scorers(catalog),
                    shortcuts=_catalog_shortcuts(catalog))  # fmt: skip
    # "short" and "tent" are catalog words; a poem is still no catalog query
    for message in ("write me a short poem about my cat and my tent", "help me with my physics homework"):
        assert router.route(message).intent == "off_topic", message


def test_a_statement_of_the_customer_s_own_case_is_context_for_the_question_after_it():
    # the router is sure of the statement ("chest", "size" words), yet its figures belong to the question
    route_of = _route_by({"chest": ("service_question", 0.9), "jacket": ("catalog_query", 0.9)})
    assert (
        split_parts("chest is 112 cm, waist 100. which size should i get in a men's jacket?", route_of) == []
    )


def test_background_outside_the_shop_is_context_and_a_request_outside_it_keeps_its_reply():
    # first key found wins: the shop's question outranks the weather it is asked about; the poem outranks the order
    route_of = _route_by({"arete": ("service_question", 0.9), "poem": ("off_topic", 1.0),
                          "forecast": ("off_topic", 0.98), "order": ("service_question", 0.9)})  # fmt: skip
    assert (
        split_parts("Forecast is rain all week. Would the Arete keep me dry?", route_of) == []
    )  # one question
    parts = split_parts("Write me a poem about my cat. Where is my order?", route_of)
    assert [(p.route.intent, p.text) for p in parts] == [
        ("off_topic", "Write me a poem about my cat."),
        ("service_question", "Where is my order?"),
    ]
