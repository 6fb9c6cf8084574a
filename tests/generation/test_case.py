"""The customer's case read from a question, and worked out against a made-up shop's tables and rules."""

from __future__ import annotations

from datetime import date, time

import pytest

from generation import answer_case
from generation.case import read_case
from tests.generation.test_facts import CHART_HTML, DELIVERY_MD, html_section

DELIVERY = {"text": DELIVERY_MD, "title": "Delivery", "source": "help/delivery.md"}
DISPATCH = {
    "title": "Dispatch",
    "text": "## Dispatch\n\nOrders received before 13:30 on a working day are dispatched the same day. Orders "
    "received later, or at weekends, leave on the next working day.",
}
SHOPS = {
    "title": "Our shops",
    "text": "## Lyon\n\nOpen Tuesday to Friday 09:30-18:00, Saturday 10:00-16:00.\n\n"
    "## Nantes\n\nOpen Monday to Saturday 10:00-19:00.",
}
SIZES = {
    "title": "Sizes",
    "text": "## Men's shirts\n\n| Size | Chest (cm) | Neck (cm) |\n|---|---|---|\n| M | 96-101 | 39-40 |\n"
    "| L | 104-109 | 41-42 |\n\n## Women's shirts\n\n| Size | Bust (cm) | Waist (cm) |\n|---|---|---|\n"
    "| S | 84-88 | 66-70 |\n| M | 89-93 | 71-75 |",
}


def lines(found):
    return [key for key, _ in found.lines]


@pytest.mark.parametrize(
    "question, language, value, place, weekday, clock",
    [
        ("shipping to Belgium for a 40 euro order?", "en", 40.0, "Belgium", None, None),
        ("Versand nach Belgien bei sechzig Euro?", "de", 60.0, "Belgium", None, None),
        ("j'ai commandé vendredi à 15h30", "fr", None, None, 4, time(15, 30)),
        ("I ordered on Saturday at 9am", "en", None, None, 5, time(9, 0)),
        ("pedí el lunes a las 10:15", "es", None, None, 0, time(10, 15)),
    ],
)
def test_the_case_values_a_question_gives(question, language, value, place, weekday, clock):
    case = read_case(question, language)
    assert (case.order_value.amount if case.order_value else None) == value
    assert ([e.name for e in case.places] or [None])[0] == place
    assert (case.weekday, case.clock) == (weekday, clock)


def test_lengths_are_converted_to_centimetres():
    (measure,) = read_case("my chest is forty inches").measures
    assert measure.cm == pytest.approx(101.6)


def test_a_question_without_case_values_is_not_a_case():
    assert not read_case("how much is delivery?").given
    assert answer_case("how much is delivery?", [DELIVERY]) is None


def test_the_destinations_row_below_its_threshold():
    found = answer_case("delivery to Belgium for a 40 euro order?", [DELIVERY])
    assert not found.clarify and lines(found) == ["case_price_below"]
    values = found.lines[0][1]
    assert (values["price"], values["threshold"], values["time"]) == ("€5.90", "€60", "2 to 3 working days")
    assert "France, Belgium" in found.rule and found.evidence == 1


def test_the_destinations_row_over_its_threshold_is_free():
    assert lines(answer_case("shipping to France, my order is 75 euros", [DELIVERY])) == ["case_price_free"]


def test_a_country_of_a_group_gets_the_groups_row():
    found = answer_case("shipping to Italy for 30 euros", [DELIVERY])
    assert found.lines[0][1]["price"] == "€12.00" and found.confidence < 1.0


def test_a_missing_destination_is_asked_for():
    found = answer_case("what does delivery cost for a 40 euro order?", [DELIVERY])
    assert found.clarify and lines(found) == ["case_ask_destination"]


def test_a_destination_the_table_does_not_list_is_left_to_the_not_offered_answer():
    assert answer_case("delivery to Canada for 40 euros?", [DELIVERY]) is None


@pytest.mark.parametrize(
    "question, key, leaves",
    [
        ("I ordered on Friday at 2 pm, when does it leave?", "case_dispatch_next_at", "Monday"),
        ("I ordered on Wednesday at 13:00", "case_dispatch_same_day", None),
        ("I ordered on Sunday", "case_dispatch_next", "Monday"),
    ],
)
def test_the_day_an_order_leaves(question, key, leaves):
    found = answer_case(question, [DISPATCH])
    assert lines(found) == [key] and found.lines[0][1].get("leaves") == leaves
    assert "13:30" in found.rule


def test_a_business_day_without_a_time_is_asked_for():
    found = answer_case("I ordered on Tuesday, when does it ship?", [DISPATCH])
    assert found.clarify and lines(found) == ["case_ask_time"]


def test_the_named_shops_hours_on_a_weekday_and_closed_days():
    found = answer_case("is the Lyon shop open on Saturday?", [SHOPS])
    assert found.lines[0] == (
        "case_hours",
        {"place": "Lyon", "day": "Saturday", "opens": "10:00", "closes": "16:00"},
    )
    assert lines(answer_case("is Lyon open on Monday?", [SHOPS])) == ["case_closed"]


def test_a_weekday_without_a_shop_asks_which():
    found = answer_case("are you open on Saturday?", [SHOPS])
    assert found.clarify and "Lyon, Nantes" in found.lines[0][1]["options"]


def test_the_chart_row_that_holds_the_measurement():
    found = answer_case("my chest is 106 cm, which shirt?", [SIZES])
    assert found.lines[0][1]["size"] == "L" and "104-109" in found.rule


def test_between_two_rows_is_said_not_rounded():
    found = answer_case("chest 102 cm", [SIZES])
    assert lines(found) == ["case_size_between"]
    assert (found.lines[0][1]["lower"], found.lines[0][1]["upper"]) == ("M", "L")


def test_above_the_chart():
    assert lines(answer_case("bust 99 cm", [SIZES])) == ["case_size_above"]


def test_a_measurement_without_its_name_is_asked_about():
    found = answer_case("I measure 90 cm, what size?", [SIZES])
    assert found.clarify and lines(found) == ["case_ask_measure"]


def test_html_chart_in_inches():
    found = answer_case("hand width 7 inches, which glove size?", [html_section(CHART_HTML)])
    assert found.lines[0][1]["size"] == "7"  # 17.8 cm


def test_a_destination_alone_answers_only_a_question_about_price_or_time():
    assert answer_case("do you ship gas canisters to Belgium?", [DELIVERY]) is None
    assert lines(answer_case("how long does delivery to Belgium take?", [DELIVERY])) == [
        "case_price_threshold"
    ]


def test_opening_hours_in_a_table_row_belong_to_the_rows_key():
    html = """<h2>Filialen</h2><table><tr><th>Filiale</th><th>Öffnungszeiten</th></tr>
    <tr><td>Linz</td><td>Mo-Fr 09:00-18:00 Uhr, Sa 09:00-13:00 Uhr</td></tr>
    <tr><td>Wels</td><td>Di-Sa 10:00-17:00 Uhr</td></tr></table>"""
    found = answer_case("Hat Wels am Montag offen?", [html_section(html)], "de")
    assert found.lines[0] == ("case_closed", {"place": "Wels", "day": "Montag"})
    found = answer_case("Wann hat Linz am Samstag offen?", [html_section(html)], "de")
    assert found.lines[0][1]["closes"] == "13:00"
    # a row named with a word every question has ("Linz (main store and workshop)") is named by its name only
    named = html.replace("<td>Linz</td>", "<td>Linz (main store and workshop)</td>")
    found = answer_case("When does Wels open and close on Saturday?", [html_section(named)], "en")
    assert found.lines[0][1]["place"] == "Wels"


@pytest.mark.parametrize(
    "question, language, weekday",
    [
        ("I ordered today at 3 pm", "en", 0),
        ("Ich habe heute Morgen um 9 Uhr bestellt", "de", 0),  # "Morgen" is the morning here, not tomorrow
        ("Habt ihr morgen offen?", "de", 1),
        ("commandé hier à 15h", "fr", 6),
    ],
)
def test_today_yesterday_and_tomorrow_are_weekdays_counted_from_today(question, language, weekday):
    monday = date(2026, 12, 7)
    assert read_case(question, language, today=monday).weekday == weekday


def test_an_order_placed_today_after_the_cut_off_on_a_friday():
    friday = date(2026, 12, 11)
    found = answer_case("I ordered today at 4 pm, when does it ship?", [DISPATCH], today=friday)
    assert found.lines[0][1]["day"] == "Friday" and found.lines[0][1]["leaves"] == "Monday"


def test_an_order_value_in_another_currency_than_the_threshold_is_not_compared():
    assert answer_case("delivery to Belgium for a 70 CHF order?", [DELIVERY]) is None
