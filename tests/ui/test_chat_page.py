"""The customer chat page's logic: replies shown as Markdown with HTML escaped, a greeting, and a person only with a
way to reach the customer (the real application API over the echo agent, real SQLite)."""

from __future__ import annotations

from assistant import Caller, Reply
from tests.ui.fake_assistant import FakeAssistant
from ui import chat_stream, format_reply
from ui.chat import NEED_CONTACT, request_person, with_contact


def test_html_in_a_reply_is_escaped_and_markdown_kept() -> None:
    reply = Reply(session_id="s", turn_id=1, text="**Yes** <img src=x onerror=alert(1)> & more")
    shown = format_reply(reply)
    assert shown.startswith("**Yes** &lt;img src=x onerror=alert(1)&gt; &amp; more")
    assert "<img" not in shown


def test_streamed_tokens_are_escaped_too(settings) -> None:
    bot = FakeAssistant(settings)
    steps = list(
        chat_stream(lambda: bot, Caller(role="customer"), "<b>hi</b>", [], None, {}, show_tools=False)
    )
    streaming = [step[0][-1]["content"] for step in steps[1:-1]]
    assert streaming and all("<b>" not in text for text in streaming)
    assert "&lt;b&gt;hi&lt;/b&gt;" in steps[-1][0][-1]["content"]


def test_the_contact_field_goes_with_every_turn(settings) -> None:
    bot = FakeAssistant(settings)
    caller = with_contact(Caller(role="customer"), "  ann@example.com ")
    list(chat_stream(lambda: bot, caller, "hello", [], None, {}, show_tools=False))
    assert bot.calls[-1][1].contact == "ann@example.com"
    assert with_contact(Caller(role="customer"), "   ").contact is None


def test_asking_for_a_person_needs_a_contact_and_makes_one_handoff(settings) -> None:
    bot = FakeAssistant(settings)
    customer = Caller(role="customer")
    history, session, turns, note = request_person(lambda: bot, customer, [], None, {})
    assert NEED_CONTACT in note and session is None and bot.store.list_handoffs() == []

    caller = with_contact(customer, "+43 660 1234567")
    history, session, turns, note = request_person(lambda: bot, caller, [], None, {})
    assert session and "+43 660 1234567" in note
    handoffs = bot.store.list_handoffs()
    assert len(handoffs) == 1 and handoffs[0]["contact"] == "+43 660 1234567"
    assert history[0]["role"] == "user" and history[-1]["content"] == note
