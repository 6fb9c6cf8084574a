"""The turn loop: history + message -> decide -> tools (through the policy) -> evidence -> streamed reply -> guard -> store.

    assistant = Assistant.from_settings(settings)          # cheap; models load on first use
    for event in assistant.stream_turn("can I return worn boots?", Caller(role="customer")):
        ...                                                # TokenEvent, ToolCallEvent, CitationEvent..., DoneEvent

Deciding: with an LLM backend that supports tool calling, the role's tools are offered to the model and the calls it
asks for are run; with the tiny default model, the `Router` picks an intent and slots and a handler per intent plans
the tool calls. Either way every call goes through `Policy.check` and `Tool.run`; a refused call is recorded as
`ToolCallRecord(ok=False)` and the reply says the request is not available.

Answering: service questions are answered from the retrieved policy text by `generation.grounding` (extraction in the
default "auto" mode, so the first token comes without running the LLM; a verified model answer in rephrase/generate); product, segment and ad-copy replies are composed from the tool
results (every price and name from the catalog). Missing evidence -> say so and offer a person (action stays "answer");
an explicit request for a person -> a stored handoff and action "handoff". An anonymous "recommend something" with
nothing to go on -> action "clarify" (a question back), because a popularity list answers a question nobody asked.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.conversation.compose import (
    Answer,
    Evidence,
    as_dict,
    chunks,
    clean,
    items_of,
    paragraphs,
    product_line,
    render_drafts,
    render_mapping,
    summary,
    top_sku,
)
from assistant.errors import AssistantError, BadInput, Forbidden, Unavailable
from assistant.conversation.policy import Policy
from assistant.conversation.reply import (
    Caller,
    CitationEvent,
    CitationOut,
    DoneEvent,
    Reply,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
    TurnEvent,
)
from assistant.conversation.router import Route, Router
from assistant.security import sanitize_evidence
from assistant.services import GroundingAnswerer, Services, default_loaders
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from assistant.tools import ToolContext
from retrieval.errors import IndexUnavailable

log = logging.getLogger(__name__)

_RECOMMEND_WORDS = re.compile(
    r"\b(recommend\w*|suggest\w*|for me|ideas?|what should i buy|best sellers?|empfehl\w*|recommand\w*|recomiend\w*)\b",
    re.I,
)
_SIMILAR_WORDS = re.compile(r"\b(similar|like|alternatives?|instead of|ähnlich|comme|parecid\w*)\b", re.I)
_MEMBER_WORDS = re.compile(r"\b(list|members?|who are|which customers|show (me )?(the )?customers)\b", re.I)
# Words that say nothing about *what* the caller wants: a request made only of these needs a question back.
_VAGUE = set(
    "recommend recommendation recommendations suggest suggestion something anything me please can you could would "
    "what should i buy get a an some for good nice product products item items idea ideas show give to tell which "
    "one stuff thing things your you have do any best".split()
)
NO_EVIDENCE_TEXT = (
    "I could not find this in our help pages, so I would rather not guess. "
    "Would you like me to pass your question to a member of our team?"
)
REFUSED_TEXT = (
    "Sorry, that is not something I can do for you here: it is available to the shop's marketing team only."
)


@dataclass
class _Turn:
    """What one turn has produced so far."""

    message: str
    caller: Caller
    session_id: str
    intent: str = ""
    action: str = "answer"
    text: list[str] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    citations: list[CitationOut] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    handoff_ids: list[int] = field(default_factory=list)
    first_token_at: float | None = None
    generated: bool = False  # text came from an answerer or a model (guarded), not only from fixed templates

    def cite(
        self, source: str, title: str, text: str, anchor: str = "", doc_type: str = "", heading: str = ""
    ) -> tuple[Evidence, bool]:
        """Number a piece of evidence (the same source and anchor keep their number); True when it is new."""
        for ev in self.evidence:
            if ev.source == source and ev.anchor == anchor:
                return ev, False
        ev = Evidence(
            n=len(self.evidence) + 1,
            source=source,
            title=title,
            # Retrieved text is data, never instructions: chat-template tokens and role markers are neutralised
            # before it can reach any prompt.
            text=sanitize_evidence(text),
            anchor=anchor,
            doc_type=doc_type,
            heading=heading,
        )
        self.evidence.append(ev)
        return ev, True


MARKETER_INTENTS = frozenset({"ad_copy", "segment_analysis"})
CUSTOMER_MARKETER_INTENT_CONFIDENCE = 0.9
WEAK_INTENT_SCORE = 0.35


class Assistant:
    """One assistant per process: thread-safe, cheap to construct; heavy parts load on first use."""

    def __init__(
        self,
        settings: Settings,
        store: ConversationStore,
        *,
        services: Services | None = None,
        router: Router | None = None,
        policy: Policy | None = None,
        answerer: Any | None = None,
    ):
        self.settings = settings
        self.store = store
        if services is None:
            services = Services({})
            services._loaders = default_loaders(settings, services)
        self.services = services
        self.services.setdefault("settings", settings)
        self.services.setdefault("store", store)
        self.services.setdefault("engine", store.engine)
        self.policy = policy or Policy()
        self._router = router
        self._answerer = answerer
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """The assistant for these settings: database opened (migrations applied), everything else lazy."""
        return cls(settings, ConversationStore.from_url(settings.db_url))

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
                )
            return self._router

    @property
    def answerer(self) -> Any:
        with self._lock:
            if self._answerer is None:
                self._answerer = GroundingAnswerer(self.settings, self.services)
            return self._answerer

    def warm_up(self) -> None:
        """Load the embedder, index, catalog and router now (the service calls this at start-up)."""
        self.router.scores("hello")
        self.services["kb"].search("returns", k=1)  # builds the in-memory BM25 snapshot
        self.answerer.answer(
            "warm up", [Evidence(n=1, source="-", title="-", text="A warm-up sentence for the model.")]
        )

    def tool_context(self, caller: Caller, session_id: str | None = None) -> ToolContext:
        """The context tools run in for this caller (the HTTP API uses it for its direct tool endpoints)."""
        return ToolContext(
            role=caller.role, customer_id=caller.customer_id, session_id=session_id, services=self.services
        )

    # -- the public turn API --------------------------------------------------------------------------------------

    def turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Reply:
        """One whole turn; the `Reply` of its final `DoneEvent`."""
        reply = None
        for event in self.stream_turn(message, caller, session_id, turn_key=turn_key):
            if isinstance(event, DoneEvent):
                reply = event.reply
        assert reply is not None
        return reply

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
        turn = _Turn(message=message, caller=caller, session_id=session_id)
        llm = self.services.get("llm") if self._llm_loaded_or_tool_capable() else None
        if llm is not None and getattr(llm, "supports_tools", False):
            events = self._tool_calling_turn(turn, history, llm)
        else:
            events = self._routed_turn(turn, history)
        for event in events:
            if isinstance(event, TokenEvent):
                if turn.first_token_at is None:
                    turn.first_token_at = time.perf_counter()
                turn.text.append(event.text)
            yield event
        text = "".join(turn.text).strip()
        if turn.generated:
            text = self._guard(text, turn)
        turn_id = self.store.add_turn(
            session_id,
            message=message,
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
        yield DoneEvent(
            reply=Reply(
                session_id=session_id,
                turn_id=turn_id,
                text=text,
                citations=turn.citations,
                tool_calls=turn.tool_calls,
                action=turn.action,  # type: ignore[arg-type]
                intent=turn.intent,
            )
        )

    def _routed_turn(self, turn: _Turn, history: list[dict]) -> Iterator[TurnEvent]:
        """The router picks the intent and slots; the intent's handler plans and runs the tools."""
        route = self.router.route(turn.message, history)
        if (
            turn.caller.role == "customer"
            and route.intent in MARKETER_INTENTS
            and route.confidence < CUSTOMER_MARKETER_INTENT_CONFIDENCE
        ):
            # A customer's unsure match to a marketing task ("how does the loyalty program work?" is close to "the
            # Loyal segment") is most likely a question for the shop: take their best customer intent instead. A clear
            # request for a marketer tool still goes through and is refused (and recorded) by the policy.
            intent, score = max(
                (kv for kv in route.scores.items() if kv[0] not in MARKETER_INTENTS), key=lambda kv: kv[1]
            )
            if score < WEAK_INTENT_SCORE:
                intent = (
                    "service_question"  # unsure either way: search the help pages, offer a person if nothing
                )
            route = Route(intent=intent, confidence=route.confidence, slots=route.slots, scores=route.scores)
        turn.intent = route.intent
        handler = getattr(self, f"_on_{route.intent}", self._on_off_topic)
        yield from handler(turn, route, history)

    # -- checks -----------------------------------------------------------------------------------------------------

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

    def _guard(self, text: str, turn: _Turn) -> str:
        """Output guard: a sentence with a figure (price, days, percent, stock) the evidence does not hold is dropped.

        Composed replies pass by construction; this catches a model's invention on the LLM paths. Tokens already
        streamed cannot be unsent: the `DoneEvent`'s text is the one that counts (and the one stored).
        """
        from generation.guard import check

        evidence = [ev.text for ev in turn.evidence] + [
            _short(c.result, 20_000) for c in turn.tool_calls if c.ok
        ]
        result = check(text, evidence)
        if result.ok:
            return text
        log.warning("guard dropped unsupported figures: %s", [v.text for v in result.violations])
        return result.repaired_text.strip() or NO_EVIDENCE_TEXT

    # -- running tools ----------------------------------------------------------------------------------------------

    def run_tool(self, turn: _Turn, name: str, arguments: dict[str, Any]) -> Iterator[TurnEvent]:
        """Run one tool for the turn's caller through the policy; record it; yield its event. Returns the record."""
        tool = self.policy.tools.get(name)
        record = ToolCallRecord(name=name, arguments=dict(arguments or {}))
        try:
            if tool is None:
                record.ok, record.summary = False, f"{name} is not available on this server"
            else:
                args = self.policy.check(turn.caller, name, arguments)
                record.arguments = args
                record.result = tool.run(self.tool_context(turn.caller, turn.session_id), args)
                record.summary = summary(name, args, record.result)
        except Forbidden as exc:
            record.ok, record.summary = False, f"refused: {exc.message}"
        except Unavailable:
            raise  # a backend is down: the caller gets a 503 with Retry-After, not a made-up "not found"
        except AssistantError as exc:
            record.ok, record.summary = False, exc.message
        except IndexUnavailable as exc:
            # The knowledge base itself is down: answering "not in our help pages" would be wrong. The API turns this
            # into a 503 with Retry-After and an offer of a person.
            raise Unavailable(
                "Our help pages cannot be searched right now. Please try again shortly, or ask for a person."
            ) from exc
        except Exception as exc:  # a broken backend must not lose the turn: record it, answer without it
            log.exception("tool %s failed", name)
            record.ok, record.summary = False, f"{name} failed ({type(exc).__name__})"
        turn.tool_calls.append(record)
        yield ToolCallEvent(tool_call=record)
        return record

    def _emit_citation(self, turn: _Turn, ev: Evidence, snippet: str | None = None) -> Iterator[TurnEvent]:
        if any(c.n == ev.n for c in turn.citations):
            return
        url = f"/docs/{ev.source}" + (f"#{ev.anchor}" if ev.anchor else "")
        cit = CitationOut(
            n=ev.n,
            source=ev.source,
            title=ev.title,
            anchor=ev.anchor,
            url=url,
            snippet=(snippet or _snippet(ev))[:300],
        )
        turn.citations.append(cit)
        yield CitationEvent(citation=cit)

    def _say(self, text: str) -> Iterator[TurnEvent]:
        for piece in chunks(text):
            yield TokenEvent(text=piece)

    # -- intent handlers (router path) -----------------------------------------------------------------------------

    def _on_service_question(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        record = yield from self.run_tool(turn, "search_docs", {"query": turn.message, "k": 4})
        hits = (record.result or {}).get("hits", []) if record.ok else []
        evidence = [self._cite_hit(turn, h) for h in hits]
        yield from self._answer(turn, evidence, history)

    @staticmethod
    def _cite_hit(turn: _Turn, hit: dict[str, Any]) -> Evidence:
        heading = hit.get("heading") or ""
        # "Returns and refunds > The 30-day return window" names the section better than the page title alone.
        title = heading.replace(" > ", " › ") if heading else hit["title"]
        ev, _ = turn.cite(
            hit["source"], title, hit["text"], hit.get("anchor", ""), hit.get("doc_type", ""), heading
        )
        return ev

    def _answer(self, turn: _Turn, evidence: list[Evidence], history: list[dict]) -> Iterator[TurnEvent]:
        """A grounded answer from `evidence`, streamed; citations for what it cites; an offer of a person if none."""
        final: Answer | None = None
        if evidence:
            turn.generated = True
            for piece in self.answerer.answer(turn.message, evidence, history):
                if isinstance(piece, str):
                    yield TokenEvent(text=piece)
                else:
                    final = piece
        if final is None or not final.grounded or not final.cited:
            if (
                final is None or not final.text
            ):  # (a not-found answer already said so, in the caller's language)
                yield from self._say(NO_EVIDENCE_TEXT)
            return
        for n in final.cited:
            ev = next((e for e in evidence if e.n == n), None)
            if ev is not None:
                yield from self._emit_citation(turn, ev)

    def _on_product_discovery(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        slots, caller = route.slots, turn.caller
        k = min(int(slots.get("count") or 5), 10)
        skus = slots.get("skus") or []
        if skus and _SIMILAR_WORDS.search(turn.message):
            record = yield from self.run_tool(turn, "similar_products", {"sku": skus[0], "k": k})
            if record.ok:
                yield from self._render_products(
                    turn, items_of(record.result), f"Products similar to {skus[0]}:"
                )
                return
        if skus:
            products = []
            for sku in skus[:3]:
                record = yield from self.run_tool(turn, "get_product", {"sku": sku})
                if record.ok:
                    products.append(record.result)
            if products:
                yield from self._render_products(
                    turn, products, "Here is what our catalog says:", details=True
                )
                return
        target = slots.get("customer_id") if caller.role == "marketer" else caller.customer_id
        if target and (_RECOMMEND_WORDS.search(turn.message) or self._vague(turn.message)):
            record = yield from self.run_tool(turn, "recommend_products", {"customer_id": target, "k": k})
            if record.ok:
                intro = "Picked for you:" if caller.role == "customer" else f"Recommended for {target}:"
                yield from self._render_products(turn, items_of(record.result), intro)
                return
        if self._vague(turn.message):
            turn.action = "clarify"
            yield from self._say(
                "Happy to help you find something. What are you shopping for, and for what kind of trip or weather? "
                "A budget helps too (for example: waterproof hiking boots under 150 EUR)."
            )
            return
        args: dict[str, Any] = {"query": turn.message, "k": k}
        if slots.get("max_price") is not None:
            args["max_price"] = slots["max_price"]
        record = yield from self.run_tool(turn, "search_products", args)
        products = items_of(record.result) if record.ok else []
        if not products:
            yield from self._say(
                "I could not find a product matching that in our catalog. Could you describe it differently, "
                "or shall I ask a member of our team?"
            )
            return
        yield from self._render_products(turn, products, "These products match what you are looking for:")

    def _render_products(
        self, turn: _Turn, products: list, intro: str, details: bool = False
    ) -> Iterator[TurnEvent]:
        yield from self._say("\n".join([intro, *self._product_lines(turn, products, details)]))
        yield from self._emit_all_citations(turn)

    def _product_lines(self, turn: _Turn, products: list, details: bool = False) -> list[str]:
        """One cited line per product; catalog facts fill what the tool result leaves out."""
        catalog = self.services.get("catalog")
        lines = []
        for raw in products:
            p = as_dict(raw)
            sku = str(p.get("sku") or p.get("item_id") or "")
            if catalog is not None and sku in catalog:
                prod = catalog.get(sku)
                p = {**prod.model_dump(), "in_stock": prod.in_stock, **p}
            p["sku"] = sku
            text = p.get("text") or p.get("description") or ""
            ev, _ = turn.cite(p.get("source") or "catalog.csv", p.get("name") or sku, text, sku, "product")
            lines.append(product_line(p, ev.n))
            if details and p.get("description"):
                lines.append(f"  {p['description']}")
        return lines

    def _emit_all_citations(self, turn: _Turn) -> Iterator[TurnEvent]:
        for ev in turn.evidence:
            yield from self._emit_citation(turn, ev)

    @staticmethod
    def _vague(message: str) -> bool:
        return not [w for w in re.findall(r"[^\W\d_]+", message.lower()) if w not in _VAGUE]

    def _on_ad_copy(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        slots = route.slots
        skus = list(slots.get("skus") or [])
        if not skus and slots.get("segment"):
            # "our best product for the At-risk segment": the segment's profile names its top product.
            record = yield from self.run_tool(turn, "segment_profile", {"segment": slots["segment"]})
            if not record.ok:
                yield from self._refused_or_failed(turn, record)
                return
            sku = top_sku(record.result)
            if sku:
                skus = [sku]
        if not skus:
            record = yield from self.run_tool(turn, "search_products", {"query": turn.message, "k": 1})
            found = items_of(record.result) if record.ok else []
            if found:
                skus = [as_dict(found[0])["sku"]]
        if not skus:
            turn.action = "clarify"
            yield from self._say(
                "Which product should the copy be about? Give me a SKU or describe the product."
            )
            return
        args = {
            "skus": skus[:3],
            "channel": slots.get("channel", "google-rsa"),
            "variants": int(slots.get("count") or 3),
        }
        drafter = self.policy.tools.get("draft_copy")
        if slots.get("segment") and drafter is not None and "segment" in drafter.args_model.model_fields:
            args["segment"] = slots["segment"]  # steers the wording toward the segment
        announced = "draft_copy" in self.policy.allowed_tools(turn.caller)
        if announced:
            # Drafting runs the model (seconds to a minute on CPU): say what is coming first.
            head = f"Drafting {args['variants']} {args['channel']} variant(s) for {', '.join(args['skus'])}"
            if slots.get("segment"):
                head += f", aimed at the {slots['segment']} segment"
            yield from self._say(head + ":\n\n")
        record = yield from self.run_tool(turn, "draft_copy", args)
        if not record.ok:
            yield from self._refused_or_failed(turn, record)
            return
        yield from self._say(render_drafts(record.result) or render_mapping(as_dict(record.result)))

    def _on_segment_analysis(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        slots = route.slots
        if slots.get("customer_id") and _RECOMMEND_WORDS.search(turn.message):
            # "recommend products for C00042" names a customer but asks for products
            turn.intent = "product_discovery"
            yield from self._on_product_discovery(turn, route, history)
            return
        if slots.get("customer_id"):
            name, args = "customer_summary", {"customer_id": slots["customer_id"]}
        elif slots.get("segment") and _MEMBER_WORDS.search(turn.message):
            name, args = (
                "segment_members",
                {"segment": slots["segment"], "limit": int(slots.get("count") or 20)},
            )
        elif slots.get("segment"):
            name, args = "segment_profile", {"segment": slots["segment"]}
        else:
            name, args = "list_segments", {}
        record = yield from self.run_tool(turn, name, args)
        if not record.ok:
            yield from self._refused_or_failed(turn, record)
            return
        result = record.result
        if name == "list_segments":
            lines = ["Our customer segments:"]
            for seg in items_of(result, ("segments", "profiles", "items")):
                s = as_dict(seg)
                lines.append(
                    f"- **{s.get('name', s.get('segment', '?'))}**: {s.get('size', s.get('customers', '?'))} customers"
                )
            text = "\n".join(lines)
        elif name == "segment_members":
            members = items_of(result, ("customer_ids", "members", "customers", "items"))
            ids = [m if isinstance(m, str) else str(as_dict(m).get("customer_id", m)) for m in members]
            data = as_dict(result)
            shown = ", ".join(ids)
            text = f"{data.get('total', len(ids))} customers in {data.get('segment', args['segment'])}; the first {len(ids)}: {shown}"
        else:
            data = as_dict(result)
            recommended = items_of(data, ("recommended",))
            text = f"{record.summary[:1].upper()}{record.summary[1:]}:\n{render_mapping(data)}"
            if recommended:
                text += "\n\nRecommended products:\n" + "\n".join(self._product_lines(turn, recommended))
        yield from self._say(text)
        yield from self._emit_all_citations(turn)

    def _refused_or_failed(self, turn: _Turn, record: ToolCallRecord) -> Iterator[TurnEvent]:
        if record.summary.startswith("refused"):
            yield from self._say(REFUSED_TEXT)
        else:
            yield from self._say(f"Sorry, I could not do that: {record.summary}.")

    def _on_handoff(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        contact = route.slots.get("contact")
        record = yield from self.run_tool(
            turn, "request_handoff", {"reason": turn.message, "contact": contact}
        )
        turn.action = "handoff"
        if record.ok:
            turn.handoff_ids.append(int(record.result["handoff_id"]))
            how = f"at {contact}" if contact else "here or by e-mail if you leave your address"
            yield from self._say(
                f"I have passed our conversation to our customer team (request #{record.result['handoff_id']}). "
                f"A person will get back to you {how}."
            )
        else:
            yield from self._say(
                "I could not reach our team just now. Please write to us through the contact page."
            )

    def _on_small_talk(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        low = turn.message.lower()
        if re.search(r"\b(thank|thanks|danke|merci|gracias|cheers)\b", low):
            text = "You're welcome! Anything else I can help you with?"
        elif re.search(r"\b(bye|goodbye|tschüss|au revoir|adiós|adios)\b", low):
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
        yield from self._say(text)

    def _on_off_topic(self, turn: _Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
        yield from self._say(
            "Sorry, I can only help with our shop: products, orders, delivery, returns and warranty. "
            "Is there anything there I can do for you?"
        )

    # -- tool-calling path (backends with supports_tools) ----------------------------------------------------------

    def _tool_calling_turn(self, turn: _Turn, history: list[dict], llm: Any) -> Iterator[TurnEvent]:
        """Offer the caller's tools to the model, run what it asks for (through the policy), then answer."""
        turn.intent = "tool_calling"
        tools = [t.json_schema for t in self.policy.allowed_tools(turn.caller).values()]
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": _SYSTEM_PROMPT.format(role=turn.caller.role)}
        ]
        for past in history:
            messages += [
                {"role": "user", "content": sanitize_evidence(past["message"])},
                {"role": "assistant", "content": sanitize_evidence(past["reply"])},
            ]
        messages.append({"role": "user", "content": sanitize_evidence(turn.message)})
        try:
            result = llm.chat(messages, tools=tools, max_tokens=self.settings.llm.max_new_tokens)
        except Exception:  # the model server is down or answered nonsense: the router still knows the way
            log.exception("tool-calling model failed; routing this turn instead")
            yield from self._routed_turn(turn, history)
            return
        turn.generated = True
        if not result.tool_calls:
            yield from self._say(result.text.strip() or NO_EVIDENCE_TEXT)
            return
        lines = []
        for call in result.tool_calls[:4]:  # a bounded number of calls per turn
            record = yield from self.run_tool(turn, call.name, call.arguments)
            if call.name == "request_handoff" and record.ok:
                turn.action = "handoff"
                turn.handoff_ids.append(int(record.result["handoff_id"]))
            if not record.ok:
                lines.append(f"{call.name}: {record.summary}")
                continue
            for hit in (record.result or {}).get("hits", []) if isinstance(record.result, dict) else []:
                self._cite_hit(turn, hit)
            lines.append(f"{call.name}: {sanitize_evidence(_short(record.result))}")
        if turn.evidence:
            yield from self._answer(turn, list(turn.evidence), history)
            return
        messages.append(
            {"role": "system", "content": "Tool results (the only facts you may use):\n" + "\n".join(lines)}
        )
        for piece in llm.stream(messages, max_tokens=self.settings.llm.max_new_tokens):
            yield TokenEvent(text=piece)


_SYSTEM_PROMPT = (
    "You are the shop's assistant talking to a {role}. Use the tools to look facts up; answer only from tool results; "
    "if they do not answer the question, say so and offer to pass the conversation to a person."
)


def _snippet(ev: Evidence) -> str:
    """The evidence as one plain line: no heading prefix (the title has it), no Markdown."""
    return " ".join(clean(p) for p in paragraphs(ev.text, ev.heading))


def _segment_names() -> list[str]:
    """The segmenter's segment names (its prototypes need no training), plus the router's defaults."""
    from assistant.conversation.router import DEFAULT_SEGMENTS

    try:
        from assistant.commerce.models.segments import PROTOTYPES
    except ImportError:
        return list(DEFAULT_SEGMENTS)
    return list(dict.fromkeys([*PROTOTYPES, *DEFAULT_SEGMENTS]))


def _short(value: Any, limit: int = 1500) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + " ..."
