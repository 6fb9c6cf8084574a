"""A segment's recommendations as a marketer reads them: the reason in words with the shop's average as a multiple,
how many of the segment's customers each product is for (a durable: only those who do not own it yet), and a
durable most of the segment already owns left out."""

from __future__ import annotations

import pandas as pd
import pytest

from assistant.commerce.models.recommender import RepeatAwareRecommender
from assistant.commerce.models.segment_picks import MIN_REACH, segment_reason
from tests.assistant.commerce.models.demo_models import demo_models


@pytest.mark.parametrize(
    ("share", "shop", "days", "expected"),
    [
        (
            0.31,
            0.13,
            90,
            "bought by 31% of this segment's customers in the last 90 days, 2.4x the shop's average (13%)",
        ),
        (
            0.052,
            0.05,
            0,
            "bought by 5.2% of this segment's customers so far, about the shop's average (5.0%)",
        ),
        (
            0.06,
            0.12,
            0,
            "bought by 6.0% of this segment's customers so far; a shop-wide favourite (12% of all customers)",
        ),
    ],
)
def test_the_reason_reads_as_words_and_a_multiple(share, shop, days, expected) -> None:
    assert segment_reason(share, shop, days) == expected
    assert "share:" not in expected and "monetary" not in expected


def test_each_product_is_for_the_customers_who_may_still_buy_it() -> None:
    model = demo_models().recommender
    checked_durable = False
    for name in model.segment_names:
        rows = [r for r, s in enumerate(model.customer_segment) if s == name]
        size = int(model.segment.sizes[model.segment_names.index(name)])
        for rec in model.for_segment(name, 10):
            item = model._item_row[rec.item_id]
            owners = sum(
                item in model.purchased[model.purchased_ptr[r] : model.purchased_ptr[r + 1]] for r in rows
            )
            if model.consumable[item]:
                assert rec.customers == size and "own it" not in rec.reason
            else:
                assert rec.customers == size - owners >= MIN_REACH * size
                assert f"for the {rec.customers:,} who do not own it yet" in rec.reason
                checked_durable = True
    assert checked_durable


def test_a_durable_most_of_the_segment_owns_is_left_out() -> None:
    # 40 customers in one segment, 30 of whom own the tent (durable); all of them buy gas (consumable) again and again
    rows = []
    start = pd.Timestamp("2026-01-01")
    for c in range(40):
        for n in range(3):
            when = start + pd.Timedelta(days=20 * n + c % 7)
            rows.append((f"C{c}", "GAS", f"O{c}-{n}", when))
        if c < 30:
            rows.append((f"C{c}", "TENT", f"O{c}-t", start + pd.Timedelta(days=50)))
        rows.append((f"C{c}", "MUG", f"O{c}-m", start + pd.Timedelta(days=55)))
    lines = pd.DataFrame(rows, columns=["customer_id", "item_id", "order_id", "ordered_at"])
    model = RepeatAwareRecommender(val_windows=1).fit(
        lines,
        segments={f"C{c}": "Campers" for c in range(40)},
        item_names={"GAS": "Trail Gas", "TENT": "Meadow Tent", "MUG": "Camp Mug"},
        item_categories={"GAS": ("Fuel",), "TENT": ("Tents",), "MUG": ("Cooking",)},
    )
    picks = {r.item_id: r for r in model.for_segment("Campers", 5)}
    assert "TENT" not in picks  # 30 of 40 own it: 10 left is under half the segment
    assert picks["GAS"].customers == 40  # a consumable is for everyone, owners too
    assert "MUG" not in picks  # everyone owns the mug
