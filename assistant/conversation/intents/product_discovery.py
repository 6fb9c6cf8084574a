"""Finding products: a named SKU, products like one, recommendations for the caller, or a catalog search.

An anonymous "recommend something" with nothing to go on gets a question back (action "clarify"): a popularity list
answers a question nobody asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assistant.conversation.intents import intent
from assistant.conversation.marketer_tables import recommended_table, with_catalog_facts
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import ProductInfo, product_items

RECOMMEND_WORDS = re.compile(
    r"\b(recommend\w*|suggest\w*|for me|ideas?|what should i buy|best sellers?|empfehl\w*|recommand\w*|recomiend\w*)\b",
    re.I,
)
_SIMILAR_WORDS = re.compile(r"\b(similar|like|alternatives?|instead of|ähnlich|comme|parecid\w*)\b", re.I)
# Words that say nothing about *what* the caller wants: a request made only of these needs a question back.
_VAGUE = set(
    "recommend recommendation recommendations suggest suggestion something anything me please can you could would "
    "what should i buy get a an some for good nice product products item items idea ideas show give to tell which "
    "one stuff thing things your you have do any best".split()
)
MAX_PRODUCTS = 10


def is_vague(message: str) -> bool:
    return not [w for w in re.findall(r"[^\W\d_]+", message.lower()) if w not in _VAGUE]


@intent("product_discovery")
def product_discovery(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = route.slots
    k = min(int(slots.get("count") or 5), MAX_PRODUCTS)
    skus = slots.get("skus") or _named(turn)
    if skus and _SIMILAR_WORDS.search(turn.message):
        record = yield from turn.run_tool("similar_products", {"sku": skus[0], "k": k})
        if record.ok:
            yield from turn.render_products(
                product_items(record.result), turn.phrase("products_similar", sku=skus[0])
            )
            return
    if skus:
        found = yield from _look_up(turn, skus[:3])
        if found:
            yield from turn.render_products(found, turn.phrase("products_details"), details=True)
            return
    target = slots.get("customer_id") if turn.caller.role == "marketer" else turn.caller.customer_id
    if target and (RECOMMEND_WORDS.search(turn.message) or is_vague(turn.message)):
        record = yield from turn.run_tool("recommend_products", {"customer_id": target, "k": k})
        if not record.ok and record.error in ("not_found", "invalid_choice"):
            yield from turn.refused_or_failed(record)  # "unknown customer 'C99999'": never a substitute list
            return
        if record.ok and turn.caller.role == "marketer":
            items = with_catalog_facts(product_items(record.result), turn.services.get("catalog"))
            turn.product_lines(items)  # cites the catalog rows behind the table
            yield from turn.say(f"Recommended for {target}:\n\n" + recommended_table(items))
            yield from turn.emit_citations()
            return
        if record.ok:
            intro = (
                turn.phrase("products_for_you")
                if turn.caller.role == "customer"
                else f"Recommended for {target}:"
            )
            yield from turn.render_products(product_items(record.result), intro)
            return
    if is_vague(turn.message):
        turn.action = "clarify"
        yield from turn.say(turn.phrase("clarify_products"))
        return
    yield from _search(turn, slots, k)


def _named(turn: Turn) -> list[str]:
    """The products the message names ("tell me about the Ridgeback 2 tent"), when it names one group of them."""
    from assistant.conversation.catalog_query import parser_for

    parser = parser_for(turn.services.get("catalog"))
    mentions = parser.parse(turn.message).mentions if parser is not None else []
    return list(mentions[0]) if len(mentions) == 1 else []


def _look_up(turn: Turn, skus: list[str]) -> Iterator[TurnEvent]:
    found: list[ProductInfo] = []
    for sku in skus:
        record = yield from turn.run_tool("get_product", {"sku": sku})
        if record.ok and isinstance(record.result, ProductInfo):
            found.append(record.result)
    return found


def _search(turn: Turn, slots: dict[str, Any], k: int) -> Iterator[TurnEvent]:
    from assistant.conversation.catalog_query import parser_for
    from assistant.conversation.discovery_fit import fitted

    # twice as many found as shown: those that deny what is asked ("Not waterproof.") make room for others
    args: dict[str, Any] = {"query": turn.message, "k": min(2 * k, MAX_PRODUCTS)}
    if slots.get("max_price") is not None:
        args["max_price"] = slots["max_price"]
    record = yield from turn.run_tool("search_products", args)
    products = product_items(record.result) if record.ok else []
    catalog = turn.services.get("catalog")
    products = fitted(products, turn.message, catalog, parser_for(catalog), k)
    if not products:
        turn.outcome, turn.handoff_offered = "not_found", True
        yield from turn.say(turn.phrase("no_product_match"))
        return
    yield from turn.render_products(products, turn.phrase("products_match"))
