"""bench.catalog on a slice: the direct part on the development set (no models), and its judge."""

from __future__ import annotations

from bench.catalog import figures_ok, judge, load_questions, run_direct


def test_every_question_has_an_operation_and_the_sets_do_not_overlap():
    dev, held = load_questions("dev"), load_questions("heldout")
    assert {q["q"].lower() for q in dev}.isdisjoint({q["q"].lower() for q in held})
    assert all(
        q["op"] in {"rank", "filter", "compare", "compatibility", "attribute", "facts", "none"}
        for q in dev + held
    )


def test_the_development_set_is_answered():
    report = run_direct("dev")
    assert report["questions"] >= 80
    assert report["accuracy"] >= 0.95, report["wrong"]


def test_the_figure_check_fails_a_figure_that_is_not_in_the_row():
    rows = {"TNT-008": "Wisp 1 Ultralight Tent (SKU TNT-008)\nPrice: 329.00 EUR\nWeight: 720 g"}
    assert figures_ok("1. **Wisp 1** (TNT-008): 720 g, 329.00 EUR [1]", rows)[0]
    assert not figures_ok("1. **Wisp 1** (TNT-008): 700 g, 329.00 EUR [1]", rows)[0]


def test_the_judge_wants_the_order_not_just_the_products():
    class Parsed:
        operation, confidence = "rank", 0.9

    class Row:
        def __init__(self, sku):
            self.sku = sku

    class Result:
        rows = [Row("B"), Row("A")]
        named: list = []

    assert not judge({"op": "rank", "order": ["A", "B"]}, Parsed(), Result(), "")[0]
    assert judge({"op": "rank", "order": ["B", "A"]}, Parsed(), Result(), "")[0]
