"""The recommender on a real UCI slice: reasons, exclusion, cold start, artifacts without pickle, and that it beats
plain popularity on the slice's own last weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.commerce.models import RepeatAwareRecommender
from assistant.errors import NotFound
from tests.assistant.commerce.models.uci_slice import raw_slice


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    raw = pd.read_csv(
        raw_slice(),
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": "Int64"},
        parse_dates=["InvoiceDate"],
    )
    raw = raw[
        raw.CustomerID.notna()
        & ~raw.InvoiceNo.str.startswith("C")
        & (raw.Quantity > 0)
        & (raw.UnitPrice > 0)
        & (raw.StockCode != "POST")
    ]
    return pd.DataFrame(
        {
            "description": raw.Description.fillna(""),
            "customer_id": raw.CustomerID.astype(str),
            "item_id": raw.StockCode,
            "order_id": raw.InvoiceNo,
            "ordered_at": raw.InvoiceDate,
        }
    )


CUT = pd.Timestamp("2011-11-11")


@pytest.fixture(scope="module")
def model(lines) -> RepeatAwareRecommender:
    texts = dict(zip(lines.item_id, lines.description, strict=True))
    texts.update(
        {"NEW-1": "WHITE HANGING HEART T-LIGHT HOLDER LARGE", "NEW-2": "RED WOOLLY HOTTIE WHITE HEART"}
    )
    return RepeatAwareRecommender().fit(lines[lines.ordered_at < CUT], as_of=CUT, item_texts=texts)


def test_recommendations_have_reasons_and_respect_exclusion(model, lines):
    customer = lines[lines.ordered_at < CUT].customer_id.value_counts().index[0]  # a busy repeat buyer
    recs = model.recommend(customer, 10)
    assert len(recs) == 10 and len({r.item_id for r in recs}) == 10
    assert (
        recs[0].reason_code in {"regular", "again"}
        and recs[0].reason == "you buy this regularly"
        or recs[0].reason
    )
    assert all(a.score >= b.score for a, b in zip(recs, recs[1:], strict=False))
    bought = set(lines[(lines.customer_id == customer) & (lines.ordered_at < CUT)].item_id)
    new = model.recommend(customer, 10, exclude_purchased=True)
    assert len(new) == 10 and not {r.item_id for r in new} & bought
    together = [r for r in new if r.reason_code == "together"]
    assert together and all(r.related_item in bought and r.related_item in r.reason for r in together)


def test_cold_start_customer_and_item(model, lines):
    recs = model.recommend("no-such-customer", 5)
    assert len(recs) == 5 and {r.reason_code for r in recs} == {"popular"}
    similar = model.similar("NEW-1", 3)  # never bought: content similarity only
    assert similar and all(r.reason_code == "similar" for r in similar)
    names = dict(zip(lines.item_id, lines.description, strict=True))
    assert all("HEART" in names[r.item_id] for r in similar), [names[r.item_id] for r in similar]
    with pytest.raises(NotFound):
        model.similar("NOPE", 3)
    with pytest.raises(NotFound):
        model.for_segment("Champions", 3)  # trained without segments


def test_beats_popularity_on_the_slice(model, lines):
    test = lines[(lines.ordered_at >= CUT)]
    truth = test.groupby("customer_id").item_id.agg(set)
    users = [u for u in truth.index if model.knows_customer(u)]
    assert len(users) > 50
    popular = model.recommend("anyone", 10)

    def hit_rate(get):
        return np.mean([len({r.item_id for r in get(u)} & truth[u]) > 0 for u in users])

    assert hit_rate(lambda u: model.recommend(u, 10)) > hit_rate(lambda u: popular) + 0.1


def test_save_load_roundtrip_without_pickle(model, tmp_path):
    model.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"recommender.npz", "recommender.json"}
    with np.load(tmp_path / "recommender.npz", allow_pickle=False) as data:
        assert "top_items" in data.files
    loaded = RepeatAwareRecommender.load(tmp_path)
    customer = model.customers[0]
    assert loaded.recommend(customer, 5) == model.recommend(customer, 5)
    assert loaded.similar(model.items[0], 3) == model.similar(model.items[0], 3)
