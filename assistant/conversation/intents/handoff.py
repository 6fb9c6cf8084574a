"""The conversation goes to a person: the customer asked, took up an offer, asked again what the assistant could not
answer, or is clearly upset (`conversation.escalation`).

One handoff per conversation: an open one is joined, not duplicated (the widget's contact form and the chat turn
reach the same one). Never without a way to reach the customer: with no e-mail address or phone number in the
message and no signed-in customer, the reply asks for one (action "handoff", no handoff stored yet); the next
message that has one, or the widget's form, stores it.
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import HandoffTicket


@intent("handoff")
def handoff(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    turn.action = "handoff"
    contact = route.slots.get("contact")
    if route.slots.get("upset"):
        yield from turn.say(turn.phrase("handoff_upset") + " ")
    reason = _reason(turn, history)
    existing = turn.services["store"].open_handoff(turn.session_id) if "store" in turn.services else None
    if existing is not None:
        turn.services["store"].update_handoff(existing["handoff_id"], contact=contact, reason=turn.message)
        turn.handoff_ids.append(existing["handoff_id"])
        turn.outcome = "handoff"
        yield from turn.say(turn.phrase("handoff_existing", ticket=existing["handoff_id"]))
        return
    if not contact and not turn.caller.customer_id:
        turn.outcome = "awaiting_contact"
        yield from turn.say(turn.phrase("handoff_need_contact"))
        return
    record = yield from turn.run_tool("request_handoff", {"reason": reason, "contact": contact})
    if not (record.ok and isinstance(record.result, HandoffTicket)):
        yield from turn.say(turn.phrase("handoff_failed"))
        return
    ticket = record.result.handoff_id
    turn.handoff_ids.append(ticket)
    turn.outcome = "handoff"
    if contact:
        yield from turn.say(turn.phrase("handoff_created", ticket=ticket, contact=contact))
    else:
        yield from turn.say(turn.phrase("handoff_created_account", ticket=ticket))


def _reason(turn: Turn, history: list[dict]) -> str:
    """What the person should read first: this message, after the question that led here (an accepted offer, a
    contact given after being asked for one)."""
    earlier = [
        str(past.get("message", ""))
        for past in history[-2:]
        if past.get("outcome") in ("not_found", "offered", "awaiting_contact")
    ]
    return " / ".join([*earlier, turn.message])[:2000]
