"""Segment tools: marketer only, profiles and members from real trained models, unknown names."""

from __future__ import annotations

import pytest

from assistant.commerce.models import load_models
from assistant.errors import Forbidden, NotFound
from assistant.tools import ToolContext, all_tools
from assistant.tools.segments import (
    campaign_audience,
    customer_summary,
    list_segments,
    segment_members,
    segment_profile,
)
from tests.assistant.commerce.models.uci_slice import trained_settings

# trained once per process (uci_slice.trained_settings): on one xdist worker under `--dist loadgroup`
pytestmark = pytest.mark.xdist_group("uci-models")


@pytest.fixture(scope="module")
def marketer() -> ToolContext:
    settings = trained_settings()
    models = load_models(settings)
    return ToolContext(
        role="marketer",
        services={"settings": settings, "recommender": models.recommender, "segmenter": models.segmenter},
    )


def test_customers_may_not_run_segment_tools(marketer):
    customer = ToolContext(role="customer", customer_id="12348", services=marketer.services)
    args = {
        "list_segments": {},
        "segment_profile": {"segment": "Champions"},
        "segment_members": {"segment": "Champions"},
        "customer_summary": {"customer_id": "12348"},
    }
    for name, arguments in args.items():
        tool = all_tools()[name]
        assert tool.roles == {"marketer"}
        with pytest.raises(Forbidden):
            tool.run(customer, arguments)


def test_list_profile_members(marketer):
    listed = list_segments.run(marketer, {})
    names = [s.name for s in listed.segments]
    assert len(names) >= 3 and listed.silhouette > 0
    profile = segment_profile.run(marketer, {"segment": names[0].upper()})
    assert profile.name == names[0] and profile.size > 0 and len(profile.recommended) == 5
    members = segment_members.run(marketer, {"segment": names[0], "limit": 7})
    assert members.total == profile.size and len(members.customer_ids) == 7
    with pytest.raises(NotFound, match="unknown segment"):
        segment_profile.run(marketer, {"segment": "Martians"})


def test_customer_summary(marketer):
    customer = load_models(trained_settings()).recommender.customers[0]
    summary = customer_summary.run(marketer, {"customer_id": customer})
    assert summary.customer_id == customer and summary.orders >= 1 and summary.spent > 0
    assert summary.segment and len(summary.recommended) == 5
    with pytest.raises(NotFound):
        customer_summary.run(marketer, {"customer_id": "00000"})


def test_who_should_get_a_campaign_is_its_briefs_segments_with_sizes(marketer):
    shop = {s.name: s.size for s in list_segments.run(marketer, {}).segments}
    out = campaign_audience.run(marketer, {"request": "who should get the winter campaign?"})
    assert out.outcome == "ok" and out.brief_id == "winter-trail-2026" and "hikers" in out.audience.lower()
    assert {s.name for s in out.segments} | set(out.missing_segments) == {"At risk", "Loyal", "Hibernating"}
    assert all(s.size == shop[s.name] and s.why for s in out.segments)
    assert out.total == sum(s.size for s in out.segments)
    unknown = campaign_audience.run(marketer, {"request": "x", "brief": "Black Friday Mega Sale"})
    assert unknown.outcome == "unknown_brief" and len(unknown.briefs) == 4 and not unknown.segments
