"""Top-down product forecasts: a product's demand is its share of its category's forecast, with a count interval.

A shop sells most products a few units a week; a model fitted to each of those sparse series learns little and costs a
fit per product. The category is smoother and seasonal in the same way as its products, so the category is forecast
(`forecasters`), and each product gets `share x` that forecast (historical proportions, the classic top-down split).

The interval of a product's count: the product's own week-to-week scatter around its share of the category
(`split_noise`: the mean squared error of the split over the recent weeks, at least the Poisson variance of its mean)
plus its share of the category's forecast uncertainty (sd sigma read off the category interval):
var = noise + share^2*sigma^2; a negative binomial with that mean and variance gives the bounds. (Poisson thinning
alone, var = share*mu, covered a third of UCI's wholesale weeks: one order brings dozens of units at once.)
"""

from __future__ import annotations

import numpy as np
from scipy.stats import nbinom, norm, poisson

from assistant.commerce.forecast.forecasters import Forecast


def band_sd(band: Forecast) -> np.ndarray:
    """The sd per step behind a symmetric normal interval (clipping at zero only narrows it: read from the top)."""
    z = float(norm.ppf(0.5 + band.level / 2.0))
    return np.maximum(band.upper - band.mean, 0.0) / z


def count_interval(mean: np.ndarray, var: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a count with this mean and variance: negative binomial when over-dispersed, else Poisson."""
    mean = np.maximum(np.atleast_1d(np.asarray(mean, float)), 0.0)
    var = np.maximum(np.atleast_1d(np.asarray(var, float)), mean)
    lo_q, hi_q = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    lower, upper = np.zeros_like(mean), np.zeros_like(mean)
    over = (mean > 0) & (var > mean * (1 + 1e-9))
    plain = (mean > 0) & ~over
    if over.any():
        mu, v = mean[over], var[over]
        n, p = mu * mu / (v - mu), mu / v
        lower[over], upper[over] = nbinom.ppf(lo_q, n, p), nbinom.ppf(hi_q, n, p)
    if plain.any():
        lower[plain], upper[plain] = poisson.ppf(lo_q, mean[plain]), poisson.ppf(hi_q, mean[plain])
    return lower, upper


def split_noise(units: np.ndarray, parent_units: np.ndarray, share: float) -> float:
    """The product's weekly scatter around `share` of its parent over these weeks (mean squared split error)."""
    return float(np.mean((units - share * parent_units) ** 2)) if len(units) else 0.0


def split_down(parent: Forecast, share: float, noise: float = 0.0) -> Forecast:
    """The product's weekly forecast: `share` of the parent's, with a count interval per week; `noise` is the
    product's own weekly variance around that share (`split_noise`)."""
    mean = share * parent.mean
    var = np.maximum(noise, mean) + (share * band_sd(parent)) ** 2
    lower, upper = count_interval(mean, var, parent.level)
    return Forecast(mean, lower, upper, parent.level, f"top-down({parent.method})")


def split_down_total(parent: Forecast, share: float, noise: float = 0.0) -> tuple[float, float, float]:
    """(mean, lower, upper) of the product's units over the whole horizon. The parent's weekly errors are taken to move
    together (a wrong level is wrong every week), so their sds add; the product's own weekly noise adds in variance."""
    mean = float(share * parent.mean.sum())
    var = max(noise * parent.mean.size, mean) + float(share * band_sd(parent).sum()) ** 2
    lower, upper = count_interval(np.array([mean]), np.array([var]), parent.level)
    return mean, float(lower[0]), float(upper[0])
