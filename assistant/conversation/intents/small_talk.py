"""Greetings, thanks and goodbyes: a fixed, friendly line that says what the assistant can do."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn

_THANKS = re.compile(r"\b(thank|thanks|danke|merci|gracias|cheers)\b")
_BYE = re.compile(r"\b(bye|goodbye|tschüss|au revoir|adiós|adios)\b")


@intent("small_talk")
def small_talk(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    low = turn.message.lower()
    if _THANKS.search(low):
        text = "You're welcome! Anything else I can help you with?"
    elif _BYE.search(low):
        text = "Goodbye, and enjoy your time outdoors!"
    elif turn.caller.role == "marketer":
        text = (
            "Hello! I can profile customer segments, recommend products for a customer or segment, and draft ad "
            "copy (Google, Meta, e-mail) for any product. What would you like to do?"
        )
    else:
        text = (
            "Hello! I can answer questions about orders, delivery, returns and warranty, help you find products, "
            "and put you in touch with our team. How can I help?"
        )
    yield from turn.say(text)
