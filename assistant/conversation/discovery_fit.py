"""A product search's results held to what the message asks of them: the kind of product it names ("Jacke") and the
claims it makes ("wirklich wasserdicht"), each read from the product's own row with its polarity
(`commerce.attributes.claim`).

Retrieval ranks by likeness, and a description that says "Not waterproof." is very like a question about waterproof
jackets. So a product whose row denies an asked claim is left out, those that state it come first, products of the
asked kind before others (a sun hat is no answer to "which jacket"), and retrieval's order stays among equals.

    fitted(products, "wasserdichte Jacke für Regen und Wind", catalog, parser, k=5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.commerce.attributes import claim, stem
from assistant.commerce.lexicon import Lexicon, lexicon, normalize


def asked_claims(message: str, lex: Lexicon | None = None) -> list[str]:
    """The claims (in the lexicon's English) a message asks for, in any of its languages and inflections
    ("wasserdichte" -> "waterproof")."""
    lex = lex or lexicon()
    said = [stem(t) for t in normalize(message).split()]
    found: list[str] = []
    for foreign, english in lex.claim_terms.items():
        for term in (foreign, english):
            words = [stem(w) for w in normalize(term).split()]
            if words and _contains(said, words) and english not in found:
                found.append(english)
    return found


def _contains(seq: list[str], run: list[str]) -> bool:
    return any(seq[i : i + len(run)] == run for i in range(len(seq) - len(run) + 1))


def fitted(products: Sequence[Any], message: str, catalog: Any, parser: Any, k: int) -> list[Any]:
    """`products` (search results with a `sku`) without those whose row denies an asked claim; those made for whom
    the message asks for, of the asked kind and stating the claims first; at most `k`."""
    if catalog is None or not products:
        return list(products)[:k]
    lex = lexicon()
    claims = asked_claims(message, lex)
    parsed = parser.parse(message) if parser is not None else None
    of_kind = _of_asked_kind(parsed, parser)
    found_of_kind = of_kind & {p.sku for p in products}

    def verdicts(item: Any) -> list[str]:
        if item.sku not in catalog:
            return []
        product = catalog.get(item.sku)
        return [claim(product, c, lex).polarity for c in claims]

    gender = parsed.gender if parsed is not None else None
    index = getattr(parser, "index", None)

    def for_whom(item: Any) -> int:
        """0: made for whom the message asks for; 1: for anyone; 2: for someone else ("for my daughter": not the men's)."""
        if gender is None or index is None or item.sku not in catalog:
            return 0
        made_for = index.gender_of(item.sku)
        return 0 if made_for == gender else 1 if made_for is None else 2

    kept = []
    for order, item in enumerate(products):
        said = verdicts(item)
        if "no" in said:
            continue  # "Not waterproof." answers a search for waterproof jackets with a no
        other_kind = bool(found_of_kind) and item.sku not in of_kind
        kept.append((for_whom(item), other_kind, -said.count("yes"), order, item))
    kept.sort(key=lambda entry: entry[:4])
    return [entry[4] for entry in kept][:k]


def _of_asked_kind(parsed: Any, parser: Any) -> set[str]:
    kind = parsed.asked_kind if parsed is not None else None
    return set(parser.index.products_of_kind(kind).skus) if kind else set()
