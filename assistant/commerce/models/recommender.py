"""The shop's recommender: repeat buying blended with co-occurrence and popularity, the blend learned on a validation
window cut from the end of the training period.

How it trains (`fit`):
1. Cut the last `val_days` (one or more windows) off the data; build features at each cut (`features.py`) for the
   customers who bought in the window, label the items they bought there, and fit a gradient-boosted ranker. Nothing
   after the data's end is seen, and a benchmark's test window is never touched. Shops with too little data get a
   fixed blend instead.
2. Build features on all the data and score every known customer's candidates. The ranker itself is not stored (that
   would need pickle): the top `keep` items per customer are, with their reasons, plus item neighbours (co-occurrence,
   then content similarity for items nobody bought yet), recent popularity and popularity per segment.

Serving: reasons name products ("bought together with Trail Gas 230 g Canister"), never ids; an owned durable product
is never suggested again, a consumable may be (`repeat_rules`: data, applied at load, so a changed rule needs no retrain).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from assistant.commerce.models import features as fx
from assistant.commerce.models.artifacts import load_arrays, load_json, save_arrays, save_json
from assistant.commerce.models.base import Recommendation, Recommender
from assistant.commerce.models.content import TextEncoder, TfidfEncoder, content_neighbours, merged_neighbours
from assistant.commerce.models.repeat_rules import RepeatRules, load_rules
from assistant.commerce.models.segment_picks import segment_picks
from assistant.commerce.models.segment_side import SegmentTables, segment_tables
from assistant.errors import NotFound, NotTrained

REASONS = {
    "regular": "you buy this regularly",
    "again": "you bought this before",
    "together": "bought together with {x}",
    "similar": "similar to {x}",
    "popular_segment": "popular in your segment ({x})",
    "popular": "popular right now",
}
CODES = list(REASONS)
ARTIFACT_FORMAT = 2  # 2: product names, categories and segment tables saved with the lists


class RepeatAwareRecommender(Recommender):
    """See the module docstring. `item_texts` (item_id -> text) enables content similarity for cold-start items."""

    def __init__(
        self,
        *,
        val_days: int = 28,
        val_windows: int = 3,
        keep: int = 100,
        neighbours: int = 20,
        explained: int = 30,
        encoder: TextEncoder | None = None,
        seed: int = 7,
        progress=None,
        rules: RepeatRules | None = None,
    ):
        self.val_days = val_days
        self.val_windows = val_windows
        self.keep = keep
        self.neighbours = neighbours
        self.explained = explained
        self.encoder = encoder or TfidfEncoder()
        self.seed = seed
        self._progress = progress or (lambda message: None)
        self.rules = rules or load_rules()
        self.meta: dict = {}

    # ---------------------------------------------------------------- training
    def _ranker(self, lines: pd.DataFrame, end: pd.Timestamp):
        """Fit the blend on the validation windows; None when they hold too few customers to learn from."""
        frames, labels = [], []
        for window in range(self.val_windows):
            cut = end - pd.Timedelta(days=self.val_days * (window + 1))
            stop = cut + pd.Timedelta(days=self.val_days)
            state = fx.build_state(lines, cut)
            future = lines[(lines["ordered_at"] >= cut) & (lines["ordered_at"] < stop)]
            truth = set(zip(future["customer_id"], future["item_id"], strict=True))
            buyers = state.users.get_indexer(future["customer_id"].unique())
            buyers = buyers[(buyers >= 0)]
            buyers = buyers[state.user_items[buyers] >= 5] if len(buyers) else buyers
            if len(buyers) < 20:
                continue
            pairs = fx.candidates(state, buyers)
            label = np.fromiter(
                ((state.users[u], state.items[i]) in truth for u, i in pairs), dtype=bool, count=len(pairs)
            )
            # Features on the full candidate lists (ranks within a customer depend on them), then every positive and a
            # sample of negatives: the same ranking for a fraction of the fitting time.
            F = fx.featurize(state, pairs)
            rng = np.random.default_rng(self.seed + window)
            keep = label | (rng.random(len(label)) < min(1.0, 3 * label.mean() / max(1 - label.mean(), 1e-9)))
            frames.append(F[keep])
            labels.append(label[keep])
            self._progress(
                f"validation window {window + 1}: {len(buyers)} customers, {int(label.sum())} positives"
            )
        if not frames or sum(int(y.sum()) for y in labels) < 50:
            return None
        model = HistGradientBoostingClassifier(
            max_iter=120,
            learning_rate=0.08,
            max_leaf_nodes=31,
            min_samples_leaf=100,
            early_stopping=False,
            random_state=self.seed,
        )
        model.fit(pd.concat(frames).to_numpy(), np.concatenate(labels))
        return model

    def fit(
        self,
        interactions: pd.DataFrame,
        *,
        item_texts: dict[str, str] | None = None,
        segments: dict[str, str] | None = None,
        as_of: pd.Timestamp | None = None,
        users: list[str] | None = None,
        item_names: dict[str, str] | None = None,
        item_categories: dict[str, tuple[str, ...]] | None = None,
    ) -> RepeatAwareRecommender:
        """Train on order lines (customer_id, item_id, order_id, ordered_at). `as_of` defaults to just after the last
        line; `users` limits the precomputed lists (all customers by default); `segments` maps customer -> segment;
        `item_names` are what reasons call products; `item_categories` their category names, most specific first
        (subcategory, category), for the durable/consumable rule."""
        self.item_names = item_names or {}
        self.item_categories = item_categories or {}
        # One OpenMP thread: on a small shared machine two threads spin-wait on each other (measured: 6 s vs 79 s).
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._fit(interactions, item_texts, segments, as_of, users)

    def _fit(self, interactions, item_texts, segments, as_of, users) -> RepeatAwareRecommender:
        started = time.perf_counter()
        lines = interactions[["customer_id", "item_id", "order_id", "ordered_at"]].copy()
        lines["customer_id"] = lines["customer_id"].astype(str)
        lines["item_id"] = lines["item_id"].astype(str)
        if as_of is None:
            as_of = lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)
        lines = lines[lines["ordered_at"] < as_of]
        if lines.empty:
            raise ValueError("no interactions to train on")
        model = self._ranker(lines, as_of)
        self._progress(
            "ranker learned on the validation windows" if model else "too little data: fixed blend"
        )
        known_items = pd.Index(lines["item_id"].unique())
        extra = [item for item in (item_texts or {}) if item not in set(known_items)]
        items = known_items.append(pd.Index(extra)) if extra else known_items
        state = fx.build_state(lines, as_of, items=items)
        rows = np.arange(len(state.users)) if users is None else state.users.get_indexer(users)
        rows = rows[rows >= 0]
        self._score_customers(state, rows, model)
        self._item_side(state, item_texts or {})
        self._segment_side(state, segments or {})
        self.names = [str(self.item_names.get(item) or item) for item in self.items]
        self.categories = [[str(c) for c in self.item_categories.get(item, ()) if c] for item in self.items]
        self.item_buyers = state.item_feats["buyers"].to_numpy().astype(np.float32)
        self.item_repeat = state.item_feats["repeat"].to_numpy().astype(np.float32)
        self._index()
        self.meta = {
            "as_of": str(as_of),
            "customers": len(self.customers),
            "items": len(self.items),
            "blend": "learned" if model else "fixed",
            "fit_seconds": round(time.perf_counter() - started, 2),
        }
        self._progress(f"recommender trained in {self.meta['fit_seconds']} s")
        return self

    def _score_customers(self, state: fx.State, rows: np.ndarray, model) -> None:
        keep = self.keep
        self.customers = [str(c) for c in state.users[rows]]
        self.items = [str(i) for i in state.items]
        self.top_items = top_items = np.full((len(rows), keep), -1, dtype=np.int32)
        self.top_scores = top_scores = np.zeros((len(rows), keep), dtype=np.float32)
        self.top_reason = top_reason = np.zeros((len(rows), keep), dtype=np.int8)
        self.top_related = top_related = np.full((len(rows), keep), -1, dtype=np.int32)
        for start in range(0, len(rows), 500):  # bounded memory
            chunk = rows[start : start + 500]
            pairs = fx.candidates(state, chunk)
            F = fx.featurize(state, pairs)
            scores = model.predict_proba(F.to_numpy())[:, 1] if model is not None else fx.heuristic_score(F)
            order = np.lexsort((-scores, pairs[:, 0]))
            pairs, scores, n_own = pairs[order], scores[order], F["n"].to_numpy()[order]
            bounds = np.searchsorted(pairs[:, 0], chunk)
            ends = np.append(bounds[1:], len(pairs))
            for row, (lo, hi) in enumerate(zip(bounds, ends, strict=True)):
                hi = min(hi, lo + keep)
                out = start + row
                items_u = pairs[lo:hi, 1]
                top_items[out, : hi - lo] = items_u
                top_scores[out, : hi - lo] = scores[lo:hi]
                if hi == lo:
                    continue
                u = pairs[lo, 0]
                counts = n_own[lo:hi]
                top_reason[out, : hi - lo] = np.where(
                    counts >= 2,
                    CODES.index("regular"),
                    np.where(counts == 1, CODES.index("again"), CODES.index("popular")),
                )
                # For new items: the customer's item that contributes most to the co-occurrence score ("bought
                # together with X"), worked out for the first ones only (the ones anybody is shown).
                w_idx = state.W.indices[state.W.indptr[u] : state.W.indptr[u + 1]]
                w_val = state.W.data[state.W.indptr[u] : state.W.indptr[u + 1]]
                new = np.flatnonzero(counts == 0)[: self.explained]
                if len(w_idx) and len(new):
                    contrib = w_val[:, None] * state.S[np.ix_(w_idx, items_u[new])]
                    best = contrib.argmax(axis=0)
                    has = contrib.max(axis=0) > 0
                    top_reason[out, new[has]] = CODES.index("together")
                    top_related[out, new[has]] = w_idx[best[has]]
        purchased = [state.X.indices[state.X.indptr[r] : state.X.indptr[r + 1]] for r in rows]
        self.purchased_ptr = np.r_[0, np.cumsum([len(p) for p in purchased])].astype(np.int64)
        self.purchased = (np.concatenate(purchased) if purchased else np.zeros(0)).astype(np.int32)

    def _item_side(self, state: fx.State, item_texts: dict[str, str]) -> None:
        # Co-occurrence neighbours first; content neighbours fill the rest (and are all a cold item has).
        k, texts = self.neighbours, [item_texts.get(item, item) for item in self.items]
        ct_idx, ct_val = content_neighbours(self.encoder.encode(texts), k) if len(texts) > 1 else (None, None)
        self.nb_items, self.nb_scores, self.nb_kind = merged_neighbours(state.S, ct_idx, ct_val, k)
        self.popular = np.argsort(
            -(state.item_feats["p30"].to_numpy() + 1e-3 * state.item_feats["buyers"].to_numpy()),
            kind="stable",
        )[:200].astype(np.int32)

    def _segment_side(self, state: fx.State, segments: dict[str, str]) -> None:
        """Per segment: what to recommend to it and what it buys (`segment_side`)."""
        pairs = state.pairs
        self.segment = segment_tables(
            pairs.index.get_level_values("u").to_numpy(),
            pairs.index.get_level_values("i").to_numpy(),
            pairs["n"].to_numpy(dtype=np.float64),
            pairs["last"].to_numpy(),
            np.array([segments.get(str(c), "") for c in state.users], dtype=object),
            len(self.items),
        )
        self.segment_names = self.segment.names
        self.customer_segment = [segments.get(c, "") for c in self.customers]

    def _index(self) -> None:
        self._cust_row = {c: r for r, c in enumerate(self.customers)}
        self._item_row = {i: r for r, i in enumerate(self.items)}
        # Classed when loaded, with the rules of now: a changed YAML applies without retraining.
        self.consumable = self.rules.consumable(self.categories, self.item_buyers, self.item_repeat)

    # ---------------------------------------------------------------- serving
    def name_of(self, item: int) -> str:
        """What a reason calls the product in row `item`: its name, its id when the shop gave none."""
        return self.names[item]

    def _rec(
        self, item: int, score: float, code: str, related: int = -1, segment: str = ""
    ) -> Recommendation:
        related_id = self.items[related] if related >= 0 else None
        x = segment if code == "popular_segment" else (self.name_of(related) if related >= 0 else "")
        return Recommendation(
            self.items[item], round(float(score), 4), REASONS[code].format(x=x), code, related_id
        )

    def _may_suggest(self, item: int, own: set[int], exclude_purchased: bool) -> bool:
        """Never a product the customer owns when it is durable (or when every purchase is excluded)."""
        return item not in own or (not exclude_purchased and bool(self.consumable[item]))

    def recommend(
        self, customer_id: str, k: int = 10, exclude_purchased: bool = False
    ) -> list[Recommendation]:
        """Top-`k` items for a customer, without the durable products they already bought. Unknown customers (no
        orders at training time) get popular items: callers that must refuse an unknown customer check first."""
        row = self._cust_row.get(str(customer_id))
        if row is None:
            return [self._rec(i, 1.0 / (r + 1), "popular") for r, i in enumerate(self.popular[:k])]
        own = set(self.purchased[self.purchased_ptr[row] : self.purchased_ptr[row + 1]].tolist())
        segment = self.customer_segment[row]
        out: list[Recommendation] = []
        lists = (self.top_items, self.top_scores, self.top_reason, self.top_related)
        ranked = zip(*(values[row] for values in lists), strict=True)
        for item, score, reason, related in ranked:
            if item < 0 or len(out) >= k:
                break
            if not self._may_suggest(int(item), own, exclude_purchased):
                continue
            code = CODES[reason]
            if code == "popular" and segment:
                code = "popular_segment"
            out.append(self._rec(int(item), score, code, int(related), segment=segment))
        fallback = self.segment.top[self.segment_names.index(segment)] if segment else self.popular
        taken = {r.item_id for r in out}
        for rank, item in enumerate(fallback):
            if len(out) >= k:
                break
            if (
                item < 0
                or self.items[item] in taken
                or not self._may_suggest(int(item), own, exclude_purchased)
            ):
                continue
            code = "popular_segment" if segment else "popular"
            out.append(self._rec(int(item), 0.001 / (rank + 1), code, segment=segment))
        return out

    def similar(self, item_id: str, k: int = 10) -> list[Recommendation]:
        """Items bought together with this one, then items with similar text; `NotFound` for an unknown item."""
        row = self._item_row.get(str(item_id))
        if row is None:
            raise NotFound(f"unknown item {item_id!r}")
        out = []
        for item, score, kind in zip(self.nb_items[row], self.nb_scores[row], self.nb_kind[row], strict=True):
            if item < 0 or len(out) >= k:
                break
            out.append(self._rec(int(item), score, "together" if kind == 0 else "similar", row))
        return out

    def _segment_row(self, segment: str) -> int:
        if segment not in self.segment_names:
            raise NotFound(f"unknown segment {segment!r} (known: {', '.join(self.segment_names) or 'none'})")
        return self.segment_names.index(segment)

    def for_segment(self, segment: str, k: int = 10) -> list[Recommendation]:
        """What the segment's customers bought lately and buy more than the shop does, each with its reason and the
        customers it is for (owned durables left out: `segment_picks`); `NotFound` for an unknown segment."""
        return segment_picks(self, segment, k)

    def segment_mix(self, segment: str) -> tuple[np.ndarray, np.ndarray]:
        """(the segment's share of purchases per product row, the whole shop's); `NotFound` for an unknown segment."""
        return self.segment.mix[self._segment_row(segment)], self.segment.shop_mix

    def knows_item(self, item_id: str) -> bool:
        return str(item_id) in self._item_row

    def knows_customer(self, customer_id: str) -> bool:
        return str(customer_id) in self._cust_row

    # ---------------------------------------------------------------- artifacts
    _ARRAYS = tuple(
        "top_items top_scores top_reason top_related purchased_ptr purchased nb_items nb_scores nb_kind popular "
        "item_buyers item_repeat".split()
    )
    _SEGMENT_ARRAYS = ("sizes", "top", "top_share", "top_shop_share", "window_days", "mix", "shop_mix")

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        arrays.update({f"segment_{name}": getattr(self.segment, name) for name in self._SEGMENT_ARRAYS})
        save_arrays(directory / "recommender.npz", arrays)
        save_json(
            directory / "recommender.json",
            {
                "meta": self.meta,
                "customers": self.customers,
                "items": self.items,
                "names": self.names,
                "categories": self.categories,
                "segment_names": self.segment_names,
                "customer_segment": self.customer_segment,
            },
        )

    @classmethod
    def load(cls, directory: Path, rules: RepeatRules | None = None) -> RepeatAwareRecommender:
        """The set saved in `directory`; `NotTrained` when it was saved by an older version (train again)."""
        directory = Path(directory)
        arrays = load_arrays(directory / "recommender.npz")
        info = load_json(directory / "recommender.json")
        wanted = [*cls._ARRAYS, *(f"segment_{name}" for name in cls._SEGMENT_ARRAYS)]
        if any(name not in arrays for name in wanted) or "names" not in info:
            raise NotTrained(
                f"the recommender in {directory} was trained by an older version: run `mka model train`"
            )
        model = cls(rules=rules)
        for name in cls._ARRAYS:
            setattr(model, name, arrays[name])
        model.meta = info["meta"]
        model.customers, model.items = info["customers"], info["items"]
        model.names, model.categories = info["names"], info["categories"]
        model.segment_names, model.customer_segment = info["segment_names"], info["customer_segment"]
        model.segment = SegmentTables(
            list(model.segment_names), *(arrays[f"segment_{name}"] for name in cls._SEGMENT_ARRAYS)
        )
        model._index()
        return model
