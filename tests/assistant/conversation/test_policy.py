"""The role policy: what a customer may run, with which arguments; marketers run everything."""

from __future__ import annotations

import pytest

from assistant.conversation.policy import CUSTOMER_TOOLS, Policy
from assistant.conversation.reply import Caller
from assistant.errors import Forbidden
from assistant.tools import ToolContext, tool


@tool(roles={"customer", "marketer"})
def recommend_products(ctx: ToolContext, customer_id: str, k: int = 5) -> dict:
    """Recommend products for a customer."""
    return {"customer_id": customer_id, "k": k}


@tool(roles={"marketer"})
def segment_members(ctx: ToolContext, segment: str, limit: int = 50) -> dict:
    """List a segment's customers."""
    return {"segment": segment}


@tool(roles={"customer", "marketer"})
def leaky_export(ctx: ToolContext) -> dict:
    """A tool that wrongly declares the customer role: the policy's list still keeps it from customers."""
    return {}


@pytest.fixture
def policy() -> Policy:
    return Policy(tools={t.name: t for t in (recommend_products, segment_members, leaky_export)})


def test_customer_tools_are_a_subset(policy):
    customer = Caller(role="customer", customer_id="C00042")
    assert set(policy.allowed_tools(customer)) == {"recommend_products"}
    assert set(policy.allowed_tools(Caller(role="marketer"))) == {
        "recommend_products",
        "segment_members",
        "leaky_export",
    }
    assert "segment_members" not in CUSTOMER_TOOLS


def test_customer_gets_their_own_id_filled_in(policy):
    customer = Caller(role="customer", customer_id="C00042")
    assert policy.check(customer, "recommend_products", {"k": 3}) == {"k": 3, "customer_id": "C00042"}
    assert policy.check(customer, "recommend_products", {"customer_id": "C00042"})["customer_id"] == "C00042"
    # anonymous: no id to fill in, and none may be named
    assert policy.check(Caller(role="customer"), "recommend_products", {"customer_id": ""}) == {
        "customer_id": None
    }


@pytest.mark.parametrize(
    ("caller", "name", "args", "why"),
    [
        (
            Caller(role="customer", customer_id="C00042"),
            "recommend_products",
            {"customer_id": "C00043"},
            "own account",
        ),
        (Caller(role="customer"), "recommend_products", {"customer_id": "C00042"}, "own account"),
        (
            Caller(role="customer", customer_id="C00042"),
            "segment_members",
            {"segment": "Loyal"},
            "not available",
        ),
        (Caller(role="customer", customer_id="C00042"), "leaky_export", {}, "not available"),
        (Caller(role="customer"), "drop_tables", {}, "not available"),
        (Caller(role="marketer"), "drop_tables", {}, "not available"),
    ],
)
def test_refusals(policy, caller, name, args, why):
    with pytest.raises(Forbidden, match=why):
        policy.check(caller, name, args)


def test_marketer_may_name_any_customer(policy):
    assert policy.check(Caller(role="marketer"), "recommend_products", {"customer_id": "C00043"}) == {
        "customer_id": "C00043"
    }


def test_tool_run_checks_the_role_even_without_the_policy():
    with pytest.raises(Forbidden):
        segment_members.run(ToolContext(role="customer"), {"segment": "Loyal"})
