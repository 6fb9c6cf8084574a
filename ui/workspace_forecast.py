"""The workspace's "Demand" tab: what will sell in the next weeks (categories or products, with intervals), a plot of
one category's or product's history with its forecast band, which categories are rising, and what will sell out.

Everything comes from the demand tools through the application API (`call_tool`: the marketer role is checked there),
the same ones the HTTP routes under /v1/forecast run; these functions only lay the answers out. The first call after
an orders import fits the forecasts (a few seconds), so it runs with a visible step and elapsed time.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from assistant import AssistantAPI, AssistantError, Caller  # noqa: E402
from ui.panels import GetAPI, dataframe, error_box, problem, with_progress, workspace_caller  # noqa: E402
from ui.tables import money, percent  # noqa: E402

HISTORY_WEEKS = 78  # a year and a half of history on the plot: last year's season shows beside the forecast


def _band(band: Any, digits: int = 0) -> str:
    return f"{band.mean:,.{digits}f} ({band.lower:,.{digits}f}–{band.upper:,.{digits}f})"


def forecast_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """`DemandForecast` as rows: name, units with interval, revenue with interval, units in the weeks before."""
    what = "Category" if result.level == "category" else "Product"
    headers = [what, f"Units, next {result.horizon_weeks} wk ({percent(result.interval)} interval)", "Revenue",
               f"Units, last {result.horizon_weeks} wk"]  # fmt: skip
    rows = [
        [item.name if result.level == "category" else f"{item.name} ({item.key})", _band(item.units),
         f"{money(item.revenue.mean, result.currency)} ({item.revenue.lower:,.0f}–{item.revenue.upper:,.0f})",
         f"{item.last_units:,.0f}"]
        for item in result.items
    ]  # fmt: skip
    return headers, rows


def trend_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """`RisingCategories` as rows with the evidence: both periods, the change and its p-value, a year ago, the forecast."""
    headers = [
        "Category",
        "Trend",
        f"Last {result.weeks} wk",
        "Before",
        "Change",
        "p",
        "Year ago",
        "Forecast next",
    ]
    rows = [
        [t.category, t.direction, f"{t.last_units:,.0f}", f"{t.previous_units:,.0f}",
         "" if t.change is None else f"{t.change:+.0%}", f"{t.p_value:.3f}",
         "" if t.year_ago_units is None else f"{t.year_ago_units:,.0f}", _band(t.forecast_units)]
        for t in result.categories
    ]  # fmt: skip
    return headers, rows


def stock_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    headers = ["Product", "Stock", f"Demand, next {result.horizon_weeks} wk", "Runs out", "Risk"]
    rows = [
        [f"{r.name} ({r.sku})", r.stock, _band(r.demand), r.runs_out_on or "", r.risk.replace("_", " ")]
        for r in result.items
    ]
    return headers, rows


def forecast_figure(series: Any, history_weeks: int = HISTORY_WEEKS) -> Figure:
    """Weekly units: the history, the forecast and its interval band."""
    import pandas as pd

    past = series.history[-history_weeks:]
    figure, ax = plt.subplots(figsize=(11, 4), layout="constrained")
    ax.plot(
        pd.to_datetime([p.week for p in past]), [p.units for p in past], color="#333", lw=1.2, label="sold"
    )
    ahead = pd.to_datetime([p.week for p in series.forecast])
    ax.plot(ahead, [p.units for p in series.forecast], color="#2b6cb0", lw=2, label="forecast")
    ax.fill_between(ahead, [p.units_lower for p in series.forecast], [p.units_upper for p in series.forecast],
                    color="#2b6cb0", alpha=0.25, label=f"{percent(series.interval)} interval")  # fmt: skip
    ax.set_ylabel("units a week")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{series.name}: weekly units and forecast ({series.method})")
    ax.legend(loc="upper left", fontsize=8)
    plt.close(figure)  # gradio draws it; pyplot need not keep it
    return figure


def demand_overview(api: AssistantAPI, caller: Caller, level: str, weeks: float) -> dict[str, Any]:
    """Every answer the tab shows at once: the top list, the trends, the stock risks and the top item's plot."""
    horizon = int(weeks)
    top = api.call_tool(caller, "demand_forecast", {"level": level, "horizon_weeks": horizon, "top": 15})
    out = {"top": top, "rising": api.call_tool(caller, "rising_categories", {"weeks": 4}),
           "stock": api.call_tool(caller, "stockout_risk", {"horizon_weeks": horizon})}  # fmt: skip
    first = top.items[0].key if top.items else None
    out["series"] = series_of(api, caller, level, first, horizon) if first else None
    return out


def series_of(api: AssistantAPI, caller: Caller, level: str, name: str, weeks: int) -> Any:
    args = {"level": level, "name": name, "horizon_weeks": max(weeks, 12)}
    return api.call_tool(caller, "demand_series", args)


class ForecastTab:
    """The "Demand" tab of the workspace."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def build(self) -> None:
        gr.Markdown(
            "What will sell in the coming weeks, which categories are rising, and what will sell out."
        )
        with gr.Row():
            level = gr.Radio(
                ["category", "product"], value="category", label="Forecast per", elem_id="fc-level"
            )
            weeks = gr.Slider(1, 26, value=4, step=1, label="Weeks ahead", elem_id="fc-weeks")
        go = gr.Button("Forecast demand", variant="primary", elem_id="fc-go")
        status = gr.Markdown("", elem_id="fc-status")
        error = error_box("fc-error")
        top = gr.Dataframe(label="What will sell", elem_id="fc-top", interactive=False, wrap=True)
        pick = gr.Dropdown(label="Plot", choices=[], elem_id="fc-pick")
        plot = gr.Plot(label="History and forecast", show_label=False, elem_id="fc-plot")
        rising = gr.Dataframe(
            label="Categories: last 4 weeks beside the 4 before", elem_id="fc-rising", interactive=False
        )
        stock = gr.Dataframe(
            label="Stock that will not cover the forecast", elem_id="fc-stock", interactive=False
        )
        go.click(self.on_go, [level, weeks], [status, top, pick, plot, rising, stock, error], api_name=False)
        pick.change(self.on_pick, [level, pick, weeks], [plot, error], api_name=False)

    def on_go(self, level: str, weeks: float, request: gr.Request):
        api, caller = self.get_api(), workspace_caller(request)
        skip = [gr.skip()] * 5
        for progress, result, exc in with_progress(
            lambda: demand_overview(api, caller, level, weeks), "Forecasting"
        ):
            if exc is None and result is None:
                yield progress, *skip, ""
            elif isinstance(exc, AssistantError):
                yield "", *skip, problem(exc.message)
            elif exc is not None:
                raise exc
            else:
                top = result["top"]
                keys = [(i.name if level == "category" else f"{i.name} ({i.key})", i.key) for i in top.items]
                yield (
                    f"Forecast from {top.starts}, {top.horizon_weeks} week(s) ahead; fitted in {top.fit_seconds:.1f} s.",
                    dataframe(forecast_table(top)),
                    gr.Dropdown(choices=keys, value=keys[0][1] if keys else None),
                    forecast_figure(result["series"]) if result["series"] is not None else None,
                    dataframe(trend_table(result["rising"])),
                    dataframe(stock_table(result["stock"])),
                    "",
                )

    def on_pick(self, level: str, name: str | None, weeks: float, request: gr.Request):
        if not name:
            return gr.skip(), ""
        try:
            series = series_of(self.get_api(), workspace_caller(request), level, name, int(weeks))
            return forecast_figure(series), ""
        except AssistantError as exc:
            return gr.skip(), problem(exc.message)
