"""BM25 over the committed chunks (bm25s), with an analyser per language: lower case, accents folded, stopwords,
stemming.

English (and any language without its own analyser) gets a light suffix stripper (plurals, -ing, -ed, -ly, ...),
enough to match "filters"/"filter" and "installing"/"install"; German pages get Snowball stems and compounds split
into the parts the pages use (`retrieval/german.py`). A German question is analysed both ways, because its answer may
sit on a German page or in the English catalog (product names are English in both).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from retrieval import german
from retrieval.language import detect_language

_TOKEN = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t don doesn didn isn wasn won wont im ive
    also get got one would could may might must shall let lets us""".split()
)


def stem(word: str) -> str:
    """Light English suffix stripping; keeps numbers and short words as they are."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ness", ""),
        ("ments", "ment"),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            base = word[: -len(suffix)] + repl
            # "installing" -> "install", "stopped" -> "stop": undo a doubled final consonant
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens with accents folded ("Rückgabe" -> "ruckgabe", "Straße" -> "strasse")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return [tok.replace("'", "") for tok in _TOKEN.findall(folded)]


def analyse(text: str, language: str = "en") -> list[str]:
    """Tokens of a text in `language` as BM25 sees them (German compounds are split by the index, which knows the
    pages' vocabulary)."""
    if language == "de":
        return [german.stem(w) for w in words(text) if w not in german.STOPWORDS]
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def analyse_query(text: str, decompounder: german.Decompounder | None = None) -> list[str]:
    """A question's terms: English analysis, and for a German question its German analysis (with compound parts)
    as well, in first-seen order without repeats."""
    terms = analyse(text)
    if detect_language(text) == "de":
        terms = [t for t in terms if t not in german.STOPWORDS] + analyse(text, "de")
        if decompounder is not None:
            terms += [p for w in words(text) for p in decompounder.parts(w)]
    return list(dict.fromkeys(terms))


class BM25Index:
    """A bm25s index over a fixed list of texts; `scores(query)` gives one score per text (0 when no term matches)."""

    def __init__(
        self, texts: list[str], languages: Sequence[str] | None = None, k1: float = 1.2, b: float = 0.75
    ) -> None:
        langs = list(languages) if languages is not None else ["en"] * len(texts)
        german_words = [w for t, lang in zip(texts, langs, strict=True) if lang == "de" for w in words(t)]
        self.decompounder = german.Decompounder(w for w in german_words if w not in german.STOPWORDS)
        tokens = []
        for text, lang in zip(texts, langs, strict=True):
            terms = analyse(text, lang)
            if lang == "de":  # a compound counts whole and as its parts
                terms += [p for w in words(text) for p in self.decompounder.parts(w)]
            tokens.append(terms)
        self._build(tokens, k1, b)

    @classmethod
    def from_tokens(cls, tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """An index over texts that are already analysed (the ranker's whole-document index joins chunk tokens)."""
        index = cls.__new__(cls)
        index.decompounder = german.Decompounder(())
        index._build(tokens, k1, b)
        return index

    def _build(self, tokens: list[list[str]], k1: float, b: float) -> None:
        import bm25s

        self.size = len(tokens)
        self._bm25 = None
        self.tokens = tokens
        # per-text term sets and lengths, precomputed for the ranker's overlap and length features
        self.token_sets = [frozenset(t) for t in self.tokens]
        self.lengths = np.array([len(t) for t in self.tokens], dtype=np.float32)
        self._df: dict[str, int] = {}
        for terms in self.token_sets:
            for t in terms:
                self._df[t] = self._df.get(t, 0) + 1
        if tokens:
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            self._bm25.index(self.tokens, show_progress=False)
            self._vocab = self._bm25.vocab_dict

    def scores(self, query: str) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        q = [t for t in self.query_terms(query) if t in self._vocab]
        if not q:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)

    def query_terms(self, query: str) -> list[str]:
        """The analysed terms of a question, German compounds split by this index's vocabulary."""
        return analyse_query(query, self.decompounder)

    def knows(self, term: str) -> bool:
        """Whether any text holds the analysed term (one no text holds cannot tell texts apart)."""
        return term in self._df

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term, log(1 + N / (1 + df)): rare terms weigh more."""
        return float(np.log1p(self.size / (1 + self._df.get(term, 0))))
