"""A window a rule grants from an event, worked out for the customer's own dates.

A window is a length of time a sentence ties to an event by a word of "within" or "from": "within 30 days of
delivery", "valid for 3 years from the date of purchase", "innerhalb von 14 Tagen nach dem Kauf". Another length in
that sentence ("..., 60 days for Summit members") or one that replaces it elsewhere ("Summit members have a 60-day
return window instead of 30 days") is an alternative: it holds only when the question names what its clause names
("I'm a Summit member"), and not in a negation ("bin in keinem Kundenclub"). A sentence with a range of dates and a
later one ("items delivered between 15 November and 24 December can be returned until 15 January") extends the window
for a start inside the range. The result: the last day, and whether the day the customer asks about is still in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from generation.case_dates import (
    Mention,
    Story,
    event_of,
    event_pattern,
    find_dates,
    length_of,
    on_or_before,
    resolve,
    today_word,
    unit_kind,
    window_words,
    write_date,
)
from generation.case_result import CaseAnswer
from generation.facts import words
from generation.guard import split_sentences
from generation.patterns import alternation
from generation.question import asks_question, cue_phrases, question_type, tokens
from generation.terms import terms

WINDOW_CONFIDENCE = 0.85
_TIED = 30  # characters between a window's length and the event it runs from
_NEGATED = 5  # words after a negation, in its clause, that it denies
_REPLACING = ("instead of", "rather than", "statt", "anstatt", "anstelle von", "au lieu de", "en lugar de",
              "en vez de", "invece di", "anziché")  # fmt: skip
_WITHIN = ("within", "valid for", "good for", "innerhalb", "gültig", "dans les", "dans un délai de", "valable",
           "dentro de", "en un plazo de", "válido", "válida", "entro", "valido", "valida")  # fmt: skip
# "after" is not here: "we email you a link 14 days after delivery" is a moment, not a window ("innerhalb von 14
# Tagen nach dem Kauf" is one by its "innerhalb")
_FROM = ("from", "of", "ab", "seit", "à compter", "à partir", "desde", "a partir", "dalla", "dal", "da")


@dataclass(frozen=True)
class Window:
    """A length of time from an event. `alternative`: it holds only for what its clause names (`qualifier`);
    `replaces`: the (amount, unit) it stands instead of, whose event it takes."""

    amount: int
    unit: str  # days | weeks | months | years
    event: str  # delivery | purchase ("" until the window it replaces lends it one)
    qualifier: frozenset[str]
    alternative: bool
    source: Any  # the evidence unit that states it
    replaces: tuple[int, str] | None = None


@dataclass(frozen=True)
class Season:
    """Starts between `low` and `high` run until `until`."""

    low: Mention
    high: Mention
    until: Mention
    event: str
    source: Any


@lru_cache(maxsize=1)
def _duration_pattern() -> re.Pattern[str]:
    units = alternation(u.lower() for names in words().windows.units.values() for u in names)
    return re.compile(rf"(?<![\w.,])(?P<n>\d+)(?:\s*-\s*|\s+)(?P<u>{units})(?!\w)", re.IGNORECASE)


def _has(phrases: Sequence[str], text: str) -> bool:
    padded = f" {' '.join(tokens(text))} "
    return any(f" {p} " in padded for p in phrases)


def _tied_event(text: str, m: re.Match[str]) -> str:
    """The event a length is tied to ("30 days *of delivery*", "*within* 14 days *of* your purchase"), or ""."""
    gap = text[m.end() : m.end() + _TIED]
    event = event_pattern().search(gap)
    if event is None:
        return ""
    tied = _has(_FROM, gap[: event.start()]) or _has(_WITHIN, text[max(0, m.start() - 25) : m.start()])
    return event_of(event.group(0)) if tied else ""


def _clause(text: str, start: int) -> str:
    """The clause around position `start`: between punctuation or a word that replaces one length by another."""
    cuts = [0, len(text)]
    cuts += [m.end() for m in re.finditer(r"[,;:–()]|[.!?](?=\s)", text)]  # a clause ends with its sentence
    cuts += [m.start() for m in re.finditer(alternation(_REPLACING), text, re.IGNORECASE)]
    return text[max(c for c in cuts if c <= start) : min(c for c in cuts if c > start)]


def read_windows(unit: Any) -> list[Window]:
    """The windows a sentence of the evidence states (a table row's cells are no sentence of this kind)."""
    if getattr(unit, "fields", None):
        return []
    text = unit.text.replace("**", "")
    found = list(_duration_pattern().finditer(text))
    sentence_event = next((e for e in (_tied_event(text, m) for m in found) if e), "")
    out = []
    for m in found:
        before = text[max(0, m.start() - 20) : m.start()].lower().rstrip()
        if any(before.endswith(r) for r in _REPLACING):
            continue  # the length another one replaces
        amount, kind = int(m.group("n")), unit_kind(m.group("u"))
        qualifier = terms(_clause(text, m.start())) - terms(m.group(0))
        event = _tied_event(text, m)
        replaced = re.match(
            rf"\W*[^,;.]{{0,25}}?(?:{alternation(_REPLACING)})\s+(\d+)[\s-]*(\w+)", text[m.end() :], re.I
        )
        if event:
            out.append(Window(amount, kind, event, qualifier, False, unit))
        elif replaced and _known_unit(replaced.group(2)):
            stands_for = (int(replaced.group(1)), unit_kind(replaced.group(2)))
            out.append(Window(amount, kind, "", qualifier, True, unit, stands_for))
        elif sentence_event:
            out.append(Window(amount, kind, sentence_event, qualifier, True, unit))
    return out


def _known_unit(word: str) -> bool:
    return word.lower() in window_words("units")


def read_season(unit: Any) -> Season | None:
    """ "Items delivered between 15 November and 24 December can be returned until 15 January": a sentence with an
    event and three dates, the first two a range, the last the day starts inside it run until."""
    if getattr(unit, "fields", None):
        return None
    text = unit.text.replace("**", "")
    dates = [d for d in find_dates(text) if d.day is not None]
    event = event_pattern().search(text)
    if len(dates) != 3 or event is None:
        return None
    return Season(dates[0], dates[1], dates[2], event_of(event.group(0)), unit)


def window_answer(
    question: str, story: Story | None, units: Sequence[Any], language: str
) -> CaseAnswer | None:
    """The customer's dates (`story`, read from `question`) against the window of the evidence that runs from their
    kind of event; None when the question tells no dated story or no such window is in the evidence."""
    if story is None:
        return None
    windows = [w for u in units for w in read_windows(u)]
    events = {(w.amount, w.unit): w.event for w in windows if w.event}
    windows = [replace(w, event=events.get(w.replaces, "")) if w.replaces else w for w in windows]
    mine = [w for w in windows if w.event == story.event]
    asked = terms(question)
    # the window whose sentence says most of what the question says, the better-ranked one of equals: the return
    # window for a return, not the claim window for a damaged parcel the same evidence holds
    bases = [w for w in mine if not w.alternative and asked & terms(w.source.text)]
    if not bases:
        return None
    base = min(bases, key=lambda w: (-len(asked & terms(w.source.text)), w.source.index, w.source.position))
    named = _named_terms(question)
    qualifying = [
        w for w in mine if w.alternative and w.unit == base.unit and (w.qualifier - base.qualifier) & named
    ]
    # an alternative on the base window's own page before one elsewhere (a FAQ that sums the page up)
    chosen = min(qualifying, key=lambda w: w.source.index != base.source.index, default=base)
    deadline = story.start + length_of(chosen.amount, chosen.unit)
    season = next((s for u in units if (s := read_season(u)) and s.event == story.event), None)
    season_end = _season_end(season, story.start) if season else None
    basis = "span"
    if season_end and season_end > deadline:
        deadline, basis = season_end, "season"
    return _answer(story, chosen, season if basis == "season" else None, deadline, question, language)


def _season_end(season: Season, start: date) -> date | None:
    """The day a start inside the season runs until; None when the start is outside it."""
    low = on_or_before(season.low, start)
    high = resolve(season.high, start, low)
    return resolve(season.until, start, high) if low <= start <= high else None


def _answer(
    story: Story, window: Window, season: Season | None, deadline: date, question: str, language: str
) -> CaseAnswer:
    verdict = story.asked_named or any(question_type(q) == "yesno" for q in _questions(question))
    if story.asked_month_only:  # "in August 2027": in time only if the whole month is
        in_time = date(story.asked.year, story.asked.month, 28) <= deadline
    else:
        in_time = story.asked <= deadline
    key = ("case_window_open" if in_time else "case_window_closed") if verdict else "case_window_until"
    asked = write_date(story.asked, language, story.asked_month_only)
    values = {
        "window": f"{window.amount} {words().windows.unit_names.get(language, words().windows.unit_names['en'])[window.unit]}",
        "start": write_date(story.start, language),
        "deadline": write_date(deadline, language),
        "asked": asked if story.asked_named else f"{today_word(language)} ({asked})",
    }
    source = window.source
    rule = source.text
    if season is not None:
        key += "_season"
        values |= {"low": write_date(on_or_before(season.low, story.start), language)}
        values |= {"high": write_date(resolve(season.high, story.start, story.start), language)}
        source, rule = season.source, season.source.text
    used = {
        "start": story.start.isoformat(),
        "deadline": deadline.isoformat(),
        "asked": story.asked.isoformat(),
    }
    return CaseAnswer(((key, values),), rule, source.index, WINDOW_CONFIDENCE, used=used)


def _questions(message: str) -> list[str]:
    """The message's questions (a story comes before them: "Hab die Jacke vor 35 Tagen bekommen. Kann ich ...?")."""
    sentences = [s.strip() for s in split_sentences(message) if s.strip()]
    asked = [s for s in sentences if asks_question(s)]
    return asked or [message]


def _named_terms(question: str) -> frozenset[str]:
    """The question's terms outside a negation's reach: the rest of its clause, up to `_NEGATED` words ("I'm not a
    gold card holder", "bin in keinem Kundenclub" name no membership)."""
    negations = set(cue_phrases("negations"))
    kept = []
    for clause in re.split(r"[,.;:!?]", question):
        left = 0
        for word in tokens(clause):
            if word in negations:
                left = _NEGATED
            elif left:
                left -= 1
            else:
                kept.append(word)
    return terms(" ".join(kept))
