"""Conversation storage on real SQLite and a real PostgreSQL server: persistence across restarts, once-only turns,
feedback, handoffs, ownership."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from assistant.conversation.reply import CitationOut, ToolCallRecord
from assistant.errors import BadInput, Forbidden, NotFound
from assistant.storage.db import normalize_url
from assistant.storage.store import ConversationStore


@pytest.fixture
def store(database_url) -> ConversationStore:
    return ConversationStore.from_url(database_url)


def _turn(store: ConversationStore, sid: str, message: str = "hi", **kw) -> int:
    return store.add_turn(
        sid,
        message=message,
        reply=f"reply to {message} [1]",
        intent="service_question",
        tool_calls=[
            ToolCallRecord(
                name="search_docs", arguments={"query": message}, summary="searched", result={"hits": [1]}
            )
        ],
        citations=[
            CitationOut(
                n=1, source="policies/returns.md", title="Returns", anchor="return-window", url="/docs/x"
            )
        ],
        **kw,
    )


def test_history_survives_a_restart(store, database_url):
    sid = store.create_session("customer", "C00042")
    first = _turn(store, sid, "what is your return window?")
    _turn(store, sid, "and for boots?")
    # A new engine and store on the same file: what a restarted server sees.
    restarted = ConversationStore(create_engine(normalize_url(database_url)))
    info = restarted.get_session(sid)
    assert (info.role, info.customer_id, info.turns) == ("customer", "C00042", 2)
    history = restarted.history(sid, limit=10)
    assert [t["message"] for t in history] == ["what is your return window?", "and for boots?"]
    assert history[0]["turn_id"] == first
    assert history[0]["tool_calls"][0] == {
        "name": "search_docs", "arguments": {"query": "what is your return window?"}, "summary": "searched",
        "ok": True, "result": {"hits": [1]},
    }  # fmt: skip
    assert history[0]["citations"][0]["anchor"] == "return-window"


def test_history_is_bounded_and_oldest_first(store):
    sid = store.create_session("marketer")
    for i in range(5):
        _turn(store, sid, f"m{i}")
    assert [t["message"] for t in store.history(sid, limit=3)] == ["m2", "m3", "m4"]
    assert store.history(sid, limit=0) == []


def test_a_turn_with_the_same_key_is_stored_once(store):
    sid = store.create_session("customer")
    a = _turn(store, sid, "hello", turn_key="req-1")
    b = _turn(store, sid, "hello", turn_key="req-1")
    assert a == b
    assert store.get_session(sid).turns == 1
    assert (
        len(store.history(sid, 10)[0]["tool_calls"]) == 1
    )  # the retry wrote no second copy of the tool calls


def test_a_failed_turn_writes_nothing(store):
    sid = store.create_session("customer")
    bad = ToolCallRecord(name="x", result=object())  # not JSON-serialisable in a useful way: stored as text
    store.add_turn(sid, message="m", reply="r", tool_calls=[bad])
    with pytest.raises(NotFound):
        store.add_turn("no-such-session", message="m", reply="r")
    with pytest.raises(Exception):  # noqa: B017 - a broken citation aborts the whole transaction
        store.add_turn(sid, message="m2", reply="r2", tool_calls=[ToolCallRecord(name="y")], citations=[None])  # type: ignore[list-item]
    assert [t["message"] for t in store.history(sid, 10)] == ["m"]


def test_feedback_one_vote_per_turn_and_validated(store):
    sid = store.create_session("customer")
    tid = _turn(store, sid)
    store.add_feedback(sid, tid, 1)
    store.add_feedback(sid, tid, -1, "  wrong number of days  ")
    rows = store.feedback(sid)
    assert len(rows) == 1 and rows[0]["rating"] == -1 and rows[0]["comment"] == "wrong number of days"
    with pytest.raises(BadInput):
        store.add_feedback(sid, tid, 5)
    other = store.create_session("customer")
    with pytest.raises(NotFound):
        store.add_feedback(other, tid, 1)  # the turn is not part of that session


def test_handoffs_are_listed_newest_first_with_contact(store):
    sid = store.create_session("customer")
    h1 = store.add_handoff(sid, "anna@example.com", "wants a person")
    h2 = store.add_handoff(sid, None, "complaint")
    listed = store.list_handoffs()
    assert [h["handoff_id"] for h in listed] == [h2, h1]
    assert listed[1]["contact"] == "anna@example.com" and listed[1]["status"] == "open"
    store.close_handoff(h1)
    assert [h["handoff_id"] for h in store.list_handoffs(status="open")] == [h2]
    with pytest.raises(BadInput):
        store.add_handoff(sid, None, "   ")
    with pytest.raises(NotFound):
        store.add_handoff("nope", None, "x")


def test_a_session_belongs_to_one_caller(store):
    sid = store.create_session("customer", "C00042")
    assert store.require_session(sid, "customer", "C00042").session_id == sid
    with pytest.raises(Forbidden):
        store.require_session(sid, "customer", "C00043")
    with pytest.raises(Forbidden):
        store.require_session(sid, "customer", None)
    with pytest.raises(Forbidden):
        store.require_session(sid, "marketer", None)
    with pytest.raises(NotFound):
        store.get_session("missing")
    with pytest.raises(BadInput):
        store.create_session("admin")


def test_two_servers_storing_the_same_turn_store_it_once(database_url):
    # Two stores on two engines (two app servers) get the same retried request at the same moment.
    from concurrent.futures import ThreadPoolExecutor

    servers = [ConversationStore(create_engine(normalize_url(database_url))) for _ in range(2)]
    ConversationStore.from_url(database_url)  # migrated
    sid = servers[0].create_session("customer")
    try:
        for attempt in range(5):
            key = f"k{attempt}"
            with ThreadPoolExecutor(4) as pool:
                ids = list(
                    pool.map(lambda i, key=key: _turn(servers[i % 2], sid, "hi", turn_key=key), range(4))
                )
            assert len(set(ids)) == 1
        assert servers[1].get_session(sid).turns == 5
        assert all(len(t["tool_calls"]) == 1 for t in servers[0].history(sid, 10))
    finally:
        for server in servers:
            server.engine.dispose()


def test_two_servers_voting_on_one_turn_keep_one_vote(database_url):
    from concurrent.futures import ThreadPoolExecutor

    store = ConversationStore.from_url(database_url)
    servers = [ConversationStore(create_engine(normalize_url(database_url))) for _ in range(2)]
    sid = store.create_session("customer")
    tid = _turn(store, sid)
    try:
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: servers[i % 2].add_feedback(sid, tid, 1 if i % 2 else -1), range(6)))
        rows = store.feedback(sid)
        assert len(rows) == 1 and rows[0]["rating"] in (1, -1)
    finally:
        for server in servers:
            server.engine.dispose()
