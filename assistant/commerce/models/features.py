"""Per (customer, item) features at a point in time, from order lines before that time.

Repeat buying dominates shops like this, so most features describe the customer's own history of the item: how many
orders held it, time-decayed counts (half-lives of weeks to months), days since the last purchase, the usual interval
between purchases and how "due" the item is. Beside them: item-item co-occurrence with the customer's items (cosine over
buyers), recent and same-season-last-year popularity, and per-customer relative versions (share of the customer's maximum,
rank within the customer) so one ranker works for small and wholesale buyers alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

TAUS = (14, 60, 180)  # decay time constants in days
POP_WINDOWS = (7, 30, 90)
RELATIVE = ("n", "e14", "e60", "e180", "cooc", "p30", "p7", "season")


@dataclass
class State:
    """Everything known at `as_of` (purchases strictly before it), indexed by customer and item position."""

    as_of: pd.Timestamp
    users: pd.Index
    items: pd.Index
    pairs: pd.DataFrame  # index (u, i): n, last, first, e14, e60, e180
    user_orders: np.ndarray
    user_last: np.ndarray
    user_items: np.ndarray
    user_first: np.ndarray
    user_repeat: np.ndarray  # share of the customer's items bought in two or more orders
    item_feats: pd.DataFrame  # per item: p7, p30, p90, season, buyers, age
    X: sp.csr_matrix  # users x items, 1 where bought
    W: sp.csr_matrix  # users x items, decayed weights (rows sum to 1)
    S: np.ndarray  # items x items co-occurrence cosine, top-k per row kept, zero diagonal
    C: np.ndarray  # users x items co-occurrence score (W @ S)


def _user_item_pairs(lines: pd.DataFrame, as_of: pd.Timestamp, users: pd.Index, items: pd.Index):
    """(frame of u, i, age and decayed weights per purchase, per-pair aggregates) for purchases of known items."""
    per_order = lines.drop_duplicates(["customer_id", "item_id", "order_id"])
    u = users.get_indexer(per_order["customer_id"])
    i = items.get_indexer(per_order["item_id"])
    keep = i >= 0
    age = ((as_of - per_order["ordered_at"]).dt.total_seconds().to_numpy() / 86400.0)[keep]
    frame = pd.DataFrame({"u": u[keep], "i": i[keep], "age": age})
    for tau in TAUS:
        frame[f"e{tau}"] = np.exp(-age / tau)
    pairs = frame.groupby(["u", "i"]).agg(
        n=("age", "size"),
        last=("age", "min"),
        first=("age", "max"),
        **{f"e{t}": (f"e{t}", "sum") for t in TAUS},
    )
    return frame, pairs


def _item_features(frame: pd.DataFrame, pairs: pd.DataFrame, n_items: int) -> pd.DataFrame:
    i, age = frame["i"].to_numpy(), frame["age"].to_numpy()
    feats = {f"p{w}": np.bincount(i[age < w], minlength=n_items).astype(np.float32) for w in POP_WINDOWS}
    # The same season a year earlier (the coming weeks, one year back): gift shops sell Christmas goods every November.
    season = (age >= 365 - 7) & (age < 365 + 35)
    feats["season"] = np.bincount(i[season], minlength=n_items).astype(np.float32)
    pair_items = pairs.index.get_level_values("i").to_numpy()
    feats["buyers"] = np.bincount(pair_items, minlength=n_items).astype(np.float32)
    first_sale = frame.groupby("i")["age"].max().reindex(range(n_items)).fillna(0).to_numpy()
    feats["age"] = first_sale.astype(np.float32)
    # How often an item is bought again by the same customer: refills and staples versus one-off gifts.
    repeated = np.bincount(pair_items[pairs["n"].to_numpy() >= 2], minlength=n_items).astype(np.float32)
    feats["repeat"] = repeated / np.maximum(feats["buyers"], 1)
    return pd.DataFrame(feats)


def _item_similarity(X: sp.csr_matrix, topk: int) -> np.ndarray:
    """Item-item cosine over buyers, each row cut to its `topk` strongest neighbours."""
    Xn = normalize(X.T.tocsr(), axis=1)
    S = (Xn @ Xn.T).toarray().astype(np.float32)
    np.fill_diagonal(S, 0.0)
    n_items = S.shape[0]
    if 0 < topk < n_items:
        threshold = -np.partition(-S, topk, axis=1)[:, topk][:, None]
        S[S < threshold] = 0.0
    return S


def _recent_item_weights(frame: pd.DataFrame, pairs: pd.DataFrame, shape: tuple[int, int]) -> sp.csr_matrix:
    """Which of a customer's items drive "bought together": recent ones, counted from the customer's own last order
    (from the clock, a customer last seen a year ago would have all weights underflow to zero)."""
    pu, pi = pairs.index.get_level_values("u").to_numpy(), pairs.index.get_level_values("i").to_numpy()
    user_last_age = frame.groupby("u")["age"].min().reindex(range(shape[0])).fillna(0).to_numpy()
    weights = pairs["e60"].to_numpy(dtype=np.float64) * np.exp(np.minimum(user_last_age[pu] / 60.0, 700.0))
    return normalize(sp.csr_matrix((weights.astype(np.float32), (pu, pi)), shape=shape), norm="l1")


def _days_before(as_of: pd.Timestamp, when: pd.Series) -> np.ndarray:
    return ((as_of - when).dt.total_seconds() / 86400.0).to_numpy(dtype=np.float32)


def build_state(
    lines: pd.DataFrame, as_of: pd.Timestamp, items: pd.Index | None = None, topk: int = 200
) -> State:
    """`lines`: customer_id, item_id, order_id, ordered_at. Only lines before `as_of` are used."""
    lines = lines[lines["ordered_at"] < as_of]
    per_order = lines.drop_duplicates(["customer_id", "item_id", "order_id"])
    users = pd.Index(per_order["customer_id"].unique())
    if items is None:
        items = pd.Index(per_order["item_id"].unique())
    frame, pairs = _user_item_pairs(lines, as_of, users, items)
    per_user = (
        lines.drop_duplicates(["customer_id", "order_id"])
        .groupby("customer_id")
        .agg(n=("order_id", "size"), last=("ordered_at", "max"), first=("ordered_at", "min"))
        .reindex(users)
    )
    n_users, n_items = len(users), len(items)
    pu, pi = pairs.index.get_level_values("u").to_numpy(), pairs.index.get_level_values("i").to_numpy()
    X = sp.csr_matrix((np.ones(len(pu), dtype=np.float32), (pu, pi)), shape=(n_users, n_items))
    S = _item_similarity(X, topk)
    W = _recent_item_weights(frame, pairs, (n_users, n_items))
    repeats = np.bincount(pu[pairs["n"].to_numpy() >= 2], minlength=n_users)
    return State(
        as_of=as_of,
        users=users,
        items=items,
        pairs=pairs,
        user_orders=per_user["n"].to_numpy(dtype=np.float32),
        user_last=_days_before(as_of, per_user["last"]),
        user_items=np.diff(X.indptr).astype(np.float32),
        user_first=_days_before(as_of, per_user["first"]),
        user_repeat=(repeats / np.maximum(np.bincount(pu, minlength=n_users), 1)).astype(np.float32),
        item_feats=_item_features(frame, pairs, n_items),
        X=X,
        W=W.tocsr(),
        S=S,
        C=np.asarray(W @ S, dtype=np.float32),
    )


def candidates(state: State, user_rows: np.ndarray, n_new: int = 50) -> np.ndarray:
    """(u, i) pairs to score: every item the customer bought, the top co-occurring new items, the recent best sellers."""
    popular = np.argsort(-state.item_feats["p30"].to_numpy(), kind="stable")[:n_new]
    X, C = state.X, state.C
    chunks = []
    for u in user_rows:
        own = X.indices[X.indptr[u] : X.indptr[u + 1]]
        scores = C[u].copy()
        scores[own] = -1.0
        k = min(n_new, len(scores) - 1)
        top = np.argpartition(-scores, k)[:k] if k > 0 else np.zeros(0, dtype=np.int64)
        top = top[scores[top] > 0]
        cand = np.unique(np.concatenate([own, top, popular]))
        chunks.append(np.stack([np.full(len(cand), u), cand], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(chunks).astype(np.int64)


def featurize(state: State, pairs: np.ndarray) -> pd.DataFrame:
    """One row of features per (u, i) pair."""
    u, i = pairs[:, 0], pairs[:, 1]
    own = state.pairs.reindex(pd.MultiIndex.from_arrays([u, i]))
    F = pd.DataFrame(
        {
            "n": own["n"].fillna(0).to_numpy(),
            "last": own["last"].fillna(999).to_numpy(),
            "first": own["first"].fillna(999).to_numpy(),
            **{f"e{t}": own[f"e{t}"].fillna(0).to_numpy() for t in TAUS},
        }
    )
    F["own"] = (F["n"] > 0).astype(np.float32)
    F["interval"] = np.where(F["n"] > 1, (F["first"] - F["last"]) / np.maximum(F["n"] - 1, 1), 999)
    F["due"] = np.where(F["n"] > 1, F["last"] / np.maximum(F["interval"], 1), 99)
    F["user_orders"] = state.user_orders[u]
    F["user_last"] = state.user_last[u]
    F["user_items"] = state.user_items[u]
    F["share"] = F["n"] / np.maximum(F["user_orders"], 1)
    F["user_repeat"] = state.user_repeat[u]
    # The customer's usual gap between orders, and whether an order is due now.
    F["user_interval"] = (state.user_first[u] - F["user_last"]) / np.maximum(F["user_orders"] - 1, 1)
    F["user_due"] = F["user_last"] / np.maximum(F["user_interval"], 1)
    for column in state.item_feats.columns:
        F[column] = state.item_feats[column].to_numpy()[i]
    F["trend"] = (F["p30"] + 1) / (F["p90"] / 3 + 1)
    F["cooc"] = state.C[u, i]
    for column in RELATIVE:
        values = pd.Series(F[column].to_numpy())
        top = values.groupby(u).transform("max").to_numpy()
        F[f"{column}_rel"] = values.to_numpy() / np.maximum(top, 1e-9)
        F[f"{column}_rank"] = values.groupby(u).rank(ascending=False, method="first").to_numpy()
    return F.astype(np.float32)


def heuristic_score(F: pd.DataFrame) -> np.ndarray:
    """A fixed blend for shops too small to learn one: own history first (recency-weighted), then co-occurrence and
    recent popularity."""
    return (
        2.0 * F["own"] + F["n_rel"] + 0.5 * F["e60_rel"] + 0.6 * F["cooc_rel"] + 0.2 * F["p30_rel"]
    ).to_numpy()
