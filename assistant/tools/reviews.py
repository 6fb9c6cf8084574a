"""Review tools: what customers say about a product (aspects with sentiment counts and quoted, cited sentences), which
products draw the most complaints about an aspect, the shop's review themes, and importing a file of reviews.

`review_summary` is open to customers too ("what do other buyers say about the fit?"): it returns aggregates and short
quotes only; no reviewer's name or contact is stored, and addresses or numbers inside a quote are blanked out.
"""

from __future__ import annotations

import re

from assistant.commerce.lexicon import tokens
from assistant.errors import BadInput, NotFound
from assistant.reviews import ReviewDesk
from assistant.reviews.sentiment import LANGUAGES
from assistant.reviews.types import ComplaintRanking, ReviewImport, ReviewSummary, ReviewThemes
from assistant.tools.base import ToolContext, tool

MAX_RANKED = 50
CUSTOMER_QUOTES_PER_ASPECT = 2  # a customer sees one praise and one complaint per aspect at most
_SKU = re.compile(r"\b[A-Z]{2,6}-\d{2,6}\b")


def products_named(catalog, text: str) -> tuple[list[str], str]:
    """The products `text` names (a SKU, or name words: "the Talus boot" is every Talus) and a name for them."""
    skus = [s for s in _SKU.findall(text.upper()) if s in catalog]
    if not skus:
        mentions = catalog.index.mentions(tokens(text))
        skus = mentions[0].skus if mentions else []
    if not skus:
        raise NotFound(f"no product of the shop is named {text!r}; give its name or SKU (e.g. FTW-001)")
    if len(skus) == 1:
        return skus, catalog.get(skus[0]).name
    names = [catalog.get(s).name for s in skus]
    common = names[0].split(" (")[0]
    return skus, common if all(n.startswith(common) for n in names) else " / ".join(names)


def _desk(ctx: ToolContext) -> ReviewDesk:
    return ReviewDesk.from_services(ctx.services)


@tool(roles={"customer", "marketer"})
def review_summary(
    ctx: ToolContext, product: str, aspect: str | None = None, language: str = "en"
) -> ReviewSummary:
    """What customers say about a product: star ratings, and per aspect (fit, warmth, waterproofing, durability,
    weight, price, ...) how many reviews praise or criticise it, with quoted sentences cited by review id. `aspect`
    narrows it to one ("sizing", "Passform"); `language` (en, de) picks labels and quotes."""
    desk = _desk(ctx)
    skus, name = products_named(desk.catalog, product)
    book = desk.book
    wanted = book.resolve_aspect(aspect) if aspect else None
    summary = book.summary(skus, language if language in LANGUAGES else "en", wanted, name)
    if ctx.role == "customer":  # aggregates and short quotes only
        for row in summary.aspects:
            row.quotes = _one_each(row.quotes)
    return summary


def _one_each(quotes: list) -> list:
    kept, sides = [], set()
    for q in quotes:
        if q.polarity not in sides:
            sides.add(q.polarity)
            kept.append(q.model_copy(update={"date": q.date[:7]}))  # the month is enough
    return kept[:CUSTOMER_QUOTES_PER_ASPECT]


@tool(roles={"marketer"})
def review_complaints(
    ctx: ToolContext, aspect: str, limit: int = 10, category: str | None = None
) -> ComplaintRanking:
    """Which products draw the most complaints about one aspect ("sizing", "waterproofing", "Haltbarkeit"), ranked,
    with the number of complaints, all mentions, reviews, and example complaints cited by review id."""
    book = _desk(ctx).book
    return book.complaints(book.resolve_aspect(aspect), max(1, min(MAX_RANKED, limit)), category)


@tool(roles={"marketer"})
def review_themes(ctx: ToolContext, category: str | None = None) -> ReviewThemes:
    """The themes of the shop's reviews (or one category's): each aspect with how often it is praised, mentioned
    neutrally or criticised, and the products criticised most for it."""
    return _desk(ctx).book.themes(category)


@tool(roles={"marketer"})
def import_reviews(ctx: ToolContext, filename: str, content: str) -> ReviewImport:
    """Import product reviews from a CSV or JSON file's text (columns sku, rating, text, date, language; optionally
    review_id). A file with any bad row is refused whole, each bad row named; nothing is half-imported."""
    if not filename.strip():
        raise BadInput("name the file (reviews.csv, reviews.json or reviews.jsonl)")
    return _desk(ctx).import_file(filename.strip(), content.encode("utf-8"))
