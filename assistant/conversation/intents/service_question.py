"""Service questions (shipping, returns, payment, sizing...): search the help pages, answer from what was found."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import DocSearch

SEARCH_K = 4


@intent("service_question")
def service_question(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    record = yield from turn.run_tool("search_docs", {"query": turn.message, "k": SEARCH_K})
    hits = record.result.hits if record.ok and isinstance(record.result, DocSearch) else []
    evidence = [turn.cite_hit(h) for h in hits]
    yield from turn.answer(evidence, history)
