"""The statistics behind campaign results: Beta posteriors against their closed forms, probability best, and the
allocation policies' contract."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from assistant.settings import Settings
from assistant.workspace.results_stats import (
    AllocationPolicy,
    BetaPosterior,
    EqualSplit,
    ThompsonSplit,
    VariantCounts,
    allocation_policy,
    ctr_draws,
    probability_best,
    value_draws,
)


@pytest.mark.parametrize(("successes", "trials"), [(0, 0), (30, 1000), (2.5, 40), (900, 1000)])
def test_beta_posterior_against_closed_forms(successes: float, trials: float) -> None:
    post = BetaPosterior.of(successes, trials)
    a, b = 1 + successes, 1 + trials - successes
    assert (post.alpha, post.beta) == (a, b)
    assert post.mean == pytest.approx(a / (a + b))
    assert post.variance == pytest.approx(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert post.variance == pytest.approx(stats.beta.var(a, b))
    low, high = post.interval(0.95)
    assert stats.beta.cdf(low, a, b) == pytest.approx(0.025) and stats.beta.cdf(high, a, b) == pytest.approx(
        0.975
    )
    draws = post.sample(np.random.default_rng(1), 200_000)
    assert draws.mean() == pytest.approx(post.mean, abs=4 * np.sqrt(post.variance / 200_000))


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        BetaPosterior.of(11, 10)
    with pytest.raises(ValueError):
        BetaPosterior.of(-1, 10)


def test_probability_best_sanity() -> None:
    two = [VariantCounts(2_000, 40, 4), VariantCounts(2_000, 55, 4)]
    a, b = two[0].ctr, two[1].ctr
    grid = np.linspace(0, 0.08, 20_001)  # P(B > A) = integral of f_B(x) F_A(x) dx
    exact = np.trapezoid(stats.beta.pdf(grid, b.alpha, b.beta) * stats.beta.cdf(grid, a.alpha, a.beta), grid)
    p = probability_best(ctr_draws(two))
    assert p[1] == pytest.approx(exact, abs=0.01) and p.sum() == pytest.approx(1)
    clear = [VariantCounts(10_000, 200, 20), VariantCounts(10_000, 400, 80)]
    assert probability_best(value_draws(clear, per_cost=False))[1] > 0.999
    same = [VariantCounts(5_000, 100, 10)] * 4
    p = probability_best(value_draws(same, per_cost=False))
    assert np.allclose(p, 0.25, atol=0.02)  # identical evidence: no favourite
    # seeded: the same data give the same figures; per unit of cost, a variant twice as cheap wins at equal rates
    assert np.array_equal(value_draws(same, per_cost=False), value_draws(same, per_cost=False))
    cheap = [VariantCounts(10_000, 300, 30, cost=100.0), VariantCounts(10_000, 300, 30, cost=200.0)]
    assert probability_best(value_draws(cheap, per_cost=True))[0] > 0.99


@pytest.mark.parametrize("policy", [ThompsonSplit(), EqualSplit()], ids=lambda p: p.name)
def test_allocation_policy_contract(policy: AllocationPolicy) -> None:
    assert isinstance(policy, AllocationPolicy)
    rng = np.random.default_rng(3)
    for k in (1, 2, 5):
        samples = rng.beta(2, 50, size=(4_000, k)) * np.linspace(1, 1.5, k)
        shares = policy.split(samples)
        assert shares.shape == (k,) and (shares >= 0).all() and shares.sum() == pytest.approx(1)
    assert policy.split(np.empty((10, 0))).shape == (0,)


def test_thompson_follows_the_evidence_and_equal_does_not() -> None:
    samples = value_draws([VariantCounts(4_000, 80, 8), VariantCounts(4_000, 160, 16)], per_cost=False)
    shares = ThompsonSplit().split(samples)
    assert shares[1] > 0.9 and shares.tolist() == probability_best(samples).tolist()  # probability matching
    assert EqualSplit().split(samples).tolist() == [0.5, 0.5]


def test_the_policy_comes_from_the_settings() -> None:
    assert allocation_policy(Settings(_env_file=None).results_policy).name == "thompson"
    assert allocation_policy(Settings(results_policy="equal", _env_file=None).results_policy).name == "equal"
    with pytest.raises(ValueError):
        allocation_policy("greedy")


def test_report_layouts_are_data_with_their_sources() -> None:
    from assistant.workspace.results_import import report_layouts

    layouts = report_layouts()
    assert set(layouts) == {"google-ads", "meta-ads"}
    for layout in layouts.values():
        assert layout.sources and layout.verified  # where each name was (or could not be) checked
        for name in layout.required:
            spec = layout.fields[name]
            assert spec.names or (spec.pattern and spec.label), (layout.key, name)
    assert layouts["meta-ads"].columns(["Campaign name", "Ad name", "Impressions", "Link clicks", "Results",
                                        "Amount spent (USD)"]) is not None  # fmt: skip
    assert layouts["google-ads"].columns(["campaign", "AD  GROUP", "Impr.", "Clicks", "Conversions", "Cost"])
