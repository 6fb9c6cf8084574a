"""Intent handlers of the routed turn: one module per intent, registered by name.

A handler is `handle(turn, route, history) -> Iterator[TurnEvent]`: it plans tool calls from the route's slots, runs
them through `turn.run_tool` (the policy decides what may run) and says the reply. Adding an intent is one new module
here with a function decorated `@intent("name")` (plus its example utterances in `router_examples.yaml`).

    @intent("store_hours")
    def store_hours(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        yield from turn.say("We are open 9-18.")
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator

from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn

IntentHandler = Callable[[Turn, Route, list[dict]], Iterator[TurnEvent]]
_FALLBACK_INTENT = "off_topic"
_HANDLERS: dict[str, IntentHandler] = {}
_LOADED = False


def intent(name: str) -> Callable[[IntentHandler], IntentHandler]:
    """Register the decorated function as the handler of intent `name`."""

    def register(handler: IntentHandler) -> IntentHandler:
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise ValueError(
                f"intent {name!r} has two handlers: {_HANDLERS[name].__module__} and {handler.__module__}"
            )
        _HANDLERS[name] = handler
        return handler

    return register


def handlers() -> dict[str, IntentHandler]:
    """Every registered handler by intent name (the modules of this package are imported on first use)."""
    global _LOADED
    if not _LOADED:  # not "if not _HANDLERS": importing one intent module early must not hide the others
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _LOADED = True
    return dict(_HANDLERS)


def handler_for(name: str) -> IntentHandler:
    """The handler of intent `name`; the off-topic handler for an intent nobody handles."""
    known = handlers()
    return known.get(name) or known[_FALLBACK_INTENT]


__all__ = ["IntentHandler", "intent", "handlers", "handler_for"]
