"""Turning evidence and tool results into reply text, without asking the tiny model to be right.

- `Evidence`: one numbered piece of evidence; the reply cites it as ``[n]``.
- `Answer`: the final state of a grounded answer (the fields of `generation.grounding.GroundedAnswer`).
- `paragraphs` / `sentences` / `clean`: evidence text as the answerer and the citation snippets want it.
- `render_*`, `product_line`, `summary`: reply text for product lists, recommendations, segment profiles and ad-copy drafts, built from the tool
  results themselves so that every price, stock figure and name is the catalog's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from generation.grounding import GroundedAnswer


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
    """Text in word-sized pieces, for streaming composed text the same way as model tokens."""
    for match in re.finditer(r"\S+\s*", text):
        yield match.group(0)


# -- rendering tool results --------------------------------------------------------------------------------------


def money(price: Any, currency: Any) -> str:
    try:
        return f"{float(price):.2f} {currency or ''}".strip()
    except (TypeError, ValueError):
        return ""


def product_line(p: dict[str, Any], n: int | None) -> str:
    """One product as a list line: name, SKU, price, stock, citation."""
    bits = [f"**{p.get('name') or p.get('sku')}** ({p.get('sku')})"]
    price = money(p.get("price"), p.get("currency"))
    if price:
        bits.append(price)
    if p.get("in_stock") is True:
        bits.append("in stock")
    elif p.get("in_stock") is False:
        bits.append("out of stock")
    reason = p.get("reason") or p.get("why")
    line = "- " + ", ".join(bits)
    if reason:
        line += f" — {reason}"
    return line + (f" [{n}]" if n else "")


def items_of(
    result: Any, keys: Sequence[str] = ("products", "items", "recommendations", "results", "similar")
) -> list:
    """The list inside a tool result, whatever the tool called it."""
    if isinstance(result, list):
        return result
    if hasattr(result, "model_dump"):
        result = result.model_dump()
    if isinstance(result, dict):
        for key in keys:
            value = result.get(key)
            if isinstance(value, list):
                return value
    return []


def as_dict(value: Any) -> dict[str, Any]:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {"sku": value}
    return {"value": value}


def top_sku(result: Any) -> str | None:
    """The first product a tool result points at (a segment profile's top product, a recommendation list...)."""
    data = as_dict(result) if not isinstance(result, list) else {"items": result}
    # What the recommender suggests for the segment first, then what the segment buys most.
    keys = (
        "recommended",
        "recommended_products",
        "recommendations",
        "top_products",
        "top_skus",
        "items",
        "products",
    )
    for key in keys:
        value = data.get(key)
        if isinstance(value, list) and value:
            first = value[0]
            if isinstance(first, str):
                return first
            sku = as_dict(first).get("sku") or as_dict(first).get("item_id")
            if sku:
                return str(sku)
    for key in ("top_product", "top_sku", "best_product"):
        value = data.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and value.get("sku"):
            return str(value["sku"])
    return None


def render_mapping(data: dict[str, Any], limit: int = 12) -> str:
    """A short "- key: value" listing of the scalar and short-list fields of a result."""
    lines = []
    for key, value in data.items():
        if len(lines) >= limit:
            break
        label = key.replace("_", " ")
        if isinstance(value, float):
            lines.append(f"- {label}: {value:,.2f}")
        elif isinstance(value, int | str) and len(str(value)) < 120:
            lines.append(f"- {label}: {value}")
        elif isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value[:8]):
            lines.append(f"- {label}: {', '.join(map(str, value[:8]))}")
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, str | int | float) for v in value.values())
        ):
            inner = ", ".join(
                f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in list(value.items())[:8]
            )
            lines.append(f"- {label}: {inner}")
    return "\n".join(lines)


def render_drafts(result: Any) -> str:
    """Ad-copy drafts as numbered variants: every headline, description, subject or text the drafter returned."""
    drafts = items_of(result, ("drafts", "variants", "items", "results"))
    if not drafts:
        return ""
    blocks = []
    for i, draft in enumerate(drafts, start=1):
        d = as_dict(draft)
        lines = [f"**Variant {d.get('variant', i)}**"]
        if isinstance(d.get("fields"), dict):  # generation.copywriter.Draft: {field: text or lines}
            d = {**d, **d["fields"]}
        keys = ("headlines", "descriptions", "headline", "primary_text", "description", "subject", "subjects")
        for key in (*keys, "preheader", "body", "text", "path1", "path2"):
            value = d.get(key)
            if isinstance(value, list):
                lines += [f"- {key.rstrip('s')}: {v}" for v in value]
            elif isinstance(value, str) and value:
                lines.append(f"- {key}: {value}")
        problems = d.get("violations") or d.get("problems") or d.get("issues")
        if problems:
            lines.append(f"- checks: {problems}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def summary(name: str, args: dict[str, Any], result: Any) -> str:
    """One line a person can read about a tool call that ran (`ToolCallRecord.summary`)."""
    if name == "search_docs":
        return (
            f"searched help pages for {args.get('query')!r}: {len((result or {}).get('hits', []))} passages"
        )
    if name == "search_products":
        return f"searched products for {args.get('query')!r}: {len(items_of(result))} found"
    if name == "get_product":
        return f"looked up {args.get('sku')}"
    if name in ("recommend_products", "similar_products"):
        whom = args.get("customer_id") or args.get("sku") or args.get("segment")
        return f"{len(items_of(result))} products for {whom}"
    if name == "draft_copy":
        n = len(items_of(result, ("drafts", "variants", "items")))
        return f"{n} draft(s) for {', '.join(args.get('skus', []))} on {args.get('channel')}"
    if name == "segment_profile":
        return f"profile of segment {args.get('segment')}"
    if name == "list_segments":
        return f"{len(items_of(result, ('segments', 'profiles', 'items')))} segments"
    if name == "segment_members":
        return f"members of segment {args.get('segment')}"
    if name == "customer_summary":
        return f"summary of customer {args.get('customer_id')}"
    if name == "request_handoff":
        return f"handoff #{as_dict(result).get('handoff_id')} requested"
    return f"ran {name}"
