"""Anything outside the shop: say what the assistant is for (also the handler of intents nobody handles)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn


@intent("off_topic")
def off_topic(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    yield from turn.say(turn.phrase("off_topic"))
