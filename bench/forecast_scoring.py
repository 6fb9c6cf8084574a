"""Scores of `bench.forecast` (UCI and the demo shop): MASE, interval coverage, and their summary per method."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEASON = 52


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


def summary(part: pd.DataFrame) -> dict:
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
