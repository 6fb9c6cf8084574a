"""Claims with polarity: what a text asserts or denies, as (attribute, polarity), and whether a line is backed.

"The open mesh upper is not waterproof" -> waterproof: no; "does not remove viruses or chemicals" -> (remove, virus):
no and (remove, chemical): no; "non-insulated" -> insulated: no; "without a hood" -> hooded: no; "nicht wasserdicht"
-> waterproof: no. Attributes are families of surface forms in several languages (claims.yaml), so "wasserdicht" in
a line meets "not waterproof" in the catalog. Negated phrases outside the families keep their content stems.

Besides attributes a line can carry promotions ("free shipping", "sale", "40% off"), rankings ("best seller", "#1"),
newness ("new") and superlatives ("lightest", "best", "lifetime"). `ClaimBook.review(line)` says what is wrong with a
line and which statement backs each claim:

    book = ClaimBook([Statement("The open mesh upper is not waterproof.", "catalog FTW-003")])
    book.review("Waterproof hiking shoe").problems -> ["says waterproof; catalog FTW-003 says not: 'not waterproof'"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from generation.figures import extract_facts

DATA = Path(__file__).parent / "claims.yaml"
_TOKEN = re.compile(r"#\d+|\d+%|[^\W_][\w'’]*(?:-[^\W_][\w'’]*)*", re.UNICODE)
_BOUNDARY = re.compile(r"[,.;:!?()\[\]{}|/•—–]|\s-\s")


_DETERMINERS = {"a", "an", "the", "its", "their", "this", "that", "these", "ein", "eine", "der", "die", "das"}


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def data_claim_limits() -> dict[str, int]:
    """How good a sales rank "best seller" needs, and how recent "new" is (claims.yaml `data_claims`)."""
    return dict(_data()["data_claims"])


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, consistent stem: "removes" / "removing" -> "remov", "viruses" -> "virus", "submersible" /
    "submersion" -> "submers", "fitting" -> "fit"."""
    w = word.lower().strip("'’").removesuffix("'s").removesuffix("’s")
    if len(w) <= 3:
        return w
    for suffix, repl in (
        ("ies", "y"),
        ("ied", "y"),
        ("sses", "ss"),
        ("xes", "x"),
        ("ches", "ch"),
        ("ses", "s"),
    ):
        if w.endswith(suffix):
            w = w[: -len(suffix)] + repl
            break
    else:
        if w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    for suffix in ("ibility", "ability", "ation", "ment", "ness", "ible", "able", "ing", "ion", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # "fitt" -> "fit"
            break
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


@dataclass(frozen=True)
class Claim:
    """One claim of a text. kind: attribute | phrase | promo | rank | new | superlative; key: the family
    ("@waterproof"), the promotion ("@free", "shipping") or the content stems of a negated phrase."""

    kind: str
    key: tuple[str, ...]
    positive: bool
    text: str
    start: int = 0
    end: int = 0

    def label(self) -> str:
        name = " ".join(k.lstrip("@") for k in self.key)
        return name if self.positive else f"not {name}"


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.group(0).lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _phrase_regex(phrases: Iterable[str], inflected: bool = False) -> re.Pattern[str]:
    alts = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    # German adjective endings: "wasserdichter", "isolierte"
    ending = "(?:e|er|es|en|em)?" if inflected else ""
    return re.compile(rf"(?<![\w#])(?:{'|'.join(alts)}){ending}(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    d = _data()
    forms = {f.lower(): fam for fam, fs in d["attributes"].items() for f in fs}
    groups = {
        "promo": {p.lower(): key for key, ps in d["promo_phrases"].items() for p in ps},
        "rank": {p.lower(): key for key, ps in d["rank_phrases"].items() for p in ps},
        "new": {p.lower(): "@new" for p in d["new_phrases"]},
        "attribute": {f: f"@{fam}" for f, fam in forms.items()},
        "superlative": {w.lower(): "@sup" for w in d["superlative_words"]},
    }
    synonyms = {w: key for key, ws in d["promo_synonyms"].items() for w in ws}
    return {
        "groups": [
            (kind, table, _phrase_regex(table, kind == "attribute")) for kind, table in groups.items()
        ],
        "cues": set(d["negation_cues"]),
        "breaks": set(d["scope_breaks"]),
        "light": set(d["light_words"]),
        "free": set(d["free_words"]),
        "not_a_promise_after": set(d["not_a_promise_after"]),
        "free_then_generic": set(d["free_then_generic"]),
        "promo_synonyms": synonyms,
        "not_new_after": set(d["not_new_after"]),
        "not_superlative": set(d["not_superlative"]),
        "most_quantifier": set(d["most_quantifier_words"]),
        "adjective_endings": tuple(d["adjective_endings"]),
        "save": re.compile(d["save_pattern"], re.IGNORECASE),
        "prefixes": tuple(d["negation_prefixes"]),
        "suffixes": tuple(d["negation_suffixes"]),
    }


def _is_cue(tok: _Tok, text: str) -> bool:
    lex = _lexicon()
    if tok.low.endswith(("n't", "n’t")) or tok.low in lex["cues"]:
        # "No. 1" is a ranking, not a negation
        return not (tok.low == "no" and re.match(r"\.?\s?\d", text[tok.end : tok.end + 3]))
    return False


def _scopes(text: str, toks: list[_Tok]) -> list[tuple[int, int, list[_Tok]]]:
    """Negation scopes: (char start, char end, tokens) from a cue to the next clause boundary (at most 6 words)."""
    lex = _lexicon()
    out = []
    for i, tok in enumerate(toks):
        if not _is_cue(tok, text):
            continue
        scope: list[_Tok] = []
        prev_end = tok.end
        window = toks[i + 1 : i + 8]
        for j, nxt in enumerate(window):
            if _BOUNDARY.search(text[prev_end : nxt.start]) or nxt.low in lex["breaks"] or _is_cue(nxt, text):
                break
            after = window[j + 1].low if j + 1 < len(window) else ""
            if nxt.low in ("and", "or", "und", "oder") and after in _DETERMINERS:
                break  # "doesn't pinch and an LED rear light": a new phrase, not denied
            scope.append(nxt)
            prev_end = nxt.end
        if scope:
            out.append((tok.start, scope[-1].end, scope))
    return out


def _alternatives(scope: list[_Tok]) -> list[list[str]]:
    """Content words of a scope split at and / or: "remove viruses or chemicals" -> [remove, viruses],
    [remove, chemicals] (a lone word after the conjunction takes the head of the first part)."""
    lex = _lexicon()
    parts: list[list[str]] = [[]]
    for tok in scope:
        if tok.low in ("and", "or", "nor", "und", "oder", "et", "ou", "y", "o"):
            parts.append([])
        elif tok.low not in lex["light"] and not tok.low.isdigit():
            parts[-1].append(tok.low)
    parts = [p for p in parts if p]
    if len(parts) > 1 and len(parts[0]) > 1:
        parts = [parts[0]] + [parts[0][:-1] + p if len(p) == 1 else p for p in parts[1:]]
    return parts


def extract_claims(text: str) -> list[Claim]:
    """Every claim of `text` with its polarity, left to right."""
    lex = _lexicon()
    toks = _tokens(text)
    scopes = _scopes(text, toks)
    claims: list[Claim] = []
    taken: list[tuple[int, int]] = []

    def negated(start: int, end: int) -> bool:
        if any(s < start and end <= e for s, e, _ in scopes):
            return True
        before = text[max(0, start - 6) : start].lower()
        return any(before.endswith(p) for p in lex["prefixes"])

    def add(kind: str, key: tuple[str, ...], start: int, end: int, positive: bool | None = None) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        polarity = not negated(start, end) if positive is None else positive
        claims.append(Claim(kind, key, polarity, text[start:end], start, end))

    for m in lex["save"].finditer(text):
        add("promo", ("@discount",), m.start(), m.end())
    for f in extract_facts(text):
        if f.kind == "discount":
            add("promo", ("@discount",), f.start, f.end)
    for kind, table, regex in lex["groups"]:
        for m in regex.finditer(text):
            word = m.group(0).lower()
            if word not in table:  # an inflected form
                word = next(w for w in sorted(table, key=len, reverse=True) if word.startswith(w))
            after = text[m.end() : m.end() + 20].lower().split()
            if kind == "new" and after and after[0].strip(".,!?") in lex["not_new_after"]:
                continue
            add(kind, (table[word],) if kind != "superlative" else ("@sup", stem(word)), m.start(), m.end())
    _free_claims(text, toks, add)
    _superlative_claims(text, toks, add)
    _suffix_negations(toks, add)
    _phrase_negations(scopes, taken, claims)
    claims.sort(key=lambda c: c.start)
    return claims


def _free_claims(text: str, toks: list[_Tok], add) -> None:
    """ "free shipping", "shipping is free", "returns are free": a promise of that thing for free; "free of PFCs" and
    "sugar-free" are none."""
    lex = _lexicon()
    for i, tok in enumerate(toks):
        if tok.low not in lex["free"] or text[tok.start - 1 : tok.start] == "-":
            continue
        nxt = (
            toks[i + 1]
            if i + 1 < len(toks) and not _BOUNDARY.search(text[tok.end : toks[i + 1].start])
            else None
        )
        if nxt is not None and nxt.low in lex["not_a_promise_after"]:
            continue
        if nxt is not None and nxt.low not in lex["free_then_generic"] and nxt.low not in lex["light"]:
            add("promo", ("@free", _promo_thing(nxt.low)), tok.start, nxt.end)
            continue
        # "shipping is free", "returns are free of charge": the thing comes before
        if i >= 2 and toks[i - 1].low in ("is", "are", "ist", "sind", "est", "es", "son"):
            add("promo", ("@free", _promo_thing(toks[i - 2].low)), toks[i - 2].start, tok.end)
        else:
            add("promo", ("@free",), tok.start, tok.end)


def _promo_thing(word: str) -> str:
    return _lexicon()["promo_synonyms"].get(word, stem(word))


def _superlative_claims(text: str, toks: list[_Tok], add) -> None:
    """ "-est" words ("lightest", "warmest") and "most" + adjective ("most durable"), not "most races"."""
    lex = _lexicon()
    for i, tok in enumerate(toks):
        w = tok.low
        if re.fullmatch(r"(?<![a-zäöü])[a-zäöü]{2,}(?:est)", w) and w not in lex["not_superlative"]:
            add("superlative", ("@sup", w), tok.start, tok.end)
        elif w in ("most", "least", "meisten") and i + 1 < len(toks):
            nxt = toks[i + 1].low
            if nxt not in lex["most_quantifier"] and nxt.endswith(lex["adjective_endings"]):
                add("superlative", ("@sup", f"{w} {stem(nxt)}"), tok.start, toks[i + 1].end)


def _suffix_negations(toks: list[_Tok], add) -> None:
    """ "sugar-free" says: no sugar ("pfc-free" is an attribute family of its own, matched earlier); "non-itchy" says:
    not itchy."""
    for tok in toks:
        for prefix in _lexicon()["prefixes"]:
            if prefix.endswith("-") and tok.low.startswith(prefix) and len(tok.low) > len(prefix) + 1:
                add("phrase", (stem(tok.low[len(prefix) :]),), tok.start, tok.end, positive=False)
        for suffix in _lexicon()["suffixes"]:
            if suffix.startswith("-") and tok.low.endswith(suffix) and len(tok.low) > len(suffix) + 1:
                base = tok.low[: -len(suffix)]
                add("phrase", (stem(base),), tok.start, tok.end, positive=False)


def _phrase_negations(scopes, taken: list[tuple[int, int]], claims: list[Claim]) -> None:
    """A negated phrase with no known claim in it keeps its content stems ("does not fit the Clearflow filter")."""
    for start, end, scope in scopes:
        if any(start <= s and e <= end for s, e in taken):
            continue
        for words in _alternatives(scope):
            key = tuple(stem(w) for w in words[:3])
            claims.append(Claim("phrase", key, False, " ".join(words), start, end))


# -- backing ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    """A text that counts as fact, where it came from, and what it may back: "fact" (catalog, brief), "offer"
    (the campaign's promotion: the only source of promotions in copy) or "any" (chat evidence)."""

    text: str
    source: str
    role: str = "fact"  # fact (the product's own) | brief (the campaign's general statements) | offer | any


@dataclass
class Review:
    """What is wrong with a line (empty = nothing) and, per claim, the statement that backs it."""

    problems: list[str] = field(default_factory=list)
    backing: list[str] = field(default_factory=list)


def _content_stems(text: str) -> set[str]:
    light = _lexicon()["light"]
    return {stem(t.low) for t in _tokens(text) if t.low not in light}


class ClaimBook:
    """The claims of the statements that may back a text, and the data-backed claims ("@bestseller", "@rank1",
    "@new") with the fact behind each. `review(text)` checks every claim of a text against them."""

    def __init__(
        self,
        statements: Sequence[Statement],
        data_claims: dict[str, str] | None = None,
        *,
        strict: bool = True,
    ):
        # strict: a denial anywhere in the statements outweighs an assertion (they are about one product); chat
        # evidence mixes products, so there an assertion in one item is enough.
        self.strict = strict
        self.statements = list(statements)
        self.data_claims = dict(data_claims or {})
        self.claims: list[tuple[Claim, Statement]] = [
            (c, s) for s in self.statements for c in extract_claims(s.text)
        ]

    def _find(self, claim: Claim, *, roles: Sequence[str], positive: bool) -> tuple[Claim, Statement] | None:
        if "any" not in roles:
            roles = (*roles, "any")
        for c, s in self.claims:
            if s.role not in roles or c.positive != positive:
                continue
            if c.key == claim.key or (claim.key == ("@free",) and c.key[0] == "@free"):
                return c, s
        return None

    def review(self, text: str, *, promo_roles: Sequence[str] = ("offer", "any")) -> Review:
        """Problems and backing for every claim of `text`. Promotions are backed only by statements whose role is in
        `promo_roles`; rankings and newness only by the data claims (or, for role "any", by a statement)."""
        review = Review()
        claims = extract_claims(text)
        for claim in claims:
            self._review_claim(claim, review, promo_roles)
        self._review_denied_phrases(text, claims, review)
        return review

    def _review_claim(self, claim: Claim, review: Review, promo_roles: Sequence[str]) -> None:
        if claim.kind in ("rank", "new"):
            keys = [claim.key[0]] + (["@rank1"] if claim.key[0] == "@bestseller" else [])
            backed = next((self.data_claims[k] for k in keys if k in self.data_claims), None)
            found = None if backed or not claim.positive else self._find(claim, roles=("any",), positive=True)
            if backed or found:
                review.backing.append(f"{claim.text}: {backed or found[1].source}")  # type: ignore[index]
            else:
                review.problems.append(f"says {claim.text!r}; no sales or catalog data back it")
            return
        roles = {"promo": promo_roles, "attribute": ("fact",)}.get(claim.kind, ("fact", "brief"))
        same = self._find(claim, roles=roles, positive=claim.positive)
        opposite = self._find(claim, roles=("fact", "brief"), positive=not claim.positive)
        if same and not (self.strict and opposite and claim.kind != "promo"):
            review.backing.append(f"{claim.label()}: {same[1].source}: {_quote(same[1].text)}")
        elif opposite:
            review.problems.append(
                f"says {claim.label()}; {opposite[1].source} says {opposite[0].label()}: {_quote(opposite[1].text)}"
            )
        elif claim.kind == "promo":
            review.problems.append(f"promotion {claim.text!r} is not offered (campaign offer or evidence)")
        elif claim.kind == "phrase":
            review.problems.append(f"a negation the facts do not have: {claim.text!r}")
        else:
            review.problems.append(f"says {claim.label()}; the facts do not")

    def _review_denied_phrases(self, text: str, claims: list[Claim], review: Review) -> None:
        """A negated phrase of the facts ("does not remove viruses") that the text asserts ("removes viruses")."""
        denied_here = {s for c in claims if not c.positive for s in c.key}
        negated_spans = [(c.start, c.end) for c in claims if not c.positive]
        stems = [
            stem(t.low)
            for t in _tokens(text)
            if not any(s <= t.start < e for s, e in negated_spans) and t.low not in _lexicon()["light"]
        ]
        present = set(stems)
        for c, s in self.claims:
            if c.kind != "phrase" or c.positive or s.role == "offer" or set(c.key) & denied_here:
                continue
            need = len(c.key) if len(c.key) <= 2 else 2
            if c.key[0] in present and len(set(c.key) & present) >= need:
                review.problems.append(f"says {c.text}; {s.source} says not: {_quote(s.text)}")
                return


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


_FILLER = {
    "a",
    "an",
    "the",
    "you",
    "your",
    "it",
    "its",
    "is",
    "are",
    "be",
    "will",
    "can",
    "we",
    "our",
    "on",
    "of",
}


def _phrase_stems(text: str) -> set[str]:
    return {stem(t.low) for t in _tokens(text) if t.low not in _FILLER}


def mentions_claim(text: str, phrase: str) -> bool:
    """Whether `text` states `phrase` (a banned claim) in any word form: "keeps you safe" in "will keep you safe";
    "100% waterproof" needs the 100% too."""
    want = _phrase_stems(phrase)
    return bool(want) and want <= _phrase_stems(text)
