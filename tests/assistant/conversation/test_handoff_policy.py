"""A person only when wanted, one handoff per conversation, never without a way to reach the customer; replies in
the customer's language; several questions answered one by one."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller
from assistant.conversation.router import Route, Router
from assistant.errors import BadInput
from assistant.services import Services
from assistant.storage.store import ConversationStore
from assistant.tools import all_tools
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_catalog, demo_hits

CUSTOMER = Caller(role="customer")


class HandoffHappyRouter(Router):
    """A router that guesses "handoff" for everything (the failure this policy guards against)."""

    def __init__(self):
        super().__init__(HashEmbedder(), {"x": ["x"]}, skus=[p.sku for p in demo_catalog()])

    def route(self, message, history=None):
        scores = {"handoff": 0.9, "service_question": 0.5, "small_talk": 0.1}
        return Route(intent="handoff", confidence=0.9, slots=self.slots(message), scores=scores)


@pytest.fixture
def assistant(settings) -> Assistant:
    store = ConversationStore.from_url(settings.db_url)
    services = Services({}, kb=FakeKB(demo_hits()), catalog=demo_catalog(), embedder=HashEmbedder())
    return Assistant(
        settings, store, services=services, router=HandoffHappyRouter(), policy=Policy(tools=all_tools())
    )


def _handoffs(assistant, session):
    return [h for h in assistant.store.list_handoffs() if h["session_id"] == session]


def test_an_ordinary_request_is_answered_not_handed_off(assistant):
    reply = assistant.turn("help me delete my account", CUSTOMER)
    assert reply.action == "answer" and not _handoffs(assistant, reply.session_id)
    assert "privacy@kestrelridge.example" in reply.text and reply.handoff_offered


def test_asking_without_contact_asks_for_it_then_stores_one_handoff(assistant):
    first = assistant.turn("can I talk to a human", CUSTOMER)
    assert (
        first.action == "handoff" and first.handoff_id is None and not _handoffs(assistant, first.session_id)
    )
    assert "+43 316 555 0142" in first.text  # the shop's direct line, for a customer who would rather call
    second = assistant.turn("sure, it's kim@example.com", CUSTOMER, first.session_id)
    assert second.action == "handoff" and second.handoff_id is not None
    # the widget's form for the same conversation joins the same handoff
    same = assistant.request_handoff(CUSTOMER, first.session_id, contact="kim@example.com")
    assert same == second.handoff_id and len(_handoffs(assistant, first.session_id)) == 1


def test_an_anonymous_handoff_needs_contact_details(assistant):
    reply = assistant.turn("what is your return window?", CUSTOMER)
    with pytest.raises(BadInput, match="contact"):
        assistant.request_handoff(CUSTOMER, reply.session_id)
    signed_in = Caller(role="customer", customer_id="C00042")
    own = assistant.turn("what is your return window?", signed_in)
    assert assistant.request_handoff(signed_in, own.session_id) > 0


def test_yes_to_the_offer_of_a_person_hands_over(assistant):
    first = assistant.turn("who designed your company logo?", CUSTOMER)
    assert first.action == "answer" and first.handoff_offered
    second = assistant.turn("yes please, my email is sam@example.com", CUSTOMER, first.session_id)
    assert (
        second.action == "handoff"
        and _handoffs(assistant, first.session_id)[0]["contact"] == "sam@example.com"
    )
    assert "who designed" in _handoffs(assistant, first.session_id)[0]["reason"]


def test_replies_are_in_the_customers_language(assistant):
    reply = assistant.turn("Ich möchte mit einem Mitarbeiter sprechen", CUSTOMER)
    assert reply.language == "de" and reply.action == "handoff"
    assert "E-Mail-Adresse" in reply.text


def test_several_questions_get_one_answer_each(assistant):
    reply = assistant.turn("what is your return window and how long do refunds take?", CUSTOMER)
    assert "30 days" in reply.text and "14 days" in reply.text and "\n\n" in reply.text


class SilentToolModel:
    """A tool-calling backend whose model looks nothing up and just talks (the tiny model behind a server)."""

    supports_tools = True

    def chat(self, messages, *, tools=None, max_tokens=None, temperature=None):
        from generation.llm import ChatResult

        return ChatResult(text="My team and I have worked tirelessly on our logo.", tool_calls=[])

    def stream(self, messages, **kw):
        yield "unused"


def test_a_model_that_calls_no_tool_does_not_answer_ungrounded(settings):
    store = ConversationStore.from_url(settings.db_url)
    services = Services(
        {}, kb=FakeKB(demo_hits()), catalog=demo_catalog(), embedder=HashEmbedder(), llm=SilentToolModel()
    )
    bot = Assistant(
        settings, store, services=services, router=HandoffHappyRouter(), policy=Policy(tools=all_tools())
    )
    reply = bot.turn("what is your return window?", CUSTOMER)
    assert "tirelessly" not in reply.text and "30 days" in reply.text and reply.intent != "tool_calling"
