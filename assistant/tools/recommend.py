"""Recommendation tools: products for a customer (a customer only for themselves) and products like a given one.

Models come from `ctx.services` ("recommender", or "models" holding both) or are loaded from `settings` once
(`assistant.commerce.models.load_models`). Each item carries its reason ("you buy this regularly", "bought together with X")
and, where the catalog or the database knows it, the product's name and price.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text

from assistant.errors import NotFound
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import MixShare, Recommendations, RecommendedItem, SegmentRecommendations

MAX_K = 20


def _get(ctx: ToolContext, name: str) -> Any | None:
    value = ctx.services.get(name)
    return value() if callable(value) else value  # a lazy loader or the thing itself


def models_of(ctx: ToolContext):
    """(recommender, segmenter) for this context: from its services, else loaded from settings."""
    recommender, segmenter = _get(ctx, "recommender"), _get(ctx, "segmenter")
    if recommender is None or segmenter is None:
        bundle = _get(ctx, "models")
        if bundle is None:
            from assistant.commerce.models import load_models

            bundle = load_models(ctx.service("settings"))
        recommender = recommender or bundle.recommender
        segmenter = segmenter or bundle.segmenter
    return recommender, segmenter


def engine_of(ctx: ToolContext):
    """The database engine from the services or the settings; None when neither is wired."""
    engine = ctx.services.get("engine")
    if engine is None and "settings" in ctx.services:
        from assistant.storage.db import get_engine

        engine = get_engine(ctx.services["settings"].db_url)
    return engine


def check_customer(ctx: ToolContext, customer_id: str, recommender) -> None:
    """`NotFound` unless the customer is in the database (or, with no database wired, known to the model)."""
    engine = engine_of(ctx)
    if engine is not None:
        from assistant.commerce.imports import customer_exists

        if customer_exists(engine, customer_id):
            return
    elif recommender.knows_customer(customer_id):
        return
    raise NotFound(f"unknown customer {customer_id!r}")


def describe_items(ctx: ToolContext, recs: list) -> list[RecommendedItem]:
    """Recommendations with product facts: the catalog first (prices, stock), else the products table."""
    catalog = ctx.services.get("catalog")
    out = [r.as_dict() for r in recs]
    missing = [d["item_id"] for d in out if catalog is None or d["item_id"] not in catalog]
    rows: dict[str, dict] = {}
    engine = engine_of(ctx) if missing else None
    if engine is not None:
        query = text("SELECT sku, name, price, currency FROM products WHERE sku IN :skus").bindparams(
            bindparam("skus", expanding=True)
        )
        with engine.connect() as conn:
            rows = {r["sku"]: dict(r) for r in conn.execute(query, {"skus": missing}).mappings()}
    for d in out:
        if catalog is not None and d["item_id"] in catalog:
            product = catalog.get(d["item_id"])
            d.update(
                name=product.name, price=product.price, currency=product.currency, in_stock=product.in_stock
            )
        elif d["item_id"] in rows:
            row = rows[d["item_id"]]
            d.update(name=row["name"], price=row["price"], currency=row["currency"])
    return [RecommendedItem.model_validate(d) for d in out]


@tool(roles={"customer", "marketer"})
def recommend_products(ctx: ToolContext, customer_id: str | None = None, k: int = 5) -> Recommendations:
    """Recommend products for a customer, each with the reason (bought before, bought together with, popular).

    A customer gets recommendations for themselves only; a marketer may ask for any customer. Without a customer the
    shop's popular products are returned.
    """
    # Whom a customer may ask about is the policy's rule (`Policy.check` fills in their own id); the tool trusts it.
    k = max(1, min(MAX_K, k))
    recommender, _ = models_of(ctx)
    if customer_id is None:
        recs = recommender.recommend("", k)  # nobody in particular: popular items
    else:
        check_customer(ctx, customer_id, recommender)
        recs = recommender.recommend(customer_id, k)
    return Recommendations(customer_id=customer_id, items=describe_items(ctx, recs))


@tool(roles={"customer", "marketer"})
def similar_products(ctx: ToolContext, sku: str, k: int = 5) -> Recommendations:
    """Products often bought together with, or similar to, the product with this SKU."""
    k = max(1, min(MAX_K, k))
    recommender, _ = models_of(ctx)
    catalog = ctx.services.get("catalog")
    if not recommender.knows_item(sku):
        if catalog is not None and sku in catalog:
            return Recommendations(sku=sku)  # in the catalog, added after training: nothing known yet
        raise NotFound(f"unknown product SKU {sku!r}")
    return Recommendations(sku=sku, items=describe_items(ctx, recommender.similar(sku, k)))


MIX_ROWS = 8  # categories and products shown beside the shop's


def _mix(labels: list[str], segment_mix, shop_mix) -> list[MixShare]:
    """Shares summed per label (a category holds many products), the segment's largest first."""
    seg_total: dict[str, float] = {}
    shop_total: dict[str, float] = {}
    for label, seg, shop in zip(labels, segment_mix, shop_mix, strict=True):
        seg_total[label] = seg_total.get(label, 0.0) + float(seg)
        shop_total[label] = shop_total.get(label, 0.0) + float(shop)
    ranked = sorted(seg_total, key=lambda label: -seg_total[label])[:MIX_ROWS]
    return [
        MixShare(
            label=label, segment_share=round(seg_total[label], 4), shop_share=round(shop_total[label], 4)
        )
        for label in ranked
        if seg_total[label] > 0
    ]


@tool(roles={"marketer"})
def segment_recommendations(ctx: ToolContext, segment: str, k: int = 10) -> SegmentRecommendations:
    """What to recommend to one customer segment, each product with its reason (the share of the segment that bought
    it beside the whole shop's), and the categories and products the segment buys most beside the shop's mix."""
    k = max(1, min(MAX_K, k))
    recommender, segmenter = models_of(ctx)
    profile = segmenter.profile(segment)  # NotFound, with the known names, for an unknown segment
    recs = recommender.for_segment(profile.name, k)
    segment_mix, shop_mix = recommender.segment_mix(profile.name)
    # A product's top-level category is the last of its names (subcategory first); products without one stay apart.
    categories = [names[-1] if names else "(no category)" for names in recommender.categories]
    return SegmentRecommendations(
        segment=profile.name,
        size=profile.size,
        share=profile.share,
        items=describe_items(ctx, recs),
        categories=_mix(categories, segment_mix, shop_mix),
        products=_mix(list(recommender.names), segment_mix, shop_mix),
    )
