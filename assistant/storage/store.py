"""Conversation storage: sessions, turns with their tool calls and citations, feedback and handoff requests.

SQL over `assistant.storage.db.get_engine(url)` that runs unchanged on SQLite and PostgreSQL (RETURNING and ON CONFLICT
are in both; tables from migration 0002). Every write is one transaction; a turn and everything it produced are
stored together or not at all, and a retried turn with the same `turn_key` is stored once, whichever server stores it. History therefore survives a restart: a new `ConversationStore` on the same URL sees it all.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from assistant.errors import BadInput, Forbidden, NotFound
from assistant.storage.db import get_engine

ROLES = ("customer", "marketer")
MAX_CONTACT_CHARS = 300
MAX_COMMENT_CHARS = 2000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _dump(value: Any) -> str:
    # Tool results are pydantic models, dataclasses or plain data; `default=str` keeps odd values (dates) readable.
    return json.dumps(value, default=_jsonable, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    return str(value)


_INSERT_TURN = text(
    "INSERT INTO chat_turns (session_id, turn_key, message, reply, action, intent, first_token_ms, total_ms, "
    "created_at, outcome, language, about) VALUES (:sid, :key, :msg, :reply, :action, :intent, :ftm, :tm, :now, "
    ":outcome, :language, :about) RETURNING id"
)
_INSERT_TOOL_CALL = text(
    "INSERT INTO chat_tool_calls (turn_id, position, name, arguments, summary, ok, result) "
    "VALUES (:tid, :pos, :name, :args, :summary, :ok, :result)"
)
_INSERT_CITATION = text(
    "INSERT INTO chat_citations (turn_id, n, source, title, anchor, url, snippet) "
    "VALUES (:tid, :n, :source, :title, :anchor, :url, :snippet)"
)


def _insert_turn_parts(
    conn: Connection, turn_id: int, tool_calls: list[BaseModel], citations: list[BaseModel]
) -> None:
    """The tool calls and citations of one turn (in the turn's transaction)."""
    calls = [
        {
            "tid": turn_id,
            "pos": position,
            "name": call.name,
            "args": _dump(call.arguments),
            "summary": call.summary,
            "ok": int(call.ok),
            "result": _dump(call.result),
        }
        for position, call in enumerate(tool_calls)
    ]
    cited = [
        {"tid": turn_id, **cit.model_dump(include={"n", "source", "title", "anchor", "url", "snippet"})}
        for cit in citations
    ]
    if calls:
        conn.execute(_INSERT_TOOL_CALL, calls)
    if cited:
        conn.execute(_INSERT_CITATION, cited)


@dataclass(frozen=True)
class SessionInfo:
    """One conversation: who it belongs to and how many turns it has."""

    session_id: str
    role: str
    customer_id: str | None
    created_at: str
    updated_at: str
    turns: int


class ConversationStore:
    """Sessions, turns, feedback and handoffs in the service's database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> ConversationStore:
        """A store on the database at `url` (migrations applied)."""
        return cls(get_engine(url))

    # -- sessions -------------------------------------------------------------------------------------------------

    def create_session(self, role: str, customer_id: str | None = None) -> str:
        """Start a conversation for `role` (and the identified customer, if any); return its id."""
        if role not in ROLES:
            raise BadInput(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
        session_id = uuid.uuid4().hex
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO chat_sessions (id, role, customer_id, created_at, updated_at) "
                    "VALUES (:id, :role, :cid, :now, :now)"
                ),
                {"id": session_id, "role": role, "cid": customer_id, "now": now},
            )
        return session_id

    def get_session(self, session_id: str) -> SessionInfo:
        """The session with this id; `NotFound` if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT s.id, s.role, s.customer_id, s.created_at, s.updated_at, "
                    "(SELECT COUNT(*) FROM chat_turns t WHERE t.session_id = s.id) "
                    "FROM chat_sessions s WHERE s.id = :id"
                ),
                {"id": session_id},
            ).first()
        if row is None:
            raise NotFound(f"unknown session {session_id!r}")
        return SessionInfo(*row)

    def require_session(self, session_id: str, role: str, customer_id: str | None) -> SessionInfo:
        """The session, checked to belong to this caller: same role and, for customers, the same customer id.

        Session ids are random, but a leaked id must still not let another customer (or a marketer's token used in the
        customer widget) read or continue someone else's conversation.
        """
        info = self.get_session(session_id)
        if info.role != role:
            raise Forbidden(f"session {session_id!r} belongs to a {info.role}, not to a {role}")
        if role == "customer" and info.customer_id != customer_id:
            raise Forbidden(f"session {session_id!r} belongs to another customer")
        return info

    # -- turns ----------------------------------------------------------------------------------------------------

    def add_turn(
        self,
        session_id: str,
        *,
        message: str,
        reply: str,
        action: str = "answer",
        intent: str = "",
        tool_calls: list[BaseModel] | None = None,  # ToolCallRecord: stored with model_dump
        citations: list[BaseModel] | None = None,  # CitationOut
        turn_key: str | None = None,
        handoff_ids: list[int] | None = None,
        first_token_ms: float | None = None,
        total_ms: float | None = None,
        outcome: str = "",
        language: str = "",
        about: dict[str, Any] | None = None,
    ) -> int:
        """Store one turn with its tool calls and citations in one transaction; return the turn id.

        With a `turn_key` (a client's request id), storing the same turn again returns the first turn's id and writes
        nothing, also when two servers store it at the same moment (the unique key decides; the loser reads the
        winner's id). `handoff_ids` (handoffs requested during this turn) are linked to it.
        """
        self.get_session(session_id)  # NotFound before anything is written
        row = {
            "sid": session_id,
            "key": turn_key,
            "msg": message,
            "reply": reply,
            "action": action,
            "intent": intent,
            "ftm": first_token_ms,
            "tm": total_ms,
            "now": _now(),
            "outcome": outcome,
            "language": language,
            "about": json.dumps(about) if about else "",
        }
        try:
            with self.engine.begin() as conn:
                turn_id = int(conn.execute(_INSERT_TURN, row).scalar_one())
                _insert_turn_parts(conn, turn_id, tool_calls or [], citations or [])
                for hid in handoff_ids or []:
                    conn.execute(
                        text("UPDATE chat_handoffs SET turn_id = :tid WHERE id = :hid AND session_id = :sid"),
                        {"tid": turn_id, "hid": hid, "sid": session_id},
                    )
                conn.execute(
                    text("UPDATE chat_sessions SET updated_at = :now WHERE id = :sid"),
                    {"now": row["now"], "sid": session_id},
                )
        except IntegrityError:
            existing = self._turn_with_key(session_id, turn_key)
            if existing is None:
                raise
            return existing
        return turn_id

    def _turn_with_key(self, session_id: str, turn_key: str | None) -> int | None:
        if turn_key is None:
            return None
        with self.engine.connect() as conn:
            found = conn.execute(
                text("SELECT id FROM chat_turns WHERE session_id = :sid AND turn_key = :key"),
                {"sid": session_id, "key": turn_key},
            ).scalar()
        return None if found is None else int(found)

    def history(self, session_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The last `limit` turns of a session, oldest first, each with its tool calls and citations.

        A turn is ``{"turn_id", "message", "reply", "action", "intent", "created_at", "outcome", "language", "about",
        "tool_calls": [...], "citations": [...]}`` (`about`: the reply's `About` as a dict, {} for older turns); tool calls and citations have the fields of `ToolCallRecord` and `CitationOut`.
        """
        self.get_session(session_id)
        if limit <= 0:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, message, reply, action, intent, created_at, outcome, language, about FROM chat_turns "
                    "WHERE session_id = :sid "
                    "ORDER BY id DESC LIMIT :limit"
                ),
                {"sid": session_id, "limit": limit},
            ).all()
            turns = [
                {
                    "turn_id": r[0],
                    "message": r[1],
                    "reply": r[2],
                    "action": r[3],
                    "intent": r[4],
                    "created_at": r[5],
                    "outcome": r[6],
                    "language": r[7],
                    "about": json.loads(r[8]) if r[8] else {},
                    "tool_calls": [],
                    "citations": [],
                }
                for r in reversed(rows)
            ]
            if not turns:
                return []
            by_id = {t["turn_id"]: t for t in turns}
            ids = ",".join(str(int(i)) for i in by_id)  # integers from our own rows: safe to inline
            for r in conn.execute(
                text(
                    f"SELECT turn_id, name, arguments, summary, ok, result FROM chat_tool_calls "
                    f"WHERE turn_id IN ({ids}) ORDER BY turn_id, position"
                )
            ):
                by_id[r[0]]["tool_calls"].append(
                    {
                        "name": r[1],
                        "arguments": json.loads(r[2]),
                        "summary": r[3],
                        "ok": bool(r[4]),
                        "result": json.loads(r[5]) if r[5] else None,
                    }
                )
            for r in conn.execute(
                text(
                    f"SELECT turn_id, n, source, title, anchor, url, snippet FROM chat_citations "
                    f"WHERE turn_id IN ({ids}) ORDER BY turn_id, n"
                )
            ):
                by_id[r[0]]["citations"].append(
                    {"n": r[1], "source": r[2], "title": r[3], "anchor": r[4], "url": r[5], "snippet": r[6]}
                )
        return turns

    # -- feedback and handoffs ------------------------------------------------------------------------------------

    def add_feedback(self, session_id: str, turn_id: int, rating: int, comment: str | None = None) -> int:
        """Record a thumbs up (+1) or down (-1) on one turn of the session; a second vote replaces the first."""
        if rating not in (1, -1) or isinstance(rating, bool):
            raise BadInput("rating must be +1 (thumbs up) or -1 (thumbs down)")
        if comment is not None:
            comment = comment.strip() or None
            if comment and len(comment) > MAX_COMMENT_CHARS:
                raise BadInput(f"comment is longer than {MAX_COMMENT_CHARS} characters")
        self.get_session(session_id)
        with self.engine.begin() as conn:
            found = conn.execute(
                text("SELECT 1 FROM chat_turns WHERE id = :tid AND session_id = :sid"),
                {"tid": turn_id, "sid": session_id},
            ).first()
            if found is None:
                raise NotFound(f"turn {turn_id} is not part of session {session_id!r}")
            # an upsert, not delete + insert: two votes on one turn arriving at two servers at once must not collide
            return int(
                conn.execute(
                    text(
                        "INSERT INTO chat_feedback (session_id, turn_id, rating, comment, created_at) "
                        "VALUES (:sid, :tid, :rating, :comment, :now) ON CONFLICT (turn_id) DO UPDATE SET "
                        "rating = excluded.rating, comment = excluded.comment, created_at = excluded.created_at "
                        "RETURNING id"
                    ),
                    {"sid": session_id, "tid": turn_id, "rating": rating, "comment": comment, "now": _now()},
                ).scalar_one()
            )

    def feedback(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Feedback rows (all, or one session's), oldest first."""
        sql = "SELECT id, session_id, turn_id, rating, comment, created_at FROM chat_feedback"
        params: dict[str, Any] = {}
        if session_id is not None:
            sql += " WHERE session_id = :sid"
            params["sid"] = session_id
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql + " ORDER BY id"), params).all()
        keys = ("feedback_id", "session_id", "turn_id", "rating", "comment", "created_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def add_handoff(
        self, session_id: str, contact: str | None, reason: str, turn_id: int | None = None
    ) -> int:
        """Record that the caller wants a person (with the contact details they gave, if any); return its id."""
        reason = (reason or "").strip()
        if not reason:
            raise BadInput("a handoff needs a reason")
        if contact is not None:
            contact = contact.strip() or None
            if contact and len(contact) > MAX_CONTACT_CHARS:
                raise BadInput(f"contact details are longer than {MAX_CONTACT_CHARS} characters")
        self.get_session(session_id)
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    text(
                        "INSERT INTO chat_handoffs (session_id, turn_id, contact, reason, status, created_at) "
                        "VALUES (:sid, :tid, :contact, :reason, 'open', :now) RETURNING id"
                    ),
                    {
                        "sid": session_id,
                        "tid": turn_id,
                        "contact": contact,
                        "reason": reason[:2000],
                        "now": _now(),
                    },
                ).scalar_one()
            )

    def open_handoff(self, session_id: str) -> dict[str, Any] | None:
        """The session's open handoff, if it has one (a conversation goes to a person once)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT id, contact, reason FROM chat_handoffs WHERE session_id = :sid AND status = 'open' "
                    "ORDER BY id LIMIT 1"
                ),
                {"sid": session_id},
            ).first()
        return None if row is None else {"handoff_id": int(row[0]), "contact": row[1], "reason": row[2]}

    def list_handoffs(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Handoff requests, newest first (optionally only those with `status`, e.g. "open")."""
        sql = "SELECT id, session_id, turn_id, contact, reason, status, created_at FROM chat_handoffs"
        params: dict[str, Any] = {"limit": limit}
        if status is not None:
            sql += " WHERE status = :status"
            params["status"] = status
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql + " ORDER BY id DESC LIMIT :limit"), params).all()
        keys = ("handoff_id", "session_id", "turn_id", "contact", "reason", "status", "created_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def close_handoff(self, handoff_id: int) -> None:
        """Mark a handoff as dealt with."""
        with self.engine.begin() as conn:
            done = conn.execute(
                text("UPDATE chat_handoffs SET status = 'closed' WHERE id = :id"), {"id": handoff_id}
            )
            if done.rowcount == 0:
                raise NotFound(f"unknown handoff {handoff_id}")
