"""The handoff inbox over the conversation store's `chat_handoffs` and the inbox tables of migration 0011.

One conversation is one inbox item: a customer who asks for a person in the chat and then leaves their e-mail in the
widget's form makes two requests, and the second is folded into the first (`open_handoff` adds the contact to the open
request instead of queueing the conversation twice). Staff replies are stored by session, where the customer's widget
picks them up.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, text

from assistant.errors import BadInput, NotFound
from assistant.storage.drafts import now
from assistant.storage.store import ConversationStore
from assistant.workspace.types import (
    INBOX_MAX_PAGE,
    INBOX_PAGE,
    InboxItem,
    InboxMessage,
    InboxPage,
    StaffReply,
)

INBOX_STATUSES = ("open", "assigned", "closed", "all")
MAX_REPLY_CHARS = 4000
TRANSCRIPT_TURNS = 200

_ROWS = (
    "SELECT h.id, h.session_id, h.contact, h.reason, h.status, h.created_at, w.assignee, w.assigned_at, "
    "w.closed_by, w.closed_at, w.webhook_status, s.customer_id FROM chat_handoffs h "
    "JOIN chat_sessions s ON s.id = h.session_id LEFT JOIN handoff_work w ON w.handoff_id = h.id"
)


# One inbox item per conversation and state (its open requests, or its closed ones), numbered by its first request.
_CLOSED = "CASE WHEN h.status = 'closed' THEN 1 ELSE 0 END"
_GROUPS = (
    "SELECT h.session_id, {closed} AS closed, MIN(h.id) AS first_id FROM chat_handoffs h "
    "LEFT JOIN handoff_work w ON w.handoff_id = h.id{where} GROUP BY h.session_id, {closed}{having}"
)


def _group_filter(status: str, assignee: str | None) -> tuple[str, str, dict[str, Any]]:
    """(WHERE on requests, HAVING on items, parameters) for an inbox filter; an item's assignee is its requests'."""
    where = {"all": "", "closed": " WHERE h.status = 'closed'"}.get(status, " WHERE h.status = 'open'")
    conditions = ["MAX(w.assignee) IS NOT NULL"] if status == "assigned" else []
    params: dict[str, Any] = {}
    if assignee:
        conditions.append("MAX(w.assignee) = :assignee")
        params["assignee"] = assignee
    having = (" HAVING " + " AND ".join(conditions)) if conditions else ""
    return where, having, params


def _seconds_between(start: str, end: str | None) -> float:
    began = datetime.fromisoformat(start)
    ended = datetime.fromisoformat(end) if end else datetime.now(UTC)
    return max(0.0, (ended - began).total_seconds())


class InboxStore:
    """Handoff requests as work items: fold, assign, reply, close."""

    def __init__(self, engine: Engine, conversations: ConversationStore):
        self.engine = engine
        self.conversations = conversations

    # -- requests -------------------------------------------------------------------------------------------------
    def open_handoff(self, session_id: str, contact: str | None, reason: str) -> tuple[int, bool]:
        """(handoff id, created): the conversation's open request gets the new contact, else a request is queued."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT id, contact, reason FROM chat_handoffs WHERE session_id = :sid AND status = 'open' "
                    "ORDER BY id LIMIT 1"
                ),
                {"sid": session_id},
            ).first()
        if row is None:
            return self.conversations.add_handoff(session_id, contact, reason), True
        handoff_id, old_contact, old_reason = int(row[0]), row[1], row[2] or ""
        contact = (contact or "").strip() or None
        reason = (reason or "").strip()
        if contact is None and (not reason or reason in old_reason):
            return handoff_id, False
        self.conversations.get_session(session_id)  # the same checks as a new request (it exists)
        merged_reason = old_reason if not reason or reason in old_reason else f"{old_reason}; {reason}"
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE chat_handoffs SET contact = :contact, reason = :reason WHERE id = :id"),
                {
                    "contact": (contact or old_contact or "")[:300] or None,
                    "reason": merged_reason[:2000],
                    "id": handoff_id,
                },
            )
        return handoff_id, False

    def _rows(self, where: str = "", params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(text(_ROWS + where + " ORDER BY h.id"), params or {}).mappings().all()
        return [dict(r) for r in rows]

    def _items(self, rows: list[dict[str, Any]]) -> list[InboxItem]:
        groups: dict[tuple[str, bool], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            groups[(row["session_id"], row["status"] == "closed")].append(row)
        sessions = sorted({sid for sid, _ in groups})
        counts, last = self._reply_stats(sessions)
        items = [
            self._item(group, counts.get(sid, 0), last.get(sid, "")) for (sid, _), group in groups.items()
        ]
        items.sort(key=lambda i: i.handoff_id, reverse=True)
        return items

    @staticmethod
    def _item(group: list[dict[str, Any]], replies: int, last_message: str) -> InboxItem:
        first = group[0]
        closed = first["status"] == "closed"
        assignee = next((r["assignee"] for r in group if r["assignee"]), None)
        contact = next((r["contact"] for r in reversed(group) if r["contact"]), None)
        closed_at = next((r["closed_at"] for r in group if r["closed_at"]), None)
        return InboxItem(
            handoff_id=first["id"],
            session_id=first["session_id"],
            status="closed" if closed else "assigned" if assignee else "open",
            contact=contact,
            customer_id=first["customer_id"],
            reasons=list(dict.fromkeys(r["reason"] for r in group if r["reason"])),
            created_at=first["created_at"],
            waiting_s=_seconds_between(first["created_at"], closed_at if closed else None),
            assignee=assignee,
            assigned_at=next((r["assigned_at"] for r in group if r["assigned_at"]), None),
            closed_by=next((r["closed_by"] for r in group if r["closed_by"]), None),
            closed_at=closed_at,
            replies=replies,
            last_message=last_message,
            folded=[r["id"] for r in group[1:]],
            webhook_status=first["webhook_status"],
        )

    def _reply_stats(self, sessions: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        if not sessions:
            return {}, {}
        query = text(
            "SELECT session_id, COUNT(*), MAX(id) FROM handoff_messages WHERE session_id IN :sids GROUP BY session_id"
        ).bindparams(bindparam("sids", expanding=True))
        with self.engine.connect() as conn:
            stats = conn.execute(query, {"sids": sessions}).all()
            last_ids = [r[2] for r in stats]
            last = {}
            if last_ids:
                q = text("SELECT session_id, text FROM handoff_messages WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                )
                last = {r[0]: r[1] for r in conn.execute(q, {"ids": last_ids})}
        return {r[0]: int(r[1]) for r in stats}, last

    def items(self, status: str = "open", assignee: str | None = None) -> list[InboxItem]:
        """The first page of inbox items, newest first (see `page`)."""
        return self.page(status, assignee=assignee).items

    def page(
        self,
        status: str = "open",
        offset: int = 0,
        limit: int = INBOX_PAGE,
        oldest_first: bool = False,
        assignee: str | None = None,
    ) -> InboxPage:
        """One page of inbox items, newest first (or the longest waiting first): "open" (waiting, assigned or not),
        "assigned", "closed" or "all", with the number of items the filter holds in all. The database pages the
        conversations, so every request is reachable however many are queued."""
        if status not in INBOX_STATUSES:
            raise BadInput(f"unknown inbox status {status!r}; choose one of: {', '.join(INBOX_STATUSES)}")
        if not 1 <= limit <= INBOX_MAX_PAGE:
            raise BadInput(f"the page size is {limit}; choose 1 to {INBOX_MAX_PAGE}")
        if offset < 0:
            raise BadInput(f"the offset is {offset}; it cannot be negative")
        where, having, params = _group_filter(status, assignee)
        groups = _GROUPS.format(closed=_CLOSED, where=where, having=having)
        order = "ASC" if oldest_first else "DESC"
        with self.engine.connect() as conn:
            total = int(conn.execute(text(f"SELECT COUNT(*) FROM ({groups}) g"), params).scalar_one())
            keys = conn.execute(
                text(f"{groups} ORDER BY first_id {order} LIMIT :limit OFFSET :offset"),
                {**params, "limit": limit, "offset": offset},
            ).all()
        items = self._page_items([(str(k[0]), bool(k[1])) for k in keys], where, params)
        items.sort(key=lambda i: i.handoff_id, reverse=not oldest_first)
        return InboxPage(items=items, total=total, offset=offset, limit=limit, oldest_first=oldest_first)

    def _page_items(
        self, keys: list[tuple[str, bool]], where: str, params: dict[str, Any]
    ) -> list[InboxItem]:
        """The items of these (session, closed) groups, built from all their rows under the same filter."""
        if not keys:
            return []
        wanted = set(keys)
        sessions = sorted({sid for sid, _ in keys})
        clause = (where + " AND" if where else " WHERE") + " h.session_id IN :sids"
        query = text(_ROWS + clause + " ORDER BY h.id").bindparams(bindparam("sids", expanding=True))
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query, {**params, "sids": sessions}).mappings()]
        rows = [r for r in rows if (r["session_id"], r["status"] == "closed") in wanted]
        return self._items(rows)

    def item(self, handoff_id: int, transcript: bool = True) -> InboxItem:
        """The item a handoff id belongs to (a folded id finds its conversation's item), with the transcript."""
        session_id = self._session_of(handoff_id)
        found = [i for i in self._items(self._rows(" WHERE h.session_id = :sid", {"sid": session_id}))]
        item = next((i for i in found if handoff_id == i.handoff_id or handoff_id in i.folded), found[0])
        if transcript:
            item.transcript = self.transcript(session_id)
        return item

    def _session_of(self, handoff_id: int) -> str:
        with self.engine.connect() as conn:
            sid = conn.execute(
                text("SELECT session_id FROM chat_handoffs WHERE id = :id"), {"id": handoff_id}
            ).scalar()
        if sid is None:
            raise NotFound(f"unknown handoff request #{handoff_id}")
        return str(sid)

    def _group_ids(self, handoff_id: int) -> list[int]:
        item = self.item(handoff_id, transcript=False)
        return [item.handoff_id, *item.folded]

    def transcript(self, session_id: str) -> list[InboxMessage]:
        """The conversation as the customer saw it: their messages, the assistant's replies, the staff's replies."""
        timed: list[tuple[str, int, InboxMessage]] = []
        for turn in self.conversations.history(session_id, TRANSCRIPT_TURNS):
            stamp = turn["created_at"]
            timed.append((stamp, 0, InboxMessage(role="customer", text=turn["message"], created_at=stamp)))
            timed.append((stamp, 1, InboxMessage(role="assistant", text=turn["reply"], created_at=stamp)))
        for reply in self.replies(session_id):
            timed.append(
                (
                    reply.created_at,
                    2,
                    InboxMessage(
                        role="staff", text=reply.text, author=reply.author, created_at=reply.created_at
                    ),
                )
            )
        timed.sort(key=lambda t: (t[0], t[1]))
        return [m for _, _, m in timed]

    # -- work -----------------------------------------------------------------------------------------------------
    def _work(self, handoff_ids: list[int], **values: Any) -> None:
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        updates = ", ".join(f"{k} = :{k}" for k in values)
        with self.engine.begin() as conn:
            for hid in handoff_ids:
                conn.execute(
                    text(
                        f"INSERT INTO handoff_work (handoff_id, {columns}) VALUES (:hid, {marks}) "
                        f"ON CONFLICT (handoff_id) DO UPDATE SET {updates}"
                    ),
                    {"hid": hid, **values},
                )

    def assign(self, handoff_id: int, assignee: str | None) -> InboxItem:
        """Give the request to a person (None or "" takes it back into the open queue)."""
        assignee = (assignee or "").strip()[:100] or None
        item = self.item(handoff_id, transcript=False)
        if item.status == "closed":
            raise BadInput(f"request #{item.handoff_id} is closed")
        self._work(
            [item.handoff_id, *item.folded], assignee=assignee, assigned_at=now() if assignee else None
        )
        return self.item(handoff_id)

    def reply(self, handoff_id: int, author: str, message: str) -> StaffReply:
        """Store a staff reply; the customer's widget shows it on its next poll or page load."""
        message = (message or "").strip()
        if not message:
            raise BadInput("the reply is empty")
        if len(message) > MAX_REPLY_CHARS:
            raise BadInput(f"the reply is {len(message)} characters long; the limit is {MAX_REPLY_CHARS}")
        item = self.item(handoff_id, transcript=False)
        if item.status == "closed":
            raise BadInput(f"request #{item.handoff_id} is closed; the customer no longer waits for a reply")
        stamp = now()
        with self.engine.begin() as conn:
            reply_id = conn.execute(
                text(
                    "INSERT INTO handoff_messages (handoff_id, session_id, author, text, created_at) "
                    "VALUES (:hid, :sid, :author, :text, :now) RETURNING id"
                ),
                {
                    "hid": item.handoff_id,
                    "sid": item.session_id,
                    "author": author,
                    "text": message,
                    "now": stamp,
                },
            ).scalar_one()
        if not item.assignee:  # whoever answers owns the request from now on
            self._work([item.handoff_id, *item.folded], assignee=author, assigned_at=stamp)
        return StaffReply(reply_id=int(reply_id), text=message, author=author, created_at=stamp)

    def close(self, handoff_id: int, by: str) -> InboxItem:
        """Mark the conversation's requests as dealt with."""
        ids = self._group_ids(handoff_id)
        for hid in ids:
            self.conversations.close_handoff(hid)
        self._work(ids, closed_by=by, closed_at=now())
        return self.item(handoff_id)

    def replies(self, session_id: str, after: int = 0) -> list[StaffReply]:
        """Staff replies in a conversation with an id above `after`, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, text, author, created_at FROM handoff_messages WHERE session_id = :sid AND id > :after "
                    "ORDER BY id"
                ),
                {"sid": session_id, "after": int(after)},
            ).all()
        return [StaffReply(reply_id=r[0], text=r[1], author=r[2], created_at=r[3]) for r in rows]

    def record_webhook(self, handoff_id: int, status: str) -> None:
        self._work([handoff_id], webhook_status=status[:300], webhook_at=now())
