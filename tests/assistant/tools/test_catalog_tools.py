"""search_docs, search_products, get_product and request_handoff over fakes of the index and the real catalog/store."""

from __future__ import annotations

import pytest

from assistant.errors import BadInput, NotFound
from assistant.storage.store import ConversationStore
from assistant.tools import ToolContext, all_tools
from assistant.tools.catalog import get_product, search_docs, search_products
from assistant.tools.handoff import request_handoff
from tests.assistant.fakes import PRODUCTS, FakeKB, demo_catalog, demo_hits, product_hit


def _ctx(role="customer", **services) -> ToolContext:
    return ToolContext(role=role, services=services)


def test_tools_are_registered_with_schemas():
    tools = all_tools()
    for name in ("search_docs", "search_products", "get_product", "request_handoff"):
        assert name in tools and tools[name].allowed("customer") and tools[name].allowed("marketer")
    schema = tools["search_products"].json_schema
    assert schema["name"] == "search_products" and "max_price" in schema["parameters"]["properties"]
    assert schema["parameters"]["required"] == ["query"]


def test_search_docs_leaves_out_product_records():
    kb = FakeKB(demo_hits())
    out = search_docs.run(_ctx(kb=kb), {"query": "return boots waterproof"})
    assert out.hits and all(h.doc_type == "policy" for h in out.hits)
    assert out.hits[0].heading.startswith("Returns and refunds")
    search_docs.run(_ctx(kb=kb), {"query": "return", "doc_type": "policy", "k": 2})
    # a customer's searches ask the index for public documents only (assistant.visibility)
    assert kb.queries[-1] == ("return", {"doc_type": "policy", "visibility": "public"})
    with pytest.raises(BadInput):
        search_docs.run(_ctx(kb=kb), {"query": "x", "doc_type": "secret"})


def test_search_products_uses_catalog_prices_and_filters():
    stale = [product_hit(PRODUCTS[0], stale_price=99.0), product_hit(PRODUCTS[1])]
    kb = FakeKB(stale)
    out = search_products.run(_ctx(kb=kb, catalog=demo_catalog()), {"query": "waterproof boot"})
    boot = next(p for p in out.products if p.sku == "FTW-001")
    assert boot.price == 169.0 and boot.in_stock is True  # the catalog wins over the index's stale price
    out = search_products.run(
        _ctx(kb=kb, catalog=demo_catalog()), {"query": "waterproof", "in_stock": True, "max_price": 200}
    )
    assert kb.queries[-1][1] == {
        "doc_type": "product",
        "max_price": 200.0,
        "in_stock": True,
        "visibility": "public",
    }
    assert out.filters == {"max_price": 200.0, "in_stock": True}


def test_get_product():
    ctx = _ctx(catalog=demo_catalog())
    item = get_product.run(ctx, {"sku": " ftw-001 "})
    assert item.name.startswith("Talus") and item.price == 169.0 and item.stock == 34
    with pytest.raises(NotFound):
        get_product.run(ctx, {"sku": "NOPE-1"})
    with pytest.raises(NotFound):
        get_product.run(_ctx(catalog=None), {"sku": "FTW-001"})


def test_request_handoff_stores_contact(settings):
    store = ConversationStore.from_url(settings.db_url)
    sid = store.create_session("customer")
    ctx = ToolContext(role="customer", session_id=sid, services={"store": store})
    out = request_handoff.run(ctx, {"reason": "wants a person", "contact": "anna@example.com"})
    assert store.list_handoffs()[0]["handoff_id"] == out.handoff_id
    assert store.list_handoffs()[0]["contact"] == "anna@example.com"
    with pytest.raises(BadInput):
        request_handoff.run(ToolContext(role="customer", services={"store": store}), {"reason": "x"})


def test_customers_never_see_campaign_briefs():
    from retrieval.types import Hit

    brief = Hit(
        chunk_id="c1",
        text="Winter campaign: target At risk customers with free shipping over 75 EUR",
        source="campaigns/winter.yaml",
        score=1.0,
        metadata={"doc_type": "campaign"},
        title="Winter Trail Ready",
    )
    kb = FakeKB([*demo_hits(), brief])
    query = {"query": "winter campaign free shipping At risk customers"}
    customer = search_docs.run(_ctx(kb=kb), query)
    assert all(h.doc_type != "campaign" for h in customer.hits)
    asked = search_docs.run(
        _ctx(kb=kb), {**query, "doc_type": "campaign"}
    )  # asking for it explicitly does not help
    assert all(h.doc_type != "campaign" for h in asked.hits)
    marketer = search_docs.run(_ctx(role="marketer", kb=kb), query)
    assert any(h.doc_type == "campaign" for h in marketer.hits)
