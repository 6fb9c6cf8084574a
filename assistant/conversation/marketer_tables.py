"""Marketer results as Markdown tables (the chat UI renders them): briefs, segments, a customer, a request's issues.

Only fields of typed tool results go in; nothing is parsed out of prose. Numbers get their units and readable
precision ("16%", "861 EUR", "42 days"), never a raw field dump such as "share: 0.16, monetary: 861.10".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from assistant.tools.results import (
    CampaignCandidate,
    CopyRequestCheck,
    CustomerSummary,
    SegmentInfo,
    SegmentMembers,
)

_ISSUE_LABELS = {
    "unknown_brief": "no such campaign",
    "ambiguous_brief": "which campaign?",
    "unknown_customer": "no such customer",
    "unknown_segment": "no such segment",
    "unknown_product": "no such product",
    "channel_not_in_brief": "channel not in the brief",
    "product_not_in_brief": "product not in the brief",
    "segment_not_in_brief": "audience not in the brief",
    "discount_not_granted": "discount not granted",
    "offer_not_granted": "offer not granted",
    "out_of_stock": "out of stock",
    "claim_banned": "claim banned by the brief",
    "claim_unsupported": "claim not backed by the facts",
}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-style Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def money(value: float | None, currency: str = "EUR") -> str:
    return "" if value is None else f"{value:,.0f} {currency}"


def briefs_table(briefs: list[CampaignCandidate], channels: dict[str, list[str]] | None = None) -> str:
    """The campaign briefs to choose from: id, name, segments, products (and channels where known)."""
    channels = channels or {}
    return markdown_table(
        ["Brief", "Name", "Segments", "Channels"],
        [(b.id, b.name, ", ".join(b.segments), ", ".join(channels.get(b.id, []))) for b in briefs],
    )


def check_reply(check: CopyRequestCheck, channels: dict[str, list[str]] | None = None) -> str:
    """What the chat says when a copy request is not drafted: the question, then the issues (or briefs) as a table."""
    parts = [check.question or "I can't draft that as asked."]
    if check.outcome in ("unknown_brief", "ambiguous_brief") and check.briefs:
        parts.append(briefs_table(check.briefs, channels))
    else:
        rows = [(_ISSUE_LABELS.get(i.kind, i.kind), i.subject, i.reason) for i in check.issues]
        parts.append(markdown_table(["Issue", "Asked", "Why"], rows))
    return "\n\n".join(parts)


def check_notes(check: CopyRequestCheck | None) -> str:
    """The non-blocking notes of a drafted request (a product left out, out of stock), one line each."""
    if check is None:
        return ""
    notes = [f"- Note: {i.reason}" for i in check.issues if not i.blocking]
    return "\n".join(notes)


def segments_table(segments: Sequence[SegmentInfo]) -> str:
    """Segments side by side: size, share, recency, orders, spend, what they buy most."""
    rows = [
        (
            s.name,
            s.size,
            f"{s.share:.0%}",
            f"{s.recency_days:,.0f} days",
            f"{s.frequency:.1f}",
            money(s.monetary),
            ", ".join(c for c, _ in s.top_categories[:3]),
        )
        for s in segments
    ]
    return markdown_table(
        ["Segment", "Customers", "Share", "Last order", "Orders", "Spend", "Top categories"], rows
    )


def customer_table(c: CustomerSummary) -> str:
    """One customer's record as a two-column table."""
    rows = [
        ("Customer", f"{c.name or ''} ({c.customer_id})".strip()),
        ("Country", c.country),
        ("Segment", c.segment or "not segmented (no orders when the models were trained)"),
        ("Orders", c.orders),
        ("Spent", money(c.spent, c.currency or "EUR")),
        ("First order", c.first_order),
        ("Last order", c.last_order),
    ]
    return markdown_table(["Field", "Value"], [r for r in rows if r[1] not in (None, "")])


def members_table(m: SegmentMembers) -> str:
    return f"{m.total} customers in {m.segment}; the first {len(m.customer_ids)}:\n\n" + markdown_table(
        ["#", "Customer"], [(i, cid) for i, cid in enumerate(m.customer_ids, start=1)]
    )


def recommended_table(items: Sequence[Any]) -> str:
    """Recommended products: name, SKU, price, why; for a segment also how many of its customers each is for."""
    rows = [[i.name or i.item_id, i.item_id, money(i.price, i.currency or "EUR"), i.reason] for i in items]
    if any(getattr(i, "customers", None) is not None for i in items):
        rows = [
            [*row[:3], f"{i.customers:,}" if i.customers is not None else "", row[3]]
            for row, i in zip(rows, items, strict=True)
        ]
        return markdown_table(["Product", "SKU", "Price", "Customers", "Why"], rows)
    return markdown_table(["Product", "SKU", "Price", "Why"], rows)


def with_catalog_facts(items: Sequence[Any], catalog: Any) -> list[Any]:
    """Recommended items with the catalog's name and price where the tool result lacks them."""
    out = []
    for item in items:
        if item.name or catalog is None or item.item_id not in catalog:
            out.append(item)
            continue
        product = catalog.get(item.item_id)
        out.append(
            item.model_copy(
                update={"name": product.name, "price": product.price, "currency": product.currency}
            )
        )
    return out
