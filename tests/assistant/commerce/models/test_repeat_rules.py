"""Recommendations a marketer can read and trust, on the demo shop: product names in the reasons, no owned durable
suggested again (consumables may come back, by the category rule kept as data), segment recommendations with readable
reasons, and the rule itself (most specific name first, unknown -> durable unless the shop's orders say otherwise)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.commerce.catalog import Catalog
from assistant.commerce.models import RepeatAwareRecommender
from assistant.commerce.models.repeat_rules import RepeatRules, load_rules
from assistant.errors import NotFound
from assistant.settings import REPO_ROOT
from tests.assistant.commerce.models.demo_models import demo_models

CATALOG = Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")
SKU = re.compile(r"\b[A-Z]{3}-\d{3}\b")


def _rules(**categories: str) -> RepeatRules:
    return RepeatRules(evidence={"prior_buyers": 10, "min_repeat_share": 0.1}, categories=categories)


def test_the_most_specific_listed_name_decides_and_unknown_is_durable() -> None:
    rules = _rules(Cooking="durable", fuel="consumable")
    assert rules.kind_of(["Fuel", "Cooking"]) == "consumable"  # subcategory first, case-insensitive
    assert rules.kind_of(["Stoves", "Cooking"]) == "durable"
    assert rules.kind_of(["Kayaks"]) is None
    # unlisted: durable unless its buyers come back; shrunk towards the shop's rate (2%), so 1 of 4 buyers proves little
    names = [["Kayaks"], ["Paddle wax"], ["Kayak seats"], ["Fuel"]]
    buyers = np.array([5000.0, 200.0, 4.0, 5.0])
    repeat = np.array([0.005, 0.4, 0.25, 0.0])
    assert rules.consumable(names, buyers, repeat).tolist() == [False, True, False, True]


def test_the_rule_file_is_checked() -> None:
    shipped = load_rules()
    assert shipped.default == "durable" and shipped.kind_of(["Socks", "Accessories"]) == "consumable"
    with pytest.raises(ValidationError):
        _rules(Fuel="consumable", fuel="durable")  # one name twice
    with pytest.raises(ValidationError):
        _rules(Fuel="refillable")  # not a kind
    with pytest.raises(ValidationError):
        RepeatRules(
            default="consumable", evidence={"prior_buyers": 1, "min_repeat_share": 0.1}, categories={}
        )


def test_every_demo_category_is_classed_by_the_rule_file() -> None:
    rules = load_rules()
    unlisted = {
        (p.category, p.subcategory) for p in CATALOG if rules.kind_of([p.subcategory, p.category]) is None
    }
    assert not unlisted


def test_reasons_name_products_and_owned_durables_never_come_back() -> None:
    model = demo_models().recommender
    together = again = 0
    for customer in model.customers[:300]:
        row = model._cust_row[customer]
        owned = {
            model.items[i] for i in model.purchased[model.purchased_ptr[row] : model.purchased_ptr[row + 1]]
        }
        for rec in model.recommend(customer, 5):
            assert not SKU.search(rec.reason), rec.reason
            if rec.item_id in owned:
                product = CATALOG.get(rec.item_id)
                assert load_rules().kind_of([product.subcategory, product.category]) == "consumable", (
                    product.name
                )
                again += 1
            if rec.reason_code == "together":
                assert CATALOG.get(rec.related_item).name in rec.reason
                together += 1
    assert together and again  # both kinds of reason occur: the checks above ran


def test_segment_recommendations_read_as_shares_and_unknown_segments_fail() -> None:
    model = demo_models().recommender
    name = model.segment_names[0]
    recs = model.for_segment(name, 5)
    assert len(recs) == 5 and all("of this segment's customers" in r.reason for r in recs)
    segment_mix, shop_mix = model.segment_mix(name)
    assert segment_mix.sum() == pytest.approx(1.0, abs=1e-4) and shop_mix.sum() == pytest.approx(
        1.0, abs=1e-4
    )
    tops = {tuple(r.item_id for r in model.for_segment(s, 5)) for s in model.segment_names}
    assert len(tops) == len(model.segment_names)  # no two segments get the same list
    with pytest.raises(NotFound, match="known:"):
        model.for_segment("Nobody", 5)


def test_names_categories_and_segments_survive_save_and_load(tmp_path) -> None:
    model = demo_models().recommender
    model.save(tmp_path)
    loaded = RepeatAwareRecommender.load(tmp_path)
    customer = model.customers[3]
    assert loaded.recommend(customer, 5) == model.recommend(customer, 5)
    name = model.segment_names[-1]
    assert loaded.for_segment(name, 5) == model.for_segment(name, 5)
    assert (loaded.consumable == model.consumable).all()
