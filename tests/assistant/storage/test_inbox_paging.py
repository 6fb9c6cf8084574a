"""The handoff inbox pages through every request on real SQLite and a real PostgreSQL server: more open requests than
one page (the inbox once listed only the newest 200), in both orders, with the filters counted by the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from assistant.errors import BadInput
from assistant.storage.inbox import InboxStore
from assistant.storage.store import ConversationStore
from assistant.workspace.types import INBOX_MAX_PAGE

OPEN_REQUESTS = 230  # more than the largest page


@pytest.fixture
def inbox(database_url) -> InboxStore:
    conversations = ConversationStore.from_url(database_url)
    return InboxStore(conversations.engine, conversations)


def _queue(inbox: InboxStore, count: int) -> list[int]:
    """`count` conversations that each asked for a person, oldest first, in one transaction (fast on both engines)."""
    stamp = "2026-12-01T10:00:00+00:00"
    ids = []
    with inbox.engine.begin() as conn:
        for n in range(count):
            sid = f"s{n:04d}"
            conn.execute(
                text(
                    "INSERT INTO chat_sessions (id, role, customer_id, created_at, updated_at) "
                    "VALUES (:id, 'customer', NULL, :now, :now)"
                ),
                {"id": sid, "now": stamp},
            )
            ids.append(
                conn.execute(
                    text(
                        "INSERT INTO chat_handoffs (session_id, contact, reason, status, created_at) "
                        "VALUES (:sid, :contact, 'asked for a person', 'open', :now) RETURNING id"
                    ),
                    {"sid": sid, "contact": f"c{n}@example.com", "now": stamp},
                ).scalar_one()
            )
    return [int(i) for i in ids]


def _all_pages(inbox: InboxStore, status: str, limit: int, oldest_first: bool = False) -> list[int]:
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = inbox.page(status, offset, limit, oldest_first)
        assert len(page.items) <= limit
        seen += [i.handoff_id for i in page.items]
        offset = page.next_offset
    return seen


def test_every_open_request_is_reachable_newest_or_oldest_first(inbox: InboxStore) -> None:
    ids = _queue(inbox, OPEN_REQUESTS)
    first = inbox.page("open", 0, INBOX_MAX_PAGE)
    assert first.total == OPEN_REQUESTS and len(first.items) == INBOX_MAX_PAGE
    assert first.items[0].handoff_id == ids[-1] and first.next_offset == INBOX_MAX_PAGE
    assert ids[0] not in {i.handoff_id for i in first.items}  # the oldest is not on the first page ...
    last = inbox.page("open", first.next_offset, INBOX_MAX_PAGE)
    assert last.items[-1].handoff_id == ids[0] and last.next_offset is None  # ... but on the last one
    assert _all_pages(inbox, "open", 64) == ids[::-1]  # each exactly once, in order
    assert _all_pages(inbox, "open", 64, oldest_first=True) == ids
    assert inbox.page("open", 0, 1, oldest_first=True).items[0].contact == "c0@example.com"
    beyond = inbox.page("open", OPEN_REQUESTS + 5, 10)
    assert beyond.items == [] and beyond.total == OPEN_REQUESTS and beyond.next_offset is None


def test_filters_are_counted_per_conversation(inbox: InboxStore) -> None:
    ids = _queue(inbox, 12)
    inbox.conversations.add_handoff("s0003", "again@example.com", "asked again")  # folded into s0003's item
    for hid in ids[:5]:
        inbox.close(hid, "ann")
    inbox.assign(ids[7], "bob")
    inbox.assign(ids[9], "cy")
    assert inbox.page("open").total == 7 and inbox.page("closed").total == 5
    assert inbox.page("all", 0, 5).total == 12 and len(inbox.page("all", 0, 5).items) == 5
    assert [i.handoff_id for i in _page_items(inbox, "assigned")] == [ids[9], ids[7]]
    assert [i.handoff_id for i in inbox.page("open", assignee="bob").items] == [ids[7]]
    assert _all_pages(inbox, "all", 5) == ids[::-1]
    (folded,) = [i for i in inbox.page("closed").items if i.handoff_id == ids[3]]
    assert len(folded.folded) == 1 and folded.contact == "again@example.com"


def _page_items(inbox: InboxStore, status: str) -> list:
    page = inbox.page(status)
    assert page.total == len(page.items)
    return page.items


@pytest.mark.parametrize(("offset", "limit"), [(0, 0), (0, INBOX_MAX_PAGE + 1), (-1, 10)])
def test_a_page_outside_the_limits_is_a_clear_error(inbox: InboxStore, offset: int, limit: int) -> None:
    with pytest.raises(BadInput):
        inbox.page("open", offset, limit)
