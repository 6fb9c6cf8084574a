"""Windows a made-up shop's rules grant from an event, worked out for the customer's own dates."""

from __future__ import annotations

from datetime import date

import pytest

from generation import answer_case
from generation.case_dates import find_dates, read_story
from generation.case_windows import read_windows
from generation.units import Unit

TODAY = date(2026, 12, 7)
RETURNS = {
    "title": "Returns",
    "text": "## Returns\n\nYou may send back any article within 28 days of delivery, unworn and with its labels. "
    "Gold card holders get 50 days instead of 28 days. Articles delivered between 20 November and 31 December "
    "can be sent back until 20 January.",
}
VOUCHERS = {
    "title": "Vouchers",
    "text": "## Vouchers\n\nA voucher is valid for 2 years from the date of purchase. Reviews: we email you a link "
    "10 days after delivery.",
}
RUECKGABE = {
    "title": "Rückgabe",
    "text": "## Rückgabe\n\nSie können jeden Artikel innerhalb von 28 Tagen ab Lieferung zurückgeben, ungetragen "
    "und mit Etikett.",
}


def sentence(text: str) -> Unit:
    return Unit(index=1, text=text)


def test_a_window_is_a_length_tied_to_an_event_and_an_alternative_names_who_gets_it():
    (base,) = read_windows(sentence("You may send back any article within 28 days of delivery."))
    assert (base.amount, base.unit, base.event, base.alternative) == (28, "days", "delivery", False)
    both = read_windows(sentence("28 days from delivery for unworn articles, 50 days for Gold card holders."))
    assert [(w.amount, w.alternative) for w in both] == [(28, False), (50, True)]
    assert {"gold", "card"} <= {t.rstrip("s") for t in both[1].qualifier}
    # who gets the alternative is said in its own sentence: the next sentence's words are no qualifier of it
    two = read_windows(
        sentence("28 days from delivery, 50 days for Gold card holders. Items sent back late cost 5 EUR.")
    )
    assert "sent" not in two[1].qualifier and "late" not in two[1].qualifier
    (instead,) = read_windows(sentence("Gold card holders get a 50-day window instead of 28 days."))
    assert (instead.amount, instead.replaces) == (50, (28, "days"))
    (valid,) = read_windows(sentence("Gültig 3 Jahre ab Kaufdatum."))
    assert (valid.amount, valid.unit, valid.event) == (3, "years", "purchase")


@pytest.mark.parametrize(
    "text",
    ["we email you a link 10 days after delivery", "points expire after 24 months without a purchase"],
)
def test_a_length_that_is_a_moment_or_a_lapse_is_no_window(text):
    assert read_windows(sentence(text)) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("delivered on 2 december", [(12, 2, None)]),
        ("am 3. Oktober geliefert, heute ist der 8. November", [(10, 3, None), (11, 8, None)]),
        ("bought on June 10, 2024 and in August 2027", [(6, 10, 2024), (8, None, 2027)]),
        ("livré le 14 février", [(2, 14, None)]),
        ("entregado el 5 de marzo de 2026", [(3, 5, 2026)]),
        ("consegnato il 9 aprile", [(4, 9, None)]),
        ("may I return it? size 44 in May", []),
    ],
)
def test_dates_in_five_languages(text, expected):
    assert [(d.month, d.day, d.year) for d in find_dates(text)] == expected


def test_a_story_starts_at_the_date_tied_to_an_event_and_asks_about_today_unless_it_names_a_day():
    story = read_story("Heute ist der 8. November, am 3. Oktober geliefert.", TODAY)
    assert (story.start, story.event, story.asked, story.asked_named) == (
        date(2026, 10, 3), "delivery", date(2026, 11, 8), True
    )  # fmt: skip
    ago = read_story("I received it 40 days ago", TODAY)
    assert (ago.start, ago.asked, ago.asked_named) == (date(2026, 10, 28), TODAY, False)
    # a day with no year falls after the start: the story runs into the next year
    late = read_story("delivered on 2 December, can I send it on 10 January?", TODAY)
    assert (late.start, late.asked) == (date(2026, 12, 2), date(2027, 1, 10))
    assert read_story("when does your winter sale start, 27 December?", TODAY) is None


def test_too_late_by_the_base_window_when_the_question_denies_the_alternative():
    found = answer_case(
        "Delivered on 1 October, I'm not a gold card holder. Today is 5 November: can I still send it back?",
        [RETURNS], today=TODAY,
    )  # fmt: skip
    ((key, values),) = found.lines
    assert key == "case_window_closed"
    assert values["window"] == "28 days" and values["deadline"] == "29 October 2026"


def test_the_alternative_holds_for_the_one_who_names_it():
    found = answer_case(
        "I have a gold card. Delivered on 1 October; today is 5 November, can I still send it back?",
        [RETURNS], today=TODAY,
    )  # fmt: skip
    ((key, values),) = found.lines
    assert (
        key == "case_window_open"
        and values["window"] == "50 days"
        and values["deadline"] == "20 November 2026"
    )


def test_a_start_inside_a_season_runs_until_its_day():
    found = answer_case("delivered on 2 December, can I send it back on 15 January?", [RETURNS], today=TODAY)
    ((key, values),) = found.lines
    assert key == "case_window_open_season" and values["deadline"] == "20 January 2027"
    assert "20 January" in found.rule


def test_until_when_gets_the_last_day_and_a_month_without_a_day_counts_whole():
    until = answer_case(
        "Ich habe es am 20. Oktober geliefert bekommen. Bis wann?", [RUECKGABE], "de", today=TODAY
    )
    ((key, values),) = until.lines
    assert key == "case_window_until" and values == {
        "window": "28 Tage", "start": "20. Oktober 2026", "deadline": "17. November 2026", "asked": "heute (7. Dezember 2026)"
    }  # fmt: skip
    voucher = answer_case(
        "bought the voucher on 10 June 2024; will it work in June 2026?", [VOUCHERS], today=TODAY
    )
    assert voucher.lines[0][0] == "case_window_closed"  # valid to 10 June 2026: not all of June


def test_a_story_of_another_event_or_no_window_is_no_case_answer():
    assert answer_case("I bought it on 3 March, can I send it back?", [RUECKGABE], "de", today=TODAY) is None
    assert answer_case("delivered on 3 March, will the voucher work?", [VOUCHERS], today=TODAY) is None


TIERS = {
    "title": "Rewards club",
    "text": "## Levels\n\n| Level | Spent in a year | Perks |\n|---|---|---|\n| Bronze | from 0 EUR | newsletter deals |\n"
    "| Silver | from 400 EUR | free returns |\n| Gold | from 1,200 EUR | free returns and 5% off repairs |",
}


@pytest.mark.parametrize(
    "question, language, level",
    [
        ("I spent about 450 EUR last year, which level am I?", "en", "Silver"),
        ("Ich habe 1.300 € ausgegeben, welches Level ist das?", "de", "Gold"),
        ("which level with 90 euros spent?", "en", "Bronze"),
    ],
)
def test_the_tier_an_amount_reaches_is_the_highest_bound_below_it(question, language, level):
    found = answer_case(question, [TIERS], language)
    ((key, values),) = found.lines
    assert key == "case_tier" and values["row"] == level


def test_a_question_that_does_not_speak_of_the_tiers_gets_no_tier():
    assert answer_case("shipping to Italy for a 450 EUR order?", [TIERS]) is None
