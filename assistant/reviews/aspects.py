"""What a review talks about: aspects per product category (`aspects.yaml`), found clause by clause, each with the
polarity of what is said about it.

An aspect's own polar cues decide first ("runs small" is a fit complaint whatever else the clause says, "nicht
wasserdicht" a waterproofing one: negation flips them); otherwise the clause's sentiment does.

    aspects = AspectMap.load()
    aspects.for_category("Footwear")       # ["fit", "comfort", "waterproofing", ...]
    analyse_reviews(model, aspects, [ReviewText("Runs small, but warm.", "en", "Footwear")])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from assistant.reviews.cues import CueSet, clauses, sentences, tokens
from assistant.reviews.sentiment import (
    LANGUAGES,
    Lexicon,
    Polarity,
    SentimentModel,
    load_lexicon,
    polarity_of,
)

ASPECTS_PATH = Path(__file__).with_name("aspects.yaml")
ANY_CATEGORY = "*"
QUOTE_CHARS = 220  # a quote is one sentence, cut to this length


@dataclass(frozen=True)
class Aspect:
    name: str
    labels: dict[str, str]
    mention: dict[str, CueSet]  # language -> cues of the aspect with their polarity sign (0, +1, -1)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels["en"]


def _all_cues(data: dict, lang: str) -> dict[str, tuple[tuple[str, int], ...]]:
    """Every aspect's cues of one language in one table: phrase -> ((aspect, sign), ...) (a phrase may serve two)."""
    table: dict[str, list[tuple[str, int]]] = {}
    for name, spec in data["aspects"].items():
        for sign, key in ((0, "cues"), (1, "positive"), (-1, "negative")):
            for phrase in spec.get(key, {}).get(lang, []):
                entries = table.setdefault(phrase, [])
                entries[:] = [e for e in entries if e[0] != name] + [
                    (name, sign)
                ]  # a polar cue beats a plain one
    return {k: tuple(v) for k, v in table.items()}


class AspectMap:
    """Aspects and the categories they are read for."""

    def __init__(self, data: dict, lexicon: Lexicon):
        self.aspects: dict[str, Aspect] = {}
        for name, spec in data["aspects"].items():
            mention = {}
            for lang in LANGUAGES:
                phrases: dict[str, object] = {}
                for sign, key in ((0, "cues"), (1, "positive"), (-1, "negative")):
                    phrases.update({p: sign for p in spec.get(key, {}).get(lang, [])})
                mention[lang] = CueSet(phrases, lexicon.endings.get(lang, ()))
            self.aspects[name] = Aspect(name, dict(spec["label"]), mention)
        # one table per language, so that a clause is scanned once for every aspect
        self._cues = {
            lang: CueSet(_all_cues(data, lang), lexicon.endings.get(lang, ())) for lang in LANGUAGES
        }
        self.categories: dict[str, list[str]] = {k: list(v) for k, v in data["categories"].items()}
        unknown = {a for names in self.categories.values() for a in names} - set(self.aspects)
        if unknown:
            raise ValueError(f"{ASPECTS_PATH}: categories name unknown aspects {sorted(unknown)}")
        self.lexicon = lexicon

    @classmethod
    def load(cls, path: Path = ASPECTS_PATH) -> AspectMap:
        return _load(path)

    def for_category(self, category: str) -> list[str]:
        """The aspects read for a category (the catch-all list for a category the map does not name)."""
        return self.categories.get(category) or self.categories[ANY_CATEGORY]

    def label(self, aspect: str, language: str = "en") -> str:
        return self.aspects[aspect].label(language)

    def resolve(self, word: str) -> str | None:
        """The aspect a marketer's word names: its key, its label, or one of its cues ("sizing" -> fit)."""
        wanted = " ".join(tokens(word))
        if not wanted:
            return None
        for name, aspect in self.aspects.items():
            if wanted in (name, *(" ".join(tokens(label)) for label in aspect.labels.values())):
                return name
        toks = tokens(word)
        for name, aspect in self.aspects.items():
            if any(aspect.mention[lang].find(toks) for lang in LANGUAGES):
                return name
        return None

    def find(self, clause: str, language: str, names: list[str]) -> dict[str, int]:
        """The aspects (among `names`) a clause mentions, each with the sign of its own polar cue (0 if none)."""
        lang = language if language in LANGUAGES else "en"
        toks = tokens(clause)
        wanted = set(names)
        found: dict[str, int] = {}
        for hit in self._cues[lang].find(toks):
            for name, sign in hit.value:
                if name not in wanted:
                    continue
                if self.lexicon.negation and self.lexicon.is_negated(toks, hit, lang):
                    sign = (
                        -sign if sign else -1
                    )  # "not waterproof", "kein Grip": a plain mention negated is a lack
                found[name] = found.get(name) or sign
        return {name: found[name] for name in names if name in found}


@cache
def _load(path: Path) -> AspectMap:
    return AspectMap(yaml.safe_load(path.read_text(encoding="utf-8")), load_lexicon(True))


@dataclass(frozen=True)
class ReviewText:
    text: str
    language: str
    category: str


@dataclass(frozen=True)
class AspectMention:
    aspect: str
    polarity: Polarity
    score: float
    sentence: str


@dataclass
class Analysis:
    """One review read: its overall polarity and score, and each aspect it mentions (one mention per aspect)."""

    polarity: Polarity
    score: float
    aspects: list[AspectMention] = field(default_factory=list)


def quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= QUOTE_CHARS else sentence[: QUOTE_CHARS - 1].rstrip() + "…"


def analyse_reviews(model: SentimentModel, aspects: AspectMap, reviews: list[ReviewText]) -> list[Analysis]:
    """Each review's overall sentiment and its aspect mentions; every text the model reads goes in one batch."""
    overall = model.score([r.text for r in reviews], [r.language for r in reviews])
    pending: list[tuple[int, str, int, str, str]] = []  # (review, aspect, own sign, clause, sentence)
    for i, review in enumerate(reviews):
        names = aspects.for_category(review.category)
        contrast = aspects.lexicon.contrast.get(review.language, frozenset())
        seen: set[str] = set()
        for sentence in sentences(review.text):
            for clause in clauses(sentence, contrast):
                for name, sign in aspects.find(clause, review.language, names).items():
                    if name not in seen:  # the first mention speaks for the review
                        seen.add(name)
                        pending.append((i, name, sign, clause, sentence))
    # Only clauses without an aspect cue of their own need the model (the encoder is the slow part).
    unsigned = [p for p in pending if not p[2]]
    scored = model.score([p[3] for p in unsigned], [reviews[p[0]].language for p in unsigned])
    clause_score = {id(p): s.score for p, s in zip(unsigned, scored, strict=True)}
    results = [Analysis(s.polarity, s.score) for s in overall]
    for item in pending:
        i, name, sign, clause, sentence = item
        if sign:  # the aspect's own cue decides ("runs small"); the lexicon says how strongly
            polarity: Polarity = "positive" if sign > 0 else "negative"
            strength = abs(Lexicon.squash(aspects.lexicon.clause_raw(clause, reviews[i].language)))
            score = sign * max(strength, 0.5)
        else:
            score = clause_score[id(item)]
            polarity = polarity_of(score)
        results[i].aspects.append(AspectMention(name, polarity, float(score), quote(sentence)))
    return results
