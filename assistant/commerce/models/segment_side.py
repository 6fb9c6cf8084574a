"""What each customer segment buys, beside the whole shop: the recommender's per-segment tables.

Two views, both built at training time and stored with the recommender:
- what to recommend to a segment: the products its customers bought lately, ranked by their share of the segment's
  customers weighted by how much more the segment buys them than the shop does (`LIFT_WEIGHT`). Ranked by share alone
  every segment gets the shop's best sellers (socks and down wash for Champions and Hibernating alike), which tells a
  marketer nothing about the segment;
- what the segment buys: each product's share of the segment's purchases (order lines, all history) and the same for
  the whole shop, so categories can be summed from products and set beside the shop's mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RECENT_DAYS = 90  # "lately": a season of buying
MIN_RECENT_PAIRS = (
    50  # a segment whose customers bought fewer products lately (Hibernating) is ranked on all history
)
TOP = 50  # products kept per segment
LIFT_WEIGHT = 0.5  # score = share * lift ** LIFT_WEIGHT: between "most bought" (0) and "most distinctive" (1)
PRIOR_CUSTOMERS = (
    20.0  # lift is shrunk towards 1 as if each segment had this many more customers buying like the shop
)


@dataclass
class SegmentTables:
    """Per segment (rows in `names` order): top products with their recent buyer shares, and the purchase mix."""

    names: list[str]
    sizes: np.ndarray  # customers per segment
    top: np.ndarray  # segments x TOP product rows, -1 where fewer
    top_share: np.ndarray  # share of the segment's customers who bought the product lately
    top_shop_share: np.ndarray  # the same share among all customers
    window_days: np.ndarray  # per segment: the window the shares count (RECENT_DAYS, or 0 for all history)
    mix: np.ndarray  # segments x products: share of the segment's purchases
    shop_mix: np.ndarray  # products: share of the shop's purchases

    @classmethod
    def empty(cls, n_items: int) -> SegmentTables:
        return cls(
            [],
            np.zeros(0, dtype=np.int64),
            np.full((0, TOP), -1, dtype=np.int32),
            np.zeros((0, TOP), dtype=np.float32),
            np.zeros((0, TOP), dtype=np.float32),
            np.zeros(0, dtype=np.int32),
            np.zeros((0, n_items), dtype=np.float32),
            np.zeros(n_items, dtype=np.float32),
        )


def segment_tables(
    pair_users: np.ndarray,
    pair_items: np.ndarray,
    pair_orders: np.ndarray,
    pair_last: np.ndarray,
    user_segments: np.ndarray,
    n_items: int,
) -> SegmentTables:
    """From the (customer, product) pairs of the training data: `pair_orders` how many orders held it, `pair_last`
    days since the last one; `user_segments[u]` is customer u's segment name ("" for none)."""
    names = sorted({str(s) for s in user_segments if s})
    if not names:
        return SegmentTables.empty(n_items)
    seg_of_pair = user_segments[pair_users]
    shop_lines = np.bincount(pair_items, weights=pair_orders, minlength=n_items)
    tables = SegmentTables.empty(n_items)
    tables.names = names
    tables.sizes = np.array([int((user_segments == name).sum()) for name in names])
    tables.top = np.full((len(names), TOP), -1, dtype=np.int32)
    tables.top_share = np.zeros((len(names), TOP), dtype=np.float32)
    tables.top_shop_share = np.zeros((len(names), TOP), dtype=np.float32)
    tables.window_days = np.zeros(len(names), dtype=np.int32)
    tables.mix = np.zeros((len(names), n_items), dtype=np.float32)
    tables.shop_mix = (shop_lines / max(shop_lines.sum(), 1e-9)).astype(np.float32)
    for row, name in enumerate(names):
        members = seg_of_pair == name
        recent = pair_last < RECENT_DAYS
        window = recent if (members & recent).sum() >= MIN_RECENT_PAIRS else np.ones_like(recent)
        tables.window_days[row] = RECENT_DAYS if window is recent else 0
        shop_buyers = np.bincount(pair_items[window], minlength=n_items).astype(np.float64)
        shop_share = shop_buyers / max(len(user_segments), 1)
        buyers = np.bincount(pair_items[members & window], minlength=n_items).astype(np.float64)
        share = buyers / max(tables.sizes[row], 1)
        # Shrunk lift: a product two customers of a small segment bought is not "ten times the shop".
        lift = (buyers + PRIOR_CUSTOMERS * shop_share) / (
            (tables.sizes[row] + PRIOR_CUSTOMERS) * shop_share + 1e-12
        )
        score = np.where(buyers > 0, share * lift**LIFT_WEIGHT, -1.0) + 1e-9 * shop_buyers
        best = np.argsort(-score, kind="stable")[:TOP]
        best = best[score[best] > 0]
        tables.top[row, : len(best)] = best
        tables.top_share[row, : len(best)] = share[best]
        tables.top_shop_share[row, : len(best)] = shop_share[best]
        lines = np.bincount(pair_items[members], weights=pair_orders[members], minlength=n_items)
        tables.mix[row] = lines / max(lines.sum(), 1e-9)
    return tables


def percent(share: float) -> str:
    """A share as people write it: "12%", and "3.4%" below 10%, where a whole number would read 0%."""
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"
