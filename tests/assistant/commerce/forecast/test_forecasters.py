"""The forecaster contract, run against every implementation (seasonal-naive and the statsmodels ones), on synthetic
weekly series whose seasonality and noise are known; and the top-down split's count intervals."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.commerce.forecast.forecasters import FORECASTERS, Forecaster, SeasonalNaive, make_forecaster
from assistant.commerce.forecast.split import count_interval, split_down, split_down_total

SEASON, HORIZON = 52, 8


def seasonal_series(
    seed: int, weeks: int = 3 * SEASON + HORIZON, noise: float = 4.0
) -> tuple[np.ndarray, np.ndarray]:
    """(observed, noise-free signal): level 60, a yearly swing of +-20, normal noise."""
    t = np.arange(weeks)
    signal = 60 + 20 * np.sin(2 * np.pi * t / SEASON)
    return signal + np.random.default_rng(seed).normal(0, noise, weeks), signal


@pytest.fixture(params=sorted(FORECASTERS))
def forecaster(request) -> Forecaster:
    return make_forecaster(request.param, SEASON)


def test_the_contract_shape_order_and_no_negative_demand(forecaster: Forecaster) -> None:
    y, _ = seasonal_series(0)
    band = forecaster.forecast(y[:-HORIZON], HORIZON, 0.8)
    assert isinstance(forecaster, Forecaster)
    assert band.mean.shape == band.lower.shape == band.upper.shape == (HORIZON,)
    assert np.all(band.lower <= band.mean + 1e-9) and np.all(band.mean <= band.upper + 1e-9)
    assert np.all(band.lower >= 0) and band.level == 0.8
    wider = forecaster.forecast(y[:-HORIZON], HORIZON, 0.95)
    assert np.all(wider.upper - wider.lower >= band.upper - band.lower - 1e-9)
    with pytest.raises(ValueError):
        forecaster.forecast(y, HORIZON, 1.5)


def test_the_known_season_is_forecast_and_the_interval_holds_the_truth(forecaster: Forecaster) -> None:
    """Every implementation, 6 seeds: the point forecast is nearer the seasonal signal than its swing, and the 80%
    interval holds most future weeks (a model that ignored the season or invented a band would miss)."""
    covered, errors = [], []
    for seed in range(6):
        y, signal = seasonal_series(seed)
        band = forecaster.forecast(y[:-HORIZON], HORIZON, 0.8)
        future = y[-HORIZON:]
        covered.append(np.mean((future >= band.lower) & (future <= band.upper)))
        errors.append(np.mean(np.abs(band.mean - signal[-HORIZON:])))
    assert np.mean(errors) < 10, errors  # the swing is +-20
    assert 0.6 <= np.mean(covered) <= 1.0, covered


def test_short_flat_and_empty_histories_still_answer(forecaster: Forecaster) -> None:
    for history in (np.array([3.0, 4.0, 2.0]), np.zeros(30), np.full(30, 5.0)):
        band = forecaster.forecast(history, 4, 0.8)
        assert band.mean.shape == (4,) and np.all(band.lower <= band.upper)
    assert np.all(forecaster.forecast(np.zeros(30), 4, 0.8).upper == 0)


def test_seasonal_naive_repeats_the_last_season_and_widens_each_season() -> None:
    y, _ = seasonal_series(1)
    band = SeasonalNaive(SEASON).forecast(y, SEASON + 2, 0.8)
    assert np.allclose(band.mean[:SEASON], y[-SEASON:].clip(0)) and band.method == "seasonal_naive"
    width = band.upper - band.lower
    assert np.isclose(width[SEASON], width[0] * np.sqrt(2))
    assert (
        SeasonalNaive(SEASON).forecast(y[:30], 3).method == "naive"
    )  # less than a season: the naive forecast


def test_unknown_forecaster_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown forecaster"):
        make_forecaster("prophet")


def test_a_product_s_share_of_its_category_gets_a_count_interval() -> None:
    y, _ = seasonal_series(2)
    parent = make_forecaster("seasonal_naive", SEASON).forecast(y, 4, 0.8)
    product = split_down(parent, 0.1)
    assert np.allclose(product.mean, 0.1 * parent.mean) and product.method == "top-down(seasonal_naive)"
    assert np.all(product.lower <= product.mean) and np.all(product.mean <= product.upper)
    assert np.all(product.lower == np.floor(product.lower))  # counts
    mean, lower, upper = split_down_total(parent, 0.1)
    assert np.isclose(mean, product.mean.sum()) and lower < mean < upper
    # Poisson when there is no extra variance: mean 4 -> the 10% and 90% quantiles are 2 and 7 (scipy.stats.poisson)
    lo, hi = count_interval(np.array([4.0, 0.0]), np.array([4.0, 0.0]), 0.8)
    assert lo.tolist() == [2.0, 0.0] and hi.tolist() == [7.0, 0.0]
