"""Catalog questions answered as queries: "which tent is the lightest you sell?", "Ridgeback 2 vs Wisp 1", "does the
footprint fit the Ridgeback 3?", "is the Scree Low waterproof?".

The message is parsed into a structured query (`assistant.conversation.catalog_query`), run as the `query_catalog`
tool through the policy, and the typed result is written out by `catalog_reply` with every figure cited to its row.
A message that does not read as a catalog query after all goes to the product or service handler instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.catalog_decision import asks_yes_no
from assistant.conversation.catalog_query import ParsedQuery, parser_for
from assistant.conversation.catalog_reply import CatalogReply
from assistant.conversation.intents import handler_for, intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import CatalogQueryResult, CatalogRow, ProductInfo
from generation import opens_with_question_word

MAX_NAMED_ROWS = 3  # rows of the named products read as evidence for a question their fields cannot answer
MIN_CONFIDENCE = (
    0.5  # below: the words name a product but ask nothing the catalog answers ("for Summit members?")
)


def reply_language(turn: Turn, parsed: ParsedQuery) -> str:
    """The language detected for the turn where the turn loop has one, else the parser's guess."""
    return getattr(turn, "language", None) or parsed.language or "en"


@intent("catalog_query")
def catalog_query(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    parser = parser_for(turn.services.get("catalog"))
    # a follow-up ("which one is lighter") arrives read against the products shown (conversation.references)
    parsed = route.slots.get("parsed") or (parser.parse(turn.message) if parser is not None else None)
    asked = None if route.slots.get("parsed") else _question_after_a_story(turn, parser)
    if asked is not None:
        if asked.operation is None or asked.confidence < MIN_CONFIDENCE or asked.leftovers:
            # "bought the Loft 4 on 2 March, today it is 15 EUR cheaper elsewhere: do I get the difference?" is
            # about the customer's own order, in words the catalog cannot apply: the help pages' rules answer it
            yield from _elsewhere(turn, route, history, service=True)
            return
        parsed = asked  # "I bought the Loft 4 on 2 March; which mat is lighter?": the story is no constraint
    if parsed is None or parsed.operation is None or parsed.confidence < MIN_CONFIDENCE:
        # A yes/no question about a named product that its row cannot answer is a question for the help pages,
        # never a list of "products that match"
        asks = parsed is not None and parser.is_question_about(parsed, turn.message)
        if parsed is not None and parsed.mentions and not parsed.shopping:
            # "which batteries does the Beacon take?": the named product's own row is the evidence first
            answered = yield from answer_from_product_rows(turn, parsed, history)
            if answered:
                return
        # "Welche Wasserfilter habt ihr?": a kind asked for in shopping words is a product search
        shop = (
            parsed is not None
            and parsed.shopping
            and bool(parsed.asked_kind)
            and not (parsed.mentions or parsed.leftovers)
        )
        yield from _elsewhere(turn, route, history, service=asks, products=shop)
        return
    record = yield from turn.run_tool("query_catalog", parsed.arguments)
    if not record.ok or not isinstance(record.result, CatalogQueryResult):
        yield from turn.refused_or_failed(record)
        return
    # a follow-up ("what about the Talus Mid?") asks the earlier question again, yes/no included
    yield from answer(turn, record.result, parsed, follow_up=bool(route.slots.get("parsed")))


def answer(
    turn: Turn, result: CatalogQueryResult, parsed: ParsedQuery, follow_up: bool = False
) -> Iterator[TurnEvent]:
    """Say the result, citing each row it uses, in the customer's language."""

    def cite(row: CatalogRow) -> int:
        return turn.cite(row.source, row.name, row.text, row.anchor, "product").n

    yes_no = asks_yes_no(turn.message)
    reply = CatalogReply(result, reply_language(turn, parsed), cite)
    text = reply.text(parsed.asked_words, yes_no, opens_with_question_word(turn.message) and not follow_up)
    turn.about.products = [row.sku for row in [*result.rows, *result.without_figure, *result.closest]]
    turn.about.kind = result.kind or parsed.asked_kind
    turn.about.query = dict(parsed.arguments)
    if result.ignored_words:
        # a constraint the catalog cannot apply is asked about, never silently dropped
        turn.action = "clarify"
    yield from turn.say(text)
    yield from turn.emit_citations()


def _question_after_a_story(turn: Turn, parser) -> ParsedQuery | None:
    """The message's question, parsed, where the message tells a dated story of the customer's own order (a date
    tied to a purchase or a delivery); None where it tells none."""
    from generation import asks_question, read_case

    if parser is None or read_case(turn.message, turn.language).story is None:
        return None
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", turn.message) if asks_question(s)]
    return parser.parse(sentences[-1] if sentences else turn.message)


def _elsewhere(
    turn: Turn, route: Route, history: list[dict], *, service: bool = False, products: bool = False
) -> Iterator[TurnEvent]:
    """Not a catalog query after all: the better of the product and service handlers takes the turn (the service
    handler where `service` says so, the product handler where `products` does)."""
    scores = route.scores or {}
    if service or products:
        name = "service_question" if service else "product_discovery"
    else:
        name = max(("product_discovery", "service_question"), key=lambda intent: scores.get(intent, 0.0))
    turn.intent = name
    yield from handler_for(name)(turn, route, history)


def _product_text(item: ProductInfo) -> str:
    """A product's row as a short page: its description and every catalog fact, one sentence each."""
    facts = [
        f"{item.name}. {item.description}".strip(),
        f"Weight: {item.weight_g} g." if item.weight_g else "",
        f"Materials: {', '.join(item.materials)}." if item.materials else "",
        f"Sizes: {', '.join(item.sizes)}." if item.sizes else "",
        f"Colours: {', '.join(item.colours)}." if item.colours else "",
        f"Works with: {', '.join(item.compatible_with)}." if item.compatible_with else "",
    ]
    return "\n\n".join(f for f in facts if f)


def answer_from_product_rows(turn: Turn, parsed: ParsedQuery, history: list[dict]) -> Iterator[TurnEvent]:
    """Answer from the rows of the products the message names, when one of them states what is asked (the
    composer's support, `generation.lead`); False, having said nothing, when none does."""
    from generation import LEAD_MIN, compose

    items: list[ProductInfo] = []
    for sku in list(dict.fromkeys(parsed.mentions[0]))[:MAX_NAMED_ROWS]:
        record = yield from turn.run_tool("get_product", {"sku": sku})
        if record.ok and isinstance(record.result, ProductInfo):
            items.append(record.result)
    rows = [{"text": _product_text(i), "title": i.name, "language": "en"} for i in items]
    # Every sentence of a product's row is about that product: what is asked of it is the rest of the question.
    asked = _without_names(turn.message, [i.name for i in items])
    found = compose(asked, rows, language=turn.language) if rows else None
    if found is None or found.kind == "quote" or found.confidence < LEAD_MIN:
        # the help pages may state it ("does the Meadow 6 take longer to arrive?"); the rows stay in the evidence
        turn.named_rows = [(i, row["text"]) for i, row in zip(items, rows, strict=True)]
        return False
    evidence = [
        turn.cite(i.source, i.name, row["text"], i.anchor, "product")
        for i, row in zip(items, rows, strict=True)
    ]
    turn.about.products = [i.sku for i in items]
    answered = yield from turn.answer(evidence, history, asked)
    return answered


def _without_names(message: str, names: list[str]) -> str:
    """`message` without the words of the products it names ("is the tarn 9.8 rope dry treated?" -> "is the dry
    treated?"); the message itself when nothing else would be left."""
    from generation import terms

    named = terms(" ".join(names))
    kept = [w for w in message.split() if not terms(w) or not terms(w) <= named]
    rest = " ".join(kept)
    return rest if terms(rest) else message
