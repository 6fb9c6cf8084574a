"""What to recommend to one segment, served from the recommender's per-segment tables (`segment_side`).

The tables rank the products the segment's customers bought lately by share and lift. Serving adds what a marketer
sending to the segment needs and the tables do not know:
- whom each product is for: a durable product (`repeat_rules`) goes only to the segment's customers who do not own it
  yet, as the per-customer recommender never suggests an owned durable again; a consumable goes to everyone;
- a durable most of the segment already owns is left out (`MIN_REACH`): the campaign would reach few;
- the reason in words, with the product's share beside the shop's as a multiple ("2.4x the shop's average").

Owners are counted from the purchases the recommender keeps per customer (all history), once per segment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assistant.commerce.models.base import Recommendation
from assistant.commerce.models.segment_side import percent

if TYPE_CHECKING:
    from assistant.commerce.models.recommender import RepeatAwareRecommender

MIN_REACH = 0.5  # a durable is left out when fewer than half the segment's customers do not own it yet
# Lift shown as "about the shop's average" within this band; outside it as a multiple (a 1.1x says nothing).
AVERAGE_BAND = (0.85, 1.2)


def segment_reason(share: float, shop_share: float, window_days: int) -> str:
    """Why a product is recommended to a segment, in words: how many of it bought it, beside the whole shop."""
    when = f"in the last {window_days} days" if window_days else "so far"
    said = f"bought by {percent(share)} of this segment's customers {when}"
    if shop_share <= 0:
        return f"{said}, and by nobody else"
    lift = share / shop_share
    if AVERAGE_BAND[0] <= lift <= AVERAGE_BAND[1]:
        return f"{said}, about the shop's average ({percent(shop_share)})"
    if lift > AVERAGE_BAND[1]:
        return f"{said}, {lift:.1f}x the shop's average ({percent(shop_share)})"
    return f"{said}; a shop-wide favourite ({percent(shop_share)} of all customers)"


def segment_owners(model: RepeatAwareRecommender, segment: str) -> np.ndarray:
    """Per product row: how many of the segment's customers have ever bought it (cached per segment)."""
    cache: dict[str, np.ndarray] = model.__dict__.setdefault("_segment_owners", {})
    if segment not in cache:
        rows = [r for r, name in enumerate(model.customer_segment) if name == segment]
        ptr = model.purchased_ptr
        bought = [model.purchased[ptr[r] : ptr[r + 1]] for r in rows]
        flat = np.concatenate(bought) if bought else np.zeros(0, dtype=np.int64)
        cache[segment] = np.bincount(flat.astype(np.int64), minlength=len(model.items))
    return cache[segment]


def segment_picks(model: RepeatAwareRecommender, segment: str, k: int = 10) -> list[Recommendation]:
    """The segment's top `k` products, each with its reason and the customers it is for (`customers`): all of the
    segment for a consumable, those who do not own it yet for a durable. `NotFound` for an unknown segment."""
    row = model._segment_row(segment)
    tables = model.segment
    size = int(tables.sizes[row])
    owners = segment_owners(model, segment)
    window = int(tables.window_days[row])
    out: list[Recommendation] = []
    for col, item in enumerate(tables.top[row]):
        if item < 0 or len(out) >= k:
            break
        durable = not bool(model.consumable[item])
        reach = max(0, size - int(owners[item])) if durable else size
        if durable and reach < MIN_REACH * size:
            continue  # most of the segment owns it already
        share, shop = float(tables.top_share[row, col]), float(tables.top_shop_share[row, col])
        reason = segment_reason(share, shop, window)
        if durable:
            reason += f"; for the {reach:,} who do not own it yet"
        out.append(
            Recommendation(model.items[item], round(share, 4), reason, "popular_segment", customers=reach)
        )
    return out
