"""A product's own page, the target of every product citation: ``/docs/products/<SKU>`` shows one catalog row as a
product card (name, price, stock, sizes, colours, weight, materials, description) instead of a spreadsheet.

The catalog file opens through the application API's `open_document`, so the page is exactly as visible as the
catalog itself (`assistant.visibility`): a customer who may not read the catalog, a SKU that is not in it and a
catalog that does not exist all get the same 404 page. ``?cite=<sentence>`` (set by `assistant.citation_links`)
names the reply's sentence that cited the product: the description sentence or the fact that backs it is
highlighted, with the id ``cited`` the link's fragment scrolls to.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rapidfuzz import fuzz

from assistant.citation_links import DEFAULT_CATALOG, MAX_CITE_CHARS
from assistant.errors import NotFound
from assistant.http.docs_view import CSP
from assistant.http.state import app_state

router = APIRouter()

MIN_MATCH = 60  # rapidfuzz token-set score (0-100) below which no sentence is claimed as the cited one
# The facts shown in this order, as (label, the catalog columns that may hold it); lists are "|"-separated.
FACTS = (
    ("Price", ("price",)),
    ("Stock", ("stock",)),
    ("Sizes", ("sizes", "size")),
    ("Colours", ("colours", "colors", "colour", "color")),
    ("Weight", ("weight_g", "weight")),
    ("Materials", ("materials", "material")),
    ("Category", ("category",)),
    ("Works with", ("compatible_with",)),
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="/favicon.svg">
<style>body{{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#1d2521}}
nav a{{color:#0b6e4f}} h1{{font-size:1.6rem;margin:.8rem 0 .2rem;overflow-wrap:anywhere}} .sku{{color:#55615b;font-size:.9rem}}
.price{{font-size:1.4rem;font-weight:700;color:#0b6e4f;margin:.4rem 0}}
dl{{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1rem 0;padding:1rem;background:#f4f6f5;border-radius:10px}}
dt{{font-weight:600}} dd{{margin:0;overflow-wrap:anywhere}} .in{{color:#0b5e3f}} .out{{color:#a61b1b}}
mark{{background:#fff1a8;padding:0 .15em;border-radius:3px;scroll-margin-top:4rem}}
.note{{color:#55615b;font-size:.9rem}}</style>
</head><body><nav aria-label="Breadcrumb"><a href="/">Home</a> / <a href="/docs/{catalog_href}">{catalog}</a> / {sku}</nav>
<main>{body}</main></body></html>"""


@router.get("/docs/products/{sku}", include_in_schema=False)
async def product_page(sku: str, request: Request, cite: str = "", source: str = DEFAULT_CATALOG) -> Response:
    """The product `sku` of the catalog `source` as a page, with the cited sentence highlighted."""
    state = app_state(request)
    caller = state.auth.caller(request)

    def find() -> tuple[dict[str, str], bool] | None:
        try:
            doc = state.api.open_document(caller, source)
        except NotFound:
            return None
        if doc.path.suffix.lower() != ".csv":
            return None
        row = find_product(doc.path, sku)
        return (row, doc.visibility != "public") if row is not None else None

    found = await state.in_worker(find)
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    if found is None:
        return HTMLResponse(not_found_html(sku), status_code=404, headers=headers)
    row, private = found
    if private:
        headers["Cache-Control"] = "private, no-store"
    return HTMLResponse(product_html(row, cite[:MAX_CITE_CHARS], source), headers=headers)


def find_product(catalog: Path, sku: str) -> dict[str, str] | None:
    """The catalog row whose first column (or `sku` column) is `sku` (case-insensitive), or None."""
    wanted = sku.strip().lower()
    with catalog.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        key = next(
            (f for f in reader.fieldnames or [] if f.strip().lower() in ("sku", "id", "item_id")), None
        )
        key = key or (reader.fieldnames or [None])[0]
        if key is None:
            return None
        for row in reader:
            if (row.get(key) or "").strip().lower() == wanted:
                return {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    return None


def _value(row: dict[str, str], columns: tuple[str, ...]) -> tuple[str, str]:
    column = next((c for c in columns if row.get(c)), "")
    return column, row.get(column, "") if column else ""


def fact_text(label: str, column: str, value: str, row: dict[str, str]) -> str:
    """A fact as people read it: '169.00 EUR', 'In stock (34)', '1180 g', lists joined with commas."""
    if label == "Price":
        return f"{value} {row.get('currency', '')}".strip()
    if label == "Stock":
        try:
            count = int(float(value))
        except ValueError:
            return value
        return f"In stock ({count})" if count > 0 else "Out of stock"
    if column == "weight_g":
        return f"{value} g"
    return ", ".join(part.strip() for part in value.split("|") if part.strip())


def cited_index(cite: str, candidates: list[str]) -> int | None:
    """Which candidate (a description sentence or a 'Label: value' fact) the cited sentence rests on, if any."""
    cite = cite.strip()
    if not cite or not candidates:
        return None
    scores = [fuzz.token_set_ratio(cite.lower(), c.lower()) for c in candidates]
    best = max(range(len(candidates)), key=scores.__getitem__)
    return best if scores[best] >= MIN_MATCH else None


def product_html(row: dict[str, str], cite: str, source: str) -> str:
    """The product card; the candidate the cited sentence rests on is wrapped in ``<mark id="cited">``."""
    facts = []
    for label, columns in FACTS:
        column, value = _value(row, columns)
        if value:
            facts.append((label, fact_text(label, column, value, row)))
    sentences = [s for s in _SENTENCES.split(row.get("description", "")) if s.strip()]
    candidates = sentences + [f"{label}: {text}" for label, text in facts]
    hit = cited_index(cite, candidates)

    def shown(index: int, text: str) -> str:
        escaped = html.escape(text)
        return f'<mark id="cited">{escaped}</mark>' if index == hit else escaped

    items = []
    for offset, (label, text) in enumerate(facts, start=len(sentences)):
        cls = (
            ' class="in"' if text.startswith("In stock") else ' class="out"' if text == "Out of stock" else ""
        )
        items.append(f"<dt>{html.escape(label)}</dt><dd{cls}>{shown(offset, text)}</dd>")
    description = " ".join(shown(i, s) for i, s in enumerate(sentences))
    name = row.get("name") or row.get("sku", "")
    price = next((text for label, text in facts if label == "Price"), "")
    note = (
        '<p class="note">The highlighted part is what the assistant\'s answer rests on.</p>'
        if hit is not None
        else ""
    )
    body = (
        f'<h1>{html.escape(name)}</h1><div class="sku">Item {html.escape(row.get("sku", ""))}</div>'
        + (f'<p class="price">{html.escape(price)}</p>' if price else "")
        + (f"<p>{description}</p>" if description else "")
        + note
        + (f'<dl aria-label="Product details">{"".join(items)}</dl>' if items else "")
    )
    return _page(name, body, source, row.get("sku", ""))


def not_found_html(sku: str) -> str:
    body = (
        "<h1>Product not found</h1><p>We have no product with the item number "
        f"<strong>{html.escape(sku)}</strong>. It may have left the range.</p>"
    )
    return _page("Product not found", body, DEFAULT_CATALOG, sku)


def _page(title: str, body: str, source: str, sku: str, **_: Any) -> str:
    return _PAGE.format(
        title=html.escape(title),
        body=body,
        catalog=html.escape(Path(source).name),
        catalog_href=html.escape(source.lstrip("/"), quote=True),
        sku=html.escape(sku),
    )
