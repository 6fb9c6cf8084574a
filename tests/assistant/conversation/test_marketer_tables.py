"""Marketer results as Markdown tables: units and readable numbers, never a raw field dump."""

from __future__ import annotations

from assistant.conversation.marketer_tables import check_reply, markdown_table, segments_table
from assistant.tools.results import CampaignCandidate, CopyRequestCheck, RequestIssue, SegmentInfo


def test_a_table_escapes_pipes_and_keeps_one_row_per_item() -> None:
    table = markdown_table(["A", "B"], [("x|y", 1), ("z", None)])
    assert table.splitlines() == ["| A | B |", "|---|---|", "| x\\|y | 1 |", "| z |  |"]


def test_segments_read_as_a_table_not_a_field_dump() -> None:
    info = SegmentInfo(
        name="Loyal", size=120, share=0.16, recency_days=41.4, frequency=3.25, monetary=861.1,
        top_categories=[("Footwear", 0.4), ("Jackets", 0.2)],
    )  # fmt: skip
    table = segments_table([info])
    assert "| Loyal | 120 | 16% | 41 days | 3.2 | 861 EUR | Footwear, Jackets |" in table
    assert "share:" not in table and "monetary" not in table


def test_an_unknown_campaign_lists_the_briefs() -> None:
    check = CopyRequestCheck(
        outcome="unknown_brief",
        question="No campaign brief is called 'Black Friday'.",
        briefs=[CampaignCandidate(id="winter-trail-2026", name="Winter Trail Ready", segments=["Loyal"])],
    )
    text = check_reply(check, {"winter-trail-2026": ["meta", "sms"]})
    assert (
        text.startswith("No campaign brief")
        and "| winter-trail-2026 | Winter Trail Ready | Loyal | meta, sms |" in text
    )
    questioned = CopyRequestCheck(
        outcome="questioned",
        question="The brief grants no discount; draft without one?",
        issues=[RequestIssue(kind="discount_not_granted", subject="20% off", reason="grants no discount")],
    )
    assert "| discount not granted | 20% off | grants no discount |" in check_reply(questioned)
