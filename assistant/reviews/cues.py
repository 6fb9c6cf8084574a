"""Cue phrases found in text: tokens, multi-word phrases, `*` endings, and the negation and intensity around them.

The review lexicon (`lexicon.yaml`) and the aspect map (`aspects.yaml`) both name cues as plain phrases per language;
`CueSet` compiles them once into a first-token index and finds the longest cue at each position of a token list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[\w’'-]+", re.UNICODE)
# Sentence ends; a clause also ends at ; : , and a dash between spaces (why: "warm, but heavy" has two opinions).
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_CLAUSE_PUNCT = re.compile(r"[;:,()]|\s[–—-]\s")  # pieces are split into words after: no spaces to eat


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; apostrophes stay inside a word ("didn't", "don’t")."""
    return [t.replace("’", "'").strip("-'") for t in _TOKEN.findall(text.lower()) if t.strip("-'")]


def sentences(text: str) -> list[str]:
    """The text's sentences, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s and s.strip()]


def clauses(sentence: str, contrast: frozenset[str]) -> list[str]:
    """A sentence cut at clause punctuation and before contrast words ("warm but heavy" -> "warm", "but heavy")."""
    out: list[str] = []
    for piece in _CLAUSE_PUNCT.split(sentence):
        words = piece.split()
        current: list[str] = []
        for word in words:
            bare = word.lower().strip(".,!?;:\"'()")
            if bare in contrast and current:
                out.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            out.append(" ".join(current))
    return [c for c in out if tokens(c)]


@dataclass(frozen=True)
class Cue:
    """One cue: its tokens (the last may be a prefix), a value (a weight or a label) and how long it is."""

    words: tuple[str, ...]
    value: object
    prefix: bool = False
    endings: tuple[str, ...] = ()  # inflections the last word may carry ("nass" -> "nasse")

    def matches(self, toks: list[str], start: int) -> bool:
        n = len(self.words)
        if start + n > len(toks):
            return False
        for k, word in enumerate(self.words):
            tok = toks[start + k]
            if tok == word:
                continue
            if k < n - 1:
                return False
            if not (
                (self.prefix and tok.startswith(word))
                or (tok.startswith(word) and tok[len(word) :] in self.endings)
            ):
                return False
        return True


@dataclass(frozen=True)
class Hit:
    start: int
    end: int  # exclusive
    value: object


class CueSet:
    """Phrases -> values, matched longest first at each token position."""

    def __init__(self, phrases: dict[str, object], endings: tuple[str, ...] = ()):
        self._by_first: dict[str, list[Cue]] = {}
        self._prefixed: list[Cue] = []  # one-word cues ending in *: few, scanned
        self._endings = tuple(sorted(set(endings), key=len, reverse=True))
        for phrase, value in phrases.items():
            prefix = phrase.endswith("*")
            words = tuple(tokens(phrase.rstrip("*")))
            if not words:
                continue
            # words under 3 letters keep their exact form ("so", "ok"); longer ones take the language's endings
            cue = Cue(words, value, prefix, self._endings if len(words[-1]) >= 3 else ())
            if prefix and len(words) == 1:
                self._prefixed.append(cue)
            else:
                self._by_first.setdefault(words[0], []).append(cue)
        for cues in self._by_first.values():
            cues.sort(key=lambda c: -len(c.words))

    def _at(self, toks: list[str], i: int) -> Cue | None:
        tok = toks[i]
        stems = [tok] + [tok[: -len(e)] for e in self._endings if tok.endswith(e) and len(tok) - len(e) >= 3]
        for stem in stems:
            cue = next((c for c in self._by_first.get(stem, ()) if c.matches(toks, i)), None)
            if cue is not None:
                return cue
        return next((c for c in self._prefixed if c.matches(toks, i)), None)

    def find(self, toks: list[str]) -> list[Hit]:
        """Non-overlapping hits, left to right, the longest cue at each position."""
        hits: list[Hit] = []
        i = 0
        while i < len(toks):
            cue = self._at(toks, i)
            if cue is None:
                i += 1
                continue
            hits.append(Hit(i, i + len(cue.words), cue.value))
            i += len(cue.words)
        return hits


def is_negator(token: str, negators: frozenset[str]) -> bool:
    return token in negators or token.endswith("n't")


def negated(
    toks: list[str], hit: Hit, negators: frozenset[str], before: int, after: int, after_cues: frozenset[str]
) -> bool:
    """A negator within `before` tokens before the cue, or, for a verb a negator may follow ("passt nicht",
    "hält nicht warm"), within `after` tokens after it."""
    lo = max(0, hit.start - before)
    if any(is_negator(t, negators) for t in toks[lo : hit.start]):
        return True
    if after <= 0 or toks[hit.start] not in after_cues:
        return False
    return any(is_negator(t, negators) for t in toks[hit.end : hit.end + after])
