"""BM25 over the committed chunks (bm25s), with a small English analyser: lower case, stopwords, light stemming.

The stemmer is a light suffix stripper (plurals, -ing, -ed, -ly, ...), enough to match "filters"/"filter" and
"installing"/"install" without a stemming dependency. Query and documents go through the same analyser.
"""

from __future__ import annotations

import re

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")

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


def analyse(text: str) -> list[str]:
    """Tokens of a text as BM25 sees them."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        tok = tok.replace("'", "")
        if tok in STOPWORDS:
            continue
        out.append(stem(tok))
    return out


class BM25Index:
    """A bm25s index over a fixed list of texts; `scores(query)` gives one score per text (0 when no term matches)."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self._build([analyse(t) for t in texts], k1, b)

    @classmethod
    def from_tokens(cls, tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """An index over texts that are already analysed (the ranker's whole-document index joins chunk tokens)."""
        index = cls.__new__(cls)
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
        q = [t for t in analyse(query) if t in self._vocab]
        if not q:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)

    def knows(self, term: str) -> bool:
        """Whether any text holds the analysed term (one no text holds cannot tell texts apart)."""
        return term in self._df

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term, log(1 + N / (1 + df)): rare terms weigh more."""
        return float(np.log1p(self.size / (1 + self._df.get(term, 0))))
