"""How sure a composed answer may be: whether a unit of evidence states what a question asks, about the asked thing.

A "Yes." or "No." is only as good as the sentence under it, and a figure only as good as the row it comes from. The
composer used to lead with the polarity of whatever unit ranked first ("is there a lifetime guarantee on your down
jackets?" -> "Yes. Down jacket patch: 12 EUR"). A unit now *supports* a lead when

1. it states the question's predicate in its own words: the question's content terms, weighted by how rare they are
   in the evidence, are covered by the unit's own text, its list's lead and, for a sentence that points back with a
   pronoun ("We never repair them."), the sentence before it (a sentence that states the question by itself but
   points back to another subject, "They cannot go to Switzerland" after "Gas canisters...", is about that one); the page's headings alone do not count, except for
   a row of a table that enumerates the asked kind of thing (the PayPal row of "Ways to pay");
2. it states every term of the question, or nearly all of its weight (`NEAR_ALL`): weighting alone lets the asked
   things outweigh what is asked of them, and "Harnesses and ropes are personal protective equipment" says nothing
   about repairing them;
3. it is about the asked thing: a destination or way to pay the question names is mentioned by the unit or its
   context. A unit that denies something of everything ("not ... on any product") covers the things it does not
   name.

The confidence is the covered share of the question's weight, halved when a term is left out, zero about another
thing. Below `LEAD_MIN` the composer does not lead: it quotes the section under its page's name instead. The bar is
high on purpose: a sentence that names the asked things but not what is asked of them ("Harnesses and ropes are
personal protective equipment" for "do you repair ropes?") covers most of the weight and still says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from generation.question import Entity, covers, is_negative, named_entities, tokens
from generation.terms import grounded_data, phrase_words, terms
from generation.unit_context import labels_type, mentions_of, named_on_its_page
from generation.units import Unit

LEAD_MIN = 0.75  # support a yes/no or figure lead needs
NEAR_ALL = 0.85  # a unit covering this share may leave out a minor term ("guys", "offer")
PART = 0.5  # confidence factor for a unit that leaves out a term of the question worth more than 1 - NEAR_ALL
CANDIDATES = 12  # ranked units examined for support
OWN_ANTECEDENT_TERMS = (
    1  # content words before a pronoun that leave it pointing back (a verb, not a verb and a noun)
)
UNIVERSAL_MIN = 0.4  # share a sentence about everything ("any product") must state itself


@dataclass(frozen=True)
class Support:
    """How well `unit` answers a question: its confidence (0-1), polarity and what it was judged on."""

    unit: Unit
    confidence: float
    polarity: str  # "yes" | "no"
    share: float  # the question's term weight the unit's own words cover
    about: bool  # it is about the asked things
    direct: float  # the share its own sentence covers, without its list lead or context (breaks ties)


@lru_cache(maxsize=1)
def _pointers() -> frozenset[str]:
    return frozenset(w.lower() for w in grounded_data().get("pointer_words", []))


@lru_cache(maxsize=1)
def _universals() -> tuple[str, ...]:
    return tuple(p.lower() for p in grounded_data().get("universal_phrases", []))


def context_of(unit: Unit, units: Sequence[Unit], before: dict[int, str] | None = None) -> str:
    """The sentence a pronoun in `unit` points back to: the unit just before it in the same section. `before`:
    `previous_texts(units)`, when the caller asks for many units."""
    if unit.kind not in ("prose", "list_item") or not points_back(unit.text):
        return ""
    return (before if before is not None else previous_texts(units)).get(unit.position, "")


def previous_texts(units: Sequence[Unit]) -> dict[int, str]:
    """Each unit's predecessor in its section, by the unit's position (read once for all of a question's units)."""
    last: dict[tuple[int, str], Unit] = {}
    out: dict[int, str] = {}
    for unit in sorted(units, key=lambda u: u.position):
        key = (unit.index, unit.heading)
        if key in last:
            out[unit.position] = last[key].text
        last[key] = unit
    return out


def points_back(text: str) -> bool:
    """Whether a pronoun of `text` refers to a sentence before it: it stands where the sentence has not yet named
    anything it could refer to ("They cannot go to Switzerland", "We never repair them"), not after a subject and
    an object of its own ("We never sell your data and never use it")."""
    words = tokens(text)
    low = f" {' '.join(words)} "
    if any(f" {p} " in low for p in _pointer_phrases()):
        return True
    pointers = _pointers()
    first = next((n for n, w in enumerate(words) if w in pointers), None)
    if first is None:
        return False
    negations = _negations()
    named_before = terms(" ".join(w for w in words[:first] if w not in negations))
    return len(named_before) <= OWN_ANTECEDENT_TERMS


@lru_cache(maxsize=1)
def _negations() -> frozenset[str]:
    return frozenset(w.lower() for w in grounded_data().get("negations", []))


@lru_cache(maxsize=1)
def _pointer_phrases() -> tuple[str, ...]:
    return tuple(p.lower() for p in grounded_data().get("pointer_phrases", []))


def speaks_of_everything(text: str) -> bool:
    low = f" {' '.join(tokens(text))} "
    return any(f" {p} " in low for p in _universals())


def question_weights(
    question: str, units: Sequence[Unit], *, cross_language: bool = False
) -> dict[str, float]:
    """The question's content terms with their rarity among the units' own words (the idf of `score_units`).

    The words of a synonym phrase ("send back") count once, as the phrase. Asked in another language than the
    evidence, a word no unit has is taken for one the shop's vocabulary does not translate, not for a missing part
    of the question (in the evidence's own language it is exactly that: "lifetime" in "lifetime guarantee")."""
    q_terms = terms(question) - phrase_words(question)
    own = [terms(u.text) | terms(u.lead) | terms(u.heading) for u in units]
    n = max(len(own), 1)
    weights = {t: math.log(1 + n / (1 + sum(t in d for d in own))) + 0.5 for t in q_terms}
    if cross_language:
        known = frozenset().union(*own) if own else frozenset()
        weights = {t: w for t, w in weights.items() if t in known}
    return weights


def support(
    question: str,
    unit: Unit,
    units: Sequence[Unit],
    weights: dict[str, float],
    before: dict[int, str] | None = None,
    things: Sequence[Entity] | None = None,
) -> Support:
    """How well `unit` (read with its list lead and pronoun context) answers `question`; `things`: the things (a
    destination) the whole message names, where the question is the part of it that asks."""
    context = context_of(unit, units, before)
    asked = named_entities(question) if things is None else list(things)
    # A FAQ answer reads with the question it answers ("Do you sell spare parts?" over "Yes: filter cartridges...").
    question_of = unit.heading if unit.kind == "faq" else ""
    own_text = " ".join(t for t in (question_of, unit.lead, context, unit.text) if t)
    if unit.kind == "table_row" and asked and all(labels_type(unit, e.type) for e in asked):
        # A row of a table that enumerates the asked kind of thing ("Ways to pay": PayPal, Klarna...) says what its
        # headings say of the thing its label names: the PayPal row of "Ways to pay" states that one can pay so.
        own_text = f"{unit.path or unit.heading} {own_text}"
    mentions = mentions_of(unit) + (named_entities(context, groups=True) if context else [])
    explicit = named_on_its_page(asked, unit, units) if asked else frozenset()

    def stated(e: Entity) -> bool:
        return covers(mentions, e, named_elsewhere=e in explicit)

    # A thing the unit names by its group ("other EU countries" for Italy) or another name ("UK") is stated there.
    own = terms(own_text).union(*(terms(e.surface) for e in asked if stated(e)))
    total = sum(weights.values()) or 1.0
    share = sum(w for t, w in weights.items() if t in own) / total
    negative = is_negative(unit.text) or (unit.kind == "list_item" and is_negative(unit.lead))
    # "We do not offer a lifetime guarantee on any product" denies it of every product, the asked one included. A
    # positive rule about every item ("you can return any item within 30 days") still has to state what was asked.
    everything = negative and speaks_of_everything(unit.text) and share >= UNIVERSAL_MIN
    if everything:
        share = 1.0
    about = everything or all(stated(e) for e in asked)
    whole = everything or share >= NEAR_ALL or all(t in own for t in weights)
    confidence = share * (1.0 if whole else PART) * (1.0 if about else 0.0)
    direct = sum(w for t, w in weights.items() if t in terms(unit.text)) / total
    if context and direct >= share - 1e-9 and not everything:
        # The sentence states the question by itself, yet points back to another subject ("They cannot go to
        # Switzerland" after "Gas canisters...", "does not apply in that period"): it is about that subject.
        confidence *= PART
    return Support(unit, round(confidence, 3), "no" if negative else "yes", share, about, direct)


def best_support(
    question: str,
    ranked: Sequence[Unit],
    units: Sequence[Unit],
    *,
    cross_language: bool = False,
    things: Sequence[Entity] | None = None,
) -> Support | None:
    """The best-ranked unit that supports a lead, else the best-supported one (to quote); None without units.

    Ranking decides among units that each state the whole question: the composer's score knows which one the
    question names ("Switzerland" labels the row), and a sentence about another subject (gas canisters) ranks
    lower than the row about the destination."""
    if not ranked:
        return None
    weights = question_weights(question, units, cross_language=cross_language)
    if not weights:
        return None
    candidates = list(ranked[:CANDIDATES])
    shown = {u.text for u in candidates}
    # A sentence that points back to a candidate ("We never repair them.") shares few words with the question on
    # its own, so the ranking may have left it out: it is read with the candidate it points to.
    before = previous_texts(units)
    candidates += [u for u in units if u not in candidates and context_of(u, units, before) in shown]
    found = [support(question, u, units, weights, before, things) for u in candidates]
    leading = [s for s in found if s.confidence >= LEAD_MIN]
    if leading:
        return leading[0]
    return max(found, key=lambda s: (s.confidence, round(s.direct, 3), -candidates.index(s.unit)))


def support_beside(question: str, evidence: Sequence[object], prepared: str) -> tuple[float, float]:
    """How well the best unit of `evidence` answers `question`, and how well a `prepared` reply (a capability's
    fixed text) does, on one scale: the same rarity weights over both.

    A question a prepared reply was picked for by meaning ("can I pay with Klarna?" near "where is my invoice?") is
    better answered by the help pages when a page states what was asked and the prepared text does not."""
    from generation.units import evidence_units

    units = evidence_units(evidence)
    mine = Unit(index=0, text=prepared)
    weights = question_weights(question, [*units, mine])
    if not weights:
        return 0.0, 0.0
    before = previous_texts(units)
    best = max((support(question, u, units, weights, before).confidence for u in units), default=0.0)
    return best, support(question, mine, [mine], weights).confidence
