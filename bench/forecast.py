"""Demand forecasting benchmark: `python -m bench.forecast [--quick]` -> bench/results/forecast.json (+ forecast.png).

UCI Online Retail, cleaned as its SOURCE.md says (no customer id, cancellations, non-positive quantities or prices and
non-product codes dropped). Weekly series, weeks starting on Friday so that the held-back window of SOURCE.md
(2011-11-11 ... 2011-12-08, the last 4 full weeks) is exactly the last 4 weeks:
- products: the 60 best sellers by units before the cut (units a week), the 20 biggest by revenue (revenue a week);
- aggregates, as the shop's categories are: the 6 biggest countries (units and revenue), the whole shop (both).

Rolling origins, horizon 4 weeks, at least 26 weeks of history. Development origins end their horizon before the cut
(every choice was made on these); the held-back origin is the cut itself, run once with what development chose.
Methods: seasonal-naive (m = 52; with a year of data it is the naive forecast, and says so), statsmodels ETS (the
library's, AICc between A,N,N and A,Ad,N) fitted to every series, and for products the top-down split the shop uses
(`assistant.commerce.forecast.split`: the product's share of the whole shop's forecast, negative-binomial interval).

MASE: mean absolute error over the 4 weeks divided by the in-sample mean absolute error of the seasonal-naive forecast
(m = 52 when the history holds a season, else 1), per series and origin, then averaged (mean and median). Coverage:
the share of actual weeks inside the 80% interval, and of 4-week totals inside the total's interval.

The demo shop (`demo_backtest`, also in the file under "demo"; `--demo-only` reruns just it): its 13 categories over
the last year, where three years of history let seasonal-naive use its 52-week season.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.commerce.forecast.forecasters import Forecast, make_forecaster, total_band
from assistant.commerce.forecast.split import split_down, split_down_total, split_noise
from assistant.settings import REPO_ROOT
from bench.recommender import uci_lines

DATA = REPO_ROOT.parent / "shared" / "data" / "uci_online_retail" / "online_retail.csv.gz"
RESULTS = Path(__file__).parent / "results"
CUT = pd.Timestamp("2011-11-11")  # SOURCE.md: train before, test the last 4 weeks
FIRST_WEEK = pd.Timestamp("2010-12-03")  # the first full Friday-to-Thursday week
HORIZON, MIN_HISTORY, SEASON, LEVEL = 4, 26, 52, 0.8
METHODS = ("seasonal_naive", "ets")
SHIPPED = "ets"  # categories (aggregates); products: "top-down ets (13 wk share)"
SHARE_WEEKS = (
    8,
    13,
    26,
)  # top-down: weeks a product's share is read from (the shop uses ForecastSettings.share_weeks)  # what Settings picks by default (ForecastSettings.model): chosen on the development origins


def load_weeks(path: Path = DATA) -> pd.DataFrame:
    """Cleaned lines with their week (the Friday it starts on): item, country, week, units, revenue."""
    df = uci_lines(path)
    day = df.InvoiceDate.dt.normalize()
    week = FIRST_WEEK + pd.to_timedelta((day - FIRST_WEEK).dt.days // 7 * 7, unit="D")
    out = pd.DataFrame(
        {
            "item": df.StockCode,
            "country": df.Country,
            "week": week,
            "units": df.Quantity.astype(float),
            "revenue": df.Quantity * df.UnitPrice,
        }
    )
    return out[(out.week >= FIRST_WEEK) & (out.week < CUT + pd.Timedelta(weeks=HORIZON))]


def build_series(lines: pd.DataFrame) -> tuple[pd.DatetimeIndex, list[dict]]:
    """Every evaluated series: {group, name, metric, values} on one weekly index (missing weeks are zero)."""
    weeks = pd.date_range(FIRST_WEEK, CUT + pd.Timedelta(weeks=HORIZON - 1), freq="7D")
    dev = lines[lines.week < CUT]

    def weekly(frame: pd.DataFrame, metric: str) -> np.ndarray:
        return frame.groupby("week")[metric].sum().reindex(weeks, fill_value=0.0).to_numpy()

    series = [
        {"group": "shop", "name": "all", "metric": m, "values": weekly(lines, m)}
        for m in ("units", "revenue")
    ]
    for country in dev.groupby("country").units.sum().nlargest(6).index:
        part = lines[lines.country == country]
        series += [
            {"group": "country", "name": country, "metric": m, "values": weekly(part, m)}
            for m in ("units", "revenue")
        ]
    by_item = lines.groupby("item")
    for metric, n in (("units", 60), ("revenue", 20)):
        for item in dev.groupby("item")[metric].sum().nlargest(n).index:
            series.append(
                {
                    "group": "product",
                    "name": item,
                    "metric": metric,
                    "values": weekly(by_item.get_group(item), metric),
                }
            )
    return weeks, series


def origins(weeks: pd.DatetimeIndex, quick: bool) -> tuple[list[int], int]:
    """Development origins (index of the first forecast week; every 2nd week, the horizon ends before the cut) and
    the held-back origin (the cut)."""
    cut = int(weeks.get_loc(CUT))
    dev = list(range(MIN_HISTORY, cut - HORIZON + 1, 4 if quick else 2))
    return dev, cut


def _forecast_all(args: tuple[np.ndarray, int]) -> dict[str, tuple]:
    history, _ = args
    out = {}
    for name in METHODS:
        band = make_forecaster(name, SEASON).forecast(history, HORIZON, LEVEL)
        out[name] = (band.mean, band.lower, band.upper, band.method, total_band(band))
    return out


def mase_scale(history: np.ndarray) -> float:
    m = SEASON if history.size > SEASON else 1
    diffs = np.abs(history[m:] - history[:-m])
    return float(diffs.mean()) if diffs.size and diffs.mean() > 0 else float("nan")


def score(history: np.ndarray, actual: np.ndarray, mean, lower, upper, total) -> dict:
    return {
        "mase": float(np.abs(actual - mean).mean() / mase_scale(history)),
        "covered": float(((actual >= lower) & (actual <= upper)).mean()),
        "total_covered": float(total[1] <= actual.sum() <= total[2]),
    }


def run(quick: bool = False, workers: int = 2) -> dict:
    started = time.perf_counter()
    weeks, series = build_series(load_weeks())
    dev, cut = origins(weeks, quick)
    tasks = [(s["values"][:o], o) for s in series for o in [*dev, cut]]
    bands = []
    with ProcessPoolExecutor(workers) as pool:
        for n, band in enumerate(pool.map(_forecast_all, tasks, chunksize=8), start=1):
            bands.append(band)
            if n % 100 == 0 or n == len(tasks):
                print(f"  {n}/{len(tasks)} forecasts, {time.perf_counter() - started:.0f} s", flush=True)
    keyed = {}
    i = 0
    for s_index, _ in enumerate(series):
        for o in [*dev, cut]:
            keyed[(s_index, o)] = bands[i]
            i += 1
    rows = []
    shop_units = next(k for k, s in enumerate(series) if s["group"] == "shop" and s["metric"] == "units")
    for s_index, s in enumerate(series):
        for o in [*dev, cut]:
            history, actual = s["values"][:o], s["values"][o : o + HORIZON]
            if not np.isfinite(mase_scale(history)):
                continue
            split = "test" if o == cut else "dev"
            for name, (mean, lower, upper, method, total) in keyed[(s_index, o)].items():
                rows.append(
                    {
                        "series": s_index,
                        "group": s["group"],
                        "metric": s["metric"],
                        "split": split,
                        "method": name,
                        "fell_back": method != name,
                        **score(history, actual, mean, lower, upper, total),
                    }
                )
            if s["group"] == "product" and s["metric"] == "units":
                rows += _top_down(s_index, s, series[shop_units], keyed[(shop_units, o)], o, split)
    frame = pd.DataFrame(rows)
    report = _report(frame, series, dev, cut, weeks)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"] = f"{platform.machine()}, {platform.python_version()}, workers={workers}"
    _plot(series, keyed, weeks, cut, RESULTS / "forecast.png")
    return report


def _top_down(s_index: int, s: dict, shop: dict, shop_bands: dict, o: int, split: str) -> list[dict]:
    """The shop's product forecast: the product's share of the whole shop's ETS forecast, over a few share windows."""
    history, actual = s["values"][:o], s["values"][o : o + HORIZON]
    mean, lower, upper, method, _ = shop_bands["ets"]
    parent = Forecast(mean, lower, upper, LEVEL, method)
    rows = []
    for weeks in SHARE_WEEKS:
        window = slice(max(0, o - weeks), o)
        units, parent_units = s["values"][window], shop["values"][window]
        share = float(units.sum() / max(parent_units.sum(), 1e-9))
        noise = split_noise(units, parent_units, share)
        band, total = split_down(parent, share, noise), split_down_total(parent, share, noise)
        rows.append(
            {
                "series": s_index,
                "group": "product",
                "metric": "units",
                "split": split,
                "method": f"top-down ets ({weeks} wk share)",
                "fell_back": False,
                **score(history, actual, band.mean, band.lower, band.upper, total),
            }
        )
    return rows


def _summary(part: pd.DataFrame) -> dict:
    out = {}
    for method, rows in part.groupby("method"):
        out[method] = {
            "mase_mean": round(float(rows.mase.mean()), 4),
            "mase_median": round(float(rows.mase.median()), 4),
            "coverage_80": round(float(rows.covered.mean()), 4),
            "total_coverage_80": round(float(rows.total_covered.mean()), 4),
            "forecasts": int(len(rows)),
            "fell_back": int(rows.fell_back.sum()),
        }
    base = out.get("seasonal_naive")
    for method, numbers in out.items():
        if base and method != "seasonal_naive":
            numbers["mase_ratio_vs_seasonal_naive"] = round(numbers["mase_mean"] / base["mase_mean"], 4)
        if "ets" in out and method != "ets":
            numbers["mase_ratio_vs_ets"] = round(numbers["mase_mean"] / out["ets"]["mase_mean"], 4)
    return out


def _report(
    frame: pd.DataFrame, series: list[dict], dev: list[int], cut: int, weeks: pd.DatetimeIndex
) -> dict:
    report: dict = {
        "data": "UCI Online Retail (CC BY 4.0), cleaned per SOURCE.md; weekly, weeks start on Friday",
        "protocol": {
            "horizon_weeks": HORIZON,
            "level": LEVEL,
            "season_length": SEASON,
            "min_history_weeks": MIN_HISTORY,
            "dev_origins": [str(weeks[o].date()) for o in dev],
            "test_origin": str(weeks[cut].date()),
            "series": {
                g: int(sum(1 for s in series if s["group"] == g)) for g in ("shop", "country", "product")
            },
            "note": "seasonal-naive needs 52 weeks of history: with at most 49 it is the naive forecast here",
        },
        "shipped": {"categories": SHIPPED, "products": "top-down ets (13 wk share)"},
    }
    for split in ("dev", "test"):
        part = frame[frame.split == split]
        report[split] = {
            "all_series": _summary(part[~part.method.str.startswith("top-down")]),
            "aggregates": _summary(part[part.group != "product"]),
            "products": _summary(part[part.group == "product"]),
            "product_units": _summary(part[(part.group == "product") & (part.metric == "units")]),
        }
    return report


def _plot(series: list[dict], keyed: dict, weeks: pd.DatetimeIndex, cut: int, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = [0, 3, next(i for i, s in enumerate(series) if s["group"] == "product"), len(series) - 1]
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    future = weeks[cut : cut + HORIZON]
    for ax, index in zip(axes.flat, picks, strict=True):
        s = series[index]
        ax.plot(weeks[: cut + HORIZON], s["values"][: cut + HORIZON], color="#333", lw=1, label="actual")
        for name, colour in (("seasonal_naive", "#c05621"), (SHIPPED, "#2b6cb0")):
            mean, lower, upper, *_ = keyed[(index, cut)][name]
            ax.plot(future, mean, color=colour, lw=2, label=f"{name} forecast")
            if name == SHIPPED:
                ax.fill_between(future, lower, upper, color=colour, alpha=0.25, label="80% interval")
        ax.axvline(weeks[cut], color="#999", ls="--", lw=1)
        ax.set_title(f"{s['group']} {s['name']}: {s['metric']} a week", fontsize=10)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("UCI Online Retail: the held-back 4 weeks beside the forecasts")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)


def demo_backtest(customers: int = 2500) -> dict:
    """The demo shop (seeded as `mka demo` seeds it): each category's weekly units, origins every 6 weeks over its last
    year, 4 weeks ahead; MASE scaled by the 52-week seasonal-naive (the demo has three years and a real season)."""
    import tempfile

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
    demand = fit_demand(lines, products, ForecastSettings(model="seasonal_naive"))
    rows = []
    for series in demand.categories.values():
        y = series.units
        for o in range(y.size - SEASON, y.size - HORIZON + 1, 6):
            history, actual = y[:o], y[o : o + HORIZON]
            for name in METHODS:
                band = make_forecaster(name, SEASON).forecast(history, HORIZON, LEVEL)
                rows.append(
                    {
                        "method": name,
                        "fell_back": band.method != name,
                        "group": "category",
                        **score(history, actual, band.mean, band.lower, band.upper, total_band(band)),
                    }
                )
    return {
        "data": f"demo shop, seed 7, {customers} customers; category units a week",
        "categories": _summary(pd.DataFrame(rows)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="every 4th week as an origin instead of every 2nd"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--demo-only", action="store_true", help="rerun the demo-shop part into the existing file"
    )
    args = parser.parse_args()
    if args.demo_only:
        report = json.loads((RESULTS / "forecast.json").read_text(encoding="utf-8"))
        report["demo"] = demo_backtest()
        (RESULTS / "forecast.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(report["demo"], indent=2))
        return
    report = run(args.quick, args.workers)
    report["demo"] = demo_backtest()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "forecast.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for split in ("dev", "test"):
        for group, numbers in report[split].items():
            for method, n in numbers.items():
                print(
                    f"{split:4} {group:13} {method:16} MASE {n['mase_mean']:.3f} (median {n['mase_median']:.3f}) "
                    f"cover {n['coverage_80']:.2f} total {n['total_coverage_80']:.2f} n={n['forecasts']}"
                )
    print(f"{report['seconds']} s -> {RESULTS / 'forecast.json'}")


if __name__ == "__main__":
    main()
