"""The marketer-only `draft_copy` tool over the real demo catalog and campaign briefs."""

from __future__ import annotations

import pytest

from assistant.commerce.catalog import Catalog
from assistant.errors import BadInput, Forbidden, NotFound
from assistant.tools import tools_for
from assistant.tools.base import ToolContext
from assistant.tools.copy import draft_copy


@pytest.fixture
def ctx(settings):
    catalog = Catalog.from_csv(settings.demo_dir / "catalog.csv")
    return ToolContext(role="marketer", services={"settings": settings, "catalog": catalog, "llm": None})


def test_marketer_gets_valid_drafts_with_a_brief(ctx):
    out = draft_copy.run(
        ctx,
        {
            "skus": ["RUN-001"],
            "channel": "sms",
            "variants": 2,
            "brief_id": "trail-running-season-2027",
            "segment": "Champions",
        },
    )
    assert out.channel == "sms" and out.brief_id == "trail-running-season-2027" and len(out.drafts) == 2
    for d in out.drafts:
        text = d.fields["text"]
        assert len(text) <= 160 and d.char_counts["text"] == len(text)
        assert text.endswith("Reply STOP to opt out")
        assert "cheap" not in text.lower() and "guaranteed" not in text.lower()


def test_rsa_from_several_skus(ctx):
    out = draft_copy.run(ctx, {"skus": ["FTW-001", "FTW-002"], "channel": "google-rsa", "variants": 1})
    heads = out.drafts[0].fields["headlines"]
    assert 3 <= len(heads) <= 15 and all(len(h) <= 30 for h in heads)


def test_customers_may_not_draft_copy(ctx):
    ctx.role = "customer"
    with pytest.raises(Forbidden):
        draft_copy.run(ctx, {"skus": ["FTW-001"], "channel": "x"})
    assert "draft_copy" not in tools_for("customer") and "draft_copy" in tools_for("marketer")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"skus": ["NOPE-1"], "channel": "x"}, NotFound),
        ({"skus": ["FTW-001"], "channel": "fax"}, BadInput),
        ({"skus": ["FTW-001"], "channel": "x", "brief_id": "no-such-brief"}, BadInput),
        ({"skus": ["FTW-001"], "channel": "x", "variants": 50}, BadInput),
        ({"skus": [], "channel": "x"}, BadInput),
    ],
)
def test_bad_arguments_are_clear_errors(ctx, args, error):
    with pytest.raises(error):
        draft_copy.run(ctx, args)


def test_schema_offered_to_models():
    schema = draft_copy.json_schema
    assert schema["name"] == "draft_copy"
    assert schema["parameters"]["properties"]["skus"]["type"] == "array"
    assert set(schema["parameters"]["required"]) == {"skus", "channel"}


def test_the_campaign_the_marketer_names(ctx):
    out = draft_copy.run(
        ctx, {"skus": ["FTW-004"], "channel": "meta", "variants": 1, "brief_id": "Alpine Summer"}
    )
    assert out.brief_id == "alpine-summer-2027"
    with pytest.raises(BadInput, match="Which campaign"):
        draft_copy.run(ctx, {"skus": ["FTW-004"], "channel": "meta", "brief_id": "for At-risk customers"})


def test_best_seller_only_with_a_sales_rank(ctx):
    from assistant.tools.copy import build_request
    from generation.copy_rules import Rules, get_channel

    spec = get_channel("google-rsa").fields[0]
    plain = Rules(build_request(ctx.service("catalog"), ["FTW-001"], "google-rsa"))
    ranked = Rules(
        build_request(ctx.service("catalog"), ["FTW-001"], "google-rsa", sales_ranks={"FTW-001": 2})
    )
    assert plain.problems("Our best seller", spec) and not ranked.problems("Our best seller", spec)


def test_what_the_brief_does_not_grant_is_questioned_not_drafted(ctx):
    asked = {"skus": ["FTW-005"], "channel": "x", "variants": 1, "brief_id": "winter-trail-2026"}
    out = draft_copy.run(ctx, {**asked, "discount": "20% off"})
    assert out.outcome == "questioned" and not out.drafts
    assert {i.kind for i in out.check.issues} == {"discount_not_granted", "channel_not_in_brief"}
    refused = draft_copy.run(ctx, {**asked, "channel": "meta", "claims": ["100% waterproof"]})
    assert refused.outcome == "refused" and refused.check.issues[0].kind == "claim_banned"
