"""How sure we are which ad variant works: beta-binomial posteriors, the probability each variant is best, and the
budget split an allocation policy recommends.

Each variant's click-through rate (clicks / impressions) and conversion rate (conversions / clicks) gets a Beta
posterior from a uniform Beta(1, 1) prior: Beta(1 + successes, 1 + trials - successes). Conversions may be fractional
(Google's data-driven attribution credits parts of a conversion); a Beta posterior takes real-valued counts as they
are. A variant's value is conversions per impression (CTR x conversion rate), or conversions per unit of money when
every variant of the group has a cost (value per impression / cost per impression, the cost taken as known).

"Probability best" is Monte Carlo: draw the value of every variant from its posteriors many times (a seeded generator,
so the same data gives the same figures) and count how often each draw is the highest. The allocation policy turns the
same draws into a budget split: Thompson sampling gives each variant the share of draws it wins (probability
matching, which is what Thompson sampling spends in expectation over a batch of impressions), the equal split 1/k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from scipy import stats

PRIOR_ALPHA = (
    1.0  # Beta(1, 1): every rate equally likely before any impression (no shop-wide prior is assumed)
)
PRIOR_BETA = 1.0
CREDIBLE_LEVEL = 0.95  # equal-tailed credible interval
DRAWS = 20_000  # Monte Carlo draws per variant: P(best) to about +-0.004 (binomial s.e. at 0.5)
SEED = 20261207  # fixed: the same report gives the same figures every time it is shown

PolicyName = Literal["thompson", "equal"]


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(alpha, beta) over a rate, with its mean, variance and equal-tailed credible interval."""

    alpha: float
    beta: float

    @classmethod
    def of(cls, successes: float, trials: float) -> BetaPosterior:
        """The posterior after `successes` out of `trials` under the uniform prior."""
        if trials < 0 or successes < 0 or successes > trials:
            raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
        return cls(PRIOR_ALPHA + successes, PRIOR_BETA + trials - successes)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total * total * (total + 1.0))

    def interval(self, level: float = CREDIBLE_LEVEL) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        low, high = stats.beta.ppf([tail, 1.0 - tail], self.alpha, self.beta)
        return float(low), float(high)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.beta(self.alpha, self.beta, size)


@dataclass(frozen=True)
class VariantCounts:
    """What the reports say one variant did, summed over imports."""

    impressions: float
    clicks: float
    conversions: float
    cost: float = 0.0

    @property
    def ctr(self) -> BetaPosterior:
        return BetaPosterior.of(self.clicks, self.impressions)

    @property
    def cvr(self) -> BetaPosterior:
        return BetaPosterior.of(self.conversions, self.clicks)


def value_draws(
    variants: list[VariantCounts], *, per_cost: bool, draws: int = DRAWS, seed: int = SEED
) -> np.ndarray:
    """(draws, k) samples of each variant's value: CTR x conversion rate, divided by cost per impression if `per_cost`."""
    rng = np.random.default_rng(seed)
    columns = []
    for v in variants:
        value = v.ctr.sample(rng, draws) * v.cvr.sample(rng, draws)
        if per_cost:
            value = value / (v.cost / v.impressions)
        columns.append(value)
    return np.column_stack(columns) if columns else np.empty((draws, 0))


def ctr_draws(variants: list[VariantCounts], *, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """(draws, k) samples of each variant's click-through rate."""
    rng = np.random.default_rng(seed)
    return np.column_stack([v.ctr.sample(rng, draws) for v in variants])


def probability_best(samples: np.ndarray) -> np.ndarray:
    """How often each column holds the row's highest value (ties go to the first, which has probability 0 here)."""
    if samples.shape[1] == 0:
        return np.empty(0)
    wins = np.bincount(np.argmax(samples, axis=1), minlength=samples.shape[1])
    return wins / samples.shape[0]


@runtime_checkable
class AllocationPolicy(Protocol):
    """Turns posterior draws of each variant's value into the share of the next budget each variant should get."""

    name: str

    def split(self, samples: np.ndarray) -> np.ndarray:
        """Shares (k,) that are >= 0 and sum to 1, from samples of shape (draws, k)."""
        ...


class ThompsonSplit:
    """Thompson sampling for a batch: each variant gets the share of posterior draws in which it is best."""

    name = "thompson"

    def split(self, samples: np.ndarray) -> np.ndarray:
        return probability_best(samples)


class EqualSplit:
    """The same share for every variant, whatever the data say (the usual A/B test until a winner is declared)."""

    name = "equal"

    def split(self, samples: np.ndarray) -> np.ndarray:
        k = samples.shape[1]
        return np.full(k, 1.0 / k) if k else np.empty(0)


POLICIES: dict[str, type[AllocationPolicy]] = {"thompson": ThompsonSplit, "equal": EqualSplit}


def allocation_policy(name: str) -> AllocationPolicy:
    """The policy `name` ("thompson" or "equal"; the setting MKA_RESULTS_POLICY)."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown allocation policy {name!r}; choose one of {', '.join(POLICIES)}") from None
