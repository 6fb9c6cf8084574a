"""The turn loop: history + message -> decide -> tools (through the policy) -> evidence -> streamed reply -> guard -> store.

    agent = Agent(settings, store, services=services)      # cheap; models load on first use
    for event in agent.stream_turn("can I return worn boots?", Caller(role="customer")):
        ...                                                # TokenEvent, ToolCallEvent, CitationEvent..., DoneEvent

Deciding: with an LLM backend that supports tool calling, the role's tools are offered to the model
(`conversation.tool_calling`); with the tiny default model, the `Router` picks an intent and slots and the intent's
handler (`conversation.intents`, one module per intent) plans the tool calls. Either way every call goes through
`Policy.run`; a refused call is recorded as `ToolCallRecord(ok=False)` and the reply says the request is not available.

Answering: service questions are answered from the retrieved policy text by the answerer (`generation.grounding`:
extraction in the default "auto" mode, so the first token comes without running the LLM; a verified model answer in
rephrase/generate); product, segment and ad-copy replies are composed from the typed tool results (every price and
name from the catalog). Missing evidence -> say so and offer a person (action stays "answer"); an explicit request for
a person -> a stored handoff and action "handoff".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.conversation.answerer import GroundingAnswerer
from assistant.conversation.compose import Evidence
from assistant.conversation.intents import handler_for
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller, DoneEvent, Reply, TokenEvent, TurnEvent
from assistant.conversation.router import DEFAULT_SEGMENTS, Route, Router
from assistant.conversation.tool_calling import ToolCallingFailed, tool_calling_turn
from assistant.conversation.turn import NO_EVIDENCE_TEXT, Answerer, Turn
from assistant.errors import BadInput
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore

log = logging.getLogger(__name__)

MARKETER_INTENTS = frozenset({"ad_copy", "segment_analysis"})
CUSTOMER_MARKETER_INTENT_CONFIDENCE = 0.9
WEAK_INTENT_SCORE = 0.35
GUARD_EVIDENCE_CHARS = 20_000


class Agent:
    """One turn loop per process: thread-safe, cheap to construct; heavy parts load on first use."""

    def __init__(
        self,
        settings: Settings,
        store: ConversationStore,
        services: Services,
        policy: Policy,
        *,
        router: Router | None = None,
        answerer: Answerer | None = None,
    ):
        self.settings = settings
        self.store = store
        self.services = services
        self.policy = policy
        self._router = router
        self._answerer = answerer
        self._lock = threading.Lock()

    # -- lazily built parts ---------------------------------------------------------------------------------------
    @property
    def router(self) -> Router:
        with self._lock:
            if self._router is None:
                catalog = self.services.get("catalog")
                self._router = Router(
                    self.services["embedder"],
                    skus=[p.sku for p in catalog] if catalog else (),
                    segments=_segment_names(),
                    scorers=_catalog_scorers(catalog),
                    shortcuts=_catalog_shortcuts(catalog),
                )
            return self._router

    @property
    def answerer(self) -> Answerer:
        with self._lock:
            if self._answerer is None:
                self._answerer = GroundingAnswerer(self.settings, self.services)
            return self._answerer

    def warm_up(self) -> None:
        """Load the embedder, index, catalog and router now (the service calls this at start-up)."""
        self.router.scores("hello")
        self.services["kb"].search("returns", k=1)  # builds the in-memory BM25 snapshot
        warm = [Evidence(n=1, source="-", title="-", text="A warm-up sentence for the model.")]
        for _ in self.answerer.answer("warm up", warm):
            pass

    # -- one turn ---------------------------------------------------------------------------------------------------
    def stream_turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Iterator[TurnEvent]:
        """Yield the turn's events as they happen; the last is a `DoneEvent` with the stored `Reply`.

        Creates the session when `session_id` is None; otherwise checks that it belongs to `caller` (`Forbidden`).
        Raises `BadInput` (empty or too long message, full session) before anything is stored.
        """
        started = time.perf_counter()
        message = self._check_message(message)
        session_id = self._session(caller, session_id)
        history = self.store.history(session_id, self.settings.limits.max_history_turns)
        turn = Turn(
            message=message,
            caller=caller,
            session_id=session_id,
            policy=self.policy,
            services=self.services,
            answerer=self.answerer,
        )
        for event in self._decide(turn, history):
            if isinstance(event, TokenEvent):
                if turn.first_token_at is None:
                    turn.first_token_at = time.perf_counter()
                turn.text.append(event.text)
            yield event
        text = "".join(turn.text).strip()
        if turn.generated:
            text = self._guard(text, turn)
        yield DoneEvent(reply=self._store(turn, text, turn_key, started))

    def _decide(self, turn: Turn, history: list[dict]) -> Iterator[TurnEvent]:
        llm = self.services.get("llm") if self._llm_loaded_or_tool_capable() else None
        if llm is not None and getattr(llm, "supports_tools", False):
            try:
                yield from tool_calling_turn(turn, history, llm, self.settings.llm.max_new_tokens)
                return
            except ToolCallingFailed:
                pass  # nothing was said yet: the router answers this turn
        yield from self._routed_turn(turn, history)

    def _routed_turn(self, turn: Turn, history: list[dict]) -> Iterator[TurnEvent]:
        """The router picks the intent and slots; the intent's handler plans and runs the tools."""
        route = self._customer_safe(turn.caller, self.router.route(turn.message, history))
        turn.intent = route.intent
        yield from handler_for(route.intent)(turn, route, history)

    @staticmethod
    def _customer_safe(caller: Caller, route: Route) -> Route:
        """A customer's unsure match to a marketing task is most likely a question for the shop.

        ("how does the loyalty program work?" is close to "the Loyal segment".) Take their best customer intent
        instead; a clear request for a marketer tool still goes through and is refused (and recorded) by the policy.
        """
        if not (
            caller.role == "customer"
            and route.intent in MARKETER_INTENTS
            and route.confidence < CUSTOMER_MARKETER_INTENT_CONFIDENCE
        ):
            return route
        intent, score = max(
            (kv for kv in route.scores.items() if kv[0] not in MARKETER_INTENTS), key=lambda kv: kv[1]
        )
        if score < WEAK_INTENT_SCORE:
            intent = "service_question"  # unsure either way: search the help pages, offer a person if nothing
        return Route(intent=intent, confidence=route.confidence, slots=route.slots, scores=route.scores)

    # -- checks and bookkeeping -------------------------------------------------------------------------------------
    def _check_message(self, message: str) -> str:
        if not isinstance(message, str) or not message.strip():
            raise BadInput("the message is empty")
        limit = self.settings.limits.max_message_chars
        if len(message) > limit:
            raise BadInput(f"the message is {len(message)} characters long; the limit is {limit}")
        return message.strip()

    def _session(self, caller: Caller, session_id: str | None) -> str:
        if session_id is None:
            return self.store.create_session(caller.role, caller.customer_id)
        info = self.store.require_session(session_id, caller.role, caller.customer_id)
        if info.turns >= self.settings.limits.max_turns_per_session:
            raise BadInput(f"this conversation has reached {info.turns} turns; please start a new one")
        return session_id

    def _llm_loaded_or_tool_capable(self) -> bool:
        # Loading the local model costs seconds and memory; the router path never needs it. Only a backend that can
        # call tools (an OpenAI-compatible server) changes how a turn is decided.
        return self.services.loaded("llm") or self.settings.llm.backend == "openai"

    def _guard(self, text: str, turn: Turn) -> str:
        """Output guard: a sentence with a figure (price, days, percent, stock) the evidence does not hold, or a claim
        it contradicts or lacks ("waterproof" for a shoe the catalog calls "not waterproof"), is dropped.

        Composed replies pass by construction; this catches a model's invention on the LLM paths. Tokens already
        streamed cannot be unsent: the `DoneEvent`'s text is the one that counts (and the one stored).
        """
        from generation import check_figures as check

        evidence = [ev.text for ev in turn.evidence] + [
            _as_text(c.result)[:GUARD_EVIDENCE_CHARS] for c in turn.tool_calls if c.ok
        ]
        result = check(text, evidence, claims=True)
        if result.ok:
            return text
        log.warning(
            "guard dropped unsupported figures %s and claims %s",
            [v.text for v in result.violations],
            result.claim_problems,
        )
        return result.repaired_text.strip() or NO_EVIDENCE_TEXT

    def _store(self, turn: Turn, text: str, turn_key: str | None, started: float) -> Reply:
        turn_id = self.store.add_turn(
            turn.session_id,
            message=turn.message,
            reply=text,
            action=turn.action,
            intent=turn.intent,
            tool_calls=turn.tool_calls,
            citations=turn.citations,
            turn_key=turn_key,
            handoff_ids=turn.handoff_ids,
            first_token_ms=None if turn.first_token_at is None else (turn.first_token_at - started) * 1000,
            total_ms=(time.perf_counter() - started) * 1000,
        )
        return Reply(
            session_id=turn.session_id,
            turn_id=turn_id,
            text=text,
            citations=turn.citations,
            tool_calls=turn.tool_calls,
            action=turn.action,  # type: ignore[arg-type]
            intent=turn.intent,
        )


def _catalog_scorers(catalog: Any) -> list[Any]:
    """The catalog-query parser's nudge for the router, where the shop has a catalog."""
    from assistant.conversation.catalog_query import parser_for

    parser = parser_for(catalog)
    return [parser.intent_bonus] if parser is not None else []


def _catalog_shortcuts(catalog: Any) -> list[Any]:
    """Unmistakable catalog queries ("the lightest tent", "X vs Y") go to their handler without the embedding."""
    from assistant.conversation.catalog_query import parser_for

    parser = parser_for(catalog)
    return [parser.decisive_intent] if parser is not None else []


def _segment_names() -> list[str]:
    """The segmenter's segment names (its prototypes need no training), plus the router's defaults."""
    from assistant.commerce.models.segments import PROTOTYPES

    return list(dict.fromkeys([*PROTOTYPES, *DEFAULT_SEGMENTS]))


def _as_text(value: Any) -> str:
    return value.model_dump_json() if hasattr(value, "model_dump_json") else str(value)
