"""Recommendation tools on models trained from a real UCI slice: role checks, own-id rule, unknown ids."""

from __future__ import annotations

import pytest

from assistant import Caller
from assistant.commerce.models import load_models
from assistant.conversation.policy import Policy
from assistant.errors import BadInput, Forbidden, NotFound
from assistant.tools import ToolContext, all_tools
from assistant.tools.recommend import recommend_products, similar_products
from tests.assistant.commerce.models.uci_slice import trained_settings

# trained once per process (uci_slice.trained_settings): on one xdist worker under `--dist loadgroup`
pytestmark = pytest.mark.xdist_group("uci-models")


@pytest.fixture(scope="module")
def services() -> dict:
    settings = trained_settings()
    return {"settings": settings}  # models and engine come from the settings (lazy, cached)


@pytest.fixture(scope="module")
def known_customer() -> str:
    return load_models(trained_settings()).recommender.customers[0]


def test_registered_with_roles():
    tools = all_tools()
    assert tools["recommend_products"].roles == {"customer", "marketer"}
    assert tools["similar_products"].roles == {"customer", "marketer"}


def test_customer_gets_only_their_own(services, known_customer):
    """Whom a customer may ask about is the policy's rule (one place); the tool runs behind it."""
    policy = Policy()
    me = Caller(role="customer", customer_id=known_customer)

    def run(caller, args):
        return policy.run(caller, "recommend_products", args, services)[1]

    result = run(me, {"k": 3})
    assert result.customer_id == known_customer and len(result.items) == 3
    assert all(item.reason and item.name for item in result.items)
    assert run(me, {"customer_id": known_customer, "k": 2}).customer_id == known_customer
    other = load_models(trained_settings()).recommender.customers[1]
    with pytest.raises(Forbidden):
        run(me, {"customer_id": other})
    anonymous = Caller(role="customer")
    with pytest.raises(Forbidden):
        run(anonymous, {"customer_id": known_customer})
    popular = run(anonymous, {"k": 4})
    assert popular.customer_id is None and {i.reason_code for i in popular.items} == {"popular"}


def test_marketer_any_customer_and_unknown_ids(services, known_customer):
    marketer = ToolContext(role="marketer", services=services)
    assert len(recommend_products.run(marketer, {"customer_id": known_customer, "k": 5}).items) == 5
    with pytest.raises(NotFound, match="unknown customer"):
        recommend_products.run(marketer, {"customer_id": "99999999"})
    with pytest.raises(BadInput):
        recommend_products.run(marketer, {"customer_id": known_customer, "k": "many"})


def test_similar_products(services):
    ctx = ToolContext(role="customer", services=services)
    sku = load_models(trained_settings()).recommender.items[0]
    result = similar_products.run(ctx, {"sku": sku, "k": 3})
    assert result.sku == sku and 0 < len(result.items) <= 3
    assert all(i.item_id != sku and i.reason_code in {"together", "similar"} for i in result.items)
    with pytest.raises(NotFound, match="unknown product"):
        similar_products.run(ctx, {"sku": "NO-SUCH-SKU"})
