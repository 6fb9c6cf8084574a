"""What a parsed catalog message asks: the operation (rank, filter, compare, compatibility, attribute, facts) and its
arguments, decided from what the parser's passes found (`CatalogQueryParser` mixes this in).

A message about products the conversation showed (a follow-up, read with them as its context) ranks only those
("which one is lighter") or looks for a variant among them and their siblings ("in blue?", "the men's one").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.commerce.attributes import claim
from assistant.commerce.lexicon import normalize
from generation import the_ask

_YES_NO_START = re.compile(
    r"^\s*(is|are|does|do|can|will|would|has|have|did|ist|sind|hat|haben|habt|hast|gibt|gibt's|gibts|kann|passt|passen|"
    r"est|sont|a|peut|"
    r"es|son|tiene|puede|sirve|è|ha|può|sono)\b",
    re.I,
)
DEFAULT_LIMIT = 5
# "do you sell snowboards?" asks for a product by a word nobody listed; a longer rest is a sentence of its own
# ("how long do you have to answer my request for a copy of my data?"), not a product name
MAX_UNKNOWN_WORDS = 3


def asks_yes_no(message: str) -> bool:
    """Whether a message opens as a yes/no question ("does it come in red?", "gibt's die auch in Blau?"), after
    any fillers ("great, and ...") are stripped."""
    from generation import strip_fillers

    text = strip_fillers(message).lstrip(" ,.!-")
    return bool(_YES_NO_START.search(text) or _YES_NO_START.search(message))


DECISIVE_CLAIM = 0.85  # a yes/no question about a named product this sure is about its row


@dataclass
class ParsedQuery:
    """A message read as a catalog query: `operation` None means it is not one."""

    operation: str | None
    arguments: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    language: str = "en"
    mentions: list[list[str]] = field(default_factory=list)  # the product groups named, in order
    asked_kind: str | None = None  # the kind asked about, as the catalog or the lexicon names it
    asked_words: str | None = None  # the same in the customer's own words ("Kajaks"), for the reply
    leftovers: list[str] = field(default_factory=list)  # content words the query did not use
    shopping: bool = False  # "do you sell / have / carry ...": asks for products, not about one
    gender: str | None = None  # who the message asks for ("für Damen", "Damenversion"), operation or not


class QueryDecision:
    """The deciding half of `CatalogQueryParser` (it has `index` and `lex`)."""

    index: Any
    lex: Any

    def _decide(
        self, message: str, scan: Any, groups: list[list[str]], kind: str | None, leftovers: list[str]
    ) -> ParsedQuery:
        flags, args = scan.flags, dict(scan.args)
        said = scan.flags.get("said", {})
        sell_unknown = False
        if kind is None:
            unknown = [w for w in leftovers if self.lex.kind_of(w)]
            if unknown:
                said.setdefault(self.lex.kind_of(unknown[0]), unknown[0])
                kind = self.lex.kind_of(unknown[0])
                leftovers = [w for w in leftovers if w != unknown[0]]
            elif flags["sell"] and 0 < len(leftovers) <= MAX_UNKNOWN_WORDS and not groups:
                # "do you sell snowboards?": a word nobody listed, asked for as a product
                kind = said.setdefault(" ".join(leftovers[:2]), " ".join(leftovers[:2]))
                leftovers, sell_unknown = leftovers[2:], True
        # a reason told beside the question ("is it in stock? need it for next weekend") asks nothing of the catalog
        asking = set(normalize(the_ask(message)).split())
        leftovers = [w for w in leftovers if w in asking]
        spelt = {w: self._claim_word(w) for w in dict.fromkeys(leftovers)}  # fuzzy matching once per word
        leftovers = [spelt[w] for w in leftovers]
        small_kind = self._small_kind(kind) if kind else []
        about = groups or ([small_kind] if small_kind else [])
        flat = [s for g in about for s in g]
        filters = bool(
            flags["stock"] or {"max_price", "min_price", "limits", "colour", "size", "gender"} & set(args)
        )
        if flags["stock"] and (kind or not about):
            args["in_stock"] = True
        words = [w for w in leftovers if w not in self.lex.generic_words or kind]

        def query(operation: str, confidence: float, **extra: Any) -> ParsedQuery:
            arguments = {"operation": operation, **args, **extra}
            return ParsedQuery(
                operation, arguments, confidence, asked_kind=kind, asked_words=said.get(kind, kind)
            )

        yes_no = bool(_YES_NO_START.search(message))
        if flags["compat"] and groups and leftovers and yes_no:
            # "does the Clearflow filter take out viruses?": "take" is no fit when the rest is something the named
            # product's own row states (or denies)
            term = " ".join(leftovers)
            if self._claim_confidence(yes_no, term, groups[0]) >= DECISIVE_CLAIM:
                return query("attribute", 0.85, products=groups[0], attribute=term)
        if flags["compat"]:
            if len(groups) == 1 and kind and self._is_kind_of(groups[0], kind):
                # "does the Meadow 6 tent take longer to arrive": the kind only says what the named product is, so
                # no kind of product is asked to fit it; the help pages (the compatibility guide) answer
                return ParsedQuery(None, asked_kind=kind, asked_words=said.get(kind, kind))
            fit = self._fit_query(query, groups, small_kind, kind, yes_no, words, about, leftovers)
            if fit is not None:
                return fit
        if flags.get("context"):
            follow = self._about_context(query, flat, flags, args)
            if follow is not None:
                return follow
        several = len(about) >= 2 or (about and len(about[0]) >= 2 and flags["compare"])
        # "the bigger Daybreak", "the cheapest Talus": one name several products share ranks those products
        if flags["sort"] and (
            len(groups) >= 2 or (several and flags["compare"]) or (groups and len(flat) >= 2)
        ):
            return query("rank", 0.9, products=flat, sort_by=flags["sort"][0])
        if flags["compare"] and several:
            if leftovers and not flags["facts"] and yes_no:
                return query("attribute", 0.8, products=flat, attribute=" ".join(leftovers))
            return query("compare", 0.9, products=flat)
        if flags["sort"]:
            return query("rank", 0.9 if kind else 0.6, kind=kind, sort_by=flags["sort"][0], words=words)
        # "is the 70m Tarn rope in stock?": "rope" only says what the named products are
        names_kind = bool(kind and groups and all(self._is_kind_of(g, kind) for g in groups))
        if about and (flags["facts"] or (flags["stock"] and (not kind or names_kind))):
            # "how much is shipping for the Bastion 2?" asks about something else than the row's price
            sure = 0.45 if [w for w in leftovers if w not in self.lex.generic_words] else 0.85
            return query("facts", sure, products=flat, attribute=(flags["facts"] or ["stock"])[0])
        if about and "size" in args and not flags["facts"]:
            # "does the Talus Mid come in size 44?": the named product's sizes answer it
            return query("facts", 0.85, products=flat, attribute="sizes")
        if about and leftovers and (yes_no or not self._open_question(message)):
            term = " ".join(leftovers)
            confidence = self._claim_confidence(yes_no, term, flat)
            return query("attribute", confidence, products=flat, attribute=term)
        if kind and (filters or (flags["sell"] and self.index.products_of_kind(kind).skus)):
            # "welche Wanderschuhe habt ihr?", "I'm looking for a down jacket": the kind's products
            return query("filter", 0.75, kind=kind, words=words)
        if kind and not self.index.products_of_kind(kind).skus:
            # "do you sell kayaks?": say no, offer the closest (less sure of a word only the sentence calls a kind)
            return query("rank", 0.55 if sell_unknown else 0.9, kind=kind)
        return ParsedQuery(None, asked_kind=kind, asked_words=said.get(kind, kind))

    def _about_context(self, query, flat: list[str], flags: dict, args: dict) -> ParsedQuery | None:  # noqa: ANN001
        """A follow-up about the products shown: "which one is lighter" ranks only them; "in blue?", "the men's one",
        "in size 44" look for that variant among them and their siblings (with stock)."""
        if flags["sort"]:
            # "which one is lighter" about one product asks nothing of it (the turn loop looks at the list before)
            many = len(flat) >= 2
            return query("rank", 0.9, products=flat, sort_by=flags["sort"][0]) if many else ParsedQuery(None)
        if {"colour", "size", "gender"} & set(args) and not flags["facts"]:
            family = list(dict.fromkeys(v for s in flat for v in self.index.variants(s)))
            return query("filter", 0.85, products=family, limit=max(DEFAULT_LIMIT, len(family)))
        return None

    @staticmethod
    def _fit_query(query, groups, small_kind, kind, yes_no, words, about, leftovers) -> ParsedQuery | None:  # noqa: ANN001
        """A question with "fit", "work with", "passt": two products, a kind and a product, or one product."""
        if len(groups) >= 2:
            return query("compatibility", 0.9, products=groups[0], compatible_with=groups[1])
        if groups and small_kind and yes_no:
            # "does the carpet fit the Meadow 6?": the shop's one carpet, yes or no
            return query("compatibility", 0.85, products=small_kind, compatible_with=groups[0])
        if groups and kind:
            return query("filter", 0.85, kind=kind, compatible_with=groups[0], words=words)
        if about and not leftovers:
            return query("compatibility", 0.75, products=about[0], compatible_with=[])
        return None

    def _open_question(self, message: str) -> bool:
        first = normalize(message).split()[:2]
        return bool(first) and (
            first[0] in self.lex.open_question_words or " ".join(first) in self.lex.open_question_words
        )

    def _claim_word(self, word: str) -> str:
        """A misspelt claim word as the lexicon spells it ("waterprof" -> "waterproof")."""
        if word in self.lex.claim_terms or len(word) < 6:
            return word
        close = difflib.get_close_matches(word, list(self.lex.claim_terms), n=1, cutoff=0.85)
        return close[0] if close and close[0][0] == word[0] else word

    def _is_kind_of(self, skus: list[str], kind: str) -> bool:
        own = set(self.index.products_of_kind(kind).skus)
        return bool(skus) and set(skus) <= own

    def _small_kind(self, kind: str) -> list[str]:
        """The products of a kind the shop has only one to three of ("the carpet", "the crampons")."""
        skus = self.index.products_of_kind(kind).skus
        return skus if 0 < len(skus) <= 3 else []

    def _claim_confidence(self, yes_no: bool, term: str, skus: list[str]) -> float:
        """A yes/no question about a word the lexicon knows, or one the rows use, is surely about the catalog."""
        known = normalize(term) in self.lex.claim_terms
        answered = any(claim(self.index.products[s], term, self.lex).polarity != "unknown" for s in skus[:3])
        return 0.85 if (known or answered) and yes_no else 0.6 if known or answered else 0.3
