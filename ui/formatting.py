"""How the pages show what the assistant returns: reply text with linked sources, tool results as table rows, drafts
as one row per line with its character count, and CSV files for download."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from assistant import CitationOut, CopyDrafts, Reply, citation_link, csv_writer

# Columns people read first, when a result has them.
PREFERRED_COLUMNS = ("name", "item_id", "sku", "price", "currency", "reason", "size", "share")


def citation_url(c: CitationOut, reply_text: str = "") -> str:
    """Where a citation link goes: a cited product's page, else the document at its section (`citation_link`)."""
    return citation_link(c, reply_text)


def escape_html(text: str) -> str:
    """Reply text with HTML's special characters as entities: the page renders the Markdown of a reply, never HTML
    that a document or a model put into it (escape first, then let Markdown format)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_reply(reply: Reply) -> str:
    """The reply text (HTML escaped) followed by its numbered sources as Markdown links."""
    text = escape_html(reply.text.strip())
    if reply.citations:
        links = " · ".join(
            f"[{c.n}] [{escape_html(c.title or c.source)}]({citation_url(c, reply.text)})"
            for c in reply.citations
        )
        text += f"\n\n**Sources:** {links}"
    return text


def rows_of(items: Iterable[BaseModel | dict[str, Any]]) -> list[dict[str, Any]]:
    """Typed result items (products, segments, recommendations) as row dicts for a table."""
    return [item.model_dump(mode="json") if isinstance(item, BaseModel) else dict(item) for item in items]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple) and all(
        isinstance(v, list | tuple) and len(v) == 2 and isinstance(v[1], float) for v in value
    ):  # (name, share) pairs such as a segment's top categories
        return ", ".join(
            f"{name} {share:.0%}" if share <= 1 else f"{name} {share:g}" for name, share in value
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Headers and cell rows for a Dataframe (preferred columns first, then the rest in first-seen order)."""
    seen: list[str] = []
    for row in rows:
        seen += [k for k in row if k not in seen]
    headers = [c for c in PREFERRED_COLUMNS if c in seen] + [c for c in seen if c not in PREFERRED_COLUMNS]
    return headers, [[_cell(row.get(h)) for h in headers] for row in rows]


def draft_rows(result: CopyDrafts, channel_limits: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One row per line of every draft variant, with its character count and the channel's limit if known."""
    rows: list[dict[str, Any]] = []
    for draft in result.drafts:
        for field, value in draft.fields.items():
            texts = value if isinstance(value, list) else [value]
            for index, text in enumerate(texts, start=1):
                if not isinstance(text, str):
                    continue
                limit = (channel_limits or {}).get(field)
                rows.append(
                    {
                        "variant": draft.variant,
                        "field": f"{field} {index}" if len(texts) > 1 else field,
                        "text": text,
                        "chars": len(text),
                        "limit": limit or "",
                    }
                )
    return rows


def write_csv(rows: list[dict[str, Any]], prefix: str) -> str:
    """The rows as a CSV file in the temp folder (Gradio serves files from there) and its path."""
    headers, cells = table(rows)
    handle = tempfile.NamedTemporaryFile(
        "w", suffix=".csv", prefix=prefix, delete=False, newline="", encoding="utf-8"
    )
    with handle:
        writer = csv_writer(handle)
        writer.writerow(headers)
        writer.writerows(cells)
    return handle.name
