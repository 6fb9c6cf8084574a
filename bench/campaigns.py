"""Campaign-results benchmark: `python -m bench.campaigns` -> bench/results/campaigns.json and campaigns.png.

A simulated stream whose true rates are set here (no real ad data is public with per-variant truth). Each day a budget
of impressions is split between an ad group's variants by an allocation policy from the posteriors of everything
seen so far (exactly the code the workspace runs: `assistant.workspace.results_stats`); each variant's clicks and
conversions are drawn from binomials at its true CTR and conversion rate. The value of an impression is its expected
conversions (CTR x conversion rate).

Measured, per scenario over several seeds (mean and standard deviation):
- cumulative regret (expected conversions lost) of Thompson sampling against the best fixed split in hindsight (all
  impressions on the truly best variant: the objective is linear in the split, so no mixed split does better), and of
  the equal split in the same run (the baseline); their ratio.
- how often the variant with the highest posterior probability of being best is the truly best one once every
  variant has had 2,000 impressions (the issue's target: >= 95%), by the best variant's lift over the others; and how
  often the workspace would call a winner (P(best) >= 0.95) and how often that called winner is the truly best.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from assistant.workspace.results import DECIDED  # noqa: E402
from assistant.workspace.results_stats import (  # noqa: E402
    AllocationPolicy,
    EqualSplit,
    ThompsonSplit,
    VariantCounts,
    ctr_draws,
    probability_best,
    value_draws,
)

RESULTS = Path(__file__).parent / "results"
# name -> (true CTRs, true conversion rates): typical search-ad rates; the gaps are the ones A/B tests chase.
SCENARIOS: dict[str, tuple[list[float], list[float]]] = {
    "3 variants, CTR 3.0/3.6/4.2%, conv. 4%": ([0.030, 0.036, 0.042], [0.04, 0.04, 0.04]),
    "4 close variants, CTR 3.0-3.6%, conv. 5%": ([0.030, 0.032, 0.034, 0.036], [0.05, 0.05, 0.05, 0.05]),
    "2 variants, same CTR 3%, conv. 3% vs 4.5%": ([0.03, 0.03], [0.030, 0.045]),
}
DAYS = 60
DAILY_IMPRESSIONS = 2_000
SEEDS = 20
POLICY_DRAWS = 4_000  # per daily decision (the workspace uses 20,000 for the figures it shows)
CHECK_IMPRESSIONS = 2_000  # per variant, for the "is the best found" check
CHECK_RUNS = 1_000
LIFTS = [0.10, 0.20, 0.30, 0.40, 0.50]  # the best variant's CTR over the others' (base 3%)


def run_stream(policy: AllocationPolicy, ctr: np.ndarray, cvr: np.ndarray, seed: int) -> np.ndarray:
    """Cumulative regret per day of one policy on one simulated stream."""
    rng = np.random.default_rng(seed)
    k = len(ctr)
    value = ctr * cvr
    seen = np.zeros((k, 3))  # impressions, clicks, conversions
    regret = np.zeros(DAYS)
    for day in range(DAYS):
        counts = [VariantCounts(*row) for row in seen]
        samples = value_draws(counts, per_cost=False, draws=POLICY_DRAWS, seed=seed * 1000 + day)
        shares = policy.split(samples)
        shown = rng.multinomial(DAILY_IMPRESSIONS, shares / shares.sum())
        clicks = rng.binomial(shown, ctr)
        conversions = rng.binomial(clicks, cvr)
        seen += np.column_stack([shown, clicks, conversions])
        regret[day] = (regret[day - 1] if day else 0.0) + DAILY_IMPRESSIONS * value.max() - shown @ value
    return regret


def regret_study() -> tuple[dict, dict]:
    out, curves = {}, {}
    for name, (ctr, cvr) in SCENARIOS.items():
        ctr_a, cvr_a = np.asarray(ctr), np.asarray(cvr)
        runs = {
            policy.name: np.array([run_stream(policy, ctr_a, cvr_a, seed) for seed in range(SEEDS)])
            for policy in (ThompsonSplit(), EqualSplit())
        }
        final = {k: v[:, -1] for k, v in runs.items()}
        best = float(DAYS * DAILY_IMPRESSIONS * (ctr_a * cvr_a).max())
        out[name] = {
            "true_ctr": ctr,
            "true_conversion_rate": cvr,
            "impressions": DAYS * DAILY_IMPRESSIONS,
            "best_fixed_split_expected_conversions": round(best, 2),
            "regret_thompson": {"mean": round(float(final["thompson"].mean()), 2),
                                "std": round(float(final["thompson"].std(ddof=1)), 2)},
            "regret_equal_split": {"mean": round(float(final["equal"].mean()), 2),
                                   "std": round(float(final["equal"].std(ddof=1)), 2)},
            "ratio_regret_thompson_vs_equal": round(float(final["thompson"].mean() / final["equal"].mean()), 3),
            "share_of_best_conversions_lost_thompson": round(float(final["thompson"].mean() / best), 4),
        }  # fmt: skip
        curves[name] = runs
    return out, curves


def best_found_study() -> dict:
    """Hit rate of argmax P(best) once each variant has CHECK_IMPRESSIONS, by lift, for CTR (the rate 2,000 impressions
    can tell apart; at 3% CTR and 4% conversion, 2,000 impressions hold about 2.4 conversions per variant)."""
    rng = np.random.default_rng(7)
    out = {}
    for k in (2, 3):
        for lift in LIFTS:
            ctr = np.full(k, 0.03)
            ctr[-1] *= 1 + lift
            hits = called = called_right = 0
            for run in range(CHECK_RUNS):
                clicks = rng.binomial(CHECK_IMPRESSIONS, ctr)
                counts = [VariantCounts(CHECK_IMPRESSIONS, c, 0) for c in clicks]
                p = probability_best(ctr_draws(counts, draws=POLICY_DRAWS, seed=run))
                right = int(np.argmax(p) == k - 1)
                hits += right
                if p.max() >= DECIDED:  # the workspace calls a winner
                    called += 1
                    called_right += right
            out[f"{k} variants, best CTR +{lift:.0%}"] = {
                "leader_is_best": round(hits / CHECK_RUNS, 3),
                "winner_called": round(called / CHECK_RUNS, 3),
                "called_winner_is_best": round(called_right / called, 3) if called else None,
            }
    return out


def plot(curves: dict, path: Path) -> None:
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.8), layout="constrained")
    days = np.arange(1, DAYS + 1)
    for ax, (name, runs) in zip(np.atleast_1d(axes), curves.items(), strict=True):
        for policy, label in (("thompson", "Thompson sampling"), ("equal", "equal split")):
            mean, std = runs[policy].mean(axis=0), runs[policy].std(axis=0, ddof=1)
            ax.plot(days, mean, label=label)
            ax.fill_between(days, mean - std, mean + std, alpha=0.2)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(f"day ({DAILY_IMPRESSIONS:,} impressions a day)")
        ax.set_ylabel("cumulative regret (conversions)")
        ax.legend(fontsize=8)
    figure.suptitle(f"Regret against the best fixed split, mean ± 1 sd over {SEEDS} seeds")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    started = time.perf_counter()
    regret, curves = regret_study()
    found = best_found_study()
    RESULTS.mkdir(exist_ok=True)
    plot(curves, RESULTS / "campaigns.png")
    result = {
        "what": "simulated ad stream, true rates set in bench/campaigns.py; policies from assistant.workspace.results_stats",
        "days": DAYS,
        "daily_impressions": DAILY_IMPRESSIONS,
        "seeds": SEEDS,
        "prior": "Beta(1, 1) on CTR and on conversion rate",
        "regret": regret,
        "best_found_after_2000_impressions_each": found,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": platform.platform(),
    }  # fmt: skip
    (RESULTS / "campaigns.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"regret": regret, "best_found": found}, indent=2))


if __name__ == "__main__":
    main()
