"""Demand tools for marketers: what will sell in the next weeks, which categories are rising, what will sell out.

Each reads the shop's demand (`assistant.commerce.forecast.demand.demand_for`: fitted from the stored orders once per
orders version) and returns a typed result. Horizons run from 1 week to `Settings.forecast.max_horizon_weeks`; an
unknown category or product is a `NotFound` naming what is known, a horizon out of range a `BadInput`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from assistant.commerce.forecast.demand import RISING_P, Demand, Series, demand_for
from assistant.errors import BadInput, ConfigError
from assistant.tools.base import ToolContext, tool
from assistant.tools.demand_results import (
    Band,
    CategoryTrend,
    DemandForecast,
    DemandItem,
    DemandSeries,
    ForecastPoint,
    RisingCategories,
    StockOutRisks,
    StockRisk,
    WeekPoint,
)
from assistant.tools.recommend import engine_of

MAX_TOP = 50


def demand_of(ctx: ToolContext) -> Demand:
    """The shop's fitted demand (from the database the services name)."""
    engine = engine_of(ctx)
    if engine is None:
        raise ConfigError("no database is configured: set MKA_DATABASE_URL")
    return demand_for(engine, ctx.service("settings").forecast)


def _horizon(demand: Demand, weeks: int, what: str = "horizon_weeks") -> int:
    most = demand.settings.max_horizon_weeks
    if not 1 <= weeks <= most:
        raise BadInput(f"{what} must be between 1 and {most} weeks (got {weeks})")
    return weeks


def _currency(ctx: ToolContext) -> str:
    catalog = ctx.services.get("catalog")
    return next((p.currency for p in catalog), "") if catalog is not None else ""


def _item(series: Series, weeks: int) -> DemandItem:
    mean, lower, upper = series.total(weeks)
    price = series.revenue_per_unit
    return DemandItem(
        key=series.key,
        name=series.name,
        category=series.category,
        units=Band(mean=round(mean, 2), lower=round(lower, 2), upper=round(upper, 2)),
        revenue=Band(
            mean=round(mean * price, 2), lower=round(lower * price, 2), upper=round(upper * price, 2)
        ),
        last_units=float(series.units[-weeks:].sum()),
        method=series.band.method,
    )


@tool(roles={"marketer"})
def demand_forecast(
    ctx: ToolContext,
    level: Literal["category", "product"] = "category",
    horizon_weeks: int = 4,
    top: int = 10,
    category: str | None = None,
) -> DemandForecast:
    """What will sell in the next weeks: the top categories or products by forecast units, with 80% intervals for
    units and revenue (products can be limited to one `category`)."""
    demand = demand_of(ctx)
    weeks = _horizon(demand, horizon_weeks)
    if not 1 <= top <= MAX_TOP:
        raise BadInput(f"top must be between 1 and {MAX_TOP} (got {top})")
    pool = demand.categories if level == "category" else demand.products
    series = list(pool.values())
    if category:
        wanted = demand.category(category).key  # NotFound names the known ones
        series = [s for s in series if s.category == wanted]
    items = sorted((_item(s, weeks) for s in series), key=lambda i: (-i.units.mean, i.key))
    return DemandForecast(
        level=level,
        horizon_weeks=weeks,
        interval=demand.settings.level,
        starts=demand.next_week.date().isoformat(),
        currency=_currency(ctx),
        items=items[:top],
        total_items=len(series),
        fit_seconds=demand.seconds,
    )


@tool(roles={"marketer"})
def demand_series(
    ctx: ToolContext, name: str, level: Literal["category", "product"] = "category", horizon_weeks: int = 12
) -> DemandSeries:
    """One category's or product's weekly history and forecast with its interval (what the forecast plot shows)."""
    demand = demand_of(ctx)
    weeks = _horizon(demand, horizon_weeks)
    series = demand.category(name) if level == "category" else demand.product(name)
    band, price = series.ahead(weeks), series.revenue_per_unit
    history = [
        WeekPoint(week=w.date().isoformat(), units=float(u), revenue=round(float(r), 2))
        for w, u, r in zip(demand.weeks, series.units, series.revenue, strict=True)
    ]
    starts = [demand.next_week + np.timedelta64(7 * k, "D") for k in range(weeks)]
    forecast = [
        ForecastPoint(
            week=w.date().isoformat(),
            units=round(float(m), 2),
            units_lower=round(float(lo), 2),
            units_upper=round(float(hi), 2),
            revenue=round(float(m) * price, 2),
            revenue_lower=round(float(lo) * price, 2),
            revenue_upper=round(float(hi) * price, 2),
        )
        for w, m, lo, hi in zip(starts, band.mean, band.lower, band.upper, strict=True)
    ]
    return DemandSeries(
        level=level,
        key=series.key,
        name=series.name,
        category=series.category,
        interval=band.level,
        method=band.method,
        history=history,
        forecast=forecast,
    )


def _trend(demand: Demand, series: Series, weeks: int) -> CategoryTrend:
    facts = demand.change(series, weeks)
    last, before = facts["last"], facts["before"]
    change = (last - before) / before if before > 0 else None
    significant = facts["p_value"] < RISING_P and last != before
    direction = ("rising" if last > before else "falling") if significant else "steady"
    mean, lower, upper = facts["next"]
    return CategoryTrend(
        category=series.key,
        last_units=last,
        previous_units=before,
        change=None if change is None else round(change, 4),
        p_value=round(facts["p_value"], 4),
        direction=direction,
        year_ago_units=facts["year_ago"],
        forecast_units=Band(mean=round(mean, 2), lower=round(lower, 2), upper=round(upper, 2)),
        weekly_units=[float(u) for u in series.units[-2 * weeks :]],
    )


@tool(roles={"marketer"})
def rising_categories(ctx: ToolContext, weeks: int = 4) -> RisingCategories:
    """Which categories are rising: units in the last `weeks` weeks beside the weeks before (with a significance
    test), the same weeks a year ago, and the forecast for the next `weeks` weeks."""
    demand = demand_of(ctx)
    weeks = _horizon(demand, weeks, "weeks")
    if 2 * weeks > len(demand.weeks):
        raise BadInput(
            f"weeks must be at most {len(demand.weeks) // 2}: the shop has {len(demand.weeks)} weeks of orders"
        )
    trends = [_trend(demand, s, weeks) for s in demand.categories.values()]
    order = {"rising": 0, "steady": 1, "falling": 2}
    trends.sort(key=lambda t: (order[t.direction], -(t.change if t.change is not None else np.inf)))
    w = demand.weeks
    day = np.timedelta64(1, "D")

    def span(first: int, last: int) -> str:
        return f"{w[first].date().isoformat()} .. {(w[last] + 6 * day).date().isoformat()}"

    n = len(w)
    return RisingCategories(
        weeks=weeks,
        period=f"{span(n - weeks, n - 1)} vs {span(n - 2 * weeks, n - weeks - 1)}",
        rising=[t.category for t in trends if t.direction == "rising"],
        categories=trends,
    )


@tool(roles={"marketer"})
def stockout_risk(ctx: ToolContext, horizon_weeks: int = 4) -> StockOutRisks:
    """Products whose stock on hand will not cover the forecast demand over the horizon: when each runs out."""
    demand = demand_of(ctx)
    weeks = _horizon(demand, horizon_weeks)
    catalog = ctx.services.get("catalog")
    if catalog is None:
        raise ConfigError("no catalog with stock levels is loaded (catalog.csv in the demo folder)")
    items, checked = [], 0
    for product in catalog:
        series = demand.products.get(product.sku)
        if series is None:
            continue  # never ordered: nothing to forecast from
        checked += 1
        mean, lower, upper = series.total(weeks)
        if upper <= product.stock:
            continue
        cumulative = np.cumsum(series.ahead(weeks).mean)
        reached = np.nonzero(cumulative >= product.stock)[0] if product.stock > 0 else np.array([0])
        week = int(reached[0]) + 1 if reached.size and mean > product.stock else None
        if product.stock == 0 and mean > 0:
            week = 1
        items.append(
            StockRisk(
                sku=product.sku,
                name=product.name,
                category=product.category,
                stock=product.stock,
                demand=Band(mean=round(mean, 2), lower=round(lower, 2), upper=round(upper, 2)),
                runs_out_week=week,
                runs_out_on=None
                if week is None
                else (demand.next_week + np.timedelta64(7 * (week - 1), "D")).date().isoformat(),
                risk="will_run_out" if mean > product.stock else "may_run_out",
            )
        )
    items.sort(key=lambda r: (r.risk != "will_run_out", r.runs_out_week or 10**6, r.stock - r.demand.mean))
    return StockOutRisks(horizon_weeks=weeks, interval=demand.settings.level, checked=checked, items=items)
