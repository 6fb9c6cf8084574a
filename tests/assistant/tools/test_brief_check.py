"""Copy requests read into slots and checked against the real demo briefs and catalog (no model, no database)."""

from __future__ import annotations

import pytest

from assistant.commerce.catalog import Catalog
from assistant.conversation.copy_request import campaign_name, read_copy_request
from assistant.settings import REPO_ROOT
from assistant.tools import brief_check
from assistant.tools.copy_check import lookup_brief
from generation import find_brief

CAMPAIGNS = REPO_ROOT / "data" / "demo" / "campaigns"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


def test_a_campaign_name_is_read_before_the_word_campaign() -> None:
    assert (
        campaign_name("google ads for our Black Friday Mega Sale 2026 campaign")[0]
        == "Black Friday Mega Sale 2026"
    )
    assert campaign_name("Write an SMS for the spring campaign")[0] == "spring"
    assert campaign_name("Draft a Meta ad campaign for the boots")[0] is None  # a channel is not a name


@pytest.mark.parametrize(
    ("name", "outcome", "brief"),
    [
        ("Black Friday Mega Sale 2026", "unknown_brief", None),
        ("Summer Sale 2025", "unknown_brief", None),
        ("Winter Trial Ready", "ok", "winter-trail-2026"),
        ("winter", "ok", "winter-trail-2026"),
        ("alpine-summer-2027", "ok", "alpine-summer-2027"),
    ],
)
def test_a_named_brief_is_found_or_refused_never_guessed(name, outcome, brief) -> None:
    found = lookup_brief(CAMPAIGNS, name)
    assert found.outcome == outcome
    assert (found.brief.id if found.brief else None) == brief


def test_discounts_the_brief_does_not_grant_are_questioned_with_the_reason() -> None:
    winter = find_brief(CAMPAIGNS, "winter-trail-2026")
    spring = find_brief(CAMPAIGNS, "spring-family-camping-2027")
    issue = brief_check.check_offer(winter, "20% off")
    assert issue is not None and issue.kind == "discount_not_granted" and "grants no discount" in issue.reason
    assert brief_check.check_offer(spring, "10% off") is None
    assert brief_check.check_offer(spring, "20% off").kind == "discount_not_granted"
    assert brief_check.check_offer(winter, "free shipping") is None


def test_requested_claims_are_checked_as_claims(catalog) -> None:
    winter = find_brief(CAMPAIGNS, "winter-trail-2026")
    boot = brief_check.product_facts(catalog, ["FTW-005"])
    banned = brief_check.check_claim("100% waterproof", boot, winter)
    assert banned is not None and banned.kind == "claim_banned"
    assert brief_check.check_claim("lifetime guarantee", boot, None).kind == "claim_unsupported"
    assert brief_check.check_claim("insulated", boot, winter) is None


def test_the_request_slots(catalog) -> None:
    ask = read_copy_request(
        "Meta ad for the Nordkette boot saying it is 100% waterproof, with 20% off, for the winter campaign",
        {"channel": "meta"},
        catalog,
    )
    assert ask.brief == "winter" and ask.discount == "20% off" and ask.claims == ["100% waterproof"]
    assert ask.skus == ["FTW-005"]
    assert "waterproof" not in ask.search_text()
    unknown = read_copy_request("Draft 2 Meta ads for FTW-999", {}, catalog)
    assert unknown.skus == ["FTW-999"]  # kept, so the check can say there is no such product


def test_out_of_stock_products_are_left_out_by_the_brief_rule(catalog) -> None:
    keep, left, issues = brief_check.stock_rule(None, catalog, ["FTW-011", "FTW-005"], named=True)
    assert keep == ["FTW-005"] and left == ["FTW-011"] and not issues[0].blocking
    keep, left, issues = brief_check.stock_rule(None, catalog, ["FTW-011"], named=True)
    assert keep == [] and issues[0].blocking


def test_a_brief_named_without_the_word_campaign_is_not_read_as_products(catalog) -> None:
    names = ["Winter Trail Ready", "Ridge Season Opener"]
    ask = read_copy_request(
        "instagram post for Ridge Season Openr with the Skyline 12 vest", {}, catalog, names
    )
    assert ask.brief == "Ridge Season Opener" and ask.skus == ["RUN-005"]
    assert campaign_name("Schreib Anzeigen für die Winterkampagne")[0] == "Winter"


def test_customer_ids_in_any_shape_are_read_as_customers_not_skus(catalog) -> None:
    from assistant.conversation.router import customer_id_in

    assert customer_id_in("Recommend products for customer CUST-7731") == "CUST-7731"
    assert customer_id_in("customer segments please") is None
    ask = read_copy_request("SMS for customer CUST-7731 about the winter campaign", {}, catalog)
    assert ask.customer_id == "CUST-7731" and ask.skus == []
    assert campaign_name("Schreib eine E-Mail für die Frühjahrskampagne")[0] == "Frühjahr"
