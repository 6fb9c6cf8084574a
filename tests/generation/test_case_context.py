"""The customer's case against order-value limits, options a destination lacks, the subject a table is about, and
a follow-up that carries the earlier question's case on (a made-up shop, not the demo's)."""

from __future__ import annotations

from generation import answer_case
from generation.case_bounds import read_limits
from generation.units import evidence_units
from tests.generation.test_facts import DELIVERY_MD

DELIVERY = {"text": DELIVERY_MD, "title": "Delivery", "source": "help/delivery.md"}
PAYING = {
    "title": "Paying",
    "source": "help/paying.md",
    "text": "## Ways to pay\n\n| Method | Conditions |\n|---|---|\n| Pay later | orders up to 800 EUR, Austria only |\n"
    "| Monthly plan | 6 monthly payments on orders from 300 EUR |\n| Card | every order |",
}
EXPRESS_MD = DELIVERY_MD + "| France, Belgium | Chronopost | next working day | €14.00 |\n"
EXPRESS = {"text": EXPRESS_MD, "title": "Delivery", "source": "help/delivery.md"}
RETURNS = {
    "title": "Returns",
    "source": "help/returns.md",
    "text": "## Sending something back\n\nReturns from France and Belgium are free. From other countries we deduct "
    "8 EUR from the refund.",
}


def test_limits_read_as_floors_and_ceilings():
    units = evidence_units([PAYING])
    limits = {(lim.subject, lim.money.amount, lim.floor) for u in units for lim in read_limits(u)}
    assert limits == {("Pay later", 800.0, False), ("Monthly plan", 300.0, True)}


def test_an_order_below_the_floor_of_the_rule_it_names():
    found = answer_case("monthly plan for my 250 EUR basket?", [PAYING])
    ((key, values),) = found.lines
    assert (
        key == "case_below_minimum" and values["bound"] == "300 EUR" and values["subject"] == "Monthly plan"
    )
    assert "6 monthly payments" in found.rule and not found.clarify


def test_an_order_within_a_ceiling_and_above_it():
    assert answer_case("can I pay later for 500 EUR?", [PAYING]).lines[0][0] == "case_within_maximum"
    assert answer_case("can I pay later for 900 EUR?", [PAYING]).lines[0][0] == "case_above_maximum"


def test_a_limit_answers_only_the_rule_the_question_names():
    # the free-delivery limit is in the evidence too, but nobody asked about delivery or paying later
    assert answer_case("my order is 250 EUR, how do I return it?", [PAYING]) is None


def test_an_option_the_destination_lacks_is_said_before_what_it_has():
    found = answer_case("express delivery to Italy for 30 euros? chronopost", [EXPRESS])
    assert lines_of(found)[0] == "case_option_not_offered"
    assert found.lines[0][1]["place"] == "Italy" and "Chronopost" in found.lines[0][1]["option"]
    assert found.lines[1][1]["price"] == "€12.00"


def test_a_destination_table_does_not_answer_a_question_about_returns():
    assert answer_case("what do returns from Italy cost?", [DELIVERY, RETURNS]) is None


def test_a_follow_up_carries_the_earlier_destination():
    found = answer_case("how long does it take?", [DELIVERY], context="do you deliver to Belgium?")
    assert found is not None and found.lines[0][1]["time"] == "2 to 3 working days"


def test_a_follow_up_about_something_else_does_not_ask_for_the_earlier_case_again():
    earlier = "my chest is 100 cm, which size?"
    assert answer_case("is it machine washable?", [DELIVERY], context=earlier) is None
    assert answer_case("how long does it take?", [DELIVERY], context="for a 40 euro order") is not None


def lines_of(found):
    return [key for key, _ in found.lines]


CHARTS = {
    "title": "Sizes",
    "text": "## Women's tops\n\n| Size | Bust (cm) | Waist (cm) | Hips (cm) |\n|---|---|---|---|\n"
    "| S | 82-87 | 66-71 | 90-95 |\n| M | 88-93 | 72-77 | 96-101 |\n\n## Kids' shoes\n\n| EU | Foot length (cm) |\n"
    "|---|---|\n| 30 | 18.5 |\n| 34 | 21.5 |",
}


def test_the_length_is_read_against_the_column_named_beside_it():
    found = answer_case("my bust is 90cm, waist 74 and hips 99, which size?", [CHARTS])
    assert not found.clarify and found.lines[0][1]["size"] == "M" and found.lines[0][1]["column"] == "Bust"


def test_a_length_named_as_no_chart_here_has_is_left_to_the_pages():
    assert answer_case("my son is 116 cm tall, which size?", [CHARTS]) is None


def test_far_beyond_a_chart_the_answer_is_unsure_and_not_given():
    # a grown-up's 27 cm foot against a children's chart that ends at 21.5 cm
    assert answer_case("my foot is 27 cm long, which size?", [CHARTS]) is None
    assert answer_case("my foot is 22.5 cm long, which size?", [CHARTS]).lines[0][0] == "case_size_above"


SNOWSHOE = {
    "title": "Flake 20 Snowshoes",
    "source": "catalog.csv",
    "text": "Flake 20 Snowshoes. Snowshoes for users up to 90 kg, with steel rails. 1700 g per pair.",
}


def test_a_product_s_weight_limit_against_the_weight_the_customer_gives():
    over = answer_case("ich wiege 95 kg, sind die Flake 20 Schneeschuhe was für mich?", [SNOWSHOE], "de")
    assert over.lines[0][0] == "case_load_above_maximum" and over.lines[0][1]["bound"] == "90 kg"
    assert "up to 90 kg" in over.rule
    assert (
        answer_case("I'm 180 lbs, are the flake 20 ok?", [SNOWSHOE]).lines[0][0] == "case_load_within_maximum"
    )
    # the product's own weight (grams) is no limit, and a question about another product is not answered from it
    assert answer_case("I weigh 95 kg, which tent is best?", [SNOWSHOE]) is None


def test_a_word_derived_from_the_subject_names_it():
    hours = {
        "title": "Kontakt",
        "text": "## Erreichbarkeit\n\n| Weg | Zeiten |\n|---|---|\n"
        "| Telefon | Montag bis Freitag 08:00-18:00 Uhr, Samstag 09:00-14:00 Uhr |\n"
        "| Filiale | Montag bis Samstag 10:00-18:00 Uhr |",
    }
    found = answer_case("Wann kann ich euch am Samstag telefonisch erreichen?", [hours], "de")
    assert found is not None and not found.clarify
    assert found.lines[0][1]["place"] == "Telefon" and found.lines[0][1]["opens"] == "09:00"
