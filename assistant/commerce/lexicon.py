"""The catalog lexicon (`catalog_lexicon.yaml`): how customers ask about products, as typed data, and the text
normalisation both the catalog index and the query parser use.

    lex = lexicon()
    lex.attribute("weight").low      -> ("lightest", "lighter", ..., "più leggero", ...)
    lex.kind_of("schlafsäcke")        -> "sleeping bag"
    tokens("Ridgeback2 vs. Wisp-1")   -> ["ridgeback", "2", "vs", "wisp", "1"]

Phrases are matched on word boundaries of normalised text (`normalize`): lower case, accents kept, punctuation as
spaces, letters and digits split ("3L" -> "3 l"), so a customer's "wisp1" and the catalog's "Wisp 1" meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer
import yaml

LEXICON_PATH = Path(__file__).with_name("catalog_lexicon.yaml")
_SPLIT_ALNUM = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def normalize(text: str) -> str:
    """Lower case, accents kept, apostrophes dropped, other punctuation to spaces, letters and digits apart."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"(?<=\w)'(?=\w)", "", text)  # isn't -> isnt, women's -> womens
    text = re.sub(r"[^\w°]+", " ", text)
    return " ".join(_SPLIT_ALNUM.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def singular(word: str) -> str:
    """A plural English noun as its singular: the lexicon's irregular plurals, else the regular rules (both sides of
    a comparison go through this)."""
    irregular = _irregular_plurals().get(word)
    if irregular:
        return irregular
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@cache
def _irregular_plurals() -> dict[str, str]:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (data.get("irregular_plurals") or {}).items()}


def singular_phrase(phrase: str) -> str:
    """A normalised phrase with its last word made singular ("sleeping bags" -> "sleeping bag")."""
    words = phrase.split()
    return " ".join([*words[:-1], singular(words[-1])]) if words else ""


def find_phrases(text: str, phrases: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where the phrases occur in normalised `text` as whole words: (start, end, phrase), left to right, the longest
    phrase winning where several start at the same word, never overlapping."""
    pattern = _phrase_pattern(tuple(sorted(set(phrases))))
    if pattern is None:
        return []
    return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


@lru_cache(maxsize=128)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    # One alternation for the whole set, compiled once: hundreds of phrases are matched in one scan.
    ordered = sorted((p for p in phrases if p), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)")


@dataclass(frozen=True)
class AttributeSpec:
    """One numeric attribute: where its values come from, its unit, and the words that sort by it."""

    name: str
    unit: str
    column: str | None
    units: dict[str, float]
    patterns: tuple[re.Pattern[str], ...]
    label: dict[str, str]
    words: tuple[str, ...]
    low: tuple[str, ...]
    high: tuple[str, ...]
    best: dict[str, dict[str, str]]
    minimum: float | None = None

    def best_label(self, direction: str, language: str) -> str:
        labels = self.best.get(direction, {})
        return labels.get(language) or labels.get("en") or f"{direction} {self.name}"

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or self.name.replace("_", " ")


@dataclass(frozen=True)
class Lexicon:
    """The whole lexicon, typed. Built once per process by `lexicon()`."""

    kinds: dict[str, str]  # any word or phrase (normalised) -> the English kind it means
    kind_language: dict[str, str]  # foreign kind word -> its language
    stopwords: frozenset[str]
    stopwords_by_language: dict[str, frozenset[str]]
    generic_words: frozenset[str]
    name_suffix_words: frozenset[str]
    attributes: tuple[AttributeSpec, ...]
    filters: dict[str, tuple[str, ...]]
    stock_words: tuple[str, ...]
    colour_words: tuple[str, ...]
    sell_words: tuple[str, ...]
    open_question_words: tuple[str, ...]
    size_words: tuple[str, ...]
    product_bound_words: tuple[str, ...]
    variant_words: tuple[str, ...]
    person_words: tuple[str, ...]
    number_words: dict[str, int]
    compare_words: tuple[str, ...]
    compat_words: tuple[str, ...]
    list_words: tuple[str, ...]
    claim_terms: dict[str, str]  # foreign claim word -> the English claim
    claim_measures: dict[str, tuple[str, ...]]  # claim -> words of a sentence that measures it ("mm", "ipx")
    compound_parts: dict[str, str]  # German compound's first half -> English ("regen" -> "rain")
    negation: frozenset[str]
    contrast: frozenset[str]
    # "a down jacket": a name's common words after one of these speak of any such product, not of the one named so
    indefinite_articles: frozenset[str]
    colours: dict[str, frozenset[str]]  # family -> its words
    genders: dict[str, str] = field(default_factory=dict)  # any word (normalised) -> men | women | kids
    languages: tuple[str, ...] = field(default=("en",))

    def attribute(self, name: str) -> AttributeSpec:
        for spec in self.attributes:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def kind_of(self, phrase: str) -> str | None:
        """The English kind a customer's word means (a translation or a synonym), or None."""
        phrase = normalize(phrase)
        return self.kinds.get(phrase) or self.kinds.get(singular_phrase(phrase))

    def german_kind(self, word: str) -> str | None:
        """The lexicon's German kind word that `word` inflects ("schlafsäcken" -> "schlafsack"), by Snowball stem;
        None when it inflects none."""
        return _german_kinds(self).get(_german_stem(word)) if len(word) >= 4 and word.isalpha() else None

    def colour_family(self, word: str) -> frozenset[str]:
        """Every colour word of the families `word` belongs to (itself if it is in none)."""
        word = normalize(word)
        found = {w for words in self.colours.values() if word in words for w in words}
        return frozenset(found or {word})


_GERMAN_KINDS: dict[
    int, dict[str, str]
] = {}  # per lexicon (one per process; a dict field makes it unhashable)


def _german_kinds(lex: Lexicon) -> dict[str, str]:
    if id(lex) not in _GERMAN_KINDS:
        # the shortest word of a stem stands for it ("schlafsack" over "schlafsäcke")
        words = sorted((w for w, lang in lex.kind_language.items() if lang == "de" and " " not in w), key=len)
        _GERMAN_KINDS[id(lex)] = {_german_stem(w): w for w in reversed(words) if len(w) >= 4}
    return _GERMAN_KINDS[id(lex)]


@lru_cache(maxsize=8192)
def _german_stem(word: str) -> str:
    return _GERMAN_STEMMER.stemWord(word)


_GERMAN_STEMMER = snowballstemmer.stemmer("german")


def _strings(values: object) -> tuple[str, ...]:
    items = list(values or [])  # type: ignore[call-overload]
    if any(isinstance(v, bool) for v in items):
        raise ValueError(f"a word list has a YAML boolean (quote yes, no, on, off): {items[:6]}")
    return tuple(normalize(str(v)) for v in items if str(v).strip())


def _attribute(name: str, spec: dict) -> AttributeSpec:
    return AttributeSpec(
        name=name,
        unit=str(spec.get("unit", "")),
        column=spec.get("column"),
        units={normalize(str(k)) or str(k): float(v) for k, v in (spec.get("units") or {}).items()},
        patterns=tuple(re.compile(p, re.IGNORECASE) for p in spec.get("patterns") or []),
        label={str(k): str(v) for k, v in (spec.get("label") or {}).items()},
        words=_strings(spec.get("words")),
        low=_strings(spec.get("low")),
        high=_strings(spec.get("high")),
        best={
            d: {str(k): str(v) for k, v in (labels or {}).items()}
            for d, labels in (spec.get("best") or {}).items()
        },
        minimum=spec.get("min"),
    )


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and check the lexicon file; `ValueError` naming the section that is malformed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section in ("kinds", "stopwords", "attributes", "filters", "colours"):
        if not isinstance(data.get(section), dict) or not data[section]:
            raise ValueError(f"{path}: section {section!r} must be a non-empty mapping")
    kinds: dict[str, str] = {}
    kind_language: dict[str, str] = {}
    for kind, words in data["kinds"].items():
        english = normalize(str(kind))
        kinds[english] = english
        for language, items in (words or {}).items():
            for word in _strings(items):
                kinds.setdefault(word, english)
                if language != "en":
                    kind_language.setdefault(word, language)
    for kind, words in data["kinds"].items():  # a word English shares ("kayak", "parka") tells no language
        for word in (normalize(str(kind)), *_strings((words or {}).get("en"))):
            kind_language.pop(word, None)
    by_language = {lang: frozenset(_strings(words)) for lang, words in data["stopwords"].items()}
    claim_terms = {
        word: normalize(str(claim))
        for claim, words in (data.get("claim_terms") or {}).items()
        for word in (*_strings(words), normalize(str(claim)))
    }
    genders = {
        normalize(str(word)): str(gender)
        for gender, words in (data.get("genders") or {}).items()
        for word in _strings(words)
    }
    return Lexicon(
        genders=genders,
        kinds=kinds,
        kind_language=kind_language,
        stopwords=frozenset().union(*by_language.values()),
        stopwords_by_language=by_language,
        generic_words=frozenset(_strings(data.get("generic_words"))),
        name_suffix_words=frozenset(_strings(data.get("name_suffix_words"))),
        attributes=tuple(_attribute(name, spec or {}) for name, spec in data["attributes"].items()),
        filters={key: _strings(words) for key, words in data["filters"].items()},
        stock_words=_strings(data.get("stock_words")),
        colour_words=_strings(data.get("colour_words")),
        sell_words=_strings(data.get("sell_words")),
        open_question_words=_strings(data.get("open_question_words")),
        size_words=_strings(data.get("size_words")),
        product_bound_words=_strings(data.get("product_bound_words")),
        variant_words=_strings(data.get("variant_words")),
        person_words=_strings(data.get("person_words")),
        number_words={normalize(str(k)): int(v) for k, v in (data.get("number_words") or {}).items()},
        compare_words=_strings(data.get("compare_words")),
        compat_words=_strings(data.get("compat_words")),
        list_words=_strings(data.get("list_words")),
        claim_terms=claim_terms,
        compound_parts={normalize(str(k)): str(v) for k, v in (data.get("compound_parts") or {}).items()},
        claim_measures={
            normalize(str(k)): tuple(str(w).lower() for w in v or ())
            for k, v in (data.get("claim_measures") or {}).items()
        },
        negation=frozenset(_strings(data.get("negation"))),
        contrast=frozenset(_strings(data.get("contrast"))),
        indefinite_articles=frozenset(_strings(data.get("indefinite_articles"))),
        colours={fam: frozenset(_strings([fam, *words])) for fam, words in data["colours"].items()},
        languages=tuple(data.get("languages") or ("en",)),
    )


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon, loaded once."""
    return load_lexicon()


def guess_language(text: str, lex: Lexicon | None = None) -> str:
    """The language of a short catalog question, from its function words and kind words ("en" when unsure).

    A fallback for replies when the turn carries no detected language; words shared by several languages count for
    none of them.
    """
    lex = lex or lexicon()
    words = tokens(text)
    scores = dict.fromkeys(lex.stopwords_by_language, 0.0)
    for word in words:
        owners = [lang for lang, stop in lex.stopwords_by_language.items() if word in stop]
        if len(owners) == 1:
            scores[owners[0]] += 1
    normed = " ".join(words)
    for _, _, phrase in find_phrases(normed, lex.kind_language):
        scores[lex.kind_language[phrase]] = scores.get(lex.kind_language[phrase], 0) + 1.5
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] >= 1 and best[1] > scores.get("en", 0) else "en"
