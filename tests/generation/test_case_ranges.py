"""A length the customer gives, held against a range or a limit a sentence of the shop states."""

from __future__ import annotations

from dataclasses import dataclass

from generation import read_case
from generation.case_ranges import length_answer, length_rules


@dataclass
class Sentence:
    text: str
    index: int = 1
    fields: dict | None = None


POLES = Sentence(
    "The Wisp 1 (TNT-008) pitches with one trekking pole of 115-125 cm, such as our trekking poles."
)
BAG = Sentence("It weighs 1250 g in Regular (for people up to 185 cm).")


def test_ranges_and_ceilings_are_read_in_centimetres():
    assert [(r.low, r.high) for r in length_rules(POLES)] == [(115.0, 125.0)]
    assert [(r.low, r.high) for r in length_rules(BAG)] == [(None, 185.0)]
    assert (
        length_rules(Sentence("Size L | 102-108 cm", fields={"Size": "L"})) == []
    )  # charts are not this rule's


def test_a_length_outside_the_range_is_a_no_and_inside_a_yes():
    q = "my poles only extend to 110 cm. can i pitch the wisp 1 with them?"
    (key, values), rule = length_answer(read_case(q), q, [POLES], yes_no=True)
    assert key == "case_length_outside_yes_no" and values == {"value": "110 cm", "range": "115-125 cm"}
    q = "would poles of 1.2 m do for pitching the wisp 1?"
    (key, _), _ = length_answer(read_case(q), q, [POLES], yes_no=False)
    assert key == "case_length_within"


def test_a_rule_about_something_else_says_nothing():
    q = "my arms are 110 cm long, which jacket sleeve fits?"
    assert length_answer(read_case(q), q, [POLES], yes_no=False) is None


def test_options_each_with_its_ceiling_give_the_one_the_length_falls_in():
    from generation.units import Unit

    rule = Unit(
        index=1, text="Short fits riders up to 170 cm; Tall fits riders up to 195 cm.", heading="Bike frames"
    )
    case = read_case("I'm 182 cm, which bike frame do I need?")
    (key, values), used = length_answer(case, "I'm 182 cm, which bike frame do I need?", [rule], False)
    assert key == "case_length_option" and values["option"] == "Tall fits riders up to 195 cm"
    # a question that names one option is answered for that one
    asked = "I'm 182 cm, does the Short bike frame fit me?"
    (key, values), used = length_answer(read_case(asked), asked, [rule], True)
    assert key == "case_length_outside_yes_no" and "170" in values["range"]
