"""The catalog as something to look things up in: kinds of product, product names, colours and figures, all taken
from the catalog itself (nothing about one shop is written here), with the lexicon for the words customers use.

    index = catalog.index
    index.products_of_kind("tent")              -> KindMatch(kind="tent", skus=[six tents], level="name")
    index.mentions(tokens("ridgback 2 vs wisp1")) -> [Mention(skus=["<the Ridgeback 2>"]), Mention(skus=["<the Wisp 1>"])]

Kinds. A product's kind is read from the end of its name ("... Backpacking Tent" is a tent, a backpacking tent),
its subcategory ("Backpacking tents") and its category ("Tents"). A kind asked for finds the products whose *name*
says so, plus those whose subcategory says so unless their own name says they are another kind the shop sells (a
battery pack filed under headlamps is a pack, not a headlamp; a foam pad filed under sleeping mats is a mat). Only
when neither finds anything does the category decide. Words reached through a synonym ("backpack" -> pack) must also
agree with the product's category or subcategory when most of the others do.

Names. A product is mentioned when the customer's words contain a *distinctive* part of its name: a word few names
share ("Ridgeback", "Scree"), or a rare run of words ("Light Running Gloves"); typos are forgiven (difflib), and a
number next to the name word must agree ("Ridgeback 3" is not the Ridgeback 2). Equally good matches stay together
(the men's and women's versions), except that an accessory made for another match gives way to it (the Ridgeback 2
Footprint to the Ridgeback 2 tent).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.commerce.attributes import Figure, figures
from assistant.commerce.lexicon import Lexicon, lexicon, normalize, singular, tokens

_PARENS = re.compile(r"\([^)]*\)")
FUZZY_CUTOFF = 0.8
TIE = 0.01


@dataclass(frozen=True)
class ProductTerms:
    """A product's name and classification as token sequences (singular nouns) for matching."""

    sku: str
    name_tokens: tuple[str, ...]
    core: tuple[str, ...]  # the name without its parenthesis, "with ..." tail and trailing sizes, singular
    sub: tuple[str, ...]
    cat: tuple[str, ...]

    @property
    def head(self) -> str:
        return self.core[-1] if self.core else ""


@dataclass
class KindMatch:
    """The products of one kind: `level` says what matched (name, subcategory, category) or "none"."""

    kind: str
    skus: list[str] = field(default_factory=list)
    level: str = "none"


@dataclass
class Mention:
    """Products the customer named with some words of the message (positions `start`..`end` of its tokens)."""

    skus: list[str]
    start: int
    end: int
    score: float
    tied: tuple[str, ...] = ()  # every product the words fit equally, accessories of the others included


def _ends_with(seq: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return bool(phrase) and len(seq) >= len(phrase) and seq[-len(phrase) :] == phrase


def _terms(product: Any, lex: Lexicon) -> ProductTerms:
    name = _PARENS.sub(" ", product.name)
    name = re.split(r"\s+with\s+|:", name, maxsplit=1)[0]
    core = [singular(t) for t in tokens(name)]
    units = {u for spec in lex.attributes for u in spec.units} | {"l", "ml", "mm", "cm", "m", "g", "kg"}
    while len(core) > 1 and (core[-1].isdigit() or core[-1] in units or core[-1] in lex.name_suffix_words):
        core.pop()
    return ProductTerms(
        sku=product.sku,
        name_tokens=tuple(tokens(product.name)),
        core=tuple(core),
        sub=tuple(singular(t) for t in tokens(product.subcategory)),
        cat=tuple(singular(t) for t in tokens(product.category)),
    )


class CatalogIndex:
    """Lookups over one catalog's products (see the module docstring). Cheap to build: a few ms for 200 products."""

    def __init__(self, products: list[Any], lex: Lexicon | None = None):
        self.lex = lex or lexicon()
        self.products = {p.sku: p for p in products}
        self.terms = {p.sku: _terms(p, self.lex) for p in products}
        self.figures: dict[str, dict[str, Figure]] = {p.sku: figures(p, self.lex) for p in products}
        self.df = Counter(t for terms in self.terms.values() for t in set(terms.name_tokens))
        self.bigram_df = Counter(
            bg
            for terms in self.terms.values()
            for bg in set(zip(terms.name_tokens, terms.name_tokens[1:], strict=False))
        )
        self.vocabulary = sorted(self.df)
        # Words the catalog's own descriptions use are words, never misspelt names: "solo trips" is not "Tips".
        self.text_words = {t for p in products for t in tokens(p.description or "")} - set(self.df)
        self.heads = Counter(terms.head for terms in self.terms.values())
        # How many products say they work with this one: a tent has its footprint, pegs and repair kit.
        self.in_degree = Counter(sku for p in products for sku in set(p.compatible_with))
        self.kind_phrases = self._kind_phrases()
        self.colours = {normalize(c): c for p in products for c in p.colours}
        n = max(1, len(products))
        self.rare = max(
            2, min(4, int(n * 0.03))
        )  # a name word shared by at most this many products is distinctive
        self._n = n

    def _kind_phrases(self) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for terms in self.terms.values():
            for seq in (terms.core, terms.sub, terms.cat):
                for size in (1, 2, 3):
                    if len(seq) >= size and not seq[-1].isdigit():
                        out.add(seq[-size:])
        return out

    # -- kinds ----------------------------------------------------------------------------------------------------
    def is_kind(self, phrase: tuple[str, ...]) -> bool:
        return tuple(singular(t) for t in phrase) in self.kind_phrases

    def family(self, kind: str) -> set[tuple[str, ...]]:
        """The kind's phrase and every lexicon word that means the same kind, as singular token tuples."""
        english = self.lex.kind_of(kind) or normalize(kind)
        words = {w for w, k in self.lex.kinds.items() if k == english} | {english, normalize(kind)}
        return {tuple(singular(t) for t in w.split()) for w in words if w}

    def products_of_kind(self, kind: str) -> KindMatch:
        """The products of kind `kind` (a word from the catalog or the lexicon); see the module docstring."""
        found = self._kinds(normalize(kind))
        return KindMatch(found.kind, list(found.skus), found.level)

    @lru_cache(maxsize=2048)  # noqa: B019 - one index per catalog, kept for the process
    def _kinds(self, kind: str) -> KindMatch:
        phrase = tuple(singular(t) for t in tokens(kind))
        family = self.family(kind)
        by_name = [s for s, t in self.terms.items() if any(_ends_with(t.core, f) for f in family)]
        literal = {s for s in by_name if _ends_with(self.terms[s].core, phrase)}
        by_name = self._agreeing(by_name, literal, family)
        by_sub = [
            s
            for s, t in self.terms.items()
            if s not in by_name
            and any(_ends_with(t.sub, f) for f in family)
            and not self._other_kind(t, family)
        ]
        if by_name or by_sub:
            return KindMatch(" ".join(phrase), by_name + by_sub, "name" if by_name else "subcategory")
        # nothing else of the kind: a subcategory that names it holds it, whatever its names say ("Fleece": the "Glen
        # 200 Fleece Jacket"), rather than "we do not sell fleece"
        by_sub = [s for s, t in self.terms.items() if any(_ends_with(t.sub, f) for f in family)]
        if by_sub:
            return KindMatch(" ".join(phrase), by_sub, "subcategory")
        by_cat = [s for s, t in self.terms.items() if any(_ends_with(t.cat, f) for f in family)]
        return KindMatch(" ".join(phrase), by_cat, "category" if by_cat else "none")

    def _other_kind(self, terms: ProductTerms, family: set[tuple[str, ...]]) -> bool:
        """Its name says it is another kind of thing: a kind other products are named for too ("... Battery Pack"),
        or something for this kind ("Light Handlebar Mount", "Crampon Bag")."""
        heads = {f[-1] for f in family}
        if terms.head in heads:
            return False
        return self.heads[terms.head] > 1 or any(w in heads for w in terms.core[:-1])

    def _agreeing(self, skus: list[str], literal: set[str], family: set[tuple[str, ...]]) -> list[str]:
        """Drop synonym matches whose category disagrees with the kind when most matches agree."""

        def agrees(sku: str) -> bool:
            t = self.terms[sku]
            return any(f[-1] in t.sub or f[-1] in t.cat for f in family)

        agreeing = [s for s in skus if agrees(s)]
        if len(agreeing) * 3 >= len(skus) * 2:
            return [s for s in skus if agrees(s) or s in literal]
        return skus

    def find_kind(self, words: list[str], skip: set[int]) -> tuple[str, int, int] | None:
        """The longest run of `words` (not at `skip` positions) that names a kind the catalog has, as
        (phrase, start, end); name and subcategory kinds beat category-only ones of the same length."""
        best: tuple[tuple[int, int, int], str, int, int] | None = None
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                if any(i in skip for i in range(start, start + size)):
                    continue
                phrase = tuple(singular(w) for w in words[start : start + size])
                if phrase not in self.kind_phrases or all(w in self.lex.stopwords for w in phrase):
                    continue
                level = self.products_of_kind(" ".join(phrase)).level
                rank = (size, 1 if level in ("name", "subcategory") else 0, -start)
                if best is None or rank > best[0]:
                    best = (rank, " ".join(phrase), start, start + size)
        return None if best is None else best[1:]

    # -- names ----------------------------------------------------------------------------------------------------
    @lru_cache(maxsize=4096)  # noqa: B019 - one index per catalog, kept for the process
    def _close(self, word: str) -> tuple[str, ...]:
        if word in self.df:
            return (word,)
        # a word of the language ("sind", "with") is no misspelt name ("Chilli sin Carne")
        if len(word) < 4 or word.isdigit() or word in self.lex.stopwords or word in self.text_words:
            return ()
        # Typos keep the first letter ("ridgback", "scre"): "members" is not "ember".
        cutoff = FUZZY_CUTOFF if len(word) >= 6 else 0.84
        close = difflib.get_close_matches(word, self.vocabulary, n=3, cutoff=cutoff)
        # ... and about their length: "backpack" is not "backpacking", "gluten" not "glen".
        slack = 1 if len(word) <= 6 else 2
        return tuple(c for c in close if c[0] == word[0] and abs(len(c) - len(word)) <= slack)

    def distinctive(self, run: tuple[str, ...]) -> bool:
        """A word few names share (not a kind, not a generic or question word), or a rare run of words."""
        if len(run) == 1:
            word = run[0]
            return (
                not word.isdigit()
                and len(word) >= 3
                and self.df[word] <= self.rare
                and word not in self.lex.generic_words
                and word not in self.lex.stopwords
                and singular(word) not in self.heads
                and self.lex.kind_of(word) is None  # "bike" in "Kids Bike Helmet" is a kind, not a name
            )
        words = [w for w in run if not w.isdigit()]
        if not words or all(w in self.lex.stopwords for w in words):
            return False
        if any(self.distinctive((w,)) for w in words):
            return True
        return sum(self.bigram_df[bg] for bg in zip(run, run[1:], strict=False)) / (len(run) - 1) <= self.rare

    def _best_run(
        self, words: list[str], skip: set[int], name: tuple[str, ...]
    ) -> tuple[int, int, float] | None:
        """The best run of the customer's words matching consecutive words of `name`: (start, end, weight), where
        weight counts its distinctive words and the numbers it agrees on."""
        best: tuple[int, int, float] | None = None
        for i in range(len(words)):
            if i in skip:
                continue
            for k in range(len(name)):
                j = 0
                while (
                    i + j < len(words)
                    and k + j < len(name)
                    and i + j not in skip
                    and name[k + j] in self._close(words[i + j])
                ):
                    j += 1
                run = name[k : k + j]
                # "Ridgeback 3" names another product than the Ridgeback 2: that run does not count.
                if not j or not self.distinctive(run) or self._number_conflict(words, i + j, name, k + j):
                    continue
                weight = sum(math.log(1 + self._n / self.df[w]) for w in run if self.distinctive((w,)))
                weight = weight or math.log(1 + self._n / max(1, min(self.df[w] for w in run)))
                weight += sum(1.0 for w in run if w.isdigit())
                # the longest run wins ("Lumen 900 Pro" over "900 Pro"), then the rarer one
                if best is None or (j, weight) > (best[1] - best[0], best[2] + TIE):
                    best = (i, i + j, round(weight, 3))
        return best

    @staticmethod
    def _number_conflict(words: list[str], after_q: int, name: tuple[str, ...], after_n: int) -> bool:
        return (
            after_q < len(words)
            and after_n < len(name)
            and words[after_q].isdigit()
            and name[after_n].isdigit()
            and words[after_q] != name[after_n]
        )

    def _candidates(self, words: list[str], skip: set[int]) -> list[str]:
        close = {c for i, w in enumerate(words) if i not in skip for c in self._close(w)}
        return [sku for sku, terms in self.terms.items() if close & set(terms.name_tokens)]

    def mentions(self, words: list[str], skip: set[int] | None = None) -> list[Mention]:
        """The products named in `words` (normalised tokens), in the order they are named (module docstring)."""
        skip = set(skip or ())
        found: list[Mention] = []
        named: set[str] = set()
        while True:
            scored = []
            for sku in self._candidates(words, skip):
                if sku in named:
                    continue
                name = self.terms[sku].name_tokens
                run = self._best_run(words, skip, name)
                if run is None:
                    continue
                start, end, weight = run
                # Other words of the message that are words of this name ("the Summit *jacket*"): a tie-breaker.
                extra = {
                    i
                    for i, w in enumerate(words)
                    if i not in skip
                    and not start <= i < end
                    and not w.isdigit()
                    and not self.distinctive((w,))  # those name their own products
                    and set(self._close(w)) & set(name)
                }
                scored.append((weight, end - start + len(extra), -len(name), sku, start, end, extra))
            if not scored:
                break
            scored.sort(key=lambda item: item[:3], reverse=True)  # stable: catalog order among equals
            top, matched, _, _, start, end, extra = scored[0]
            # Equal on their distinctive words and on how many words they match -> the same mention: "Talus" is the
            # men's, the women's and the kids' Talus alike; "Talus Mid" is only the first two.
            group = [
                item[3]
                for item in scored
                if item[4] < end and item[5] > start and item[0] >= top - TIE and item[1] >= matched
            ]
            group.sort(key=list(self.terms).index)
            found.append(Mention(self._main_products(group), start, end, top, tuple(group)))
            named |= set(group)
            # its extra words stay free: "filter" in "the gravity filter replacement cartridge ... clearflow squeeze"
            # is the cartridge's word, not the Clearflow Squeeze Filter's
            skip |= set(range(start, end))
        return sorted(found, key=lambda m: m.start)

    def _main_products(self, group: list[str]) -> list[str]:
        """Equally good matches without the accessories made for another of them: an accessory names the one product
        it is for, and more things are made for the main product than for it."""
        members = set(group)

        def accessory(sku: str) -> bool:
            made_for = set(self.products[sku].compatible_with)
            return len(made_for) == 1 and any(
                o in made_for and self.in_degree[o] > self.in_degree[sku] for o in members - {sku}
            )

        return [s for s in group if not accessory(s)] or group

    # -- who a product is for, and its variants ----------------------------------------------------------------
    def gender_of(self, sku: str) -> str | None:
        """Who the product is made for as its name or category says ("(Men's)" -> men, "Kids" -> kids); None: anyone."""
        p = self.products[sku]
        for word in tokens(f"{p.name} {p.category} {p.subcategory}"):
            if word in self.lex.genders:
                return self.lex.genders[word]
        return None

    def variants(self, sku: str) -> list[str]:
        """The product and its siblings: the products whose names are the same once the words saying who they are for
        are taken out ("Talus Mid ... Boot (Men's)" and "(Women's)"), this product first."""

        def base(name: str) -> tuple[str, ...]:
            return tuple(w for w in tokens(name) if w not in self.lex.genders)

        own = base(self.products[sku].name)
        return [sku, *(s for s, p in self.products.items() if s != sku and base(p.name) == own)]

    # -- colours and sizes ----------------------------------------------------------------------------------------
    def colour_values(self, word: str) -> list[str]:
        """The catalog's colour names a customer's colour word covers ("blue" -> Navy, Cobalt, Blue ...)."""
        family = self.lex.colour_family(word)
        return [original for normed, original in self.colours.items() if normed in family]
