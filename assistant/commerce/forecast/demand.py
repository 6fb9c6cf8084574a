"""The shop's demand: weekly series from the stored order lines, forecast per category and split down to products.

Weeks end on the day of the last order, so the most recent week is always a whole one. Each category's weekly units are
forecast with the configured forecaster (`Settings.forecast.model`) once, `max_horizon_weeks` ahead; a shorter horizon
is the first weeks of that answer (these models give the same first weeks whatever the horizon). Revenue is units times
the category's (or product's) revenue per unit over the recent `share_weeks`, so sales prices and mix carry on as they
were. Products get the mean of their share of the category and their own smoothed level (`blend`).

Fitting is one model per category (13 in the demo shop), cached per orders version (`orders_version`: row count, last
order, totals), so every caller after the first reads the cache until an import changes the orders.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sqlalchemy import text

from assistant.commerce.forecast.blend import (
    ProductSplit,
    blend_down,
    blend_down_total,
    coherent,
    product_split,
)
from assistant.commerce.forecast.config import ForecastSettings
from assistant.commerce.forecast.forecasters import Forecast, make_forecaster, total_band
from assistant.errors import NotFound, NotTrained

RISING_P = 0.05  # a change counts as rising (or falling) when a Poisson test of the two periods says so at this level


@dataclass
class Series:
    """One category's or product's weekly history and forecast (units; revenue = units x revenue per unit)."""

    key: str
    name: str
    category: str
    units: np.ndarray  # weekly units, oldest first
    revenue: np.ndarray
    band: Forecast  # weekly units ahead (max horizon)
    revenue_per_unit: float
    share: float = 1.0  # of its category (products)
    parent: Forecast | None = None  # the category's band a product was split from
    split: ProductSplit | None = None  # a product's share, noise and own level (blend.product_split)

    def ahead(self, weeks: int) -> Forecast:
        """The first `weeks` weeks of the forecast."""
        b = self.band
        return Forecast(b.mean[:weeks], b.lower[:weeks], b.upper[:weeks], b.level, b.method)

    def total(self, weeks: int) -> tuple[float, float, float]:
        """(mean, lower, upper) units over the next `weeks` weeks."""
        if self.parent is not None and self.split is not None:
            p = self.parent
            return blend_down_total(
                Forecast(p.mean[:weeks], p.lower[:weeks], p.upper[:weeks], p.level, p.method), self.split
            )
        return total_band(self.ahead(weeks))


@dataclass
class Demand:
    """The fitted demand of one orders version: week starts, categories and products by key."""

    weeks: pd.DatetimeIndex  # the first day of each history week
    categories: dict[str, Series]
    products: dict[str, Series]
    settings: ForecastSettings
    version: str = ""
    seconds: float = 0.0
    forecaster: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def next_week(self) -> pd.Timestamp:
        return self.weeks[-1] + pd.Timedelta(weeks=1)

    def category(self, name: str) -> Series:
        """The category named `name` (case and spacing ignored); `NotFound` naming the known ones."""
        wanted = " ".join(name.split()).casefold()
        for key, series in self.categories.items():
            if key.casefold() == wanted:
                return series
        raise NotFound(f"unknown category {name!r}; known categories: {', '.join(sorted(self.categories))}")

    def product(self, sku: str) -> Series:
        """The product with this SKU (case ignored); `NotFound` otherwise."""
        found = self.products.get(sku) or next(
            (s for k, s in self.products.items() if k.casefold() == sku.strip().casefold()), None
        )
        if found is None:
            raise NotFound(f"unknown product SKU {sku!r}: no product with that SKU has orders in this shop")
        return found

    def change(self, series: Series, weeks: int) -> dict:
        """The last `weeks` weeks beside the `weeks` before them (a Poisson test of the two counts) and beside the same
        weeks a year earlier, with the forecast for the next `weeks`."""
        units = series.units
        last, before = float(units[-weeks:].sum()), float(units[-2 * weeks : -weeks].sum())
        n = int(round(last + before))
        p = float(binomtest(int(round(last)), n, 0.5).pvalue) if n > 0 else 1.0
        year = self.settings.season_length
        year_ago = float(units[-year - weeks : -year].sum()) if units.size >= year + weeks else None
        return {
            "last": last,
            "before": before,
            "p_value": p,
            "year_ago": year_ago,
            "next": series.total(weeks),
        }


def orders_version(engine) -> str:
    """A fingerprint of the stored orders and products: it changes with every import that changes them."""
    query = (
        "SELECT COUNT(*), MAX(ordered_at), SUM(quantity), SUM(quantity * unit_price), "
        "(SELECT COUNT(*) FROM products) FROM order_lines"
    )
    with engine.connect() as conn:
        row = conn.execute(text(query)).one()
    return "|".join(str(v) for v in row)


def weekly(lines: pd.DataFrame, keys: pd.Series, end: pd.Timestamp, n_weeks: int) -> dict[str, pd.DataFrame]:
    """{key: frame of weekly units and revenue, oldest week first} for whole weeks ending the day before `end`."""
    age = ((end - lines["ordered_at"]).dt.total_seconds() // (7 * 86400)).astype(int)
    keep = age < n_weeks
    frame = pd.DataFrame({"key": keys[keep].to_numpy(), "week": n_weeks - 1 - age[keep].to_numpy()}).assign(
        units=lines.loc[keep, "quantity"].to_numpy(), revenue=lines.loc[keep, "revenue"].to_numpy()
    )
    grouped = frame.groupby(["key", "week"])[["units", "revenue"]].sum()
    full = range(n_weeks)
    return {
        str(key): part.droplevel(0).reindex(full, fill_value=0.0) for key, part in grouped.groupby(level=0)
    }


def fit_demand(lines: pd.DataFrame, products: pd.DataFrame, settings: ForecastSettings) -> Demand:
    """Forecast every category and split it down to its products. `NotTrained` without orders."""
    if lines.empty:
        raise NotTrained("no orders in the database yet: import some with `mka data import orders FILE`")
    started = time.perf_counter()
    end = lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    n_weeks = int((end - lines["ordered_at"].min()).days // 7)  # whole weeks only
    if n_weeks < 2:
        raise NotTrained("less than two whole weeks of orders: too little history to forecast from")
    weeks = pd.DatetimeIndex([end - pd.Timedelta(weeks=n_weeks - k) for k in range(n_weeks)])
    names = dict(zip(products["sku"].astype(str), products["name"].astype(str), strict=False))
    category = lines["category"].replace("", "Uncategorised")
    forecaster = make_forecaster(settings.model, settings.season_length)
    recent = slice(-settings.share_weeks, None)
    cats, prods = {}, {}
    by_cat = weekly(lines, category, end, n_weeks)
    for cat, frame in by_cat.items():
        units, revenue = frame["units"].to_numpy(), frame["revenue"].to_numpy()
        band = forecaster.forecast(units, settings.max_horizon_weeks, settings.level)
        cats[cat] = Series(
            cat, cat, cat, units, revenue, band, _per_unit(units[recent], revenue[recent], units, revenue)
        )
    item_cat = dict(zip(lines["item_id"].astype(str), category, strict=False))
    by_item = weekly(lines, lines["item_id"].astype(str), end, n_weeks)
    splits = {
        sku: product_split(f["units"].to_numpy(), cats[item_cat[sku]].units, settings.share_weeks)
        for sku, f in by_item.items()
    }
    for cat in cats:  # the products of a category add up to its forecast
        skus = [sku for sku in splits if item_cat[sku] == cat]
        splits.update(zip(skus, coherent(cats[cat].band, [splits[sku] for sku in skus]), strict=True))
    for sku, frame in by_item.items():
        parent, split = cats[item_cat[sku]], splits[sku]
        units, revenue = frame["units"].to_numpy(), frame["revenue"].to_numpy()
        prods[sku] = Series(
            sku,
            names.get(sku, sku),
            parent.key,
            units,
            revenue,
            blend_down(parent.band, split),
            _per_unit(units[recent], revenue[recent], units, revenue),
            split.share,
            parent.band,
            split,
        )
    return Demand(
        weeks,
        cats,
        prods,
        settings,
        seconds=round(time.perf_counter() - started, 2),
        forecaster=forecaster.name,
    )


def _per_unit(
    units: np.ndarray, revenue: np.ndarray, all_units: np.ndarray, all_revenue: np.ndarray
) -> float:
    """Revenue per unit in the recent weeks (over the whole history when nothing sold lately)."""
    if units.sum() > 0:
        return float(revenue.sum() / units.sum())
    return float(all_revenue.sum() / all_units.sum()) if all_units.sum() > 0 else 0.0


_cache: dict[tuple, Demand] = {}
_lock = threading.Lock()


def demand_for(engine, settings: ForecastSettings) -> Demand:
    """The shop's demand for the orders stored now: fitted on first use and after each change of the orders, else
    read from the cache (one small aggregate query per call)."""
    from assistant.commerce.imports import load_order_lines, load_products

    version = orders_version(engine)
    key = (str(engine.url), version, settings.model_dump_json())
    with _lock:  # one fit at a time: a second caller waits for the first's answer instead of fitting again
        hit = _cache.get(key)
        if hit is not None:
            return hit
        demand = fit_demand(load_order_lines(engine), load_products(engine), settings)
        demand.version = version
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]  # one version per database is enough
        _cache[key] = demand
        return demand
