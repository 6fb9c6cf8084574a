"""An explicit request for a person: queue the conversation for the shop's team (a stored handoff)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import HandoffTicket


@intent("handoff")
def handoff(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    contact = (
        route.slots.get("contact") or turn.caller.contact
    )  # in the message, or in the page's contact field
    record = yield from turn.run_tool("request_handoff", {"reason": turn.message, "contact": contact})
    turn.action = "handoff"
    if record.ok and isinstance(record.result, HandoffTicket):
        ticket = record.result.handoff_id
        turn.handoff_ids.append(ticket)
        how = f"at {contact}" if contact else "here or by e-mail if you leave your address"
        yield from turn.say(
            f"I have passed our conversation to our customer team (request #{ticket}). "
            f"A person will get back to you {how}."
        )
    else:
        yield from turn.say(
            "I could not reach our team just now. Please write to us through the contact page."
        )
