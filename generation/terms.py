"""Content terms for matching a question to evidence: lower-cased words, stopwords out, light stemming, synonyms
folded into one key (`prompts/grounded.yaml`: `stopwords`, `synonyms`)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROMPTS = Path(__file__).parent / "prompts" / "grounded.yaml"
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


@lru_cache(maxsize=1)
def grounded_data() -> dict[str, Any]:
    return yaml.safe_load(PROMPTS.read_text(encoding="utf-8"))


def words(text: str) -> list[str]:
    return [w.strip("'-") for w in _WORD.findall(text.lower()) if w.strip("'-")]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's English stem ("cancelled", "cancellation" -> "cancel"; "charged", "charge" -> "charg"), cached:
    the shop's vocabulary is small and the stemmer is pure Python."""
    return _english_stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, int]:
    index: dict[str, int] = {}
    for group_id, group in enumerate(grounded_data()["synonyms"]):
        for term in group:
            if len(words(term)) == 1:  # phrases ("send back") are matched whole: "send" alone is shipping
                index.setdefault(stem(words(term)[0]), group_id)
    return index


@lru_cache(maxsize=1)
def _synonym_phrases() -> list[tuple[re.Pattern[str], int]]:
    """The synonyms of several words ("send back", "money back", "geld zurück") with their group."""
    return [
        (re.compile(r"\b" + r"\s+".join(map(re.escape, words(term))) + r"\b"), group_id)
        for group_id, group in enumerate(grounded_data()["synonyms"])
        for term in group
        if len(words(term)) > 1
    ]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(grounded_data()["stopwords"])


def is_stopword(word: str) -> bool:
    """Whether `word` (lower case) says nothing of what a text is about ("and", "the", "für")."""
    return word in _stopwords()


def part_ok(word: str) -> bool:
    return bool(word.strip("'"))


@lru_cache(maxsize=8192)
def terms(text: str) -> frozenset[str]:
    """Content terms of `text` (stopwords dropped, stemmed, synonyms mapped to one group key)."""
    stop = _stopwords()
    syn = _synonym_index()
    out = set()
    for w in (part for word in words(text) for part in word.split("-")):  # "livrez-vous", "e-mail"
        w = w.removesuffix("'s")  # "what's", "the shop's": the word itself, not a term of its own
        if not part_ok(w) or w in stop or w.isdigit():
            continue
        s = stem(w)
        out.add(f"syn{syn[s]}" if s in syn else s)
    low = text.lower()
    out.update(f"syn{group_id}" for pattern, group_id in _synonym_phrases() if pattern.search(low))
    return frozenset(out)


def topics(text: str) -> frozenset[str]:
    """The synonym groups `text` names (shipping, returns, payment...): what it is about, in any of its words."""
    return frozenset(t for t in terms(text) if t.startswith("syn"))


def phrase_words(text: str) -> frozenset[str]:
    """The terms that words of a synonym phrase in `text` give on their own ("send" of "send back" is shipping, and
    "back"): the phrase's group key already stands for them."""
    low = text.lower()
    found: set[str] = set()
    for pattern, group_id in _synonym_phrases():
        for m in pattern.finditer(low):
            found |= {t for w in words(m.group(0)) for t in terms(w)} - {f"syn{group_id}"}
    return frozenset(found)


@lru_cache(maxsize=1)
def _group_heads() -> list[tuple[frozenset[str], str]]:
    """Each synonym group's stemmed members and its first (English) member."""
    return [
        (frozenset(stem(w) for term in group for w in words(term)), group[0])
        for group in grounded_data()["synonyms"]
    ]


def english_terms(text: str) -> list[str]:
    """The English head word of every synonym group `text` uses ("Versand" -> "ship"): a question in another language
    than the help pages still finds them (the shop's vocabulary across languages is data: `synonyms`)."""
    found = {stem(w) for w in words(text)}
    return [head for members, head in _group_heads() if members & found]
