"""The shop's own policies as selling points, read from its pages: the free-delivery threshold, the dispatch cut-off
and the return window, each with the page sentence it came from.

Nothing here knows one shop's numbers: the threshold is the order value from which a delivery table's cost is free
(generation/facts.py reads the table), the cut-off is the shop's same-day rule sentence, the window is the "within N
days" of a section whose heading names returns (the words are data, phrase_bank.yaml `shop_reading`). A page that does
not state a point leaves it out, and copy then never mentions it. The pages' words also count as traceable copy.

    points = load_shop_points(Path("data/demo/policies"))
    points.values() -> {"free_delivery": {"threshold": "75 EUR"}, "same_day_dispatch": {"cutoff": "14:00"}, ...}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from generation.claims import Statement
from generation.facts import price_of, read_rules, read_tables
from generation.patterns import alternation
from generation.phrase_bank import bank
from generation.units import Unit, evidence_units


class ShopPoints(BaseModel):
    """What the shop's pages state that copy may sell with; `None` = the pages do not say."""

    free_delivery_over: str | None = None  # "75 EUR"
    dispatch_cutoff: str | None = None  # "14:00"
    return_days: int | None = None
    sources: dict[str, str] = Field(default_factory=dict)  # point -> the page sentence or row it came from
    words: frozenset[str] = frozenset()  # every word of the pages (traceable copy)

    def values(self) -> dict[str, dict[str, str]]:
        """The points the pages state, as slot values for the phrase bank's `shop_points` lines."""
        out: dict[str, dict[str, str]] = {}
        if self.free_delivery_over:
            out["free_delivery"] = {"threshold": self.free_delivery_over}
        if self.dispatch_cutoff:
            out["same_day_dispatch"] = {"cutoff": self.dispatch_cutoff}
        if self.return_days:
            out["return_window"] = {"days": str(self.return_days)}
        return out

    def statements(self) -> list[Statement]:
        """The points as statements that may back copy: free delivery is the shop's standing offer (a promotion
        copy may state like the brief's offer); the cut-off and the window are facts of the shop."""
        out = []
        if self.free_delivery_over:
            text = f"Free delivery on orders over {self.free_delivery_over}"
            out.append(Statement(text, "shop page: delivery costs", "offer"))
        if self.dispatch_cutoff:
            text = f"Orders placed before {self.dispatch_cutoff} ship the same day"
            out.append(Statement(text, "shop page: dispatch", "brief"))
        if self.return_days:
            out.append(Statement(f"Returns within {self.return_days} days", "shop page: returns", "brief"))
        return out


def _free_delivery(units: Sequence[Unit]) -> tuple[str | None, str]:
    """The order value from which delivery is free, in most of a delivery table's rows (and that row)."""
    delivery = re.compile(rf"\b(?:{alternation(bank().shop_reading.delivery_words)})\b", re.I)
    found: Counter[str] = Counter()
    rows: dict[str, str] = {}
    for table in read_tables(units):
        if not delivery.search(f"{table.path} {table.heading} {' '.join(table.columns)}"):
            continue
        for row in table.rows:
            for cell in row.cells.values():
                _, threshold = price_of(cell)
                if threshold is not None:
                    amount = f"{threshold.amount:g} {threshold.currency}"
                    found[amount] += 1
                    rows.setdefault(amount, f"{row.key}: {cell}")
    if not found:
        return None, ""
    best = found.most_common(1)[0][0]
    return best, rows[best]


def _return_days(units: Sequence[Unit]) -> tuple[int | None, str]:
    """The "within N days" of the first sentence under a heading that names returns, and that sentence."""
    reading = bank().shop_reading
    returns = re.compile(rf"\b(?:{alternation(reading.return_words)})\b", re.I)
    window = re.compile(rf"\b(?:{alternation(reading.window_words)})\s+(\d{{1,3}})\s+\w+", re.I)
    for unit in units:
        m = window.search(unit.text)
        if m and returns.search(unit.heading):
            return int(m.group(1)), unit.text
    return None, ""


def read_shop_points(pages: Sequence[Any]) -> ShopPoints:
    """Selling points from the shop's pages (items with `.text` or dicts with "text": Markdown, tables included)."""
    units = evidence_units(pages)
    threshold, threshold_row = _free_delivery(units)
    cutoffs, _ = read_rules(units)
    cutoff = Counter(c.at.strftime("%H:%M") for c in cutoffs).most_common(1)
    days, window_text = _return_days(units)
    sources = {"free_delivery": threshold_row, "return_window": window_text}
    if cutoff:
        sources["same_day_dispatch"] = next(c.text for c in cutoffs if c.at.strftime("%H:%M") == cutoff[0][0])
    text = " ".join(str(p.get("text", "") if isinstance(p, dict) else getattr(p, "text", "")) for p in pages)
    return ShopPoints(
        free_delivery_over=threshold,
        dispatch_cutoff=cutoff[0][0] if cutoff else None,
        return_days=days,
        sources={k: v for k, v in sources.items() if v},
        words=frozenset(re.findall(r"[\w'’-]+", text.lower())),
    )


def load_shop_points(folder: Path) -> ShopPoints:
    """Selling points of the Markdown pages in `folder` (sub-folders, such as other languages, are left out);
    cached until a page changes."""
    paths = sorted(Path(folder).glob("*.md"))
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    return _load(stamp)


@lru_cache(maxsize=4)
def _load(stamp: tuple[tuple[str, int], ...]) -> ShopPoints:
    pages = [{"text": Path(p).read_text(encoding="utf-8"), "title": Path(p).stem} for p, _ in stamp]
    return read_shop_points(pages)
