"""The recommender as a marketer meets it, on the demo shop (`python -m bench.recommender` runs it; alone:
`python -m bench.recommender_demo`).

The demo shop is generated as `mka demo` does (seed 7, 2,500 customers, the hand-written catalog) and trained as
`train_all` trains it (segments, product names, categories). Measured on every customer's top 5:
- variety: the share of customers whose top 5 differs from the popularity top 5 (the list a customer nobody knows
  gets), and the stricter share whose top 5 holds at most 2 of those 5 products; the mean overlap; how many distinct
  products the top 5s show;
- trust: owned durable products suggested again (must be 0), consumables suggested again (allowed), reasons that show a
  product id instead of a name (must be 0);
- segments: how many distinct products the segments' top 5s show together (every segment the same best sellers would
  tell the marketer nothing).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.commerce.catalog import Catalog
from assistant.commerce.demo import generate_demo_shop
from assistant.commerce.models.recommender import RepeatAwareRecommender
from assistant.commerce.models.segments import RFMSegmenter
from assistant.commerce.models.training import product_categories, product_names
from assistant.settings import REPO_ROOT

CATALOG_CSV = REPO_ROOT / "data" / "demo" / "catalog.csv"
TOP = 5


def demo_lines(out_dir: Path, customers: int = 2500, seed: int = 7) -> pd.DataFrame:
    """The demo shop's order lines, generated into `out_dir` (customer_id, item_id, order_id, ordered_at, revenue)."""
    files = generate_demo_shop(CATALOG_CSV, out_dir, seed=seed, customers=customers, progress=False)
    orders = pd.read_csv(files.orders_csv, dtype=str)
    return pd.DataFrame(
        {
            "customer_id": orders["customer_id"],
            "item_id": orders["sku"],
            "order_id": orders["order_id"],
            "ordered_at": pd.to_datetime(orders["ordered_at"]),
            "revenue": orders["quantity"].astype(float) * orders["unit_price"].astype(float),
        }
    )


def train_demo(lines: pd.DataFrame) -> tuple[RFMSegmenter, RepeatAwareRecommender]:
    """Segments and recommender as `train_all` trains them, from the catalog's names and categories."""
    products = pd.read_csv(CATALOG_CSV, dtype=str)
    as_of = lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    segmenter = RFMSegmenter().fit(lines, as_of=as_of)
    texts = {
        str(row.sku): f"{row.name} {row.category} {row.subcategory} {row.description}"
        for row in products.itertuples()
    }
    recommender = RepeatAwareRecommender().fit(
        lines,
        item_texts=texts,
        segments=segmenter.segment_map(),
        as_of=as_of,
        item_names=product_names(products),
        item_categories=product_categories(products),
    )
    return segmenter, recommender


def variety_and_trust(model: RepeatAwareRecommender, sku_pattern: re.Pattern) -> dict:
    """The figures of the module docstring, over every customer the model knows."""
    popular = {model.items[i] for i in model.popular[:TOP]}
    overlaps, shown = [], set()
    durable_again = consumable_again = reasons_with_ids = 0
    for customer in model.customers:
        recs = model.recommend(customer, TOP)
        row = model._cust_row[customer]
        owned = set(model.purchased[model.purchased_ptr[row] : model.purchased_ptr[row + 1]].tolist())
        items = [r.item_id for r in recs]
        overlaps.append(len(set(items) & popular))
        shown.update(items)
        for rec in recs:
            item = model._item_row[rec.item_id]
            if item in owned:
                durable_again += not model.consumable[item]
                consumable_again += bool(model.consumable[item])
            reasons_with_ids += bool(sku_pattern.search(rec.reason))
    overlaps_arr = np.array(overlaps)
    return {
        "customers": len(overlaps),
        "variety_share": round(float(np.mean(overlaps_arr < TOP)), 4),
        "share_at_most_2_popular": round(float(np.mean(overlaps_arr <= 2)), 4),
        "mean_overlap_with_popular_top5": round(float(overlaps_arr.mean()), 3),
        "distinct_products_in_top5s": len(shown),
        "owned_durables_suggested": int(durable_again),
        "owned_consumables_suggested": int(consumable_again),
        "reasons_showing_an_id": int(reasons_with_ids),
    }


def segment_variety(model: RepeatAwareRecommender) -> dict:
    tops = {name: [r.item_id for r in model.for_segment(name, TOP)] for name in model.segment_names}
    distinct = {item for items in tops.values() for item in items}
    return {
        "segments": len(tops),
        "distinct_products_in_segment_top5s": len(distinct),
        "of_possible": TOP * len(tops),
        "top5": {name: [model.name_of(model._item_row[i]) for i in items] for name, items in tops.items()},
    }


def demo_recommender() -> dict:
    """Generate, train and measure (the `demo` section of bench/results/recommender.json)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as scratch:
        lines = demo_lines(Path(scratch))
    _, model = train_demo(lines)
    skus = [re.escape(product.sku) for product in Catalog.from_csv(CATALOG_CSV)]
    sku_pattern = re.compile(r"\b(" + "|".join(skus) + r")\b")
    return {
        "shop": "demo (seed 7, 2500 customers)",
        "order_lines": len(lines),
        **variety_and_trust(model, sku_pattern),
        "segment_recommendations": segment_variety(model),
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(demo_recommender(), indent=1))
