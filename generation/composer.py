"""Answer composition by question type, from evidence units, without asking a model to be right.

    composition = compose("do you ship to Canada?", evidence, language="en")
    composition.text  -> "No, we do not deliver to Canada. We deliver to: Austria, Germany [1]; ..."

1. The evidence becomes units (`generation.units`): sentences, list items with their lead, table rows with their
   cells by column, FAQ answers under their question.
2. Units are scored against the question (content terms weighted by rarity, the section heading, the figure the
   question wants, the things it names; optionally an embedding similarity). Only units that answer are kept.
3. The lead depends on the question type (`generation.question`): a yes/no question leads with yes or no (the
   polarity of the answering unit, its list's lead included: "Items we cannot take back: gift cards" is a no);
   how long / how much / when / where lead with the figure (a table row leads with the cell the question asks for);
   conditions and exceptions from the same section follow.
4. Negative answers: when the question names something (a destination, a way to pay) that the evidence does not
   mention while it lists others of its kind, the answer says so plainly and lists what is offered.

Every figure in the text is copied from a unit; the phrases around them come from `prompts/grounded.yaml` and
`prompts/entities.yaml` in the reply's language.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from generation.guard import extract_facts, split_sentences
from generation.lead import LEAD_MIN, best_support
from generation.not_offered import not_offered
from generation.question import (
    covers,
    is_condition,
    is_negative,
    named_entities,
    question_type,
    tokens,
    wanted_figure,
)
from generation.rendering import (
    FIGURE_KINDS,
    Composition,
    Scored,
    cite,
    fact_kinds,
    holds,
    page_name,
    phrase,
    render,
    row_holds_figure,
    says_yes_or_no,
    without_yes_or_no,
)
from generation.terms import terms
from generation.unit_context import (
    carried_terms,
    cue_terms,
    in_reply_language,
    lists_kind,
    mentions_of,
    stated_things,
    structure_bonus,
    unit_terms,
)
from generation.units import Unit, evidence_units

log = logging.getLogger(__name__)
Embed = Callable[[list[str]], Any]
MAX_ROWS = 6  # rows listed for one answer
_PLACE = re.compile(
    r"\b\d{4,5}\s+[A-ZÄÖÜ][\w-]+|\b[A-ZÄÖÜ][\w-]+(?:straße|strasse|gasse|weg|platz|kai|ufer)\s+\d+",
    re.UNICODE,
)
CLOSEST_MIN = 0.2  # share of the question a unit must share to be quoted as the closest section
CLOSEST_SIMILARITY = 0.4  # and how close its meaning must be (MiniLM cosine; answers score 0.5-0.7)
DENSE_CANDIDATES = 16  # units embedded per question (the best lexical matches)


def score_units(
    question: str,
    units: Sequence[Unit],
    *,
    embed: Embed | None = None,
    language: str = "en",
    loose: bool = False,
) -> list[Scored]:
    """Units that answer `question`, best first (empty when none shares enough with it). `loose`: every unit that
    shares a term with it, for the closest section to quote when none answers."""
    asked = named_entities(question)
    if not units:
        return []
    # A thing the question names that no unit mentions (nor a group it belongs to: France is an EU country) is left
    # out of the words to match, so that a destination no page lists does not hide the pages that list the others.
    docs = [unit_terms(u) for u in units]
    own = [
        terms(u.text) | terms(u.heading) | terms(u.lead) for u in units
    ]  # rarity is judged without the path
    vocabulary = frozenset().union(*docs)
    stated = stated_things(asked, units)  # "United Kingdom" names "UK", "other EU countries" Italy
    covered = [e for e in asked if any(e in things for things in stated)]
    named = frozenset(t for e in asked if e not in covered for t in terms(e.surface) if t not in vocabulary)
    q_terms = terms(question) - named or terms(question)
    if not q_terms:
        return []
    n = len(docs)
    cues = cue_terms(question)
    idf = {
        t: (math.log(1 + n / (1 + sum(t in d for d in own))) + 0.5) * (0.3 if t in cues else 1.0)
        for t in q_terms
    }
    total = sum(idf.values())
    figure = wanted_figure(question)
    # A thing the question names that no unit mentions ("bitcoin") is still what the question is about: the units
    # that list others of its kind (the ways to pay) are credited with it, for they answer that it is not among them.
    absent = {e.type for e in asked if e.surface and terms(e.surface) <= named}
    listing = {p for p, u in enumerate(units) if absent and lists_kind(u, absent)}
    named_weight = (math.log(1 + n) + 0.5) * len(named) if listing else 0.0
    if (
        asked
    ):  # a unit that names the asked thing by another of its names ("United Kingdom" for "UK") matches it
        docs = [
            doc | frozenset(t for e in things for t in terms(e.surface))
            for things, doc in zip(stated, docs, strict=True)
        ]
    # A later sentence of a list item reads with the item's first sentence as its lead; words only the lead has
    # count a quarter, so that it does not outrank the sentence that says them.
    carried = [carried_terms(u) for u in units]
    lexical = [
        (
            sum(idf[t] * (0.25 if t in weak else 1.0) for t in q_terms & doc)
            + (named_weight if p in listing else 0.0)
        )
        / (total + named_weight)
        for p, (doc, weak) in enumerate(zip(docs, carried, strict=True))
    ]
    # Only units that share a word with the question can answer it, so only the best of those are embedded: an
    # embedding call costs tens of milliseconds per sentence on 2 busy cores.
    candidates = sorted((p for p, m in enumerate(lexical) if m > 0), key=lambda p: -lexical[p])[
        :DENSE_CANDIDATES
    ]
    sims = _dense(question, [units[p] for p in candidates], embed) if candidates else None
    dense = dict(zip(candidates, sims, strict=True)) if sims is not None else None
    min_match = 0.34 if language == "en" else 0.2
    question_tokens = set(tokens(question))
    out = []
    for pos, (unit, matched) in enumerate(zip(units, lexical, strict=True)):
        if not matched and not (unit.kind == "table_row" and unit.label.lower() in question_tokens):
            continue
        score = matched + structure_bonus(unit, q_terms, idf, total + named_weight)
        kinds = fact_kinds(unit.text)
        has_figure = bool(figure and FIGURE_KINDS.get(figure, set()) & kinds and matched)
        if has_figure:
            score += 0.3
        if unit.kind == "faq" and len(terms(unit.heading) & q_terms) >= max(1, 0.7 * len(q_terms)):
            score += 0.3  # the FAQ asks the customer's question
        own_lead = terms(unit.lead) - terms(unit.heading) if unit.kind == "list_item" else frozenset()
        if own_lead and not own_lead & q_terms:
            score -= 0.1  # a detail of another list item ("Gas canisters ...: we ship them by road only")
        if figure == "place" and _PLACE.search(unit.text):
            score += 0.3
        label_hit = unit.kind == "table_row" and unit.label.lower() in question_tokens
        if label_hit:
            score += 0.4  # the row the question names ("EU 43" -> the row labelled 43)
        elif has_figure and row_holds_figure(unit, figure, q_terms):
            # "how long is the warranty on jackets": the jackets row's warranty period, not a story
            score += 0.3
        score -= 0.002 * unit.position  # earlier in the page comes first among equals
        if asked and matched:
            mentions = mentions_of(unit)
            if stated[pos]:
                score += 0.35 if unit.kind == "table_row" else 0.2
            elif any(m.type == e.type for m in mentions for e in asked):
                score -= 0.15  # about another destination or way to pay than the one asked for
        similarity = dense.get(pos, 0.0) if dense is not None else None
        if similarity is not None:
            score = 0.6 * score + 0.4 * max(0.0, similarity)
        score -= 0.01 * (unit.index - 1)  # retrieval order breaks ties
        # Enough of the question must match (or the embedding be close): one shared word ("sell") is not an answer.
        # A question in another language than the evidence shares fewer words, so the bar is lower there.
        if (
            matched >= min_match
            or loose
            or label_hit
            or (has_figure and matched >= min_match / 2)
            or (similarity is not None and similarity > 0.55)
        ):
            out.append(Scored(unit, score, matched))
    out.sort(key=lambda s: -s.score)
    return out


def _dense_text(unit: Unit) -> str:
    # The whole heading path: "Returns and refunds > Items we cannot take back" says what a bare item is about.
    return f"{unit.path or unit.heading}: {unit.text}" if unit.path or unit.heading else unit.text


def read_ahead(evidence: Sequence[Any], embed: Embed, batch: int = 64) -> int:
    """Read `evidence` the way `score_units` will (its units' embeddings, figures and names), so that the first
    questions about it do not pay for that; the number of units read. A caching `embed` keeps the vectors."""
    units = evidence_units(evidence)
    texts = list(dict.fromkeys(_dense_text(u) for u in units))
    for start in range(0, len(texts), batch):
        embed(texts[start : start + batch])
    for unit in units:
        extract_facts(unit.text)
        mentions_of(unit)
    return len(units)


def _dense(question: str, units: Sequence[Unit], embed: Embed | None) -> list[float] | None:
    if embed is None:
        return None
    try:
        vectors = embed([question] + [_dense_text(u) for u in units])
        return [float(v) for v in (vectors[1:] @ vectors[0])]
    except Exception:  # an embedder problem must not cost the answer: lexical matching still works
        log.exception("embedding evidence units failed; using lexical matching only")
        return None


def compose(
    question: str, evidence: Sequence[Any], *, language: str = "en", embed: Embed | None = None
) -> Composition | None:
    """The answer to `question` from `evidence` in the shape its type asks for; None when nothing answers it.

    The text is in `language` where it is the composer's own (yes/no, "not offered"); evidence is quoted as it is
    (the caller marks it as quoted when its language differs).
    """
    units = in_reply_language(evidence_units(evidence), evidence, language)
    ranked = score_units(question, units, embed=embed, language=language)
    ask = the_ask(question)
    if not ranked and ask != question:
        # A story around the question ("my jacket came on 3 March... can I still send it back?") dilutes it: the
        # sentence that asks is matched alone.
        return compose(ask, evidence, language=language, embed=embed)
    if not ranked:
        return _closest_section(question, units, evidence, language, embed)
    best = ranked[0]
    relevant = [s for s in ranked if s.score >= 0.55 * best.score]
    negative = not_offered(question, units, relevant, language)
    if negative is not None:
        return negative
    qtype, figure = question_type(question), wanted_figure(question)
    lead = _lead_unit(ranked, figure)
    confidence, kind = 1.0, "figure" if figure else ("list" if qtype == "list" else "extract")
    cross = _cross_language(units, evidence, language)
    if qtype == "yesno" or figure:
        # A yes, a no or a figure leads only when a unit states what was asked, about the asked thing.
        found = best_support(  # what is asked must be stated, not the story around it ("want it for ice climbing")
            ask,
            [s.unit for s in ranked if s.score >= 0.3 * best.score],
            units,
            cross_language=cross,
            things=named_entities(question),  # "Ich wohne in Österreich." is the story, yet names the case
        )
        confidence = found.confidence if found else 0.0
        if found and confidence >= LEAD_MIN and (qtype == "yesno" or holds(found.unit, figure)):
            lead = found.unit
            kind = found.polarity if qtype == "yesno" and not says_yes_or_no(lead.text) else kind
        elif qtype == "yesno" or not holds(lead, figure):
            kind = "quote"
    if (
        lead is not ranked[0].unit
    ):  # a lead chosen for what it states brings its own section, not the top unit's
        relevant = [s for s in relevant if (s.unit.index, s.unit.heading) == (lead.index, lead.heading)]
    # Evidence in another language is quoted, and one quoted sentence is what a reader in that language can take in.
    picked = [lead] if cross else [lead, *_followers(lead, relevant, question, figure, qtype)]
    # the same sentence on two pages (a FAQ repeats the compatibility page) is said once
    seen: set[str] = set()
    picked = [u for u in picked if not _said(u, seen)]
    shown_leads: set[str] = set()
    lines = [render(u, figure, question if n == 0 else "", shown_leads) for n, u in enumerate(picked)]
    if qtype != "yesno":
        # a FAQ answer's own "Yes." answers its FAQ question, not this one
        lines = [without_yes_or_no(line) for line in lines]
    if len(picked) > 1 and all(u.kind == "table_row" for u in picked):
        body = "\n".join(f"- {cite(line, u.index)}" for line, u in zip(lines, picked, strict=True))
    else:
        body = " ".join(cite(line, u.index) for line, u in zip(lines, picked, strict=True))
    opening = closing = ""
    if kind in ("yes", "no"):
        opening = f"{phrase(language, kind)}."
    elif kind == "quote":
        opening = phrase(language, "page_says").format(page=page_name(lead))
        closing = phrase(language, "quote_offer")
    text = " ".join(t for t in (opening, body, closing) if t)
    cited = sorted({u.index for u in picked})
    return Composition(text, cited, kind, picked, confidence, opening, closing)


def _said(unit: Unit, seen: set[str]) -> bool:
    key = " ".join(tokens(unit.text))
    if key in seen:
        return True
    seen.add(key)
    return False


def the_ask(message: str) -> str:
    """The sentences of `message` that ask (end in a question mark), else its last sentence; the whole message when
    it is one sentence."""
    sentences = [t.strip() for t in split_sentences(message) if t.strip()]
    if len(sentences) < 2:
        return message
    asking = [n for n, t in enumerate(sentences) if t.endswith(("?", "？"))]
    if not asking or len(asking) == len(sentences):
        asking = [len(sentences) - 1]
    if len(terms(" ".join(sentences[n] for n in asking))) < 2 and asking[0] > 0:
        asking.insert(0, asking[0] - 1)  # "what should I do?" asks about the sentence before it
    return " ".join(sentences[n] for n in asking)


def _closest_section(
    question: str, units: Sequence[Unit], evidence: Sequence[Any], language: str, embed: Embed | None
) -> Composition | None:
    """Nothing states the answer, yet the search found pages: the sentence closest to the question, quoted under
    its page's name with an offer of a person (a reader judges it; "I couldn't find that" hides a page that may
    answer). None when no unit shares a term with the question."""
    ranked = score_units(question, units, embed=embed, language=language, loose=True)
    if not ranked or ranked[0].matched < CLOSEST_MIN:
        return None
    unit = ranked[0].unit
    similarity = _dense(question, [unit], embed)  # without an embedder, words alone are too weak a sign
    if not similarity or similarity[0] < CLOSEST_SIMILARITY:
        return None
    opening = phrase(language, "page_says").format(page=page_name(unit))
    closing = phrase(language, "quote_offer")
    body = cite(render(unit, ""), unit.index)
    return Composition(f"{opening} {body} {closing}", [unit.index], "quote", [unit], 0.0, opening, closing)


def _cross_language(units: Sequence[Unit], evidence: Sequence[Any], language: str) -> bool:
    """The units are in another language than the question (English pages for a Spanish question)."""
    if not units:
        return False
    item = evidence[units[0].index - 1]
    value = item.get("language") if isinstance(item, dict) else getattr(item, "language", "")
    return str(value or "en") != language


def _lead_unit(ranked: Sequence[Scored], figure: str) -> Unit:
    """The best unit, or for a figure question the best one that holds such a figure (if it is close)."""
    kinds = FIGURE_KINDS.get(figure, set())
    if kinds:
        for s in ranked[:4]:
            if kinds & fact_kinds(s.unit.text) and s.score >= 0.7 * ranked[0].score:
                return s.unit
    return ranked[0].unit


def _followers(lead: Unit, relevant: Sequence[Scored], question: str, figure: str, qtype: str) -> list[Unit]:
    """What follows the lead: sibling rows of its table that answer too, or a condition or exception from its
    section (at most two sentences)."""
    out: list[Unit] = []
    asked = named_entities(question)
    if lead.kind == "table_row":
        for s in relevant:
            u = s.unit
            if u is lead or u.kind != "table_row" or u.index != lead.index or u.heading != lead.heading:
                continue
            if asked and not any(covers(mentions_of(u), e) for e in asked):
                continue
            if len(out) + 1 >= MAX_ROWS:
                break
            out.append(u)
        if out or qtype == "list":
            return sorted(out, key=lambda u: u.position)
    for s in relevant:
        u = s.unit
        if u is lead or u.text == lead.text or len(out) >= 2:
            continue
        same_section = u.index == lead.index and u.heading == lead.heading
        if same_section and (
            is_condition(u.text) or is_negative(u.text) or s.score >= 0.8 * relevant[0].score
        ):
            out.append(u)
        elif not same_section and s.score >= 0.9 * relevant[0].score and not out:
            out.append(u)
    return out
