"""The Handoffs tab pages through every request (without a browser, over the real application API on SQLite): the
oldest waiting customer is reachable by paging on or by asking for the longest waiting first."""

from __future__ import annotations

import gradio as gr
import pytest

from assistant import Assistant
from tests.assistant.workspace.conftest import workspace_assistant
from ui.inbox import PAGE_SIZE, InboxTab, turn_page
from ui.panels import workspace_caller

MARKETER_REQUEST = gr.Request(username="marketer")
WAITING = PAGE_SIZE + 12


@pytest.fixture
def queued(settings) -> tuple[Assistant, list[int]]:
    app = workspace_assistant(settings)
    ids = []
    for n in range(WAITING):
        sid = app.store.create_session("customer", None)
        ids.append(app.store.add_handoff(sid, f"c{n}@example.com", "asked for a person"))
    return app, ids


def _shown(listing: list) -> list[int]:
    """The request ids the picker offers, in the table's order."""
    return [int(value) for _, value in listing[1].choices]


def test_paging_reaches_the_oldest_request(queued) -> None:
    app, ids = queued
    tab = InboxTab(lambda: app)
    first = tab.on_list("open", "newest", None, MARKETER_REQUEST)
    table, _, message, note, offset, total = first
    assert (offset, total, message) == (0, WAITING, "") and note == f"Requests 1–{PAGE_SIZE} of {WAITING}"
    assert _shown(first)[0] == ids[-1] and ids[0] not in _shown(first)
    older = tab.on_older("open", "newest", offset, total, None, MARKETER_REQUEST)
    assert older[3] == f"Requests {PAGE_SIZE + 1}–{WAITING} of {WAITING}" and _shown(older)[-1] == ids[0]
    # past the last page stays on it; back goes to the first
    assert tab.on_older("open", "newest", older[4], total, None, MARKETER_REQUEST)[4] == PAGE_SIZE
    assert tab.on_newer("open", "newest", older[4], total, None, MARKETER_REQUEST)[4] == 0
    longest = tab.on_list("open", "oldest", None, MARKETER_REQUEST)
    assert _shown(longest)[0] == ids[0]


def test_closing_the_last_request_of_the_last_page_steps_back(queued) -> None:
    app, ids = queued
    tab = InboxTab(lambda: app)
    for hid in ids[1:12]:
        app.close_handoff(workspace_caller(MARKETER_REQUEST), hid)
    # 51 waiting: the second page holds only the oldest; closing it from there shows the (now last) first page
    out = tab.on_close(str(ids[0]), "open", "newest", PAGE_SIZE, MARKETER_REQUEST)
    transcript, _, _, message, note, offset, total = out
    assert message == "Request closed." and (offset, total) == (0, PAGE_SIZE)
    assert note == f"Requests 1–{PAGE_SIZE} of {PAGE_SIZE}"


def test_pages_stay_within_the_requests_there_are() -> None:
    assert turn_page(0, -1, 500) == 0 and turn_page(0, 1, 10) == 0 and turn_page(0, 1, 0) == 0
    assert turn_page(PAGE_SIZE, 1, 2 * PAGE_SIZE) == PAGE_SIZE and turn_page(0, 1, PAGE_SIZE + 1) == PAGE_SIZE
