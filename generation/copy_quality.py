"""Quality checks a marketer would agree with, beside the truth checks (generation/truth.py): one checker, each
problem with its reason.

Per line: no echo of the product's name with one of its own words ("Nordkette Insulated: insulated"), no name with a
bare attribute after a colon ("Summit 800: recycled"), no fragment (a lone prepositional phrase "In Red", a word said
twice "Warm foot warm snow boots."), no cut word ("Trail Spikes Tracti"), no cautionary or negative headline ("Down
loses warmth when soaked"), and every content word traceable to the product's row, the brief, the shop's pages or the
phrase bank ("From a high-end boutique" is refused). Per set: no two headlines that say the same thing (rapidfuzz
token ratios over content stems; measured against MiniLM in bench/generation_sets.py), one case style, the campaign's
main keyword in at least 3 headlines, one product per ad group unless the brief mixes them. `ad_strength` grades an
RSA set the way Google's report counts it (count, variety, keywords, offers, calls to action).

    checker = CopyChecker(request)
    checker.line_problems("Nordkette Insulated: insulated", headline=True) -> ["repeats the product name ..."]
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from generation.claims import extract_claims, stem
from generation.copy_rules import spec_data
from generation.naming import model_name, short_name, type_phrase
from generation.phrase_bank import bank, bank_words

if TYPE_CHECKING:
    from generation.copy_types import CopyRequest, Draft

NEAR_DUPLICATE = (
    88  # rapidfuzz ratio (0-100) of two headlines' sorted content stems at which they say the same
)
_WORD = re.compile(r"[^\W_][\w'’-]*")
_PREPOSITIONS = {"in", "on", "for", "with", "from", "at", "by", "of", "to", "into", "over", "under"}
AD_GROUP_CHANNELS = ("google-rsa", "meta")  # an ad group (or ad set) sells one product


def _function_words() -> set[str]:
    return set(spec_data()["function_words"]) | set(bank().small_words)


def content_stems(text: str) -> list[str]:
    """The stems of a line's content words, in order ("The Waterproof Boots" -> ["waterproof", "boot"])."""
    function = _function_words()
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in function]


def title_case(text: str) -> str:
    """Headline Title Case: every word capitalised except the bank's small words inside the line; words already in
    capitals or with digits ("TPU", "B2", "75 EUR") stay as they are."""
    small = set(bank().small_words)
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        after_figure = i > 0 and any(c.isdigit() for c in words[i - 1]) and w in bank().units  # "8 mm"
        if any(c.isdigit() for c in w) or (w.isupper() and len(w) > 1) or not w[:1].isalpha() or after_figure:
            out.append(w)
        elif i > 0 and w.lower() in small and not words[i - 1].endswith((":", ".", "?", "!")):
            out.append(w.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


def case_style(text: str) -> str:
    """ "title" when the line is its own Title Case, "sentence" when only its first word (and names) are capitalised."""
    if title_case(text) == text:
        return "title"
    letters = [w for w in text.split() if w[:1].isalpha()]
    return "sentence" if letters and letters[0][:1].isupper() else "other"


def _stem_key(text: str) -> str:
    """A line's content stems with synonyms made one and light words left out ("Built for X" = "Made for X", "Shop
    the X" = "X"), sorted."""
    b = bank()
    skip = _function_words() | set(b.light_words)
    words = [b.canonical(w) for w in _WORD.findall(text.lower()) if w not in skip]
    return " ".join(sorted({stem(w) for w in words if w not in skip}))


def same_meaning(a: str, b: str, threshold: int = NEAR_DUPLICATE) -> bool:
    """Whether two lines say the same thing: their content stems (synonyms made one, in any order) agree by
    rapidfuzz's ratio. A line that adds a fact to another ("Ferrata Set" / "Ferrata Set for 99 EUR") says more."""
    ka, kb = _stem_key(a), _stem_key(b)
    return bool(ka and kb) and fuzz.ratio(ka, kb) >= threshold


def near_duplicates(lines: list[str], threshold: int = NEAR_DUPLICATE) -> list[tuple[str, str]]:
    """Pairs of lines that say the same thing (`same_meaning`)."""
    return [(a, b) for a, b in combinations(lines, 2) if same_meaning(a, b, threshold)]


def main_keyword(request: CopyRequest) -> str:
    """The ad group's main keyword: the brief's first keyword about its product (one that shares a word with the
    product's name or type), else what the product is ("winter boot")."""
    product = request.products[0]
    about = {stem(w) for w in _WORD.findall(f"{product.name} {product.subcategory}".lower())}
    for keyword in request.brief.keywords if request.brief else []:
        if set(content_stems(keyword)) & about:
            return keyword
    words = type_phrase(product).split()
    while len(" ".join(words)) > 20 and len(words) > 2:  # room in a 30-character headline: "sleeping bag"
        words = words[1:]
    return " ".join(words)


class AdStrength(BaseModel):
    """An ad-strength style report of one RSA set: what it counts and the grade."""

    grade: str
    score: int  # 0-4 criteria met (headline count, variety, keywords, offers and calls to action)
    headlines: int
    descriptions: int
    keyword_headlines: int
    distinct_openings: int
    offers: int
    ctas: int
    missing: list[str] = Field(default_factory=list)


class CopyChecker:
    """The quality checks of one request's copy (built once per request; cheap per line)."""

    def __init__(self, request: CopyRequest, shop_words: frozenset[str] = frozenset()):
        self.request = request
        self.keyword = main_keyword(request)
        self.names = [n for p in request.products for n in {short_name(p.name), model_name(p)} if n]
        self.name_stems = {stem(w) for n in self.names for w in _WORD.findall(n.lower())}
        self.vocabulary = self._vocabulary(request, shop_words)
        self.whole_words = {w for w in self.vocabulary if len(w) > 4}

    @staticmethod
    def _vocabulary(request: CopyRequest, shop_words: frozenset[str]) -> set[str]:
        texts = [p.fact_text() for p in request.products]
        brief = request.brief
        if brief:
            texts += [brief.name, brief.goal, brief.audience, brief.fact_text(), " ".join(brief.keywords)]
            texts += [*brief.segments, *brief.required]
        texts += [request.segment or "", request.audience or ""]
        texts += spec_data()["generic_words"]
        words = set(_WORD.findall(" ".join(texts).lower())) | set(bank_words()) | set(shop_words)
        parts = {p for w in words for p in w.split("-") if p}  # "hut-to-hut" backs "hut"
        return {stem(w) for w in words | parts} | words

    def traced(self, word: str) -> bool:
        low = word.lower()
        if low in _function_words() or any(c.isdigit() for c in low):
            return True  # figures are the truth checker's: it traces each to its statement
        return stem(low) in self.vocabulary or all(stem(p) in self.vocabulary for p in low.split("-") if p)

    def line_problems(self, text: str, *, headline: bool = False) -> list[str]:
        """Why one line would not be published (empty = fine), each with its reason."""
        out = self._echo_problems(text)
        out += self._fragment_problems(text)
        words = _WORD.findall(text)
        untraced = [w for w in words if not self.traced(w)]
        for w in untraced:
            low = w.lower()
            whole = next(
                (v for v in self.whole_words if len(w) >= 3 and v.startswith(low) and v != low), None
            )
            if whole:
                out.append(f"cut word {w!r} (of a word like {whole!r})")
        untraced = [w for w in untraced if not any(p.startswith("cut word " + repr(w)) for p in out)]
        if untraced:
            out.append(
                f"words nobody gave (not in the product, brief, shop pages or phrase bank): {untraced}"
            )
        if headline:
            out += self._headline_problems(text)
        return out

    def _echo_problems(self, text: str) -> list[str]:
        """The product's name with one of its own words, or with one bare word ("X: recycled", "The X is recycled.
        Shop now."): a name and a word say nothing a buyer can use."""
        for cta in bank().ctas("sentences", 2, 2):
            text = text.removesuffix(" " + cta)
        low = text.lower()
        for name in sorted(self.names, key=len, reverse=True):
            if name.lower() not in low:
                continue
            rest = content_stems(re.sub(re.escape(name), " ", text, flags=re.I))
            if rest and set(rest) <= set(content_stems(name)):  # "Nordkette Insulated: insulated", said twice
                return [f"repeats the product name with one of its own words ({text!r})"]
            bare = rf"(?:the\s+)?{re.escape(name)}\s*(?::|\bis\b|\bare\b)\s*([\w'’-]+)\.?"
            tail = re.fullmatch(bare, text.strip(), re.I)
            if tail:
                return [f"a product name and a bare word after a colon ({tail.group(1)!r}): not a phrase"]
            return []  # the longest name the line holds decides
        return []

    def _fragment_problems(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)]
        out = []
        if words and words[0] in _PREPOSITIONS and len(words) <= 4 and not re.search(r"[.!?]\s", text):
            out.append(f"fragment: a lone phrase after {words[0]!r} ({text!r})")
        keyword = set(content_stems(self.keyword))  # "Winter Boot for Winter Walks" names its keyword
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            stems = content_stems(sentence)
            twice = sorted({s for s in stems if stems.count(s) > 1 and len(s) > 2 and s not in keyword})
            if twice and len(stems) <= 8:
                out.append(f"fragment: says {twice[0]!r} twice in a short sentence")
                break
        return out

    def _headline_problems(self, text: str) -> list[str]:
        words = {w.lower() for w in _WORD.findall(text)}
        cautious = sorted(words & set(bank().cautionary))
        if cautious or any(not c.positive for c in extract_claims(text)):
            return [f"cautionary or negative headline ({', '.join(cautious) or 'a negated claim'})"]
        return []

    def has_keyword(self, text: str) -> bool:
        want = content_stems(self.keyword)
        have = set(content_stems(text))
        return bool(want) and all(s in have for s in want)

    def set_problems(self, draft: Draft) -> list[str]:
        """Problems of a whole draft: near-duplicate headlines, mixed case styles, too few keyword headlines, several
        products in one ad group (unless the brief's `ad_group` is "mixed")."""
        out = []
        heads = draft.fields.get("headlines")
        if isinstance(heads, list):
            out += [f"near-duplicate headlines: {a!r} / {b!r}" for a, b in near_duplicates(heads)]
            styles = {case_style(h) for h in heads}
            if len(styles) > 1:
                out.append(f"headlines mix case styles: {sorted(styles)}")
            need = bank().ad_strength.keyword_headlines_min
            if sum(self.has_keyword(h) for h in heads) < need:
                out.append(f"the main keyword {self.keyword!r} is in fewer than {need} headlines")
        brief = self.request.brief
        mixed = brief is not None and brief.ad_group == "mixed"
        if draft.channel in AD_GROUP_CHANNELS and len(self.request.products) > 1 and not mixed:
            skus = ", ".join(p.sku for p in self.request.products)
            out.append(f"one ad group sells one product; this one mixes {skus}")
        return out

    def ad_strength(self, draft: Draft, offer_lines: set[str], cta_lines: set[str]) -> AdStrength:
        """The ad-strength report of an RSA set: full counts, varied openings, the keyword in enough headlines, an
        offer and a call to action among the lines. `offer_lines` / `cta_lines`: the set's lines of those kinds."""
        spec = bank().ad_strength
        heads = list(draft.fields.get("headlines") or [])
        descs = list(draft.fields.get("descriptions") or [])
        openings = len({h.split()[0].lower() for h in heads if h.split()})
        report = dict(
            headlines=len(heads),
            descriptions=len(descs),
            keyword_headlines=sum(self.has_keyword(h) for h in heads),
            distinct_openings=openings,
            offers=sum(t in offer_lines for t in heads + descs),
            ctas=sum(t in cta_lines or any(t.endswith(" " + c) for c in cta_lines) for t in heads + descs),
        )
        checks = {
            "full counts": len(heads) >= spec.headlines_target and len(descs) >= spec.descriptions_target,
            "varied headlines": openings >= spec.distinct_openings_min and not near_duplicates(heads),
            "keywords": report["keyword_headlines"] >= spec.keyword_headlines_min,
            "offers and calls to action": report["offers"] > 0 and report["ctas"] > 0,
        }
        score = sum(checks.values())
        grade = spec.grades[max(0, score - 1)] if score < 4 else spec.grades[-1]
        missing = [name for name, ok in checks.items() if not ok]
        return AdStrength(grade=grade, score=score, missing=missing, **report)
