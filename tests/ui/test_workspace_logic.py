"""The workspace pages' logic without a browser: readable tables, escaped views, progress while work runs, errors beside
their field, and new drafts that never overwrite what the marketer is typing."""

from __future__ import annotations

import time

import gradio as gr
import pytest

from assistant import DraftLine, DraftRecord, InboxItem, InboxMessage, Recommendations, SegmentList
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import workspace_assistant
from ui.chat import with_ticks
from ui.copy_editor import check_text, line_choices, parse_line
from ui.panels import field_of, with_progress, workspace_caller
from ui.tables import duration, money, percent, recommendation_table, segment_table, when
from ui.views import draft_html, transcript_html, variants_html
from ui.workspace_copy import CopyTab

MARKETER_REQUEST = gr.Request(username="marketer")


def test_numbers_read_as_people_write_them() -> None:
    assert (
        money(169.0, "EUR") == "169.00 EUR" and money(None, "EUR") == "" and money(1234.5, None) == "1,234.50"
    )
    assert percent(0.094) == "9.4%" and percent(0.25) == "25%" and percent(None) == ""
    assert [duration(s) for s in (5, 720, 3 * 3600 + 300, 2 * 86400 + 4 * 3600)] == [
        "5 s", "12 min", "3 h 05 min", "2 days 4 h",
    ]  # fmt: skip
    assert when("2026-12-01T21:40:12.345+00:00") == "2026-12-01 21:40 UTC" and when(None) == ""


def test_segment_and_recommendation_tables_use_words_not_field_names() -> None:
    segments = SegmentList(
        segments=[
            {"name": "Champions", "size": 1234, "share": 0.094, "recency_days": 12.4, "frequency": 6.25,
             "monetary": 812.456, "top_categories": [("Footwear", 0.41)], "top_products": ["FTW-001", "ZZZ-9"]},
        ]
    )  # fmt: skip
    headers, rows = segment_table(segments.segments, "EUR", {"FTW-001": "Talus Mid Boot"})
    assert "Spend per customer (avg., EUR)" in headers and "recency_days" not in headers
    assert rows[0][:6] == ["Champions", "1,234", "9.4%", "12", "6.2", "812.46"]
    assert rows[0][6] == "Footwear 41%" and rows[0][7] == "Talus Mid Boot (FTW-001), ZZZ-9"
    recs = Recommendations(
        items=[{"item_id": "FTW-001", "score": 0.8431, "reason": "you buy this regularly", "reason_code": "again",
                "name": "Talus Mid Boot", "price": 169, "currency": "EUR", "in_stock": True}]
    )  # fmt: skip
    headers, rows = recommendation_table(recs.items, {})
    assert headers == ["#", "Product", "SKU", "Price", "In stock", "Why"]
    assert rows == [[1, "Talus Mid Boot", "FTW-001", "169.00 EUR", "yes", "you buy this regularly"]]


def _record(draft_id: int, variant: int, texts: list[str], **extra) -> DraftRecord:
    lines = [
        DraftLine(
            field="headlines", position=i, text=t, max_chars=30, label=f"Headline {i}", source="template"
        )
        for i, t in enumerate(texts, 1)
    ]
    return DraftRecord(draft_id=draft_id, set_id=1, variant=variant, channel="google-rsa", skus=["FTW-001"],
                       lines=lines, **extra)  # fmt: skip


def test_variants_side_by_side_name_the_angle_dim_shared_lines_and_escape_everything() -> None:
    one = _record(1, 1, ["Dry feet", "<b>Trail</b> ready"], angle="benefit")
    two = _record(2, 2, ["Dry feet", "x" * 31], angle="offer")
    two.lines[1].problems = ["31 chars > 30"]
    html = variants_html([one, two], open_id=2)
    assert 'Angle: <span class="mka-angle">benefit</span>' in html and ">offer<" in html
    assert html.count("mka-line shared") == 2  # "Dry feet" is in both variants
    assert "&lt;b&gt;Trail&lt;/b&gt;" in html and "<b>Trail" not in html
    assert 'mka-card open" data-draft-id="2"' in html and "mka-count over" in html
    detail = draft_html(two)
    assert "cannot be approved until" in detail and "⚠ 31 chars &gt; 30" in detail
    assert "can be approved" in draft_html(one)


def test_transcript_shows_who_said_what_escaped() -> None:
    item = InboxItem(
        handoff_id=3, session_id="s", status="assigned", contact="<x@example.com>", created_at="2026-12-01T10:00:00+00:00",
        assignee="ann", reasons=["asked"],
        transcript=[InboxMessage(role="customer", text="<script>1</script>"), InboxMessage(role="staff", text="Hi", author="ann")],
    )  # fmt: skip
    html = transcript_html(item)
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;x@example.com&gt;" in html
    assert 'mka-msg staff"><div class="mka-who">Staff · ann' in html


def test_line_picker_and_live_check_text() -> None:
    record = _record(1, 1, ["Dry feet", "Trail ready", "Go far"])
    choices = line_choices(record, {"headlines": 15})
    assert choices[0] == ("Headline 1: Dry feet", "headlines:1") and choices[-1] == (
        "＋ Add a headline",
        "headlines:4",
    )
    assert parse_line("headlines:4") == ("headlines", 4) and parse_line(None) is None
    from assistant import LineCheck

    ok = LineCheck(field="headlines", text="Dry feet", chars=8, max_chars=30)
    bad = LineCheck(field="headlines", text="x", chars=31, max_chars=30, problems=["31 chars > 30"])
    assert check_text(ok) == "**8 / 30** characters · ✓ keeps every rule"
    assert check_text(bad) == "**31 / 30** characters · ⚠️ 31 chars > 30"


def test_long_work_shows_its_step_and_elapsed_time(monkeypatch) -> None:
    monkeypatch.setattr("ui.panels.TICK_S", 0.05)
    steps = list(with_progress(lambda: (time.sleep(0.3), 42)[1], "Drafting"))
    assert steps[0] == ("⏳ Drafting…", None, None) and len(steps) >= 3
    assert all(s[0].startswith("⏳ Drafting… ") and s[0].endswith(" s") for s in steps[1:-1])
    assert steps[-1] == ("", 42, None)
    failed = list(with_progress(lambda: 1 / 0, "Dividing"))[-1]
    assert isinstance(failed[2], ZeroDivisionError)
    events = list(with_ticks(lambda: iter([time.sleep(0.25) or "a", "b"]), every_s=0.05))
    assert [e for e, _ in events if e is not None] == ["a", "b"] and events[0][0] is None


def test_the_workspace_caller_is_the_logged_in_marketer() -> None:
    assert workspace_caller(MARKETER_REQUEST).model_dump(include={"role", "user"}) == {
        "role": "marketer",
        "user": "marketer",
    }
    assert workspace_caller(gr.Request(username=None)).role == "customer"


@pytest.fixture
def tab(settings):
    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))
    tab = CopyTab(lambda: app)
    with gr.Blocks():
        tab.build()
    return tab


def _last(generator) -> dict:
    out = {}
    for step in generator:
        out = step
    return out


def test_errors_land_beside_their_field_and_typing_is_never_an_output(tab: CopyTab, monkeypatch) -> None:
    monkeypatch.setattr("ui.panels.TICK_S", 0.01)
    c = tab.c
    empty = _last(tab.on_draft([], "sms", 1, "", "", None, "", {}, MARKETER_REQUEST))
    assert empty[c["products_error"]] == "⚠️ Pick at least one product."
    loyal = _last(tab.on_draft(["FTW-001"], "sms", 1, "", "Loyal", None, "", {}, MARKETER_REQUEST))
    assert (
        "choose one of: Champions, At risk, New" in loyal[c["segment_error"]] and loyal[c["form_error"]] == ""
    )
    unknown = _last(tab.on_draft(["NOPE-1"], "sms", 1, "", "", None, "", {}, MARKETER_REQUEST))
    assert "unknown product SKU" in unknown[c["products_error"]]

    done = _last(tab.on_draft(["FTW-001"], "sms", 2, "", "", None, "", {}, MARKETER_REQUEST))
    assert done[c["progress"]].startswith("✓ Drafted 2 variant(s)")
    assert done[c["open"]].value == "1"  # the new drafts open...
    typing = {"draft_id": 1, "version": 1, "loaded": "the saved text"}
    kept = _last(
        tab.on_draft(["FTW-001"], "sms", 1, "", "", "1", "my unsaved edit", typing, MARKETER_REQUEST)
    )
    assert kept[c["open"]].value == "1" and "unsaved edit of draft #1 stays open" in kept[c["progress"]]
    for step in (empty, loyal, done, kept):  # ...but nothing the marketer types is ever written over
        assert not {c["line_text"], c["note"], c["products"], c["segment"]} & set(step)


def test_field_of_names_the_input_an_error_concerns() -> None:
    from assistant import InvalidChoice, NotFound

    assert field_of(InvalidChoice("segment", "Loyal", ["New"])) == "segment"
    assert field_of(NotFound("unknown product SKU 'X'")) == "skus"
    assert field_of(NotFound("unknown draft 3")) is None


def test_the_export_button_says_the_shop_address_is_missing(tab: CopyTab) -> None:
    app, marketer = tab.get_api(), workspace_caller(MARKETER_REQUEST)
    args = {"skus": ["FTW-001"], "channel": "google-rsa", "variants": 1}
    draft_id = app.call_tool(marketer, "draft_copy", args).draft_ids[0]
    app.decide_draft(marketer, draft_id, "approved")
    file, message = tab.on_export("none", "google-rsa", MARKETER_REQUEST)
    assert file is None and message.startswith("⚠️") and "MKA_SHOP_URL" in message
    app.settings.shop_url = "https://www.kestrel-ridge.test"
    file, message = tab.on_export("none", "google-rsa", MARKETER_REQUEST)
    assert file and message == "1 approved draft(s) in no-brief-google-ads-editor.csv."
