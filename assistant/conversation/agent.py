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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.conversation import escalation, follow_up, references
from assistant.conversation.answerer import GroundingAnswerer
from assistant.conversation.capabilities import FILE_NAME as CAPABILITIES_FILE
from assistant.conversation.capabilities import CapabilityMap
from assistant.conversation.copy_request import answers_copy_question
from assistant.conversation.intents import handler_for
from assistant.conversation.intents.campaign_results import asks_for_results
from assistant.conversation.intents.demand import asks_demand
from assistant.conversation.intents.reviews import asks_about_reviews
from assistant.conversation.language import conversation_language, detect
from assistant.conversation.parts import Part, answer_parts, split_parts
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller, DoneEvent, Reply, TokenEvent, TurnEvent
from assistant.conversation.route_model import FILE_NAME as ROUTE_MODEL_FILE
from assistant.conversation.route_model import RouteModel
from assistant.conversation.route_review import MARKETER_INTENTS, RouteReview, customer_safe
from assistant.conversation.router import DEFAULT_SEGMENTS, Route, Router
from assistant.conversation.tool_calling import ToolCallingFailed, tool_calling_turn
from assistant.conversation.turn import Answerer, Turn
from assistant.errors import BadInput
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore

log = logging.getLogger(__name__)

GUARD_EVIDENCE_CHARS = 20_000


@dataclass(frozen=True)
class _Override:
    """A request whose words name its handler outright, whatever the router guessed: `asks(message, history)`, for
    the `roles` given, unless the route is one of `unless`. The tool's own role policy still applies."""

    intent: str
    asks: Callable[[str, list[dict]], bool]
    roles: frozenset[str] = frozenset({"customer", "marketer"})
    unless: frozenset[str] = frozenset({"handoff"})

    def applies(self, role: str, intent: str, message: str, history: list[dict]) -> bool:
        return role in self.roles and intent not in self.unless and self.asks(message, history)


_MARKETER = frozenset({"marketer"})
_OVERRIDES = (
    # "how did the winter campaign do?"
    _Override("campaign_results", lambda m, h: asks_for_results(m), _MARKETER),
    # "yes, draft without it" after a questioned copy request
    _Override("ad_copy", answers_copy_question, _MARKETER),
    # "what do other buyers say about the fit?" (intents/reviews.py)
    _Override("reviews", lambda m, h: asks_about_reviews(m)),
    # what will sell, rising categories, stock-outs (intents/demand.py)
    _Override("demand_forecast", lambda m, h: asks_demand(m), _MARKETER, frozenset({"handoff", "ad_copy"})),
)


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
        self._review = RouteReview(services)
        self.policy = policy
        self._router = router
        self._answerer = answerer
        self._capabilities: CapabilityMap | None = None
        self._lock = threading.Lock()
        self.reading_ahead: threading.Thread | None = None  # the help pages read ahead after warm_up (`warm`)

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
                    model=RouteModel.load(self.settings.demo_dir / ROUTE_MODEL_FILE),
                )
            return self._router

    @property
    def answerer(self) -> Answerer:
        with self._lock:
            if self._answerer is None:
                self._answerer = GroundingAnswerer(self.settings, self.services)
            return self._answerer

    @property
    def capabilities(self) -> CapabilityMap:
        """The shop's capability map (`<demo_dir>/.assistant/capabilities.yaml`; none: an empty map)."""
        with self._lock:
            if self._capabilities is None:
                self._capabilities = CapabilityMap.load(self.settings.demo_dir / CAPABILITIES_FILE)
            return self._capabilities

    def warm_up(self) -> None:
        """Load what the first turns would load and rehearse a few questions now (at start-up); then read the help
        pages ahead in the background (`conversation.warm`)."""
        from assistant.conversation.warm import warm_up

        warm_up(self)

    def still_warming(self) -> bool:
        """Whether the help pages are still being read ahead after `warm_up`."""
        from assistant.conversation.warm import still_warming

        return still_warming(self)

    def rehearse(self, message: str, caller: Caller) -> str:
        """Decide and answer `message` as a turn of a new conversation would, storing nothing (no session, no turn):
        it loads whatever that path loads. The reply's text."""
        turn = self._new_turn(self._check_message(message), caller, "", [])
        for event in self._decide(turn, []):
            if isinstance(event, TokenEvent):
                turn.text.append(event.text)
        text = "".join(turn.text).strip()
        return self._guard(text, turn) if turn.generated else text

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
        turn = self._new_turn(message, caller, session_id, history)
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

    def _new_turn(self, message: str, caller: Caller, session_id: str, history: list[dict]) -> Turn:
        return Turn(
            message=message,
            caller=caller,
            session_id=session_id,
            policy=self.policy,
            services=self.services,
            answerer=self.answerer,
            language=detect(message, conversation_language(history)),
            capabilities=self.capabilities,
        )

    def _decide(self, turn: Turn, history: list[dict]) -> Iterator[TurnEvent]:
        turn.handoff_allowed = escalation.decide(turn.message, history, self._similar) is not None
        llm = self.services.get("llm") if self._llm_loaded_or_tool_capable() else None
        if llm is not None and getattr(llm, "supports_tools", False):
            try:
                yield from tool_calling_turn(turn, history, llm, self.settings.llm.max_new_tokens)
                return
            except ToolCallingFailed:
                pass  # nothing was said yet: the router answers this turn
        yield from self._routed_turn(turn, history)

    def _routed_turn(self, turn: Turn, history: list[dict]) -> Iterator[TurnEvent]:
        """The router picks the intent and slots; the intent's handler plans and runs the tools.

        A message of several parts ("my boots leak. what's your warranty? and do you sell laces?") gets one route
        and one answer per part, in one reply (`conversation.parts`).
        """
        turn.route_capability = self.router.capability
        route = self._route(turn, turn.message, history)
        parts: list[Part] = []
        if route.intent != "handoff" and not (history and self._continues(turn, history)):
            parts = split_parts(turn.message, lambda text: self._route(turn, text, history, whole=False))
        if len(parts) > 1:
            yield from answer_parts(turn, parts, history)
            return
        route = self._resolve_follow_up(turn, route, history)
        turn.intent = route.intent
        yield from handler_for(route.intent)(turn, route, history)

    def _route(self, turn: Turn, message: str, history: list[dict], whole: bool = True) -> Route:
        """Route `message` (the whole message, or one part of it) for `turn`'s caller.

        A person is brought in only when `escalation` says so (asked, offer accepted, question repeated, upset), or
        when the customer gives the contact details a handoff was waiting for; the router's own guess of "handoff"
        ("help me delete my account") is answered instead, with a person offered where the shop's map says so.
        """
        route = customer_safe(turn.caller, self.router.route(message, history))
        wanted = (
            escalation.decide(message, history, self._similar) if turn.handoff_allowed and whole else None
        )
        awaiting = bool(history) and history[-1].get("outcome") == "awaiting_contact"
        if wanted is not None or (whole and awaiting and route.slots.get("contact")):
            route.intent = "handoff"
            route.slots["upset"] = wanted is not None and wanted.reason == "upset"
        elif route.intent == "handoff":
            route.intent = _best_other(route, exclude={"handoff"})
        for override in _OVERRIDES:
            if override.applies(turn.caller.role, route.intent, message, history):
                route.intent = override.intent
                return route
        return self._review.review(turn, route, message)

    def _continues(self, turn: Turn, history: list[dict]) -> bool:
        """Whether the message carries on from the last reply ("and for members?", "how much is it and is it in
        stock?"): answered whole against it, never cut into parts that each lose what "it" was."""
        if follow_up.is_follow_up(turn.message):
            return True
        from assistant.conversation.catalog_query import parser_for

        parser = parser_for(self.services.get("catalog"))
        return parser is not None and references.resolve(turn.message, history, parser) is not None

    def _resolve_follow_up(self, turn: Turn, route: Route, history: list[dict]) -> Route:
        """ "is it in stock?", "the second one", "which one is lighter", "in blue?" -> the products the last reply
        showed (`references`); "and for Summit members?" -> the last topic."""
        if route.intent in ("handoff", "reviews") or route.intent in MARKETER_INTENTS:
            return route
        from assistant.conversation.catalog_query import parser_for

        parser = parser_for(self.services.get("catalog"))
        resolved = references.resolve(turn.message, history, parser) if parser is not None else None
        if resolved is not None:
            if resolved.show:
                route.intent, route.slots["skus"] = "product_discovery", resolved.show
            else:
                route.intent, route.slots["parsed"] = "catalog_query", resolved.parsed
            return route
        if route.intent == "service_question" and (
            asked_of := follow_up.with_product(
                turn.message, history, self.services.get("catalog"), self._review.kind_finder()
            )
        ):
            turn.query = asked_of  # "which length do I need?" of the product just shown
            return route
        if not follow_up.is_follow_up(turn.message):
            return route
        topic = follow_up.last_topic(history)
        if topic:
            route.intent = "service_question"
            turn.query = follow_up.resolve_topic(turn.message, history, self._review.kind_finder())
        return route

    def _similar(self, a: str, b: str) -> float:
        vectors = self.services["embedder"].embed([a, b])
        return float(vectors[0] @ vectors[1])

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

        evidence = (
            [ev.text for ev in turn.evidence]
            + turn.worked_out
            + [_as_text(c.result)[:GUARD_EVIDENCE_CHARS] for c in turn.tool_calls if c.ok]
        )
        result = check(text, evidence, claims=turn.model_text)
        if result.ok:
            return text
        log.warning(
            "guard dropped unsupported figures %s and claims %s",
            [v.text for v in result.violations],
            result.claim_problems,
        )
        return result.repaired_text.strip() or turn.phrase("no_evidence")

    def _store(self, turn: Turn, text: str, turn_key: str | None, started: float) -> Reply:
        about = follow_up.about_of(turn)
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
            outcome=turn.outcome,
            language=turn.language,
            about=about.model_dump(exclude_defaults=True),
        )
        return Reply(
            session_id=turn.session_id,
            turn_id=turn_id,
            text=text,
            citations=turn.citations,
            tool_calls=turn.tool_calls,
            action=turn.action,  # type: ignore[arg-type]
            intent=turn.intent,
            language=turn.language,
            handoff_offered=turn.handoff_offered and turn.action != "handoff",
            handoff_id=turn.handoff_ids[0] if turn.handoff_ids else None,
            outcome=turn.outcome,
            confidence=turn.confidence,
            about=about,
        )


def _best_other(route: Route, exclude: set[str]) -> str:
    """The best-scoring intent outside `exclude` (a service question when nothing else scores)."""
    others = [(k, v) for k, v in route.scores.items() if k not in exclude]
    return max(others, key=lambda kv: kv[1])[0] if others else "service_question"


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
