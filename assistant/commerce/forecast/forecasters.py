"""The forecaster seam: one weekly series in, point forecasts with a prediction interval out.

    forecaster = make_forecaster(settings.forecast)        # picked by name from the typed Settings
    band = forecaster.forecast(history, horizon=4, level=0.8)
    band.mean, band.lower, band.upper                      # one value per future step, never below zero

Implementations:
- `SeasonalNaive`: next season repeats the last one (the plain naive forecast while there is less than one season of
  history, plus one step to measure its errors). The baseline every model has to beat.
- `ETS`: statsmodels' state-space exponential smoothing (`ETSModel`), additive errors, choosing between no trend and a
  damped trend by AICc, with the model's own analytic intervals.

statsmodels' `ThetaModel` was tried too and dropped: about 2 s of CPU per series here, against 0.1 s for ETS, which
is too slow to fit a shop's categories on request. statsforecast (faster ETS) pins pandas < 3, which this project runs.

Demand cannot be negative, so means and bounds are clipped at zero. A series the library cannot fit (too short, all
zero) gets the seasonal-naive answer, and the result says so in `method`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.stats import norm

MIN_LIBRARY_HISTORY = 8  # weeks; below this a fitted model has nothing to learn from


@dataclass(frozen=True)
class Forecast:
    """A forecast of `len(mean)` steps with a `level` prediction interval [lower, upper] per step."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    method: str  # what actually produced it (a fallback names itself)

    def __post_init__(self) -> None:
        for name in ("mean", "lower", "upper"):
            object.__setattr__(self, name, np.maximum(np.asarray(getattr(self, name), dtype=float), 0.0))


@runtime_checkable
class Forecaster(Protocol):
    """Forecasts one non-negative series (oldest value first) `horizon` steps ahead with a `level` interval."""

    name: str

    def forecast(self, history: np.ndarray, horizon: int, level: float = 0.8) -> Forecast: ...


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (got {level})")
    return float(norm.ppf(0.5 + level / 2.0))


class SeasonalNaive:
    """y[t + h] = y[t + h - m]; errors from the history's own seasonal differences, widening once per season ahead
    (Hyndman & Athanasopoulos, FPP3 5.5: sd_h = sd * sqrt(floor((h - 1) / m) + 1))."""

    name = "seasonal_naive"

    def __init__(self, season_length: int = 52):
        if season_length < 1:
            raise ValueError("season_length must be at least 1")
        self.season_length = season_length

    def forecast(self, history: np.ndarray, horizon: int, level: float = 0.8) -> Forecast:
        y = np.asarray(history, dtype=float)
        if y.size == 0:
            zeros = np.zeros(horizon)
            return Forecast(zeros, zeros, zeros, level, "empty")
        m = self.season_length if y.size > self.season_length else 1
        steps = np.arange(horizon)
        mean = y[y.size - m + (steps % m)]
        diffs = y[m:] - y[:-m] if y.size > m else np.zeros(1)
        sd = float(np.sqrt(np.mean(diffs**2)))
        half = _z(level) * sd * np.sqrt(steps // m + 1)
        return Forecast(mean, mean - half, mean + half, level, "seasonal_naive" if m > 1 else "naive")


class _Library:
    """A statsmodels forecaster: short or flat series go to the seasonal-naive answer."""

    name = "library"

    def __init__(self, season_length: int = 52):
        self.season_length = season_length
        self.fallback = SeasonalNaive(season_length)

    def forecast(self, history: np.ndarray, horizon: int, level: float = 0.8) -> Forecast:
        _z(level)  # refuses a level outside (0, 1) before any fitting
        y = np.asarray(history, dtype=float)
        if y.size < MIN_LIBRARY_HISTORY or np.ptp(y) == 0:
            return self.fallback.forecast(y, horizon, level)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # convergence chatter on short, spiky series
                mean, lower, upper = self._fit(y, horizon, level)
        except (ValueError, np.linalg.LinAlgError):
            return self.fallback.forecast(y, horizon, level)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
            return self.fallback.forecast(y, horizon, level)
        return Forecast(mean, lower, upper, level, self.name)

    def _fit(self, y: np.ndarray, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError


class ETS(_Library):
    """statsmodels `ETSModel` with additive errors: ETS(A,N,N) or ETS(A,Ad,N), whichever has the lower AICc.

    No seasonal state: a weekly season has 52 of them, more than two or three years of a shop's history can pin down."""

    name = "ets"

    def _fit(self, y: np.ndarray, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        series = pd.Series(y)  # its prediction results read an index (a bare array fails in statsmodels 0.15)
        candidates = [{"trend": None}]
        if y.size >= 2 * MIN_LIBRARY_HISTORY:
            candidates.append({"trend": "add", "damped_trend": True})
        best = None
        for spec in candidates:
            result = ETSModel(series, error="add", **spec).fit(disp=False, maxiter=200)
            if best is None or result.aicc < best.aicc:
                best = result
        frame = best.get_prediction(start=y.size, end=y.size + horizon - 1).summary_frame(alpha=1 - level)
        return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


FORECASTERS: dict[str, type] = {"seasonal_naive": SeasonalNaive, "ets": ETS}


def make_forecaster(name: str, season_length: int = 52) -> Forecaster:
    """The forecaster called `name` (a key of `FORECASTERS`)."""
    try:
        return FORECASTERS[name](season_length)
    except KeyError:
        raise ValueError(f"unknown forecaster {name!r}; choose one of: {', '.join(FORECASTERS)}") from None


def total_band(band: Forecast) -> tuple[float, float, float]:
    """(mean, lower, upper) of the sum over the horizon. The bounds add up the weekly bounds, as if every week's error
    went the same way: forecast errors of one series are strongly positively correlated (a wrong level is wrong every
    week), so this is the cautious side; `bench.forecast` measures how often it holds."""
    return float(band.mean.sum()), float(band.lower.sum()), float(band.upper.sum())
