"""Second thoughts on the router's intent for a customer's message, from what the shop holds: the capability map,
the catalog parser (a named product, a kind with a constraint) and where the knowledge base's best matches are (help
pages or products). The router's examples are English and mostly customers' words; the shop's data is not.

    review = RouteReview(services)
    route = review.review(turn, router.route(message, history), message)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from assistant.conversation.copy_request import marketer_task
from assistant.conversation.intents.product_discovery import RECOMMEND_WORDS
from assistant.conversation.reply import Caller
from assistant.conversation.router import Route, names_marketer_task
from assistant.conversation.turn import Turn
from generation import only_fillers

log = logging.getLogger(__name__)

MARKETER_INTENTS = frozenset({"ad_copy", "segment_analysis", "demand_forecast"})
_REROUTABLE = frozenset({"product_discovery", "catalog_query", "off_topic", "service_question"})
UNSURE_OFF_TOPIC = (
    0.8  # an off-topic guess below this is checked against the help pages (which abstain when unsure)
)
HELP_PAGE_PROBE_K = 5
CATALOG_SURE = (
    0.5  # the parser reads a kind and an operation this surely: a catalog query, whatever the pages hold
)
CUSTOMER_MARKETER_INTENT_CONFIDENCE = 0.9
WEAK_INTENT_SCORE = 0.35
_CONSTRAINTS = frozenset({"max_price", "min_price", "limits", "colour", "size", "gender", "in_stock"})


class RouteReview:
    """The shop-aware checks on a route (one per agent; the services are the agent's)."""

    def __init__(self, services: Mapping[str, Any]) -> None:
        self.services = services

    def review(self, turn: Turn, route: Route, message: str) -> Route:
        """A customer's request the shop's capability map knows is a service question; so is an unsure product or
        off-topic guess whose best matches in the knowledge base are help pages, not products (the router's examples
        are English; the knowledge base answers in any language it holds)."""
        if turn.caller.role == "marketer" and route.intent in _REROUTABLE:
            # "Email for the Summit jacket ...", "who should get the winter campaign": a marketer's task, not a
            # product search (the router's examples are mostly customers' words)
            route.intent = marketer_task(message, route.slots, self._brief_names()) or route.intent
            return route
        # A handoff here is the escalation rule's (asked, accepted, repeated, upset): no capability answer overrides it
        if turn.caller.role != "customer" or route.slots.get("skus") or route.intent == "handoff":
            return route
        if route.intent == "small_talk" and (len(message.split()) < 3 or only_fillers(message)):
            return route  # "Hallo, guten Tag" is a greeting in any language, whatever the help pages hold
        if route.intent in ("catalog_query", "product_discovery") and self._asks_size_for_measurements(
            message
        ):
            route.intent = (
                "service_question"  # "chest 112 cm, which size in a men's jacket?": the size charts'
            )
            return route
        # A shortcut of the catalog parser ("the lightest tent", "X vs Y") named its intent outright.
        shortcut = route.intent == "catalog_query" and set(route.scores) == {"catalog_query"}
        if not shortcut and turn.capability_for(message) is not None:
            route.intent = "service_question"  # "pls remove all my data": the shop's map knows where to go
            return route
        if route.intent in MARKETER_INTENTS or route.intent == "small_talk":
            # "i want a copy of my data" is no ad copy; "Wie lange sind Gutscheine gültig?" no greeting
            if not names_marketer_task(message) and self.help_pages_lead(message, turn.language):
                route.intent = "service_question"
            return route
        if route.intent not in _REROUTABLE or shortcut:
            return route
        if route.intent == "product_discovery" and RECOMMEND_WORDS.search(message):
            return route
        if route.intent in (
            "product_discovery",
            "service_question",
            "catalog_query",
        ) and self._asks_about_named_product(message):
            # "does the Meadow 6 take longer to arrive?" wants an answer, not a list of products, and "does the
            # Clearflow filter remove viruses?" its description: the catalog handler answers from the row, or passes
            # it to the help pages
            route.intent = "catalog_query"
            return route
        unsure_off_topic = route.intent == "off_topic" and route.confidence < UNSURE_OFF_TOPIC
        if route.intent == "off_topic" and not unsure_off_topic:
            return route  # "schreib mir ein Gedicht": a scope reply, whatever the help pages hold
        wanted = self._catalog_route(message, turn.language, route.intent)
        if wanted is not None:
            # "welche jacken habt ihr unter 100 euro?", "Welche Wasserfilter habt ihr?": a kind the shop sells, with a
            # constraint or in shopping words, in any language; "do you sell surfboards?": the catalog says no
            route.intent = wanted
            return route
        if (
            route.intent in ("product_discovery", "catalog_query")
            or unsure_off_topic
            or turn.language != "en"
        ):
            if self.help_pages_lead(message, turn.language):
                route.intent = "service_question"
        return route

    def _brief_names(self) -> list[str]:
        """The names of the campaign briefs on file (a marketer's message that names one is about that campaign)."""
        settings = self.services.get("settings")
        if settings is None:
            return []
        from generation import load_briefs

        try:
            return [b.name for b in load_briefs(settings.demo_dir / "campaigns")]
        except Exception:  # a bad brief file: the copy tools say which; routing goes on without the names
            return []

    def kind_finder(self) -> Any:
        """The catalog's kinds of product, found in a list of words ("tents"), or None without a catalog."""
        catalog = self.services.get("catalog")
        index = getattr(catalog, "index", None)
        return (lambda words: index.find_kind(words, set())) if index is not None else None

    def _asks_size_for_measurements(self, message: str) -> bool:
        """A message that gives body measurements and asks for a size: the size charts answer it, not a product list."""
        from assistant.commerce.lexicon import find_phrases, lexicon, normalize
        from generation import read_case

        # the size words first: reading the whole case (spelled numbers, days, places) is the dearer half
        return bool(find_phrases(normalize(message), list(lexicon().size_words))) and bool(
            read_case(message).measures
        )

    def _asks_about_named_product(self, message: str) -> bool:
        from assistant.conversation.catalog_query import parser_for

        parser = parser_for(self.services.get("catalog"))
        return parser is not None and parser.is_question_about(parser.parse(message), message)

    def _catalog_route(self, message: str, language: str, intent: str) -> str | None:
        """The catalog's handler for a kind the parser reads in `message` (None: the kind says nothing here).

        A kind the shop sells asked with an operation (filter, rank, compare) keeps a product route; asked in shopping
        words ("Welche Wasserfilter habt ihr?") it is a product search even where the router guessed a help page. A
        kind the catalog lacks is the catalog's to say "we do not sell", unless a help page names it ("gift cards")."""
        from assistant.conversation.catalog_query import parser_for

        parser = parser_for(self.services.get("catalog"))
        parsed = parser.parse(message) if parser is not None else None
        if not parsed or not parsed.asked_kind or parsed.mentions:
            return None
        product_route = intent in ("product_discovery", "catalog_query")
        if not parser.index.products_of_kind(parsed.asked_kind).skus:
            named = parsed.asked_words or parsed.asked_kind
            sure = parsed.operation and parsed.confidence >= CATALOG_SURE
            return "catalog_query" if sure and not self._pages_name(named, message, language) else None
        if parsed.shopping and not parsed.leftovers:  # "do you offer engraving on bottles?" asks of a service
            return intent if product_route else "product_discovery"
        sure = parsed.operation and parsed.confidence >= CATALOG_SURE
        if sure and product_route and _CONSTRAINTS & set(parsed.arguments):
            return "catalog_query"  # a price, size, colour or who-for the search would not keep: the catalog's query
        return intent if sure and product_route else None

    def _pages_name(self, words: str, message: str, language: str) -> bool:
        """Whether a help page among the best matches for `message` uses every term of `words`."""
        from assistant.conversation.intents.service_question import search_query
        from generation import terms

        wanted = terms(words)
        try:
            hits = self.services["kb"].search(search_query(message, language), k=HELP_PAGE_PROBE_K)
        except Exception:  # the probe is a hint; the handlers report a broken index themselves
            log.exception("knowledge-base probe failed")
            return False
        pages = [h for h in hits if (h.metadata or {}).get("doc_type") != "product"]
        return bool(wanted) and any(wanted <= terms(h.text) for h in pages)

    def help_pages_lead(self, message: str, language: str) -> bool:
        """Whether help pages, rather than products, are the knowledge base's best matches for `message`."""
        from assistant.conversation.intents.service_question import search_query

        try:
            hits = self.services["kb"].search(search_query(message, language), k=HELP_PAGE_PROBE_K)
        except Exception:  # the probe is a hint; the handlers report a broken index themselves
            log.exception("knowledge-base probe failed")
            return False
        weights = [1.0 / (rank + 1) for rank in range(len(hits))]
        pages = sum(
            w for w, h in zip(weights, hits, strict=True) if (h.metadata or {}).get("doc_type") != "product"
        )
        return pages > sum(weights) / 2


def customer_safe(caller: Caller, route: Route) -> Route:
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
