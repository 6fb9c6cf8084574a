"""What buyers say: "what do customers say about the Talus boot?", "what do other buyers say about the fit?" (about
the product the last reply showed), and for marketers "which products have the most complaints about sizing?" and
"what are the review themes?". The answer is composed by code from the review tools' typed results; every quote
names its review (#id) and its stars.

`asks_about_reviews` is the agent's check (a few phrases in English and German, as data below): the router's
examples know nothing of reviews, and these questions are easy to tell by their words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.references import last_about
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.reviews.aspects import AspectMap
from assistant.reviews.types import ComplaintRanking, ReviewSummary, ReviewThemes

_ASKS = re.compile(
    r"\b(what do (?:other |the )?(?:customers|buyers|people|reviewers|users) (?:say|think)|reviews? (?:say|of|for|about|on)"
    r"|(?:most|many|any|more) complaints about|(?:customers|buyers|people|reviewers) complain(?:ed)? about"
    r"|review themes|themes (?:in|of) (?:the )?reviews"
    r"|was sagen (?:andere |die )?(?:kunden|käufer|käuferinnen|leute)|bewertungen (?:zu|für|von|über|zum|zur)"
    r"|beschwerden (?:über|zu|zur|zum)|rezensionen)\b",
    re.I,
)
_RANKING = re.compile(r"\b(which products|welche produkte|most complaints|meisten beschwerden|rank)\b", re.I)
_THEMES = re.compile(r"\b(themes?|themen)\b", re.I)
SHOWN_ASPECTS = 4


def asks_about_reviews(message: str) -> bool:
    """Whether the message asks what reviews say (not how to write one: that is a help-page question)."""
    return bool(_ASKS.search(message)) and not re.search(
        r"\b(write|leave|schreiben|verfassen)\b", message, re.I
    )


def _aspect_in(message: str, language: str) -> str | None:
    aspects = AspectMap.load()
    found = aspects.find(message, language, list(aspects.aspects))
    return next(iter(found), None)


@intent("reviews")
def reviews(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    message, language = turn.message, turn.language if turn.language in ("en", "de") else "en"
    aspect = _aspect_in(message, language)
    if turn.caller.role == "marketer" and _RANKING.search(message) and aspect:
        record = yield from turn.run_tool("review_complaints", {"aspect": aspect, "limit": 5})
    elif turn.caller.role == "marketer" and _THEMES.search(message):
        record = yield from turn.run_tool("review_themes", {})
    else:
        named = _named_product(turn, message)
        product = named or " ".join(last_about(history).get("products", [])[:3])
        if not product:
            turn.action = "clarify"
            yield from turn.say(_ask_which(language))
            return
        args = {"product": product, "aspect": aspect, "language": language}
        record = yield from turn.run_tool("review_summary", args)
    if not record.ok:
        yield from turn.refused_or_failed(record)
        return
    result = record.result
    if isinstance(result, ReviewSummary):
        turn.about.products = list(result.skus)
        yield from turn.say(summary_text(result, language))
    elif isinstance(result, ComplaintRanking):
        yield from turn.say(complaints_text(result))
    elif isinstance(result, ReviewThemes):
        yield from turn.say(themes_text(result))


def _named_product(turn: Turn, message: str) -> str:
    from assistant.commerce.lexicon import tokens

    catalog = turn.services.get("catalog")
    if catalog is None:
        return ""
    skus = re.findall(r"\b[A-Z]{2,6}-\d{2,6}\b", message.upper())
    mentions = catalog.index.mentions(tokens(message))
    return " ".join(skus) if skus else " ".join(mentions[0].skus) if mentions else ""


def _ask_which(language: str) -> str:
    if language == "de":
        return "Zu welchem Produkt möchten Sie wissen, was andere Käufer sagen? Nennen Sie den Namen oder die Artikelnummer."
    return "Which product would you like to hear other buyers' views on? Give its name or SKU."


def _quote(q) -> str:
    return f"“{q.text}” (review #{q.review_id}, {q.rating}★)"


def summary_text(result: ReviewSummary, language: str) -> str:
    """Aggregates first, then each aspect with its counts and one quote per side."""
    de = language == "de"
    if not result.reviews:
        return (
            f"Zu {result.name} gibt es noch keine Bewertungen." if de else f"No reviews of {result.name} yet."
        )
    head = (
        f"**{result.name}**: {result.reviews} Bewertungen, im Schnitt {result.average_rating:.1f} von 5 Sternen."
        if de
        else f"**{result.name}**: {result.reviews} reviews, {result.average_rating:.1f} of 5 stars on average."
    )
    lines = [head, ""]
    if not result.aspects:
        lines.append(
            "Zu diesem Punkt sagen die Bewertungen nichts." if de else "The reviews say nothing about that."
        )
    for a in result.aspects[:SHOWN_ASPECTS]:
        counts = (f"{a.positive} positiv, {a.negative} negativ, {a.neutral} neutral" if de
                  else f"{a.positive} positive, {a.negative} negative, {a.neutral} neutral")  # fmt: skip
        quotes = "; ".join(_quote(q) for q in a.quotes[:2])
        lines.append(f"- **{a.label}**: {counts}" + (f". {quotes}" if quotes else ""))
    return "\n".join(lines)


def complaints_text(result: ComplaintRanking) -> str:
    if not result.products:
        return f"No product has complaints about {result.label.lower()} in its reviews."
    lines = [f"Products with the most complaints about **{result.label.lower()}**:", ""]
    for i, p in enumerate(result.products, start=1):
        example = f" {_quote(p.quotes[0])}" if p.quotes else ""
        lines.append(f"{i}. **{p.name}** ({p.sku}): {p.complaints} of {p.reviews} reviews complain.{example}")
    return "\n".join(lines)


def themes_text(result: ReviewThemes) -> str:
    lines = [f"What {result.reviews} reviews talk about (praised / criticised):", ""]
    for t in result.themes[:8]:
        worst = (
            f"; most criticised: {', '.join(t.top_complained[:2])}" if t.negative and t.top_complained else ""
        )
        lines.append(f"- **{t.label}**: {t.positive} / {t.negative}{worst}")
    return "\n".join(lines)
