"""The products a marketer's request names by their names ("the Nordkette boot", "Summit 800", "the Cirque boot +
Glacier crampons"): each name read on its own by its distinctive words (rapidfuzz for misspellings), the campaign's
products winning a name they share equally with others.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from generation import campaign_words


@lru_cache(maxsize=4)
def _name_index(names: tuple[tuple[str, str], ...]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """word -> SKUs whose name has it, and each word's idf over the catalog's names."""
    by_word: dict[str, list[str]] = {}
    for sku, name in names:
        for w in set(re.findall(r"[^\W\d_]{3,}", name.lower())):
            by_word.setdefault(w, []).append(sku)
    idf = {w: math.log(len(names) / len(s)) for w, s in by_word.items()}
    return by_word, idf


def named_products(
    message: str,
    catalog: Any,
    *,
    max_share: int = 3,
    ignore: set[str] = frozenset(),
    prefer: set[str] = frozenset(),
) -> list[str]:
    """SKUs of the products a message names by a distinctive word of their name ("Nordkette", "Summit 800"), a
    misspelling included, each name read on its own ("the Cirque boot + Glacier crampons" names two); a word many
    products share ("boot", "jacket") names none, nor do the `ignore` words. A word that fits some of the `prefer`
    products (the campaign's) and ties between them and others names only those ("the Ridgerunner" in the trail
    running brief is its two, "the jacket" its race jacket); a name that fits another product better stays it."""
    if catalog is None:
        return []
    names = tuple((p.sku, p.name) for p in catalog)
    by_word, idf = _name_index(names)
    words = set(re.findall(r"[^\W\d_]{3,}", message.lower()))
    loose = words - set(
        by_word
    )  # only a word no name has as written may be a misspelling ("gaiters" is not "gaiter")
    scores: dict[str, float] = {}
    groups: list[list[str]] = []
    for word, skus in by_word.items():
        if word in campaign_words()["stopwords"] or word in ignore:
            continue
        chosen = skus
        if (
            len(skus) > max_share
        ):  # "jacket": too common to name a product, unless the campaign has few of them
            chosen = [s for s in skus if s in prefer]
            if not chosen or len(chosen) > max_share:
                continue
        if word in words or (len(word) >= 6 and any(fuzz.ratio(word, w) >= 88 for w in loose)):
            groups.append(chosen)
            for sku in chosen:
                scores[sku] = scores.get(sku, 0.0) + idf[word]
    if not scores:
        return []
    numbers = set(re.findall(r"\d+", message))
    for sku in scores:  # "Meadow 4" vs "Meadow 6": a number of the name breaks the tie between named products
        scores[sku] += 0.5 * len(numbers & set(re.findall(r"\d+", catalog.get(sku).name)))
    picked = set()
    for group in groups:  # each name's best fits: "Glacier" is the crampons when "crampons" is said too
        top = max(scores[s] for s in group)
        tied = {s for s in group if scores[s] >= top - 1e-9}
        picked |= (
            tied & set(prefer)
        ) or tied  # a tie only: "the Meadow 6" stays the Meadow 6, never a substitute
    return sorted(picked, key=lambda s: (-scores[s], s))[:3]


def products_by_name(
    request: str,
    spans: list[tuple[int, int]],
    claim_spans: list[tuple[int, int]],
    catalog: Any,
    brief_words: set[str] = frozenset(),
    prefer: set[str] = frozenset(),
) -> list[str]:
    """The products a request names, outside the campaign's name and the claims; inside a claim when none is outside
    ("claim: Stormline 3L rated 20,000 mm")."""
    outside = _without(request, spans)
    found = named_products(outside, catalog, ignore=brief_words, prefer=prefer)
    if found:
        return found
    inside = _without(request, [s for s in spans if s not in claim_spans])
    return named_products(inside, catalog, ignore=brief_words, prefer=prefer)


def _without(message: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        message = message[:start] + " " + message[end:]
    return message
