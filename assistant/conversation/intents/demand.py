"""Demand questions from marketers: "what will sell in the next 4 weeks?", "which categories are rising?", "what will
run out of stock?". The phrases are data (`demand_phrases.yaml`); the answers come from the demand tools
(`assistant.tools.demand`) through `turn.run_tool`, so the policy decides as on every other path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml

from assistant.conversation.intents import intent
from assistant.conversation.marketer_tables import markdown_table
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.demand_results import DemandForecast, RisingCategories, StockOutRisks

PHRASES_PATH = Path(__file__).resolve().parent.parent / "demand_phrases.yaml"
_WEEKS = re.compile(r"\b(\d{1,2})\s*(?:weeks?|wochen?|wk)\b", re.I)


@cache
def _phrases() -> dict:
    with PHRASES_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    compiled = {
        k: re.compile(rf"\b(?:{'|'.join(v)})\b", re.I) for k, v in data.items() if isinstance(v, list)
    }
    compiled["horizons"] = data["horizons"]
    return compiled


def asks_demand(message: str) -> bool:
    """Whether a marketer's message asks about demand, trends or stock-outs."""
    return bool(_phrases()["ask"].search(message))


def horizon_of(message: str, default: int = 4) -> int:
    found = _WEEKS.search(message)
    if found:
        return int(found.group(1))
    lowered = message.lower()
    return next(
        (w for word, w in _phrases()["horizons"].items() if re.search(rf"\b{word}\b", lowered)), default
    )


@intent("demand_forecast")
def demand_forecast(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    phrases, message = _phrases(), turn.message
    weeks = horizon_of(message)
    if phrases["stock"].search(message) and not phrases["rising"].search(message):
        name, args = "stockout_risk", {"horizon_weeks": weeks}
    elif phrases["rising"].search(message):
        name, args = "rising_categories", {"weeks": weeks}
    else:
        level = "product" if phrases["products"].search(message) else "category"
        name, args = "demand_forecast", {"level": level, "horizon_weeks": weeks, "top": 10}
    record = yield from turn.run_tool(name, args)
    if not record.ok:
        yield from turn.refused_or_failed(record)
        return
    yield from turn.say(describe(record.result))


def _band(band) -> str:
    return f"{band.mean:,.0f} ({band.lower:,.0f}–{band.upper:,.0f})"


def describe(result) -> str:
    """A demand result as a sentence and a table (the figures are the tool's, never retyped)."""
    if isinstance(result, DemandForecast):
        what = "categories" if result.level == "category" else "products"
        rows = [
            (i.name, _band(i.units), f"{i.revenue.mean:,.0f} {result.currency}", f"{i.last_units:,.0f}")
            for i in result.items
        ]
        head = (f"Top {what} by forecast units for the {result.horizon_weeks} week(s) from {result.starts} "
                f"({result.interval:.0%} intervals):")  # fmt: skip
        table = markdown_table(
            [
                what.capitalize()[:-1] if what == "products" else "Category",
                "Units",
                "Revenue",
                "Units in the weeks before",
            ],
            rows,
        )
        return f"{head}\n\n{table}"
    if isinstance(result, RisingCategories):
        rows = [(t.category, t.direction, f"{t.last_units:,.0f}", f"{t.previous_units:,.0f}",
                 "" if t.change is None else f"{t.change:+.0%}", f"{t.p_value:.3f}", _band(t.forecast_units))
                for t in result.categories]  # fmt: skip
        rising = ", ".join(result.rising) or "none"
        head = f"Rising ({result.test}): {rising}. Units {result.period}:"
        return f"{head}\n\n" + markdown_table(
            ["Category", "Trend", "Last", "Before", "Change", "p", "Forecast next"], rows
        )
    if isinstance(result, StockOutRisks):
        if not result.items:
            return f"Stock covers the forecast demand of all {result.checked} products for the next {result.horizon_weeks} week(s)."
        rows = [
            (f"{r.name} ({r.sku})", r.stock, _band(r.demand), r.runs_out_on or "", r.risk.replace("_", " "))
            for r in result.items
        ]
        head = f"{len(result.items)} of {result.checked} products may not cover the next {result.horizon_weeks} week(s):"
        return f"{head}\n\n" + markdown_table(
            ["Product", "Stock", "Forecast demand", "Runs out", "Risk"], rows
        )
    return "No demand figures came back."
