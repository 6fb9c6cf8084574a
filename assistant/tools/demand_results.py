"""Typed results of the demand tools (`assistant.tools.demand`): forecasts with intervals, rising categories with their
evidence, products that will sell out. Field names are the JSON names HTTP clients see."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.tools.results import ToolResult

Level = Literal["category", "product"]


class Band(BaseModel):
    """A forecast with its prediction interval (`level`, e.g. 0.8: 8 in 10 outcomes fall inside)."""

    mean: float
    lower: float
    upper: float


class DemandItem(BaseModel):
    """What one category or product is forecast to sell over the horizon, beside what it sold just before."""

    key: str  # the category's name or the product's SKU
    name: str
    category: str
    units: Band
    revenue: Band
    last_units: float  # sold in the same number of weeks just before
    method: str  # the forecaster that produced it (blend(top-down(...), ses) for products)


class DemandForecast(ToolResult):
    """Top categories or products by forecast units over the next `horizon_weeks` weeks."""

    level: Level
    horizon_weeks: int
    interval: float
    starts: str  # the first forecast week's first day (ISO date)
    currency: str = ""
    items: list[DemandItem] = Field(default_factory=list)
    total_items: int = 0  # how many categories or products there are
    fit_seconds: float = 0.0


class WeekPoint(BaseModel):
    week: str  # the week's first day (ISO date)
    units: float
    revenue: float


class ForecastPoint(WeekPoint):
    units_lower: float
    units_upper: float
    revenue_lower: float
    revenue_upper: float


class DemandSeries(ToolResult):
    """One category's or product's weekly history and forecast band (what the plot draws)."""

    level: Level
    key: str
    name: str
    category: str
    interval: float
    method: str
    history: list[WeekPoint] = Field(default_factory=list)
    forecast: list[ForecastPoint] = Field(default_factory=list)


class CategoryTrend(BaseModel):
    """A category's recent weeks beside the weeks before, a year earlier, and the forecast: the evidence."""

    category: str
    last_units: float  # the last `weeks` weeks
    previous_units: float  # the `weeks` weeks before those
    change: float | None  # (last - previous) / previous; None when nothing sold before
    p_value: float  # exact Poisson test of the two counts (equal rates under the null)
    direction: Literal["rising", "falling", "steady"]
    year_ago_units: float | None = None  # the same weeks a year earlier, where the history reaches
    forecast_units: Band  # the next `weeks` weeks
    weekly_units: list[float] = Field(default_factory=list)  # the last 2 x `weeks` weeks, oldest first


class RisingCategories(ToolResult):
    """Every category's trend, rising ones first (largest change first)."""

    weeks: int
    period: str  # "2026-10-19 .. 2026-11-15 vs 2026-09-21 .. 2026-10-18"
    test: str = "exact Poisson test of the two periods' units, p < 0.05"
    rising: list[str] = Field(default_factory=list)
    categories: list[CategoryTrend] = Field(default_factory=list)


class StockRisk(BaseModel):
    """A product whose stock on hand is below its forecast demand over the horizon (or below the interval's top)."""

    sku: str
    name: str
    category: str
    stock: int
    demand: Band  # units over the horizon
    runs_out_week: int | None  # 1 = during the coming week; None: not on the mean forecast
    runs_out_on: str | None = None  # the first day of that week (ISO date)
    risk: Literal["will_run_out", "may_run_out"]


class StockOutRisks(ToolResult):
    """Products that will (mean forecast above stock) or may (interval top above stock) sell out within the horizon."""

    horizon_weeks: int
    interval: float
    checked: int  # products with stock levels and forecasts
    items: list[StockRisk] = Field(default_factory=list)
