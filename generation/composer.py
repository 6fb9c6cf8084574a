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
from dataclasses import dataclass, field
from typing import Any

from generation.guard import extract_facts
from generation.lead import LEAD_MIN, best_support
from generation.question import (
    covers,
    entity_types,
    is_condition,
    is_negative,
    named_entities,
    question_type,
    tokens,
    wanted_figure,
)
from generation.terms import grounded_data, terms
from generation.unit_context import (
    carried_terms,
    cue_terms,
    in_reply_language,
    labels_type,
    lists_kind,
    mentions_of,
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
DENSE_CANDIDATES = 16  # units embedded per question (the best lexical matches)
FIGURE_KINDS = {"price": {"price"}, "duration": {"duration"}, "time": {"duration", "number"}, "place": set()}
# Column names that say what a table column holds, for leading with the cell a question asks for.
COLUMN_WORDS = {
    "price": ("cost", "price", "fee", "kosten", "preis", "gebühr", "prix", "coût", "frais", "precio", "coste",
              "prezzo", "costo"),
    "duration": ("time", "period", "kept", "valid", "duration", "zeit", "dauer", "frist", "délai", "durée",
                 "plazo", "tiempo", "durata", "tempo"),
    "time": ("hours", "time", "opening", "zeiten", "öffnung", "horaires", "horario", "orari"),
    "place": ("address", "adresse", "dirección", "indirizzo", "location", "store"),
}  # fmt: skip


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    matched: float  # share of the question's term weight the unit (with its heading) covers


@dataclass
class Composition:
    """The composed answer: text with [n] citations, the evidence numbers it cites, and how it was composed."""

    text: str
    cited: list[int] = field(default_factory=list)
    kind: str = "extract"  # yes | no | not_offered | figure | list | extract | quote
    units: list[Unit] = field(default_factory=list)
    confidence: float = 1.0  # how surely the units state what was asked (`generation.lead`)
    opening: str = (
        ""  # the composer's own words before the evidence ("No.", "Here is what our ... page says:")
    )
    closing: str = ""  # and after it (the offer of a person under a quote)


def _phrase(language: str, key: str) -> str:
    phrases = grounded_data()["phrases"]
    return phrases.get(language, phrases["en"]).get(key) or phrases["en"][key]


def score_units(
    question: str, units: Sequence[Unit], *, embed: Embed | None = None, language: str = "en"
) -> list[Scored]:
    """Units that answer `question`, best first (empty when none shares enough with it)."""
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
    mentions = [mentions_of(u) for u in units] if asked else []
    covered = [e for e in asked if any(covers(m, e) for m in mentions)]  # "United Kingdom" names "UK"
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
            doc | frozenset(t for e in covered if covers(m, e) for t in terms(e.surface))
            for m, doc in zip(mentions, docs, strict=True)
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
        kinds = {f.kind for f in extract_facts(unit.text)}
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
        elif has_figure and _row_holds_figure(unit, figure, q_terms):
            # "how long is the warranty on jackets": the jackets row's warranty period, not a story
            score += 0.3
        score -= 0.002 * unit.position  # earlier in the page comes first among equals
        if asked and matched:
            mentions = mentions_of(unit)
            if any(covers(mentions, e) for e in asked):
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


def _cite(text: str, index: int) -> str:
    text = text.strip()
    if text and text[-1] in ".!?:":
        return f"{text[:-1]} [{index}]{text[-1]}" if text[-1] != ":" else f"{text[:-1]} [{index}]."
    return f"{text} [{index}]."


def _wanted_column(unit: Unit, figure: str) -> str | None:
    """The column of a table row that holds what the question asks for (by its name, else by its figures)."""
    if unit.kind != "table_row" or not figure:
        return None
    names = list(unit.fields)
    for name in names[1:]:
        if any(w in name.lower() for w in COLUMN_WORDS.get(figure, ())):
            return name
    kinds = FIGURE_KINDS.get(figure, set())
    for name in names[1:]:
        if kinds & {f.kind for f in extract_facts(unit.fields[name])}:
            return name
    return None


def _row_holds_figure(unit: Unit, figure: str, q_terms: frozenset[str]) -> bool:
    """A table row whose first cell the question names in part ("jackets" of "Jackets and trousers") and whose
    column for the wanted figure holds one: the row states the asked figure as a fact, not in passing."""
    if unit.kind != "table_row" or not terms(unit.label) & q_terms:
        return False
    column = _wanted_column(unit, figure)
    kinds = FIGURE_KINDS.get(figure, set())
    return column is not None and bool(kinds & {f.kind for f in extract_facts(unit.fields[column])})


def _figure_line(unit: Unit, figure: str) -> str:
    """A unit that leads with the figure: a row's wanted cell after its label, a sentence after its figure."""
    column = _wanted_column(unit, figure)
    if column is not None:
        label_columns = [k for k in unit.fields if k != column and not _column_kind(k)]
        label = " — ".join(unit.fields[k] for k in label_columns)
        extra = [f"{k}: {unit.fields[k]}" for k in unit.fields if k != column and k not in label_columns]
        line = f"{label}: {unit.fields[column]}" if label else unit.fields[column]
        return line + (f" ({'; '.join(extra)})" if extra else "")
    return unit.text  # a sentence is quoted whole: the lead unit was chosen for holding the figure


def _column_kind(name: str) -> str:
    low = name.lower()
    return next((kind for kind, words in COLUMN_WORDS.items() if any(w in low for w in words)), "")


def _says_yes_or_no(text: str) -> bool:
    first = tokens(text)[:1]
    yes_no = {str(p.get(k, "")).lower() for p in grounded_data()["phrases"].values() for k in ("yes", "no")}
    return bool(first) and first[0] in yes_no


def _not_offered(
    question: str, units: Sequence[Unit], relevant: Sequence[Scored], language: str
) -> Composition | None:
    """ "No, we do not deliver to Canada. We deliver to: ..." when the question names something the evidence lists
    the alternatives of but not it. Only the relevant units count, so an unrelated page's mentions cannot say no."""
    asked = named_entities(question)
    if not asked or not relevant:
        return None
    everything = [m for u in units for m in mentions_of(u)]
    for entity in asked:
        if covers(everything, entity):
            continue
        alternatives = [
            s.unit
            for s in relevant
            if any(m.type == entity.type and m.name != entity.name for m in mentions_of(s.unit))
        ]
        kinds = {m.name for u in alternatives for m in mentions_of(u) if m.type == entity.type}
        if len(kinds) < 2:
            continue
        # A table whose rows are labelled with this kind of thing enumerates it, whether or not its rows matched
        # the question's other words ("do you take bitcoin": the ways-to-pay table).
        rows = [u for u in alternatives if u.kind == "table_row" and labels_type(u, entity.type)]
        rows = rows or [
            u for u in units if u.kind == "table_row" and labels_type(u, entity.type) and u.retrieved
        ]
        # The table a relevant row belongs to is read whole: every way to pay it lists, not only those that matched.
        tables = {(u.index, u.heading) for u in rows}
        rows += [
            u
            for u in units
            if u.kind == "table_row"
            and (u.index, u.heading) in tables
            and u not in rows
            and labels_type(u, entity.type)
        ]
        thing = entity.surface if entity.surface[:1].isupper() else entity.name
        spec = entity_types().get(entity.type, {})
        if rows:  # the table enumerates this kind of thing: name the rows by their labels
            lead = spec.get("not_offered", {}).get(language) or spec["not_offered"]["en"]
            offered = spec.get("offered", {}).get(language) or spec["offered"]["en"]
            labels: dict[str, int] = {}
            for row in sorted(rows, key=lambda u: u.position):
                labels.setdefault(row.label, row.index)
            items = [f"{label} [{index}]" for label, index in labels.items()]
            text = f"{lead.format(thing=thing)} {offered} " + "; ".join(items) + "."
            return Composition(text, sorted(set(labels.values())), "not_offered", rows)
        best = [u for u in alternatives if u.kind == "table_row"][:2]
        if not best:  # prose that happens to name some places is no list of what is offered: answer normally
            continue
        lead = _phrase(language, "not_offered").format(thing=thing)
        body = " ".join(_cite(u.text, u.index) for u in best)
        return Composition(f"{lead} {body}", sorted({u.index for u in best}), "not_offered", list(best))
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
    if not ranked:
        return None
    best = ranked[0]
    relevant = [s for s in ranked if s.score >= 0.55 * best.score]
    negative = _not_offered(question, units, relevant, language)
    if negative is not None:
        return negative
    qtype, figure = question_type(question), wanted_figure(question)
    lead = _lead_unit(ranked, figure)
    confidence, kind = 1.0, "figure" if figure else ("list" if qtype == "list" else "extract")
    if qtype == "yesno" or figure:
        # A yes, a no or a figure leads only when a unit states what was asked, about the asked thing.
        found = best_support(
            question,
            [s.unit for s in ranked if s.score >= 0.3 * best.score],
            units,
            cross_language=_cross_language(units, evidence, language),
        )
        confidence = found.confidence if found else 0.0
        if found and confidence >= LEAD_MIN and (qtype == "yesno" or _holds(found.unit, figure)):
            lead = found.unit
            kind = found.polarity if qtype == "yesno" and not _says_yes_or_no(lead.text) else kind
        elif qtype == "yesno" or not _holds(lead, figure):
            kind = "quote"
    if (
        lead is not ranked[0].unit
    ):  # a lead chosen for what it states brings its own section, not the top unit's
        relevant = [s for s in relevant if (s.unit.index, s.unit.heading) == (lead.index, lead.heading)]
    picked = [lead, *_followers(lead, relevant, question, figure, qtype)]
    shown_leads: set[str] = set()
    lines = [_render(u, figure, question if n == 0 else "", shown_leads) for n, u in enumerate(picked)]
    if len(picked) > 1 and all(u.kind == "table_row" for u in picked):
        body = "\n".join(f"- {_cite(line, u.index)}" for line, u in zip(lines, picked, strict=True))
    else:
        body = " ".join(_cite(line, u.index) for line, u in zip(lines, picked, strict=True))
    opening = closing = ""
    if kind in ("yes", "no"):
        opening = f"{_phrase(language, kind)}."
    elif kind == "quote":
        opening = _phrase(language, "page_says").format(page=_page_name(lead))
        closing = _phrase(language, "quote_offer")
    text = " ".join(t for t in (opening, body, closing) if t)
    cited = sorted({u.index for u in picked})
    return Composition(text, cited, kind, picked, confidence, opening, closing)


def _cross_language(units: Sequence[Unit], evidence: Sequence[Any], language: str) -> bool:
    """The units are in another language than the question (English pages for a Spanish question)."""
    if not units:
        return False
    item = evidence[units[0].index - 1]
    value = item.get("language") if isinstance(item, dict) else getattr(item, "language", "")
    return str(value or "en") != language


def _holds(unit: Unit, figure: str) -> bool:
    """`unit` states a figure of the kind asked for (a place needs no figure)."""
    kinds = FIGURE_KINDS.get(figure, set())
    return not kinds or bool(kinds & {f.kind for f in extract_facts(unit.text)})


def _page_name(unit: Unit) -> str:
    """The page a unit is on, as its readers know it: the first heading of its path, else its own heading."""
    return (unit.path.split(" > ")[0] if unit.path else unit.heading).strip() or unit.heading


def _lead_unit(ranked: Sequence[Scored], figure: str) -> Unit:
    """The best unit, or for a figure question the best one that holds such a figure (if it is close)."""
    kinds = FIGURE_KINDS.get(figure, set())
    if kinds:
        for s in ranked[:4]:
            if kinds & {f.kind for f in extract_facts(s.unit.text)} and s.score >= 0.7 * ranked[0].score:
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


MAX_LEAD_WORDS = 12


def _render(unit: Unit, figure: str, question: str = "", shown_leads: set[str] | None = None) -> str:
    text = _figure_line(unit, figure) if figure else unit.text
    lead = unit.lead.rstrip(" :")
    # A list item is read with the lead of its list ("Items we cannot take back unless faulty: Gas canisters"), once
    # per answer: the lead says what the list is, and its polarity.
    if (
        unit.kind == "list_item"
        and shown_leads is not None
        and lead
        and lead not in shown_leads
        and len(lead.split()) <= MAX_LEAD_WORDS
        and not terms(lead) <= terms(text)
        and (
            len(text.split()) < 6
            or unit.lead.endswith(":")
            or (is_negative(lead) and not is_negative(text))  # the lead says no: "cannot take back: food"
        )  # a bare item, or a list with a lead-in sentence
    ):
        shown_leads.add(lead)
        return f"{lead}: {text}"
    if unit.kind == "list_item" and shown_leads is not None and lead in shown_leads:
        return text
    heading = unit.heading.rstrip(":")
    # A section that names what the sentence is about ("Graz (flagship and repair workshop)") goes with it when
    # the sentence itself does not say it.
    if (
        unit.kind == "prose"
        and heading
        and not heading.endswith("?")
        and len(heading.split()) <= 6
        and heading.lower() not in text.lower()
        and question
        and (terms(heading) & terms(question) or figure == "place")
    ):
        return f"{heading}: {text}"
    return text
