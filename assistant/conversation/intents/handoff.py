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
    contact = (
        route.slots.get("contact") or turn.caller.contact
    )  # in the message, or in the page's contact field
    if route.slots.get("upset"):
        yield from turn.say(turn.phrase("handoff_upset") + " ")
    store = turn.services.get("store")
    existing = store.open_handoff(turn.session_id) if store is not None else None
    if existing is None and not contact and not turn.caller.customer_id:
        turn.outcome = "awaiting_contact"
        yield from turn.say(turn.phrase("handoff_need_contact"))
        person = getattr(turn.capabilities, "person", None)
        direct = person.direct_line(turn.language) if person is not None else ""
        if direct:
            yield from turn.say(f"\n\n{direct}")
        return
    # The handoff inbox folds a second request of the same conversation into the first.
    record = yield from turn.run_tool(
        "request_handoff", {"reason": _reason(turn, history), "contact": contact}
    )
    if not (record.ok and isinstance(record.result, HandoffTicket)):
        yield from turn.say(turn.phrase("handoff_failed"))
        return
    ticket = record.result.handoff_id
    turn.handoff_ids.append(ticket)
    turn.outcome = "handoff"
    if existing is not None and route.slots.get(
        "contact"
    ):  # a new address in this message: say where they will write
        yield from turn.say(turn.phrase("handoff_existing_contact", ticket=ticket, contact=contact))
    elif existing is not None:
        yield from turn.say(turn.phrase("handoff_existing", ticket=ticket))
    elif contact:
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
