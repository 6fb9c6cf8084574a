"""Demand tools over the demo shop in real SQLite with the real catalog: what will sell (with intervals), one
series, rising categories with their evidence, stock that will not cover the forecast; marketer only; clear errors;
forecasts fitted once per orders version."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, Caller
from assistant.commerce.catalog import Catalog
from assistant.commerce.forecast.demand import demand_for
from assistant.conversation.policy import CUSTOMER_TOOLS
from assistant.errors import BadInput, Forbidden, NotFound
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from assistant.tools import all_tools
from tests.assistant.commerce.forecast.demo_store import CATALOG_CSV, demo_store

# the demo shop's store is built once per process (demo_store): one xdist worker builds it for all of these
pytestmark = pytest.mark.xdist_group("demand-shop")

MARKETER, CUSTOMER = Caller(role="marketer", user="ann"), Caller(role="customer", customer_id="C00001")
DEMAND_TOOLS = ("demand_forecast", "demand_series", "rising_categories", "stockout_risk")


def shop_settings(tmp: str, model: str = "seasonal_naive") -> Settings:
    _, url = demo_store()
    return Settings(data_dir=tmp, database_url=url, forecast={"model": model}, _env_file=None)


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Assistant:
    # seasonal-naive keeps these tests fast; the forecasters' own contract tests run every implementation
    settings = shop_settings(str(tmp_path_factory.mktemp("var")))
    services = Services({}, catalog=Catalog.from_csv(CATALOG_CSV), llm=None)
    return Assistant(settings, ConversationStore.from_url(settings.db_url), services=services)


def test_what_will_sell_in_the_next_4_weeks(app: Assistant) -> None:
    out = app.call_tool(MARKETER, "demand_forecast", {"horizon_weeks": 4, "top": 5})
    assert (
        out.level == "category" and out.horizon_weeks == 4 and out.interval == 0.8 and out.currency == "EUR"
    )
    assert len(out.items) == 5 and out.total_items == len(Catalog.from_csv(CATALOG_CSV).categories)
    means = [i.units.mean for i in out.items]
    assert means == sorted(means, reverse=True)
    for item in out.items:
        assert 0 <= item.units.lower <= item.units.mean <= item.units.upper
        assert (
            item.revenue.lower <= item.revenue.mean <= item.revenue.upper
            and item.revenue.mean > item.units.mean
        )
    products = app.call_tool(
        MARKETER, "demand_forecast", {"level": "product", "category": "winter", "top": 50}
    )
    assert products.items and {p.category for p in products.items} == {"Winter"}
    assert all(p.method == "blend(top-down(seasonal_naive), ses)" for p in products.items)
    # the products' forecasts are shares of their category's: they add up to it
    category = next(
        i for i in app.call_tool(MARKETER, "demand_forecast", {"top": 50}).items if i.key == "Winter"
    )
    assert np.isclose(sum(p.units.mean for p in products.items), category.units.mean, rtol=0.02)


def test_one_series_has_history_and_a_band(app: Assistant) -> None:
    out = app.call_tool(MARKETER, "demand_series", {"name": "Tents", "horizon_weeks": 6})
    assert out.key == "Tents" and len(out.forecast) == 6 and len(out.history) > 100
    assert out.forecast[0].week > out.history[-1].week
    assert all(p.units_lower <= p.units <= p.units_upper for p in out.forecast)
    product = app.call_tool(MARKETER, "demand_series", {"level": "product", "name": "ftw-001"})
    assert product.key == "FTW-001" and product.category == "Footwear" and "Talus" in product.name


def test_rising_categories_carry_their_evidence(app: Assistant) -> None:
    out = app.call_tool(MARKETER, "rising_categories", {"weeks": 4})
    assert len(out.categories) == 13 and " vs " in out.period
    for trend in out.categories:
        assert len(trend.weekly_units) == 8
        assert trend.last_units == sum(trend.weekly_units[4:]) and trend.previous_units == sum(
            trend.weekly_units[:4]
        )
        if trend.direction != "steady":
            assert trend.p_value < 0.05 and (trend.direction == "rising") == (
                trend.last_units > trend.previous_units
            )
    directions = [t.direction for t in out.categories]
    assert directions == sorted(directions, key=["rising", "steady", "falling"].index)
    assert out.rising == [t.category for t in out.categories if t.direction == "rising"]


def test_stock_that_will_not_cover_the_forecast_is_flagged(app: Assistant) -> None:
    catalog = Catalog.from_csv(CATALOG_CSV)
    out = app.call_tool(MARKETER, "stockout_risk", {"horizon_weeks": 26})
    assert out.checked > 150 and out.items
    for risk in out.items:
        assert risk.stock == catalog.get(risk.sku).stock and risk.demand.upper > risk.stock
        assert (risk.risk == "will_run_out") == (risk.demand.mean > risk.stock)
    sold_out = next(r for r in out.items if r.sku == "HYD-005")  # stock 0 in the catalog, and it sells
    assert sold_out.risk == "will_run_out" and sold_out.runs_out_week == 1
    fewer = app.call_tool(MARKETER, "stockout_risk", {"horizon_weeks": 1})
    assert len(fewer.items) < len(out.items)


def test_unknown_names_and_horizons_out_of_range_are_clear_errors(app: Assistant) -> None:
    with pytest.raises(NotFound, match="known categories: Accessories"):
        app.call_tool(MARKETER, "demand_series", {"name": "Spaceships"})
    with pytest.raises(NotFound, match="unknown product SKU 'XYZ-999'"):
        app.call_tool(MARKETER, "demand_series", {"level": "product", "name": "XYZ-999"})
    for args in ({"horizon_weeks": 0}, {"horizon_weeks": 27}, {"top": 0}, {"level": "brand"}):
        with pytest.raises(BadInput):
            app.call_tool(MARKETER, "demand_forecast", args)


def test_demand_tools_are_for_marketers_only(app: Assistant) -> None:
    tools = all_tools()
    for name in DEMAND_TOOLS:
        assert tools[name].roles == {"marketer"} and name not in CUSTOMER_TOOLS
        with pytest.raises(Forbidden):
            app.call_tool(CUSTOMER, name, {"name": "Tents"} if name == "demand_series" else {})


def test_fitted_once_per_orders_version(app: Assistant, tmp_path) -> None:
    from assistant.storage.db import get_engine

    engine = get_engine(app.settings.db_url)
    first = demand_for(engine, app.settings.forecast)
    assert demand_for(engine, app.settings.forecast) is first
    folder, url = demo_store()
    extra = tmp_path / "more.csv"
    extra.write_text(
        "order_id,customer_id,sku,quantity,unit_price,currency,ordered_at\n"
        "KR-999999,C00001,TNT-001,3,299.00,EUR,2026-11-15T12:00:00\n",
        encoding="utf-8",
    )
    from assistant.commerce.imports import import_orders

    import_orders(engine, extra, default_currency="EUR")
    again = demand_for(engine, app.settings.forecast)
    assert again is not first and again.version != first.version
