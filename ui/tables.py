"""Tables a marketer reads: human column names, percentages, money with its currency, product names beside SKUs,
reasons in words, times as dates and durations. Each function returns (headers, rows) for a Dataframe or a CSV."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from assistant import DraftRecord, InboxItem, InsightReport

Table = tuple[list[str], list[list[Any]]]
CHANNEL_LABELS = {
    "google-rsa": "Google search ad",
    "meta": "Meta ad",
    "email": "E-mail",
    "sms": "SMS",
    "x": "X post",
}
STATUS_LABELS = {
    "draft": "Draft",
    "approved": "Approved",
    "rejected": "Rejected",
    "open": "Waiting",
    "assigned": "Assigned",
    "closed": "Closed",
}


def money(amount: float | None, currency: str | None) -> str:
    """'169.00 EUR' (amount with two decimals and its currency); '' when unknown."""
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency or ''}".strip()


def percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}".replace(".0%", "%")


def when(stamp: str | None) -> str:
    """An ISO time as '2026-12-01 21:40 UTC'."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    """'45 s', '12 min', '3 h 05 min', '2 days 4 h'."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days > 1 else ''} {hours} h"


def product_label(sku: str, names: dict[str, str]) -> str:
    """'Talus Mid Waterproof Hiking Boot (FTW-001)', or the SKU alone when the catalog does not know it."""
    name = names.get(sku)
    return f"{name} ({sku})" if name else sku


def named(text: str, names: dict[str, str]) -> str:
    """A reason in words: the SKUs the catalog knows become their product names ("bought with FTW-001" ->
    "bought with Talus Mid Waterproof Hiking Boot")."""
    if not names or not text:
        return text
    return re.sub(r"[A-Za-z0-9][\w.-]*[A-Za-z0-9]", lambda m: names.get(m.group(0), m.group(0)), text)


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def segment_table(segments: list[Any], currency: str, names: dict[str, str]) -> Table:
    headers = [
        "Segment",
        "Customers",
        "Share of customers",
        "Days since last order (avg.)",
        "Orders per customer (avg.)",
        f"Spend per customer (avg., {currency})" if currency else "Spend per customer (avg.)",
        "Top categories (share of spend)",
        "Top products",
    ]
    rows = [
        [
            s.name,
            f"{s.size:,}",
            percent(s.share),
            f"{s.recency_days:,.0f}",
            f"{s.frequency:,.1f}",
            f"{s.monetary:,.2f}",
            ", ".join(f"{c} {percent(v) if v <= 1 else v}" for c, v in s.top_categories[:4]),
            ", ".join(product_label(p, names) for p in s.top_products[:3]),
        ]
        for s in segments
    ]
    return headers, rows


def recommendation_table(items: list[Any], names: dict[str, str]) -> Table:
    headers = ["#", "Product", "SKU", "Price", "In stock", "Why"]
    rows = [
        [
            rank,
            item.name or names.get(item.item_id, ""),
            item.item_id,
            money(item.price, item.currency),
            "" if item.in_stock is None else "yes" if item.in_stock else "no",
            named(item.reason, names),
        ]
        for rank, item in enumerate(items, start=1)
    ]
    return headers, rows


DRAFT_HEADERS = [
    "Draft",
    "Requested",
    "By",
    "Channel",
    "Products",
    "Brief",
    "Segment",
    "Variant",
    "Angle",
    "Status",
    "Decided by",
    "Version",
    "Problems",
]


DRAFT_WIDTHS = ["5%", "11%", "7%", "8%", "17%", "9%", "7%", "5%", "8%", "6%", "9%", "4%", "4%"]


def draft_table(records: list[DraftRecord], briefs: dict[str, str]) -> Table:
    rows = [
        [
            r.draft_id,
            when(r.created_at),
            r.asked_by,
            channel_label(r.channel),
            ", ".join(product_label(s, r.products) for s in r.skus),
            briefs.get(r.brief_id or "", r.brief_id or "—"),
            r.segment or "—",
            r.variant,
            r.angle or "—",
            STATUS_LABELS.get(r.status, r.status),
            f"{r.decided_by} ({when(r.decided_at)})" if r.decided_by else "",
            r.version,
            sum(len(x.problems) for x in r.lines) + len(r.problems) or "",
        ]
        for r in records
    ]
    return DRAFT_HEADERS, rows


INBOX_HEADERS = [
    "Request",
    "Status",
    "Waiting",
    "Contact",
    "Reason",
    "Assigned to",
    "Replies",
    "Last reply",
    "Help desk",
]


def inbox_table(items: list[InboxItem]) -> Table:
    rows = [
        [
            f"#{i.handoff_id}" + (f" (+{len(i.folded)} folded)" if i.folded else ""),
            STATUS_LABELS.get(i.status, i.status),
            duration(i.waiting_s) + ("" if i.status != "closed" else " (closed)"),
            i.contact or "no contact given",
            "; ".join(i.reasons),
            i.assignee or "—",
            i.replies,
            i.last_message[:80],
            i.webhook_status or "",
        ]
        for i in items
    ]
    return INBOX_HEADERS, rows


INSIGHT_WIDTHS = ["5%", "25%", "6%", "7%", "7%", "18%", "22%", "10%"]
INBOX_WIDTHS = ["9%", "7%", "9%", "14%", "21%", "9%", "5%", "16%", "10%"]
SEGMENT_WIDTHS = ["10%", "9%", "9%", "9%", "9%", "10%", "21%", "23%"]  # "Customers" needs 9% at 1280 px
RECOMMENDATION_WIDTHS = ["4%", "30%", "9%", "10%", "7%", "40%"]

INSIGHT_HEADERS = [
    "Group",
    "Typical question",
    "Times asked",
    "Unanswered",
    "Thumbs down",
    "Other wordings",
    "Closest documents",
    "Last asked",
]


def insight_table(report: InsightReport) -> Table:
    rows = [
        [
            g.group_id,
            g.question,
            g.asked,
            g.unanswered,
            g.thumbs_down,
            " | ".join(e for e in g.examples if e != g.question),
            ", ".join(f"{(d.title or d.source).replace(' > ', ' › ')} ({d.score:.2f})" for d in g.closest)
            or "nothing came close",
            when(g.last_asked),
        ]
        for g in report.groups
    ]
    return INSIGHT_HEADERS, rows
