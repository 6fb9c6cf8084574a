"""Knowledge tools: search the shop's documents, search products, look one product up.

They use the services the agent wires into `ToolContext`: ``kb`` (a `retrieval.kb.KnowledgeBase`) and ``catalog``
(an `assistant.commerce.catalog.Catalog`, the source of truth for prices and stock). Results are typed models, ready to be
evidence for a grounded answer and to be rendered by a UI (`assistant.tools.results`).
"""

from __future__ import annotations

from typing import Any, Literal

from assistant.errors import NotFound
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import DocHit, DocSearch, DocUnit, ProductInfo, ProductSearch
from assistant.visibility import search_filters, visible_hits

DocType = Literal["policy", "page", "campaign", "other"]
Language = Literal["en", "de", "fr", "es", "it"]
MAX_K = 20
SEARCHED_DOC_TYPES = frozenset({"policy", "page", "campaign", "other"})  # products: search_products
SECTION_KINDS = frozenset({"table_row", "list_item"})  # units that are read with the rest of their section
MAX_SECTION_UNITS = 30


def _doc_hit(hit: Any) -> DocHit:
    meta = dict(hit.metadata or {})
    return DocHit(
        chunk_id=hit.chunk_id,
        source=hit.source,
        title=hit.title,
        anchor=hit.anchor,
        doc_type=meta.get("doc_type", ""),
        heading=meta.get("heading", ""),
        score=round(float(hit.score), 4),
        text=hit.text,
        language=str(meta.get("language") or ""),
        fields=dict(getattr(hit, "fields", None) or {}),
        kind=str(meta.get("kind") or ""),
        lead=str(meta.get("lead") or ""),
    )


def _unit(hit: Any, retrieved: bool) -> DocUnit:
    """A chunk as a unit of its section: its own text (no heading prefix, no lead), kind, cells and lead."""
    meta = dict(hit.metadata or {})
    heading, lead = str(meta.get("heading") or ""), str(meta.get("lead") or "")
    text = hit.text[len(heading) + 2 :] if heading and hit.text.startswith(heading + ": ") else hit.text
    if lead and text.startswith(lead):
        text = text[len(lead) :].strip()
    fields = dict(getattr(hit, "fields", None) or {})
    return DocUnit(
        kind=str(meta.get("kind") or "prose"), text=text, fields=fields, lead=lead, retrieved=retrieved
    )


def with_sections(kb: Any, hits: list[Any], role: str) -> list[DocHit]:
    """The hits with every table row and list item widened to its whole section (the table, the list), once per
    section at the rank of its best unit: "which delivery options" needs every row, "not to Canada" every
    destination, and one row of a table rarely answers alone."""
    out: list[DocHit] = []
    sections: dict[tuple[str, str], tuple[DocHit, dict[str, int]]] = {}
    for hit in hits:
        meta = hit.metadata or {}
        if meta.get("kind") not in SECTION_KINDS or not hasattr(kb, "section"):
            out.append(_doc_hit(hit))
            continue
        key = (hit.source, str(meta.get("heading") or ""))
        if key in sections:
            merged, positions = sections[key]
            if hit.chunk_id in positions:
                merged.units[positions[hit.chunk_id]].retrieved = True
            continue
        # The section's other units pass the same visibility rule as the hit (one file, one visibility, but the
        # rule is checked where evidence enters, not assumed).
        members = [
            m for m in visible_hits(role, kb.section(hit)) if (m.metadata or {}).get("kind") != "product"
        ]
        members = members[:MAX_SECTION_UNITS]
        if not any(m.chunk_id == hit.chunk_id for m in members):
            members = [hit, *members][:MAX_SECTION_UNITS]
        units = [_unit(m, m.chunk_id == hit.chunk_id) for m in members]
        merged = _doc_hit(hit)
        merged.kind, merged.lead, merged.units = "section", "", units
        bullet = {"table_row": "- ", "list_item": "- "}
        body = "\n".join(bullet.get(u.kind, "") + (f"{u.lead} " if u.lead else "") + u.text for u in units)
        merged.text = f"{key[1]}:\n{body}" if key[1] else body
        sections[key] = (merged, {m.chunk_id: i for i, m in enumerate(members)})
        out.append(merged)
    return out


@tool(roles={"customer", "marketer"})
def search_docs(
    ctx: ToolContext,
    query: str,
    k: int = 4,
    doc_type: DocType | None = None,
    language: Language | None = None,
) -> DocSearch:
    """Search the shop's help pages and policies (returns, shipping, warranty, payment, care, sizing) for a question.

    Without `doc_type`, every kind of document except product records is searched. `language` prefers pages in that
    language (default: the query's own).
    """
    kb = ctx.service("kb")
    k = max(1, min(MAX_K, k))
    # Who may see what is one rule (assistant.visibility): customers get public documents only, so campaign briefs
    # and uploads (internal by default) never become a customer's evidence.
    visible = search_filters(ctx.role)
    prefer = language or "auto"  # "auto": the knowledge base prefers the query's own language
    if doc_type is not None:
        hits = visible_hits(
            ctx.role, kb.search(query, k=k, filters={**visible, "doc_type": doc_type}, language=prefer)
        )
    else:
        # One filter value per search: take a wider unfiltered list and keep the document kinds (search_products has
        # the products); when products crowd everything out (a question in another language, say), top up from the
        # policies.
        wide = [h for h in kb.search(query, k=k * 3, filters=visible, language=prefer) if _searched(h)]
        hits = visible_hits(ctx.role, wide)[:k]
        if len(hits) < k:
            seen = {h.chunk_id for h in hits}
            policies = kb.search(query, k=k, filters={**visible, "doc_type": "policy"}, language=prefer)
            hits += [h for h in visible_hits(ctx.role, policies) if h.chunk_id not in seen]
            hits = hits[:k]
    return DocSearch(query=query, hits=with_sections(kb, hits, ctx.role))


def _searched(hit: Any) -> bool:
    return (hit.metadata or {}).get("doc_type") in SEARCHED_DOC_TYPES


def _catalog(ctx: ToolContext) -> Any | None:
    """The catalog service, or None where the shop has no catalog file (the index's product records still work)."""
    try:
        return ctx.service("catalog")
    except RuntimeError:
        return None


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields the index or catalog actually had (a missing category stays the model's default)."""
    return {k: v for k, v in fields.items() if v is not None}


def _product_info(ctx: ToolContext, sku: str, hit: Any | None = None) -> ProductInfo | None:
    """A product as evidence: catalog facts (price, stock) win over what the index stored at sync time."""
    catalog = _catalog(ctx)
    meta = dict(hit.metadata or {}) if hit is not None else {}
    out: dict[str, Any] = {
        "sku": sku,
        "name": hit.title if hit is not None else sku,
        "category": meta.get("category", ""),
        "price": meta.get("price"),
        "currency": meta.get("currency", ""),
        "stock": meta.get("stock"),
        "in_stock": meta.get("in_stock"),
        "source": hit.source if hit is not None else "catalog.csv",
        "anchor": sku,
        "text": hit.text if hit is not None else "",
    }
    if catalog is not None:
        if sku not in catalog:
            return None if hit is None else ProductInfo.model_validate(_present(out))
        p = catalog.get(sku)
        out.update(
            name=p.name,
            category=p.category,
            subcategory=p.subcategory,
            price=p.price,
            currency=p.currency,
            stock=p.stock,
            in_stock=p.in_stock,
            sizes=p.sizes,
            colours=p.colours,
            materials=p.materials,
            weight_g=p.weight_g,
            compatible_with=p.compatible_with,
            description=p.description,
        )
        if not out["text"]:
            out["text"] = (
                f"{p.name} (SKU {p.sku}). Price: {p.price_text()}. "
                + (f"In stock: {p.stock}. " if p.in_stock else "Out of stock. ")
                + p.description
            )
    if hit is not None:
        out["score"] = round(float(hit.score), 4)
    return ProductInfo.model_validate(_present(out))


@tool(roles={"customer", "marketer"})
def search_products(
    ctx: ToolContext,
    query: str,
    k: int = 5,
    category: str | None = None,
    max_price: float | None = None,
    in_stock: bool | None = None,
) -> ProductSearch:
    """Find products matching a description, optionally within a category, under a price, or only those in stock."""
    kb = ctx.service("kb")
    k = max(1, min(MAX_K, k))
    filters: dict[str, Any] = {"doc_type": "product"}
    if category:
        filters["category"] = category
    if max_price is not None:
        filters["max_price"] = max_price
    if in_stock is not None:
        filters["in_stock"] = in_stock
    products = []
    # The same visibility rule as documents: product rows from an upload are internal until marked public.
    for hit in visible_hits(ctx.role, kb.search(query, k=k, filters={**filters, **search_filters(ctx.role)})):
        sku = (hit.metadata or {}).get("sku") or hit.anchor
        item = _product_info(ctx, sku, hit)
        if item is not None:
            products.append(item)
    return ProductSearch(
        query=query, filters={k_: v for k_, v in filters.items() if k_ != "doc_type"}, products=products
    )


@tool(roles={"customer", "marketer"})
def get_product(ctx: ToolContext, sku: str) -> ProductInfo:
    """Look up one product by SKU: name, price, stock, sizes, colours and description."""
    sku = sku.strip().upper()
    item = _product_info(ctx, sku) if _catalog(ctx) is not None else None
    if item is None:
        raise NotFound(f"unknown product SKU {sku!r}")
    return item
