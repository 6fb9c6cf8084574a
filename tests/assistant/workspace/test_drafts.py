"""Drafts as records: stored by the draft_copy tool, listed and filtered, edited line by line under generation's rules,
approved only when every line keeps every rule, versions kept, "more like this" from one line."""

from __future__ import annotations

import pytest

from assistant import Assistant, BadInput, Forbidden, InvalidChoice, NotFound
from assistant.storage.store import ConversationStore
from tests.assistant.workspace.conftest import (
    CUSTOMER,
    MARKETER,
    SHOP_SEGMENTS,
    rsa_draft,
    workspace_assistant,
)


def test_drafting_through_the_tool_stores_every_variant_with_who_asked(app: Assistant) -> None:
    ids = rsa_draft(app, variants=2, segment="at risk")
    assert len(ids) == 2
    records = app.list_drafts(MARKETER)
    assert [r.draft_id for r in records] == ids
    first = records[0]
    assert first.asked_by == "ann" and first.status == "draft" and first.version == 1
    assert first.brief_id == "winter-trail-2026" and first.segment == "At risk"  # the shop's own spelling
    assert first.products == {"FTW-005": "Nordkette Insulated Winter Boot"}
    headlines = [x for x in first.lines if x.field == "headlines"]
    assert 3 <= len(headlines) <= 15 and headlines[0].label == "Headline 1"
    assert all(x.chars == len(x.text) <= 30 and x.max_chars == 30 and x.source for x in headlines)
    # a reopened store (a restart) sees the same records
    again = Assistant(app.settings, ConversationStore.from_url(app.settings.db_url), services=app.services)
    assert [r.draft_id for r in again.list_drafts(MARKETER)] == ids


def test_unknown_segments_and_briefs_are_refused_with_the_valid_ones(app: Assistant) -> None:
    with pytest.raises(InvalidChoice) as seg:
        rsa_draft(app, segment="Loyal")
    assert seg.value.field == "segment" and seg.value.choices == SHOP_SEGMENTS
    assert "Champions" in seg.value.message and "At risk" in seg.value.message
    with pytest.raises(InvalidChoice) as brief:
        rsa_draft(app, brief="black-friday-megadeal")
    assert brief.value.field == "brief_id" and "winter-trail-2026" in brief.value.message
    assert app.list_drafts(MARKETER) == []  # nothing stored for a refused request
    with pytest.raises(InvalidChoice):
        app.list_drafts(MARKETER, channel="fax")
    with pytest.raises(InvalidChoice):
        app.list_drafts(MARKETER, brief_id="no-such-brief")


def test_filters_by_brief_channel_and_status(app: Assistant) -> None:
    rsa_ids = rsa_draft(app, variants=1)
    sms = app.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "sms", "variants": 1}
    ).draft_ids
    assert [r.draft_id for r in app.list_drafts(MARKETER, brief_id="winter-trail-2026")] == rsa_ids
    assert [r.draft_id for r in app.list_drafts(MARKETER, brief_id="none")] == sms
    assert [r.draft_id for r in app.list_drafts(MARKETER, channel="sms")] == sms
    app.decide_draft(MARKETER, sms[0], "rejected", "too plain")
    rejected = app.list_drafts(MARKETER, status="rejected")
    assert [r.draft_id for r in rejected] == sms and rejected[0].decision_note == "too plain"
    with pytest.raises(BadInput):
        app.list_drafts(MARKETER, status="pending")


def test_a_line_that_breaks_a_rule_is_saved_but_blocks_approval(app: Assistant) -> None:
    draft_id = rsa_draft(app, variants=1)[0]
    check = app.check_draft_line(MARKETER, draft_id, "headlines", "Cheap guaranteed winter boots!!")
    assert check.chars == 31 and check.max_chars == 30 and not check.ok
    assert any("31 chars > 30" in p for p in check.problems) and any("cheap" in p for p in check.problems)
    good = app.check_draft_line(MARKETER, draft_id, "headlines", "Waterproof hiking boot")
    assert good.ok and good.backing  # the facts it rests on come with the check

    bad = app.edit_draft_line(MARKETER, draft_id, "headlines", 1, "Cheap winter boots", seen_version=1)
    assert bad.version == 2 and bad.lines[0].source == "edited" and bad.lines[0].problems
    assert not bad.approvable
    with pytest.raises(BadInput, match="cannot be approved: Headline 1"):
        app.decide_draft(MARKETER, draft_id, "approved")
    with pytest.raises(BadInput, match="changed meanwhile"):  # someone edits an old version
        app.edit_draft_line(MARKETER, draft_id, "headlines", 1, "Waterproof hiking boots", seen_version=1)

    fresh = _fresh_headline(app, draft_id)
    fixed = app.edit_draft_line(MARKETER, draft_id, "headlines", 1, fresh, seen_version=2)
    assert fixed.approvable and fixed.version == 3
    approved = app.decide_draft(MARKETER, draft_id, "approved", "good to go")
    assert approved.status == "approved" and approved.decided_by == "ann" and approved.decided_at
    assert approved.approved_version == 3

    opened = app.get_draft(MARKETER, draft_id)
    assert [v.version for v in opened.versions] == [1, 2, 3]
    assert opened.versions[1].note == "Headline 1 edited" and opened.versions[1].edited_by == "ann"
    assert opened.versions[0].lines[0].text != "Cheap winter boots"  # old versions stay as they were

    # an edit after approval sends the draft back to review (what was approved is no longer what would go out)
    again = app.edit_draft_line(MARKETER, draft_id, "headlines", 1, fresh + ".")
    assert again.status == "draft" and again.decided_by is None and again.approved_version == 3


def _fresh_headline(app: Assistant, draft_id: int) -> str:
    """A headline that keeps every rule and is not in the draft yet."""
    taken = {x.text.lower() for x in app.get_draft(MARKETER, draft_id).lines}
    for text in ("Nubuck hiking boot", "Talus Mid in Slate", "A Talus Mid boot", "Mid-height hiking boot"):
        if text.lower() not in taken and app.check_draft_line(MARKETER, draft_id, "headlines", text).ok:
            return text
    raise AssertionError("no fresh headline keeps the rules")


def test_lines_are_added_removed_and_pinned_within_the_channel_s_limits(app: Assistant) -> None:
    draft_id = rsa_draft(app, variants=1)[0]
    record = app.get_draft(MARKETER, draft_id)
    count = sum(x.field == "headlines" for x in record.lines)
    removed = app.edit_draft_line(MARKETER, draft_id, "headlines", 1, "")
    assert sum(x.field == "headlines" for x in removed.lines) == count - 1
    assert [x.position for x in removed.lines if x.field == "headlines"] == list(range(1, count))
    added = app.edit_draft_line(MARKETER, draft_id, "headlines", count, _fresh_headline(app, draft_id))
    assert sum(x.field == "headlines" for x in added.lines) == count
    if count == 15:  # a full set: a 16th headline is refused
        with pytest.raises(BadInput, match="15 is the most"):
            app.edit_draft_line(MARKETER, draft_id, "headlines", 16, "One too many")
    pinned = app.edit_draft_line(MARKETER, draft_id, "headlines", 1, added.lines[0].text, pin=1)
    assert pinned.lines[0].pin == 1 and pinned.approvable
    too_far = app.edit_draft_line(MARKETER, draft_id, "headlines", 2, pinned.lines[1].text, pin=3)
    assert too_far.lines[1].pin == 3 and too_far.approvable  # headline positions 1-3 exist
    desc = next(x for x in too_far.lines if x.field == "descriptions")
    bad_pin = app.edit_draft_line(MARKETER, draft_id, "descriptions", 1, desc.text, pin=3)
    assert any("positions 1 to 2" in p for p in bad_pin.lines[next(
        i for i, x in enumerate(bad_pin.lines) if x.field == "descriptions")].problems)  # fmt: skip
    with pytest.raises(BadInput, match="cannot be pinned"):
        app.edit_draft_line(MARKETER, draft_id, "path1", 1, "Footwear", pin=1)
    with pytest.raises(NotFound):
        app.edit_draft_line(MARKETER, draft_id, "headlines", 40, "Far away")
    with pytest.raises(InvalidChoice, match="headlines"):
        app.edit_draft_line(MARKETER, draft_id, "subject", 1, "Not an RSA field")
    sms = app.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "sms", "variants": 1}
    ).draft_ids[0]
    with pytest.raises(BadInput, match="cannot be removed"):
        app.edit_draft_line(MARKETER, sms, "text", 1, "")


def test_variants_side_by_side_and_more_like_this(app: Assistant) -> None:
    ids = rsa_draft(app, variants=3)
    siblings = app.draft_variants(MARKETER, ids[1])
    assert [r.draft_id for r in siblings] == ids and [r.variant for r in siblings] == [1, 2, 3]
    seed = next(x for x in siblings[0].lines if x.field == "headlines" and x.position == 2)
    more = app.more_like_this(MARKETER, ids[0], "headlines", 2, variants=2)
    assert len(more) == 2 and all(r.origin == "more_like_this" for r in more)
    assert all(r.parent == f"draft {ids[0]}, Headline 2" for r in more)
    for record in more:
        heads = [x.text for x in record.lines if x.field == "headlines"]
        assert heads[0] == seed.text and len(set(heads)) == len(heads)
        assert record.angle.startswith("like “") and record.approvable, record.problems
    assert {r.draft_id for r in app.list_drafts(MARKETER)} >= set(ids) | {r.draft_id for r in more}
    with pytest.raises(NotFound):
        app.more_like_this(MARKETER, ids[0], "headlines", 99)


def test_customers_are_refused_every_draft_action(app: Assistant) -> None:
    draft_id = rsa_draft(app, variants=1)[0]
    for attempt in (
        lambda: app.list_drafts(CUSTOMER),
        lambda: app.get_draft(CUSTOMER, draft_id),
        lambda: app.check_draft_line(CUSTOMER, draft_id, "headlines", "x"),
        lambda: app.edit_draft_line(CUSTOMER, draft_id, "headlines", 1, "x"),
        lambda: app.decide_draft(CUSTOMER, draft_id, "approved"),
        lambda: app.more_like_this(CUSTOMER, draft_id, "headlines", 1),
        lambda: app.export_drafts(CUSTOMER, "winter-trail-2026"),
        lambda: app.insights(CUSTOMER),
        lambda: app.inbox(CUSTOMER),
    ):
        with pytest.raises(Forbidden):
            attempt()


def test_without_trained_segments_a_segment_only_steers_the_wording(settings) -> None:
    untrained = workspace_assistant(settings, models=None)
    ids = untrained.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "sms", "variants": 1, "segment": "Loyal"}
    ).draft_ids
    assert untrained.get_draft(MARKETER, ids[0]).segment == "Loyal"
    assert untrained.copy_options(MARKETER).segments is None
