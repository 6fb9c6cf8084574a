"""Turning evidence and tool results into reply text, without asking the tiny model to be right.

- `Evidence`: one numbered piece of evidence; the reply cites it as ``[n]``.
- `Answer`: the final state of a grounded answer (the fields of `generation.grounding.GroundedAnswer`).
- `paragraphs` / `sentences` / `clean`: evidence text as the answerer and the citation snippets want it.
- `render_*`, `product_line`, `summary`: reply text for product lists, recommendations, segment profiles and ad-copy
  drafts, built from the typed tool results (`assistant.tools.results`) so that every price, stock figure and name is
  the catalog's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.tools.results import (
    CatalogQueryResult,
    CopyDrafts,
    CustomerSummary,
    DocSearch,
    HandoffTicket,
    ProductInfo,
    ProductSearch,
    Recommendations,
    SegmentDetail,
    SegmentList,
    SegmentMembers,
    ToolResult,
)
from generation import GroundedAnswer


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence shown to the caller as citation ``[n]``."""

    n: int
    source: str
    title: str
    text: str
    anchor: str = ""
    doc_type: str = ""
    heading: str = (
        ""  # the heading path the chunk text starts with ("Returns and refunds > The 30-day window")
    )
    language: str = ""  # the evidence's language (empty: the shop's default, English)
    fields: dict[str, Any] | None = None  # a table row's cells or a FAQ unit's question and answer
    kind: str = ""  # the unit's kind (prose | table_row | faq | list_item), or "section" when `units` is set
    lead: str = ""  # a list item's lead-in ("Items we cannot take back unless faulty")
    # A whole table or list: its units (kind, text, fields, lead, retrieved).
    units: tuple[dict[str, Any], ...] = ()


# The final state of a grounded answer: generation's own type, with `cited` holding the turn's evidence numbers.
Answer = GroundedAnswer


def clean(text: str) -> str:
    """Markdown emphasis, list bullets and table pipes out; whitespace folded."""
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text)
    return " ".join(text.replace("|", " ").split())


def paragraphs(text: str, heading: str = "") -> list[str]:
    """The paragraphs and list items of a chunk, each on one line: Markdown wraps long lines, and a sentence cut at a
    line break reads as two half-sentences. Headings and the chunk's heading prefix are dropped (the citation carries
    them); table rows stay rows."""
    if heading and text.startswith(heading + ": "):
        text = text[len(heading) + 2 :]
    out: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        starts_item = re.match(r"^([-*+]|\d+\.)\s", stripped) or stripped.startswith("|")
        if not stripped or stripped.startswith("#") or starts_item:
            if current:
                out.append(" ".join(current))
            current = [stripped] if starts_item else []
            continue
        current.append(stripped)
    if current:
        out.append(" ".join(current))
    return out


def sentences(text: str, heading: str = "") -> list[str]:
    """Sentences and list items of a chunk (see `paragraphs`), short scraps dropped."""
    out = []
    for para in paragraphs(text, heading):
        for piece in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", clean(para)):
            if len(piece) >= 20:
                out.append(piece)
    return out


def chunks(text: str) -> Iterator[str]:
    """Text in word-sized pieces, for streaming composed text the same way as model tokens. Leading whitespace is
    kept: "\n\nIf you would rather..." said after a sentence starts a new paragraph, not "...[1].If you"."""
    for match in re.finditer(r"\s*\S+\s*", text):
        yield match.group(0)


# -- rendering tool results --------------------------------------------------------------------------------------


def money(price: Any, currency: Any) -> str:
    try:
        return f"{float(price):.2f} {currency or ''}".strip()
    except (TypeError, ValueError):
        return ""


def product_line(p: dict[str, Any], n: int | None, language: str = "en") -> str:
    """One product as a list line: name, SKU, price, stock (in the customer's language), citation."""
    from assistant.conversation.phrases import phrase

    bits = [f"**{p.get('name') or p.get('sku')}** ({p.get('sku')})"]
    price = money(p.get("price"), p.get("currency"))
    if price:
        bits.append(price)
    if p.get("in_stock") is True:
        bits.append(phrase("in_stock", language))
    elif p.get("in_stock") is False:
        bits.append(phrase("out_of_stock", language))
    reason = p.get("reason") or p.get("why")
    line = "- " + ", ".join(bits)
    if reason:
        line += f" — {reason}"
    return line + (f" [{n}]" if n else "")


def render_drafts(result: CopyDrafts) -> str:
    """Ad-copy drafts as numbered variants: every headline, description, subject or text the drafter returned."""
    blocks = []
    for draft in result.drafts:
        lines = [f"**Variant {draft.variant}**"]
        for key, value in draft.fields.items():
            if isinstance(value, list):
                lines += [f"- {key.rstrip('s')}: {v}" for v in value]
            elif isinstance(value, str) and value:
                lines.append(f"- {key}: {value}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def summary(name: str, args: dict[str, Any], result: ToolResult | None) -> str:
    """One line a person can read about a tool call that ran (`ToolCallRecord.summary`)."""
    if isinstance(result, DocSearch):
        return f"searched help pages for {result.query!r}: {len(result.hits)} passages"
    if isinstance(result, ProductSearch):
        return f"searched products for {result.query!r}: {len(result.products)} found"
    if isinstance(result, ProductInfo):
        return f"looked up {result.sku}"
    if isinstance(result, CatalogQueryResult):
        what = result.kind or ", ".join(r.sku for r in result.rows[:4]) or "the catalog"
        order = f" by {result.sort_by} ({result.order})" if result.sort_by else ""
        return f"catalog {result.operation} of {what}{order}: {result.total} product(s)"
    if isinstance(result, Recommendations):
        whom = result.customer_id or result.sku or "nobody in particular"
        return f"{len(result.items)} products for {whom}"
    if isinstance(result, CopyDrafts):
        return f"{len(result.drafts)} draft(s) for {', '.join(result.skus)} on {result.channel}"
    if isinstance(result, SegmentDetail):
        return f"profile of segment {result.name}"
    if isinstance(result, SegmentList):
        return f"{len(result.segments)} segments"
    if isinstance(result, SegmentMembers):
        return f"members of segment {result.segment}"
    if isinstance(result, CustomerSummary):
        return f"summary of customer {result.customer_id}"
    if isinstance(result, HandoffTicket):
        return f"handoff #{result.handoff_id} requested"
    return f"ran {name}"


def plain_snippet(ev: Evidence) -> str:
    """The evidence as one plain line: no heading prefix (the title has it), no Markdown."""
    return " ".join(clean(p) for p in paragraphs(ev.text, ev.heading))
