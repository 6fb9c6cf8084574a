"""One turn in progress: what it has produced so far, and the moves an intent handler makes with it.

An intent handler (`assistant.conversation.intents`) gets a `Turn` and yields events through it: `run_tool` (always
through the policy), `say` (composed text, streamed word by word), `answer` (a grounded answer from evidence),
`cite`/`emit_citations` (numbered evidence), `render_products` (a cited product list from catalog facts).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.conversation.compose import Answer, Evidence, chunks, plain_snippet, product_line, summary
from assistant.conversation.phrases import phrase
from assistant.conversation.policy import Policy
from assistant.conversation.reply import (
    About,
    Caller,
    CitationEvent,
    CitationOut,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
    TurnEvent,
)
from assistant.errors import AssistantError, Forbidden, Unavailable
from assistant.security import sanitize_evidence
from assistant.tools.results import DocHit, ProductInfo, RecommendedItem
from retrieval import IndexUnavailable

log = logging.getLogger(__name__)

NO_EVIDENCE_TEXT = phrase("no_evidence", "en")
REFUSED_TEXT = phrase("refused", "en")


class Answerer(Protocol):
    """Answers a question from numbered evidence: streamed text pieces, then one final `Answer`."""

    def answer(
        self, question: str, evidence: list[Evidence], history: list[dict] = (), *, language: str = "en"
    ) -> Iterator[str | Answer]: ...


@dataclass
class Turn:
    """What one turn has produced so far, and the means to produce more (tools, answerer, catalog)."""

    message: str
    caller: Caller
    session_id: str
    policy: Policy
    services: Mapping[str, Any]
    answerer: Answerer
    intent: str = ""
    action: str = "answer"
    text: list[str] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    citations: list[CitationOut] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    handoff_ids: list[int] = field(default_factory=list)
    first_token_at: float | None = None
    generated: bool = False  # text came from an answerer or a model (guarded), not only from fixed templates
    # A model wrote (part of) the text: its claims are checked too. Text composed by code from evidence units and the
    # shop's data has its figures checked; its claims are the evidence's own (and "we do not deliver to Canada" is a
    # conclusion from the list of destinations, which no sentence of the evidence states).
    model_text: bool = False
    # Lines code worked out from the evidence for the customer's own case (a deadline, a price for their order): their
    # figures are results, not quotes, and the output guard takes them as evidence.
    worked_out: list[str] = field(default_factory=list)
    language: str = "en"  # the customer's language: every fixed phrase of the reply is in it
    query: str = ""  # the question with a follow-up resolved ("and for Summit members?" + the last topic)
    # answered | quoted (a section quoted, not sure it answers) | not_found | offered | awaiting_contact | handoff
    outcome: str = "answered"  # (stored with the turn)
    # the least sure answer shape of the turn (`generation.lead`); None: no composed answer
    confidence: float | None = None
    in_parts: bool = False  # the message has several parts, each answered in turn (`conversation.parts`)
    # product rows the message named whose fields did not answer it: evidence beside the help pages
    named_rows: list[tuple[Any, str]] = field(default_factory=list)  # (ProductInfo, its row as text)
    handoff_offered: bool = False
    handoff_allowed: bool = False  # the customer wants a person (conversation.escalation decided so)
    capabilities: Any = None  # the shop's CapabilityMap (conversation.capabilities)
    # what the reply is about (handlers fill it; follow_up.about_of completes it)
    about: About = field(default_factory=About)
    # The router's classifier: question -> the id of the capability it asks for, or None (then the map's examples)
    route_capability: Any = None
    _capability_matches: dict[str, Any] = field(default_factory=dict, repr=False)

    def capability_for(self, question: str) -> Any:
        """The capability `question` asks for (what the chat cannot do itself, and where to go), if any."""
        if self.capabilities is None or not self.capabilities.capabilities:
            return None
        if question not in self._capability_matches:  # the agent and the handler both ask: embed once
            named = self.route_capability(question) if self.route_capability is not None else None
            found = self.capabilities.by_id(named) if named else None
            if found is None:
                match = self.capabilities.match(question, self.services["embedder"])
                found = None if match is None else match.capability
            self._capability_matches[question] = found
        return self._capability_matches[question]

    def __post_init__(self) -> None:
        self.query = self.query or self.message

    def phrase(self, key: str, **values: object) -> str:
        """A fixed phrase in the customer's language."""
        return phrase(key, self.language, **values)

    def offer_person(self) -> Iterator[TurnEvent]:
        """Offer a person (nothing is opened: the customer says yes, or asks, to be handed over)."""
        self.handoff_offered = True
        if self.outcome == "answered":
            self.outcome = "offered"
        yield from self.say("\n\n" + self.phrase("offer_person"))

    # -- tools ------------------------------------------------------------------------------------------------------
    def run_tool(self, name: str, arguments: dict[str, Any]) -> Iterator[TurnEvent]:
        """Run one tool for the caller through the policy; record it; yield its event. Returns the record."""
        record = ToolCallRecord(name=name, arguments=dict(arguments or {}))
        try:
            if name not in self.policy.tools:
                record.ok, record.summary = False, f"{name} is not available on this server"
            else:
                record.arguments, record.result = self.policy.run(
                    self.caller, name, arguments, self.services, self.session_id
                )
                record.summary = summary(name, record.arguments, record.result)
        except Forbidden as exc:
            record.ok, record.summary, record.error = False, f"refused: {exc.message}", "forbidden"
        except Unavailable:
            raise  # a backend is down: the caller gets a 503 with Retry-After, not a made-up "not found"
        except AssistantError as exc:
            record.ok, record.summary, record.error = False, exc.message, _error_kind(exc)
        except IndexUnavailable as exc:
            # The knowledge base itself is down: answering "not in our help pages" would be wrong. The API turns this
            # into a 503 with Retry-After and an offer of a person.
            raise Unavailable(
                "Our help pages cannot be searched right now. Please try again shortly, or ask for a person."
            ) from exc
        except Exception as exc:  # a broken backend must not lose the turn: record it, answer without it
            log.exception("tool %s failed", name)
            record.ok, record.summary = False, f"{name} failed ({type(exc).__name__})"
        self.tool_calls.append(record)
        yield ToolCallEvent(tool_call=record)
        return record

    def refused_or_failed(self, record: ToolCallRecord) -> Iterator[TurnEvent]:
        if record.error in ("not_found", "invalid_choice"):  # no such customer, segment or product: say which
            self.outcome = "not_found"
            yield from self.say(record.summary[:1].upper() + record.summary[1:] + ".")
            return
        yield from self.say(self.phrase("refused" if record.summary.startswith("refused") else "tool_failed"))

    # -- text and evidence -------------------------------------------------------------------------------------------
    def say(self, text: str) -> Iterator[TurnEvent]:
        for piece in chunks(text):
            yield TokenEvent(text=piece)

    def cite(
        self,
        source: str,
        title: str,
        text: str,
        anchor: str = "",
        doc_type: str = "",
        heading: str = "",
        language: str = "",
        fields: dict[str, Any] | None = None,
        kind: str = "",
        lead: str = "",
        units: tuple[dict[str, Any], ...] = (),
    ) -> Evidence:
        """Number a piece of evidence (the same passage keeps its number; two units under one heading get two)."""
        for ev in self.evidence:
            if ev.source == source and ev.anchor == anchor and (doc_type == "product" or ev.text == text):
                return ev
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
            language=language,
            fields=fields or None,
            kind=kind,
            lead=lead,
            units=tuple(
                {
                    **u,
                    "text": sanitize_evidence(u.get("text", "")),
                    "lead": sanitize_evidence(u.get("lead", "")),
                    "fields": {k: sanitize_evidence(str(v)) for k, v in (u.get("fields") or {}).items()},
                }
                for u in units
            ),
        )
        self.evidence.append(ev)
        return ev

    def cite_hit(self, hit: DocHit) -> Evidence:
        # "Returns and refunds > The 30-day return window" names the section better than the page title alone.
        title = hit.heading.replace(" > ", " › ") if hit.heading else hit.title
        return self.cite(
            hit.source,
            title,
            hit.text,
            hit.anchor,
            hit.doc_type,
            hit.heading,
            hit.language,
            hit.fields,
            hit.kind,
            hit.lead,
            tuple(u.model_dump() for u in hit.units),
        )

    def emit_citation(self, ev: Evidence) -> Iterator[TurnEvent]:
        if any(c.n == ev.n for c in self.citations):
            return
        cit = CitationOut(
            n=ev.n,
            source=ev.source,
            title=ev.title,
            anchor=ev.anchor,
            url=f"/docs/{ev.source}" + (f"#{ev.anchor}" if ev.anchor else ""),
            snippet=plain_snippet(ev)[:300],
        )
        self.citations.append(cit)
        yield CitationEvent(citation=cit)

    def emit_citations(self) -> Iterator[TurnEvent]:
        for ev in self.evidence:
            yield from self.emit_citation(ev)

    def answer(
        self,
        evidence: list[Evidence],
        history: list[dict],
        question: str | None = None,
        *,
        part: bool = False,
    ) -> Iterator[TurnEvent]:
        """A grounded answer to `question` (the turn's query) from `evidence`, streamed; citations for what it cites;
        when nothing answers it, says so and offers a person (outcome "not_found"). Returns whether it answered.

        `part`: the question is one of several in the message. Its answer is held until it is known to be one, so
        that a part the pages do not answer gets one line naming it, never a lead beside "I couldn't find that"."""
        final: Answer | None = None
        held: list[str] = []
        if evidence:
            self.generated = True
            for piece in self.answerer.answer(
                question or self.query, evidence, history, language=self.language
            ):
                if isinstance(piece, str) and part:
                    held.append(piece)
                elif isinstance(piece, str):
                    yield TokenEvent(text=piece)
                else:
                    final = piece
        if final is None or not final.grounded or not final.cited:
            if part:
                yield from self.say(self.phrase("part_not_found", part=_short(question or self.query)))
            elif (
                final is None or not final.text
            ):  # (a not-found answer already said so, in the caller's language)
                yield from self.say(self.phrase("no_evidence"))
            self.outcome, self.handoff_offered = "not_found", True
            return False
        for piece in held:
            yield TokenEvent(text=piece)
        self.confidence = min(self.confidence if self.confidence is not None else 1.0, final.confidence)
        if final.kind == "quote":  # the section is quoted with an offer of a person (the composer's closing)
            self.outcome, self.handoff_offered = "quoted", True
        for n in final.cited:
            ev = next((e for e in evidence if e.n == n), None)
            if ev is not None:
                yield from self.emit_citation(ev)
        return True

    # -- products ---------------------------------------------------------------------------------------------------
    def render_products(
        self, products: list[ProductInfo | RecommendedItem], intro: str, details: bool = False
    ) -> Iterator[TurnEvent]:
        """The products as cited lines under `intro`; the reply is about them, in the order shown ("was kostet die?"
        next means the first line, not the first of what a wider search found)."""
        if not self.about.products:
            self.about.products = [getattr(p, "sku", None) or p.item_id for p in products]
        yield from self.say("\n".join([intro, *self.product_lines(products, details)]))
        yield from self.emit_citations()

    def product_lines(
        self, products: list[ProductInfo | RecommendedItem], details: bool = False
    ) -> list[str]:
        """One cited line per product; catalog facts fill what the tool result leaves out."""
        catalog = self.services.get("catalog")
        lines = []
        for item in products:
            facts = _product_facts(item, catalog)
            ev = self.cite(
                facts.get("source") or "catalog.csv",
                facts.get("name") or facts["sku"],
                facts.get("text") or facts.get("description") or "",
                facts["sku"],
                "product",
            )
            lines.append(product_line(facts, ev.n, self.language))
            if details and facts.get("description"):
                lines.append(f"  {facts['description']}")
        return lines


def _product_facts(item: ProductInfo | RecommendedItem, catalog: Any) -> dict[str, Any]:
    """The item's fields over the catalog's (the tool result knows the reason; the catalog knows the rest)."""
    own = item.model_dump(exclude_none=True)
    sku = item.sku
    if catalog is not None and sku in catalog:
        product = catalog.get(sku)
        own = {**product.model_dump(), "in_stock": product.in_stock, **own}
    own["sku"] = sku
    return own


def _error_kind(exc: AssistantError) -> str:
    """ "NotFound" -> "not_found": the kind of a tool's error as a field of its record."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def _short(question: str, limit: int = 80) -> str:
    """A question as a reply names it: trimmed to a phrase, its closing punctuation off."""
    text = " ".join(question.split()).rstrip(" ?!.")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
