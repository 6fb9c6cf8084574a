"""Demand routes (marketer only): what will sell, which categories are rising, what will sell out, and one category's
or product's history with its forecast band. Each runs one tool of `assistant.tools.demand` through the application
API (`call_tool`, where the role policy is checked); a customer gets 403, an unknown name 404, a horizon out of range
400."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request

from assistant.http.schemas import PathName
from assistant.http.state import app_state, marketer_route_caller

router = APIRouter(tags=["forecast"])


async def _tool(request: Request, name: str, args: dict[str, Any]) -> Any:
    state, caller = app_state(request), marketer_route_caller(request)
    result = await state.in_worker(lambda: state.api.call_tool(caller, name, args))
    return result.model_dump(mode="json")


@router.get("/v1/forecast")
async def forecast(
    request: Request,
    level: str = "category",
    horizon_weeks: int = 4,
    top: int = 10,
    category: str | None = None,
) -> Any:
    """Top categories (or products: `level=product`, optionally within one `category`) by forecast units over the
    next `horizon_weeks` weeks, with 80% intervals for units and revenue."""
    args = {"level": level, "horizon_weeks": horizon_weeks, "top": top, "category": category}
    return await _tool(request, "demand_forecast", args)


@router.get("/v1/forecast/rising")
async def rising(request: Request, weeks: int = 4) -> Any:
    """Every category's last `weeks` weeks beside the weeks before, a year earlier and the forecast; rising first."""
    return await _tool(request, "rising_categories", {"weeks": weeks})


@router.get("/v1/forecast/stockouts")
async def stockouts(request: Request, horizon_weeks: int = 4) -> Any:
    """Products whose stock will not (or may not) cover the forecast demand over the horizon, soonest first."""
    return await _tool(request, "stockout_risk", {"horizon_weeks": horizon_weeks})


@router.get("/v1/forecast/{level}/{name}")
async def series(
    level: Literal["category", "product"], name: PathName, request: Request, horizon_weeks: int = 12
) -> Any:
    """One category's (or product's, by SKU) weekly history and forecast band."""
    args = {"level": level, "name": name, "horizon_weeks": horizon_weeks}
    return await _tool(request, "demand_series", args)
