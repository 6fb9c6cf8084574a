"""The Gradio pages' logic without a browser: chat streaming into the history, citations, feedback, tables, CSV."""

from __future__ import annotations

import csv

import gradio as gr

from assistant import Caller, CitationOut, CopyDrafts, Recommendations, Reply
from tests.ui.fake_assistant import FakeAssistant
from ui import chat_stream, draft_rows, format_reply, record_feedback, rows_of, table, write_csv


def test_format_reply_links_citations_to_the_documents() -> None:
    reply = Reply(
        session_id="s",
        turn_id=1,
        text="30 days [1].",
        citations=[
            CitationOut(n=1, source="policies/returns.md", title="Returns", anchor="return-window"),
            CitationOut(n=2, source="x.md", title="", url="/docs/x.md#top"),
        ],
    )
    text = format_reply(reply)
    assert "[1] [Returns](/docs/policies/returns.md#return-window)" in text
    assert "[2] [x.md](/docs/x.md#top)" in text


def test_chat_stream_fills_the_history_and_remembers_turns(settings) -> None:
    bot = FakeAssistant(settings)
    caller = Caller(role="marketer")
    steps = list(chat_stream(lambda: bot, caller, "hello", [], None, {}, show_tools=True))
    history, box, session_id, turns = steps[-1]
    assert session_id is not None
    # the box is cleared when the message is taken, and left alone after that (typing during the answer is kept)
    assert steps[0][1] == "" and all(s[1] == gr.skip() for s in steps[1:])
    assert history[0] == {"role": "user", "content": "hello"}
    assert history[1]["metadata"]["title"] == "Tool: list_segments"  # the tool trace comes before the answer
    assert history[-1]["content"].startswith(f"You asked: hello (session {session_id})")
    assert "**Sources:**" in history[-1]["content"]
    assert turns == {str(len(history) - 1): 1}
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert any(p and p != history[-1]["content"] for p in partial)  # tokens arrived before the final text

    # the same session continues; the customer page shows no tool traces
    steps = list(chat_stream(lambda: bot, caller, "again", history, session_id, turns, show_tools=True))
    assert steps[-1][2] == session_id and len(steps[-1][3]) == 2
    customer = list(chat_stream(lambda: bot, Caller(role="customer"), "hi", [], None, {}, show_tools=False))[
        -1
    ][0]
    assert all("metadata" not in m for m in customer)


def test_chat_stream_shows_errors_as_messages(settings) -> None:
    bot = FakeAssistant(settings)
    for message, expected in (("boom-bad", "not allowed"), ("boom-crash", "went wrong")):
        history = list(chat_stream(lambda: bot, Caller(role="customer"), message, [], None, {}, False))[-1][0]
        assert expected in history[-1]["content"] and "secret internal detail" not in history[-1]["content"]
    assert list(chat_stream(lambda: bot, Caller(role="customer"), "  ", [], None, {}, False)) == [
        ([], "", None, {})
    ]


def test_thumbs_become_feedback_on_the_right_turn(settings) -> None:
    bot = FakeAssistant(settings)
    _, _, session_id, turns = list(
        chat_stream(lambda: bot, Caller(role="customer"), "q", [], None, {}, False)
    )[-1]
    index = int(next(iter(turns)))
    liked = gr.LikeData(target=None, data={"index": index, "value": "x", "liked": False})
    customer = Caller(role="customer")
    assert "Thanks" in record_feedback(lambda: bot, customer, liked, session_id, turns)
    assert bot.store.feedback(session_id)[0]["rating"] == -1
    early = gr.LikeData(target=None, data={"index": index + 2, "value": "x", "liked": True})
    assert "once the answer" in record_feedback(lambda: bot, customer, early, session_id, turns)


def test_draft_rows_count_characters_per_field_and_export_csv(tmp_path) -> None:
    result = CopyDrafts(
        channel="google-rsa",
        skus=["FTW-001"],
        drafts=[
            {
                "variant": 1,
                "fields": {"headlines": ["Dry feet", "Trail ready"], "description": "Waterproof boots."},
            },
            {"variant": 2, "fields": {"headlines": ["Go far"], "description": "Light boots."}},
        ],
    )
    rows = draft_rows(result, {"description": 90})
    assert {"variant": 1, "field": "headlines 1", "text": "Dry feet", "chars": 8, "limit": ""} in rows
    assert {
        "variant": 1,
        "field": "description",
        "text": "Waterproof boots.",
        "chars": 17,
        "limit": 90,
    } in rows
    assert len(rows) == 5
    sms = CopyDrafts(
        channel="sms",
        skus=["X"],
        drafts=[{"variant": 1, "fields": {"text": "Dry feet. Reply STOP to opt out"}}],
    )
    assert draft_rows(sms, {"text": 160}) == [
        {"variant": 1, "field": "text", "text": "Dry feet. Reply STOP to opt out", "chars": 31, "limit": 160}
    ]
    with open(write_csv(rows, "t-"), newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 5 and written[0]["chars"] == "8"


def test_rows_and_table_flatten_typed_results() -> None:
    recs = Recommendations(
        customer_id="1",
        items=[{"item_id": "A", "score": 0.5, "reason": "bought before", "reason_code": "again"}],
    )
    headers, cells = table(rows_of(recs.items))
    assert headers[:2] == ["name", "item_id"] and cells[0][1] == "A" and "bought before" in cells[0]
    headers, cells = table(
        [{"score": 1.0, "name": "Boot", "top_categories": [["Jackets", 0.25], ["Tents", 0.1]]}]
    )
    assert headers == ["name", "score", "top_categories"] and cells[0][2] == "Jackets 25%, Tents 10%"
    assert rows_of([{"a": 1}]) == [{"a": 1}]
