"""Customer segments: k-means on scaled log-RFM, the number of segments chosen by silhouette, named in marketing terms.

RFM = recency (days since the last order), frequency (distinct orders), monetary (total spend). Their logs are
standardised, clustered for each k in `k_range`, and the k with the best silhouette (on a sample, so a million customers
stay fast) is kept.

Naming follows the usual RFM segment definitions, scored against the shop's own customers rather than fixed numbers:
each cluster gets r/f/m scores in [0, 1] (the share of all customers it is more recent / more frequent / bigger spending
than, using its members' medians), and is "lapsed" when its median recency is well past the shop's typical repurchase
gap (LAPSE_FACTOR x the median gap between orders of repeat buyers). A name's prototype is a point in that score space,
and names that need a recent customer (Champions, Loyal, Potential loyalists, New) are barred from lapsed clusters while
names that mean lapsed (At risk, Can't lose them, Hibernating) are barred from active ones; clusters and names are then
matched jointly (Hungarian) so names are unique. This is why a cluster of frequent, big spenders who have not bought for
twice their usual gap is "At risk", not "Loyal": plain distances in z-space called it Loyal because its recency was
average for the whole shop, where most of the old recency belongs to one-time buyers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from assistant.commerce.models.artifacts import load_arrays, load_json, save_arrays, save_json
from assistant.commerce.models.base import Segmenter, SegmentProfile
from assistant.errors import NotFound

# Prototypes as (r, f, m) scores in [0, 1]: r = share of customers this cluster bought more recently than (1 = most
# recent), f and m = share of customers it out-orders / out-spends. The last field says which clusters may carry the name:
# "active" (not lapsed), "lapsed", or "any".
PROTOTYPES: dict[str, tuple[float, float, float, str]] = {
    "Champions": (0.9, 0.9, 0.9, "active"),
    "Loyal": (0.65, 0.8, 0.75, "active"),
    "Potential loyalists": (0.85, 0.55, 0.55, "active"),
    "New": (0.85, 0.2, 0.3, "active"),
    "Need attention": (0.5, 0.5, 0.5, "any"),
    "At risk": (0.3, 0.75, 0.75, "lapsed"),
    "Can't lose them": (0.1, 0.95, 0.95, "lapsed"),
    "About to sleep": (0.35, 0.3, 0.35, "any"),
    "Hibernating": (0.1, 0.2, 0.15, "lapsed"),
}
# A cluster is lapsed when its median recency exceeds this many typical repurchase gaps.
LAPSE_FACTOR = 1.5
# Names that describe one-order customers ("New") need a median frequency of one; names that describe a customer's
# value (At risk, Can't lose them) need f or m above the median customer.
# "New" is defined by one order and not lapsed (both enforced as bars); how recent within that matters less, because in a
# shop whose regulars bought last week a first order three weeks ago ranks only middling on recency.
_RECENCY_WEIGHT = {"New": 0.25}
_BARRED = 10.0  # cost of a name a cluster may not carry: larger than any distance in the unit cube (max 3)


def normalise_name(name: str) -> str:
    """Compare segment names loosely: "At-risk", "at risk", "AT_RISK" and "At risk" are the same; "cant" = "can't"."""
    text = re.sub(r"['\u2019`]", "", str(name).lower())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def repurchase_gap_days(orders: pd.DataFrame) -> float | None:
    """Median, over repeat buyers, of the mean days between their orders; None when nobody ordered twice."""
    first_last = orders.groupby(orders["customer_id"].astype(str)).agg(
        first=("ordered_at", "min"), last=("ordered_at", "max"), n=("order_id", "nunique")
    )
    repeat = first_last[first_last["n"] > 1]
    if repeat.empty:
        return None
    gaps = (repeat["last"] - repeat["first"]).dt.total_seconds() / 86400.0 / (repeat["n"] - 1)
    return float(gaps.median())


def rfm_table(orders: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per customer: recency_days, frequency, monetary from order lines (customer_id, order_id, ordered_at, revenue)."""
    if as_of is None:
        as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    orders = orders[orders["ordered_at"] < as_of]
    grouped = orders.groupby(orders["customer_id"].astype(str))
    rfm = pd.DataFrame(
        {
            "recency_days": (as_of - grouped["ordered_at"].max()).dt.total_seconds() / 86400.0,
            "frequency": grouped["order_id"].nunique().astype(float),
            "monetary": grouped["revenue"].sum().clip(lower=0.0),
        }
    )
    rfm.index.name = "customer_id"
    return rfm


class RFMSegmenter(Segmenter):
    """See the module docstring."""

    def __init__(self, k_range: tuple[int, int] = (3, 7), sample: int = 5000, seed: int = 7):
        self.k_range = k_range
        self.sample = sample
        self.seed = seed
        self.meta: dict = {}
        self._profiles: list[SegmentProfile] = []

    # ---------------------------------------------------------------- training
    def _scale(self, rfm: pd.DataFrame) -> np.ndarray:
        logs = np.log1p(rfm[["recency_days", "frequency", "monetary"]].to_numpy(dtype=np.float64))
        return (logs - self.mean) / self.scale

    def fit(self, orders: pd.DataFrame, as_of: pd.Timestamp | None = None) -> RFMSegmenter:
        """Fit on order lines (customer_id, order_id, ordered_at, revenue, optional category)."""
        if as_of is None:
            as_of = orders["ordered_at"].max().normalize() + pd.Timedelta(days=1)
        rfm = rfm_table(orders, as_of)
        self.fit_rfm(rfm, gap_days=repurchase_gap_days(orders[orders["ordered_at"] < as_of]))
        self.meta["as_of"] = str(as_of)
        self._profiles = self._build_profiles(rfm, orders[orders["ordered_at"] < as_of])
        return self

    def fit_rfm(self, rfm: pd.DataFrame, gap_days: float | None = None) -> RFMSegmenter:
        """Cluster a ready RFM table (index customer_id). Used by `fit` and by the scale benchmark.

        `gap_days`: the shop's typical repurchase gap (`repurchase_gap_days`); without order history it is estimated
        as twice the median recency of repeat buyers (an active one is on average half-way through a gap).
        """
        if len(rfm) < self.k_range[0] + 1:
            raise ValueError(f"too few customers to segment ({len(rfm)})")
        logs = np.log1p(rfm[["recency_days", "frequency", "monetary"]].to_numpy(dtype=np.float64))
        self.mean, self.scale = logs.mean(axis=0), logs.std(axis=0) + 1e-9
        X = (logs - self.mean) / self.scale
        rng = np.random.default_rng(self.seed)
        sample = X[rng.choice(len(X), self.sample, replace=False)] if len(X) > self.sample else X
        best = None
        with threadpool_limits(
            limits=1, user_api="openmp"
        ):  # see recommender.py: threads fight on small machines
            for k in range(self.k_range[0], min(self.k_range[1], len(sample) - 1) + 1):
                model = self._kmeans(k, len(X)).fit(sample)
                score = float(silhouette_score(sample, model.labels_))
                self.meta.setdefault("silhouette_by_k", {})[k] = round(score, 4)
                if best is None or score > best[0]:
                    best = (score, k, model)
            score, k, model = best
            # Refine the chosen centres on all customers (cheap), then label everyone.
            final = self._kmeans(k, len(X), init=model.cluster_centers_).fit(X)
            labels = final.predict(X)
        self.centers = final.cluster_centers_
        self.names = self._name(rfm, labels, k, gap_days)
        self.customers = np.asarray(rfm.index.astype(str))
        self.labels = labels.astype(np.int16)
        self._row = {c: r for r, c in enumerate(self.customers)}
        self.meta.update({"k": int(k), "silhouette": round(score, 4), "customers": int(len(X))})
        return self

    def _kmeans(self, k: int, n: int, init=None):
        if n > 50_000:
            return MiniBatchKMeans(
                n_clusters=k,
                batch_size=10_000,
                n_init=1 if init is not None else 3,
                init=init if init is not None else "k-means++",
                random_state=self.seed,
            )
        return KMeans(
            n_clusters=k,
            n_init=1 if init is not None else 4,
            init=init if init is not None else "k-means++",
            random_state=self.seed,
        )

    def _name(self, rfm: pd.DataFrame, labels: np.ndarray, k: int, gap_days: float | None) -> list[str]:
        """Unique marketing names for clusters 0..k-1 from their RFM scores (see the module docstring)."""
        raw = {c: rfm[c].to_numpy(dtype=np.float64) for c in ("recency_days", "frequency", "monetary")}
        if gap_days is None or not np.isfinite(gap_days) or gap_days <= 0:
            repeat = raw["recency_days"][raw["frequency"] > 1]
            # An active repeat buyer is on average half-way through their gap, so the gap is about twice that.
            gap_days = 2.0 * float(np.median(repeat if len(repeat) else raw["recency_days"]))
        lapsed_after = LAPSE_FACTOR * gap_days
        order = {c: np.sort(v) for c, v in raw.items()}
        n = len(labels)

        def share_below(column: str, value: float) -> float:
            # Mid-rank: ties count half, so one-time buyers (often half the shop) score about 0.25, not 0 or 0.5.
            lo = np.searchsorted(order[column], value, side="left")
            hi = np.searchsorted(order[column], value, side="right")
            return float(lo + (hi - lo) / 2) / n

        names = list(PROTOTYPES)
        cost = np.zeros((k, len(names)))
        scores = {}
        for cluster in range(k):
            members = labels == cluster
            if not members.any():  # an empty cluster (possible with mini-batches): any free name, last choice
                cost[cluster] = _BARRED / 2
                continue
            med = {c: float(np.median(v[members])) for c, v in raw.items()}
            r = 1.0 - share_below("recency_days", med["recency_days"])
            f, m = share_below("frequency", med["frequency"]), share_below("monetary", med["monetary"])
            lapsed = med["recency_days"] > lapsed_after
            scores[cluster] = {"r": round(r, 3), "f": round(f, 3), "m": round(m, 3), "lapsed": bool(lapsed)}
            for j, name in enumerate(names):
                pr, pf, pm, when = PROTOTYPES[name]
                cost[cluster, j] = (
                    _RECENCY_WEIGHT.get(name, 1.0) * (r - pr) ** 2 + (f - pf) ** 2 + (m - pm) ** 2
                )
                barred = (when == "active" and lapsed) or (when == "lapsed" and not lapsed)
                barred |= name == "New" and med["frequency"] > 1
                # Not yet past one usual repurchase gap: too early to say they are drifting off.
                barred |= name == "About to sleep" and med["recency_days"] <= gap_days
                barred |= name in ("At risk", "Can't lose them") and max(f, m) < 0.5
                cost[cluster, j] += _BARRED if barred else 0.0
        rows, cols = linear_sum_assignment(cost)
        out = [""] * k
        for row, col in zip(rows, cols, strict=True):
            out[row] = names[col]
        self.meta["naming"] = {
            "repurchase_gap_days": round(gap_days, 1),
            "lapsed_after_days": round(lapsed_after, 1),
            "clusters": {out[c]: v for c, v in scores.items()},
        }
        return out

    def _build_profiles(self, rfm: pd.DataFrame, orders: pd.DataFrame) -> list[SegmentProfile]:
        seg = pd.Series([self.names[label] for label in self.labels], index=self.customers, name="segment")
        table = rfm.join(seg)
        lines = orders.assign(customer_id=orders["customer_id"].astype(str)).join(seg, on="customer_id")
        has_category = "category" in lines.columns and (lines["category"].astype(str) != "").any()
        profiles = []
        for name, group in table.groupby("segment"):
            cats: list[tuple[str, float]] = []
            if has_category:
                spend = lines[lines["segment"] == name].groupby("category")["revenue"].sum()
                spend = spend[spend.index != ""].sort_values(ascending=False)
                total = float(spend.sum()) or 1.0
                cats = [(str(c), round(float(v) / total, 3)) for c, v in spend.head(5).items()]
            profiles.append(
                SegmentProfile(
                    name=str(name),
                    size=len(group),
                    share=round(len(group) / len(table), 4),
                    recency_days=round(float(group["recency_days"].mean()), 1),
                    frequency=round(float(group["frequency"].mean()), 2),
                    monetary=round(float(group["monetary"].mean()), 2),
                    top_categories=cats,
                )
            )
        return sorted(profiles, key=lambda p: -p.monetary * p.size)

    def set_top_products(self, top: dict[str, list[str]]) -> None:
        """Attach the recommended products of each segment (from the recommender) to the profiles."""
        for profile in self._profiles:
            profile.top_products = list(top.get(profile.name, []))

    # ---------------------------------------------------------------- serving
    def predict(self, rfm: pd.DataFrame) -> np.ndarray:
        """Segment names for an RFM table (new customers or a later snapshot), by the nearest centre."""
        X = self._scale(rfm)
        labels = ((X[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        return np.array(self.names)[labels]

    def assign(self, customer_id: str) -> str:
        row = self._row.get(str(customer_id))
        if row is None:
            raise NotFound(f"customer {customer_id!r} has no orders, so no segment")
        return self.names[self.labels[row]]

    def profiles(self) -> list[SegmentProfile]:
        return list(self._profiles)

    def profile(self, name: str) -> SegmentProfile:
        wanted = normalise_name(name)
        for profile in self._profiles:
            if normalise_name(profile.name) == wanted:
                return profile
        raise NotFound(f"unknown segment {name!r} (known: {', '.join(p.name for p in self._profiles)})")

    def members(self, name: str) -> list[str]:
        """Customer ids of a segment (name compared loosely, see `normalise_name`); `NotFound` for an unknown one."""
        name = self.profile(name).name
        label = self.names.index(name)
        return [str(c) for c in self.customers[self.labels == label]]

    def segment_map(self) -> dict[str, str]:
        return {str(c): self.names[label] for c, label in zip(self.customers, self.labels, strict=True)}

    def plot(self, path: Path, rfm: pd.DataFrame | None = None) -> Path:
        """Recency vs frequency scatter coloured by segment, beside segment sizes (PNG, matplotlib Agg)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        X = self.centers  # fall back to the centres when the RFM table is not at hand
        rng = np.random.default_rng(self.seed)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
        if rfm is not None:
            rows = rng.choice(len(rfm), min(len(rfm), 5000), replace=False)
            sub = rfm.iloc[rows]
            names = self.predict(sub)
            for name in self.names:
                m = names == name
                ax1.scatter(
                    sub["recency_days"][m],
                    sub["frequency"][m],
                    s=6,
                    alpha=0.5,
                    label=name,
                    color=f"C{self.names.index(name) % 10}",
                )
            ax1.set_yscale("log")
        else:
            for name, center in zip(self.names, X, strict=True):
                ax1.scatter([center[0]], [center[1]], s=80, label=name)
        ax1.set_xlabel("recency (days since last order)")
        ax1.set_ylabel("frequency (orders)")
        ax1.set_title("Customers by segment")
        ax1.legend(fontsize=8)
        sizes = [p.size for p in self._profiles] or [
            int((self.labels == i).sum()) for i in range(len(self.names))
        ]
        labels = [p.name for p in self._profiles] or self.names
        ax2.barh(
            labels, sizes, color=[f"C{self.names.index(n) % 10}" for n in labels]
        )  # colours as in the scatter
        ax2.set_xlabel("customers")
        ax2.set_title("Segment sizes")
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, dpi=100)
        plt.close(fig)
        tmp.replace(path)
        return path

    # ---------------------------------------------------------------- artifacts
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_arrays(
            directory / "segments.npz",
            {
                "customers": self.customers.astype(str),
                "labels": self.labels,
                "centers": self.centers,
                "mean": self.mean,
                "scale": self.scale,
            },
        )
        save_json(
            directory / "segments.json",
            {"names": self.names, "meta": self.meta, "profiles": [p.as_dict() for p in self._profiles]},
        )

    @classmethod
    def load(cls, directory: Path) -> RFMSegmenter:
        directory = Path(directory)
        arrays = load_arrays(directory / "segments.npz")
        info = load_json(directory / "segments.json")
        model = cls()
        model.customers, model.labels, model.centers = (
            arrays["customers"],
            arrays["labels"],
            arrays["centers"],
        )
        model.mean, model.scale = arrays["mean"], arrays["scale"]
        model.names, model.meta = info["names"], info["meta"]
        model._profiles = [
            SegmentProfile(**{**p, "top_categories": [tuple(c) for c in p["top_categories"]]})
            for p in info["profiles"]
        ]
        model._row = {c: r for r, c in enumerate(model.customers)}
        return model
