"""The demo shop's part of `bench.forecast`: its categories (seasonal-naive and ETS) and its products (the top-down
split the shop shipped before beside the blend it ships now, and each product's seasonal-naive), origins every 6 weeks
over the last year, 4 weeks ahead; MASE scaled by the 52-week seasonal-naive (the demo has three years and a real
season). The demo's orders are generated (`mka demo`), so this checks the shop's path, not the method's accuracy on
real demand: UCI does that."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.commerce.forecast.blend import blend_down, blend_down_total, coherent, product_split
from assistant.commerce.forecast.forecasters import make_forecaster, total_band
from assistant.commerce.forecast.split import split_down, split_down_total, split_noise
from assistant.settings import REPO_ROOT
from bench.forecast_scoring import score, summary

HORIZON, SEASON, LEVEL, SHARE_WEEKS, STEP = 4, 52, 0.8, 13, 6
METHODS = ("seasonal_naive", "ets")
BEFORE, BLEND = "top-down ets (13 wk share)", "blend ets (13 wk share + ses, coherent)"


def _demo_demand(customers: int):
    from assistant.commerce.demo import generate_demo_shop
    from assistant.commerce.forecast.config import ForecastSettings
    from assistant.commerce.forecast.demand import fit_demand

    catalog_csv = REPO_ROOT / "data" / "demo" / "catalog.csv"
    with tempfile.TemporaryDirectory() as scratch:
        files = generate_demo_shop(catalog_csv, Path(scratch), seed=7, customers=customers, progress=False)
        orders = pd.read_csv(files.orders_csv, parse_dates=["ordered_at"])
    products = pd.read_csv(catalog_csv)
    lines = orders.rename(columns={"sku": "item_id"}).merge(
        products[["sku", "category"]].rename(columns={"sku": "item_id"}), how="left"
    )
    lines["quantity"], lines["revenue"] = lines.quantity.astype(float), lines.quantity * lines.unit_price
    return fit_demand(lines, products, ForecastSettings(model="seasonal_naive"))


def demo_backtest(customers: int = 2500) -> dict:
    """Category and product rows of the demo shop, summarised as `bench.forecast` summarises UCI's."""
    demand = _demo_demand(customers)
    rows: list[dict] = []
    for cat in demand.categories.values():
        products = [p for p in demand.products.values() if p.category == cat.key]
        y = cat.units
        for o in range(y.size - SEASON, y.size - HORIZON + 1, STEP):
            history, actual = y[:o], y[o : o + HORIZON]
            bands = {
                name: make_forecaster(name, SEASON).forecast(history, HORIZON, LEVEL) for name in METHODS
            }
            for name, band in bands.items():
                rows.append(
                    _row(name, band.method != name, "category", history, actual, band, total_band(band))
                )
            rows += _product_rows(products, history, bands, o)
    frame = pd.DataFrame(rows)
    return {
        "data": f"demo shop, seed 7, {customers} customers; category and product units a week",
        "categories": summary(frame[frame.group == "category"]),
        "products": summary(frame[frame.group == "product"]),
    }


def _product_rows(products: list, parent_history: np.ndarray, bands: dict, o: int) -> list:
    parent = bands["ets"]
    splits = coherent(parent, [product_split(p.units[:o], parent_history, SHARE_WEEKS) for p in products])
    rows = []
    for product, split in zip(products, splits, strict=True):
        history, actual = product.units[:o], product.units[o : o + HORIZON]
        if not history.any():
            continue  # not on sale yet at this origin
        window = slice(o - SHARE_WEEKS, o)
        share = float(history[window].sum() / max(parent_history[window].sum(), 1e-9))
        noise = split_noise(history[window], parent_history[window], share)
        naive = make_forecaster("seasonal_naive", SEASON).forecast(history, HORIZON, LEVEL)
        candidates = {
            "seasonal_naive": (naive, total_band(naive)),
            BEFORE: (split_down(parent, share, noise), split_down_total(parent, share, noise)),
            BLEND: (blend_down(parent, split), blend_down_total(parent, split)),
        }
        for name, (band, total) in candidates.items():
            rows.append(_row(name, False, "product", history, actual, band, total))
    return [r for r in rows if np.isfinite(r["mase"])]


def _row(method, fell_back, group, history, actual, band, total) -> dict:
    return {
        "method": method,
        "fell_back": fell_back,
        "group": group,
        **score(history, actual, band.mean, band.lower, band.upper, total),
    }
