"""Demand forecasting benchmark: `python -m bench.forecast [--quick]` -> bench/results/forecast.json (+ forecast.png).

UCI Online Retail, cleaned as its SOURCE.md says (no customer id, cancellations, non-positive quantities or prices and
non-product codes dropped). Weekly series, weeks starting on Friday so that the held-back window of SOURCE.md
(2011-11-11 ... 2011-12-08, the last 4 full weeks) is exactly the last 4 weeks:
- products: the 60 best sellers by units before the cut (units a week), the 20 biggest by revenue (revenue a week);
- aggregates, as the shop's categories are: the 6 biggest countries (units and revenue), the whole shop (both).

Rolling origins, horizon 4 weeks, at least 26 weeks of history. Development origins end their horizon before the cut
(every choice was made on these); the held-back origin is the cut itself, run once with what development chose.
Methods: seasonal-naive (m = 52; with a year of data it is the naive forecast, and says so), statsmodels ETS (the
library's, AICc between A,N,N and A,Ad,N) fitted to every series, and for products the top-down split the shop
shipped before (`assistant.commerce.forecast.split`: the product's share of the whole shop's forecast,
negative-binomial interval) beside the blend it ships now (`assistant.commerce.forecast.blend`: the mean of the
share read since the product's first sale and the product's own SES level, scaled so that all 3,6xx products of the
shop add up to the shop's forecast, the same count interval).

MASE: mean absolute error over the 4 weeks divided by the in-sample mean absolute error of the seasonal-naive forecast
(m = 52 when the history holds a season, else 1), per series and origin, then averaged (mean and median). Coverage:
the share of actual weeks inside the 80% interval, and of 4-week totals inside the total's interval.

The demo shop (`bench.forecast_demo`, also in the file under "demo"; `--demo-only` reruns just it): its 13 categories
and their products over the last year, where three years of history let seasonal-naive use its 52-week season.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.commerce.forecast.blend import blend_down, blend_down_total, coherent, product_split
from assistant.commerce.forecast.forecasters import Forecast, make_forecaster, total_band
from assistant.commerce.forecast.split import split_down, split_down_total, split_noise
from assistant.settings import REPO_ROOT
from bench.forecast_demo import demo_backtest
from bench.forecast_scoring import mase_scale, score, summary
from bench.recommender import uci_lines

DATA = REPO_ROOT.parent / "shared" / "data" / "uci_online_retail" / "online_retail.csv.gz"
RESULTS = Path(__file__).parent / "results"
CUT = pd.Timestamp("2011-11-11")  # SOURCE.md: train before, test the last 4 weeks
FIRST_WEEK = pd.Timestamp("2010-12-03")  # the first full Friday-to-Thursday week
HORIZON, MIN_HISTORY, SEASON, LEVEL = 4, 26, 52, 0.8
METHODS = ("seasonal_naive", "ets")
SHIPPED = "ets"  # categories (aggregates); products: BLEND
BLEND = "blend ets (13 wk share + ses, coherent)"
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


def item_matrix(lines: pd.DataFrame, weeks: pd.DatetimeIndex) -> np.ndarray:
    """Weekly units of every item of the shop (one row each): the blend scales products to add up to the shop."""
    table = lines.pivot_table(index="item", columns="week", values="units", aggfunc="sum", fill_value=0.0)
    return table.reindex(columns=weeks, fill_value=0.0).to_numpy()


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


def run(quick: bool = False, workers: int = 2) -> dict:
    started = time.perf_counter()
    lines = load_weeks()
    weeks, series = build_series(lines)
    items = item_matrix(lines, weeks)
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
    blend_started = time.perf_counter()
    scales = {o: _blend_scale(items, series[shop_units], keyed[(shop_units, o)], o) for o in [*dev, cut]}
    blend_seconds = (time.perf_counter() - blend_started) / len(scales)
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
                rows.append(
                    _blend(s_index, s, series[shop_units], keyed[(shop_units, o)], o, split, scales[o])
                )
    frame = pd.DataFrame(rows)
    report = _report(frame, series, dev, cut, weeks)
    report["blend_seconds_per_origin"] = {"items": int(items.shape[0]), "seconds": round(blend_seconds, 2)}
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"] = f"{platform.machine()}, {platform.python_version()}, workers={workers}"
    _plot(series, keyed, weeks, cut, RESULTS / "forecast.png", _blend_bands(series, keyed, cut, scales[cut]))
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


def _parent(shop_bands: dict) -> Forecast:
    mean, lower, upper, method, _ = shop_bands["ets"]
    return Forecast(mean, lower, upper, LEVEL, method)


def _blend_scale(items: np.ndarray, shop: dict, shop_bands: dict, o: int) -> np.ndarray:
    """The factor per week ahead that makes the blended forecasts of all the shop's items add up to the shop's."""
    parent, shop_units = _parent(shop_bands), shop["values"][:o]
    sold = items[:, :o].sum(axis=1) > 0
    splits = [product_split(row, shop_units, SHARE_WEEKS[1]) for row in items[sold, :o]]
    return coherent(parent, splits)[0].scale


def _blend(
    s_index: int, s: dict, shop: dict, shop_bands: dict, o: int, split: str, scale: np.ndarray
) -> dict:
    """The shop's product forecast now: `blend` with a 13-week share, scaled with the whole shop's items."""
    history, actual = s["values"][:o], s["values"][o : o + HORIZON]
    parent = _parent(shop_bands)
    product = product_split(history, shop["values"][:o], SHARE_WEEKS[1])
    product = replace(product, scale=scale)
    band, total = blend_down(parent, product), blend_down_total(parent, product)
    return {
        "series": s_index,
        "group": "product",
        "metric": "units",
        "split": split,
        "method": BLEND,
        "fell_back": False,
        **score(history, actual, band.mean, band.lower, band.upper, total),
    }


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
        "shipped": {
            "categories": SHIPPED,
            "products": BLEND,
            "products_before": "top-down ets (13 wk share)",
        },
    }
    for split in ("dev", "test"):
        part = frame[frame.split == split]
        report[split] = {
            "all_series": summary(part[part.method.isin(METHODS)]),
            "aggregates": summary(part[part.group != "product"]),
            "products": summary(part[part.group == "product"]),
            "product_units": summary(part[(part.group == "product") & (part.metric == "units")]),
        }
    return report


def _blend_bands(series: list[dict], keyed: dict, cut: int, scale: np.ndarray) -> dict[int, Forecast]:
    """The shipped product forecast (the blend) at the held-back origin, per product-units series: for the plot."""
    shop = next(k for k, s in enumerate(series) if s["group"] == "shop" and s["metric"] == "units")
    parent, shop_units = _parent(keyed[(shop, cut)]), series[shop]["values"][:cut]
    return {
        k: blend_down(
            parent, replace(product_split(s["values"][:cut], shop_units, SHARE_WEEKS[1]), scale=scale)
        )
        for k, s in enumerate(series)
        if s["group"] == "product" and s["metric"] == "units"
    }


def _plot(
    series: list[dict], keyed: dict, weeks: pd.DatetimeIndex, cut: int, out: Path, blends: dict[int, Forecast]
) -> None:
    """Four series at the held-back origin: the shop and a country with their ETS, a best seller with the shipped
    product blend, a product's revenue with its ETS; seasonal-naive beside each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    product = next(
        (k for k in blends if series[k]["name"] == "85123A"), next(iter(blends))
    )  # the best seller
    picks = [0, 3, product, len(series) - 1]
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    future = weeks[cut : cut + HORIZON]
    for ax, index in zip(axes.flat, picks, strict=True):
        s = series[index]
        ax.plot(weeks[: cut + HORIZON], s["values"][: cut + HORIZON], color="#333", lw=1, label="actual")
        naive = keyed[(index, cut)]["seasonal_naive"][0]
        shipped = blends.get(index) or Forecast(*keyed[(index, cut)][SHIPPED][:3], LEVEL, SHIPPED)
        ax.plot(future, naive, color="#c05621", lw=2, label="seasonal_naive forecast")
        ax.plot(future, shipped.mean, color="#2b6cb0", lw=2, label="shipped forecast (ETS; products: blend)")
        ax.fill_between(
            future, shipped.lower, shipped.upper, color="#2b6cb0", alpha=0.25, label="80% interval"
        )
        ax.axvline(weeks[cut], color="#999", ls="--", lw=1)
        ax.set_title(f"{s['group']} {s['name']}: {s['metric']} a week ({shipped.method})", fontsize=10)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("UCI Online Retail: the held-back 4 weeks beside the forecasts")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)


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
