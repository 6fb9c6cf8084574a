"""Briefs named in free wording, claims asked loosely, figures of a claim: the real demo briefs and catalog."""

from __future__ import annotations

import pytest

from assistant.commerce.catalog import Catalog
from assistant.conversation.copy_request import campaign_name, marketer_task, read_copy_request
from assistant.settings import REPO_ROOT
from assistant.tools import brief_check, brief_match
from assistant.tools.copy_check import lookup_brief
from generation import find_brief, load_briefs

CAMPAIGNS = REPO_ROOT / "data" / "demo" / "campaigns"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


@pytest.mark.parametrize(
    ("request_", "names", "brief"),
    [
        ("rsa winter", [], "winter-trail-2026"),
        (
            "add the Snowball kids snow suit to the winter trail meta ads",
            ["Snowball Kids Snow Suit"],
            "winter-trail-2026",
        ),
        ("trail running email for runners", [], "trail-running-season-2027"),
        ("above the treline email", [], "alpine-summer-2027"),
        (
            "Google ads for the Trail Spikes Traction",
            ["Trail Spikes Traction"],
            None,
        ),  # a product's words only
        ("Google ads for the Nordkette Insulated Winter Boot", ["Nordkette Insulated Winter Boot"], None),
    ],
)
def test_a_brief_is_named_by_its_own_words_not_by_a_products(request_, names, brief) -> None:
    found = lookup_brief(CAMPAIGNS, None, request_, products_named=bool(names), product_names=names)
    assert found.outcome == "ok" and (found.brief.id if found.brief else None) == brief


def test_a_year_or_a_shared_word_asks_which_and_an_unknown_name_lists_them() -> None:
    assert lookup_brief(CAMPAIGNS, "2027").outcome == "ambiguous_brief"
    assert campaign_name("Schreib mir bitte eine E-Mail für die Trail-Kampagne")[0] == "Trail"
    assert lookup_brief(CAMPAIGNS, "Trail").outcome == "ambiguous_brief"
    assert campaign_name("Ski Touring Launch - need google rsa asap")[0] == "Ski Touring"
    assert lookup_brief(CAMPAIGNS, "Ski Touring").outcome == "unknown_brief"


def test_the_one_brief_that_sells_a_product() -> None:
    briefs = load_briefs(CAMPAIGNS)
    assert brief_match.brief_of_products(["KID-002"], briefs).id == "spring-family-camping-2027"
    assert brief_match.brief_of_products(["FTW-003"], briefs) is None  # in no brief


@pytest.mark.parametrize(
    ("message", "claim"),
    [
        ("claim: Meadow 4 flysheet rated 4,000 mm", "Meadow 4 flysheet rated 4,000 mm"),
        ("claim for alpine ads: Stormline 3L rated 20,000 mm", "Stormline 3L rated 20,000 mm"),
        ("Meadow 4 sets up in 5 minutes - ok for the headline?", "Meadow 4 sets up in 5 minutes"),
        (
            "For the winter copy: 'Trail Spikes keep you safe on any ice' - ok?",
            "Trail Spikes keep you safe on any ice",
        ),
        (
            "Trail Race Jacket is waterproof to 20,000 mm, put it in the headline",
            "Trail Race Jacket is waterproof to 20,000 mm",
        ),
    ],
)
def test_claims_asked_in_loose_words_are_read_as_claims(message, claim, catalog) -> None:
    ask = read_copy_request(message, {}, catalog)
    assert claim in ask.claims
    assert marketer_task(message, {}) == "ad_copy"  # a claim to check, never a product search


def test_a_claim_with_a_figure_the_facts_do_not_state_is_refused(catalog) -> None:
    trail = find_brief(CAMPAIGNS, "trail-running-season-2027")
    jacket = brief_check.product_facts(catalog, ["RUN-011"])
    wrong = brief_check.check_claim("waterproof to 20,000 mm", jacket, trail)
    assert wrong is not None and wrong.kind == "claim_unsupported" and "20,000 mm" in wrong.reason
    assert brief_check.check_claim("waterproof to 10,000 mm", jacket, trail) is None


def test_brief_names_and_customer_ids_route_to_marketer_tasks() -> None:
    names = ["First Nights Out", "Winter Trail Ready"]
    assert marketer_task("add TNT-013 to First Nights Out", {}, names) == "ad_copy"
    assert marketer_task("what should we push to customer CUST-7731 next?", {"customer_id": "CUST-7731"}) == (
        "segment_analysis"
    )
    assert marketer_task("100% waterproof", {}) == "ad_copy"


def test_an_email_for_several_products_is_drafted(catalog) -> None:
    """The body names three products, each paragraph checked against its own (it raised 'only 0 valid email body')."""
    from assistant.tools.copy import build_request, run_draft

    spring = find_brief(CAMPAIGNS, "spring-family-camping-2027")
    request = build_request(catalog, ["TNT-005", "TNT-007", "SLP-004"], "email", brief=spring)
    result = run_draft(request, None)
    body = result.drafts[0].fields["body"]
    assert len(result.drafts) == 3 and "Meadow 4" in body and "Valley 5" in body


def test_discounts_in_other_words_and_without_their_conditions_are_questioned(catalog) -> None:
    assert read_copy_request(
        "Bitte 15 % Studentenrabatt in die Winter-Trail-Mails einbauen", {}, catalog
    ).discount
    spring = find_brief(CAMPAIGNS, "spring-family-camping-2027")
    loose = brief_check.check_offer(spring, "10% off", "make it 10% off everything, for everyone, no sign-up")
    assert loose is not None and loose.kind == "discount_not_granted" and "conditions" in loose.reason
    assert brief_check.check_offer(spring, "10% off", "with 10% off for newsletter sign-ups") is None


def test_a_channel_the_drafter_does_not_write_for_is_kept_to_be_questioned(catalog) -> None:
    ask = read_copy_request("Ridge Season Opener on TikTok", {}, catalog, ["Ridge Season Opener"])
    assert ask.channel == "tiktok" and ask.brief == "Ridge Season Opener"


def test_each_product_name_is_read_and_the_campaigns_products_win_a_shared_name(catalog) -> None:
    from assistant.conversation.product_names import named_products

    assert set(named_products("lead with the Cirque boot + Glacier crampons", catalog)) == {
        "FTW-004",
        "WNT-001",
    }
    assert named_products("'Stormguard gaiters waterproof'", catalog) == ["ACC-007"]  # not the neck gaiter
    trail = set(find_brief(CAMPAIGNS, "trail-running-season-2027").products)
    assert named_products("the Ridgerunner", catalog, prefer=trail) == ["RUN-001", "RUN-002"]
    spring = set(find_brief(CAMPAIGNS, "spring-family-camping-2027").products)
    assert named_products("add the Meadow 6", catalog, prefer=spring) == [
        "TNT-006"
    ]  # never the brief's Meadow 4


def test_a_claim_a_denying_fact_restates_is_refused(catalog) -> None:
    crampons = brief_check.product_facts(catalog, ["WNT-001"])
    denied = brief_check.check_claim("the Glacier crampons fit the Talus hiking boots", crampons, None)
    assert denied is not None and "do not fit" in denied.reason
