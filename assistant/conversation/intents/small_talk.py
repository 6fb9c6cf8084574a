"""Greetings, thanks and goodbyes: a fixed, friendly line that says what the assistant can do."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn

_THANKS = re.compile(r"\b(thank|thanks|thx|ty|danke|merci|gracias|grazie|cheers)\b")
_BYE = re.compile(r"\b(bye|goodbye|tschüss|ciao|au revoir|adiós|adios|arrivederci)\b")


@intent("small_talk")
def small_talk(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    low = turn.message.lower()
    if _THANKS.search(low):
        key = "thanks"
    elif _BYE.search(low):
        key = "bye"
    else:
        key = "greeting_marketer" if turn.caller.role == "marketer" else "greeting"
    yield from turn.say(turn.phrase(key))
