"""Stored ad-copy drafts (tables from migration 0010): drafting requests, their variants, and every version of the lines.

SQLAlchemy Core over the service's engine. Writes are single transactions; an edit adds a version (checked against the
version the editor saw, so two marketers editing the same draft do not overwrite each other) and sends an approved
draft back to review, because what was approved is no longer what would be exported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, text

from assistant.errors import BadInput, NotFound
from assistant.workspace.types import DRAFT_STATUSES, DraftLine, DraftRecord, DraftVersion

MAX_LIST = 500


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class NewVariant:
    """One variant to store: its number, angle, landing page and lines."""

    variant: int
    lines: list[DraftLine]
    angle: str = ""
    final_url: str = ""


@dataclass
class NewSet:
    """One drafting request to store, with its variants."""

    asked_by: str
    channel: str
    skus: list[str]
    variants: list[NewVariant]
    brief_id: str | None = None
    segment: str | None = None
    session_id: str | None = None
    origin: str = "draft_copy"
    parent_draft_id: int | None = None
    parent_line: str | None = None
    distinct_2: float | None = None
    products: dict[str, str] = field(default_factory=dict)


_SELECT = (
    "SELECT d.id, d.set_id, d.variant, d.angle, d.status, d.version, d.final_url, d.created_at, d.updated_at, "
    "d.decided_by, d.decided_at, d.decision_note, d.approved_version, s.asked_by, s.session_id, s.channel, s.skus, "
    "s.brief_id, s.segment, s.origin, s.parent_draft_id, s.parent_line, v.lines "
    "FROM drafts d JOIN draft_sets s ON s.id = d.set_id "
    "JOIN draft_versions v ON v.draft_id = d.id AND v.version = d.version"
)


def _lines_json(lines: list[DraftLine]) -> str:
    return json.dumps([line.model_dump(exclude={"chars"}) for line in lines], ensure_ascii=False)


def _record(row: Any) -> DraftRecord:
    m = row._mapping
    parent = None
    if m["parent_draft_id"] is not None:
        parent = f"draft {m['parent_draft_id']}" + (f", {m['parent_line']}" if m["parent_line"] else "")
    return DraftRecord(
        draft_id=m["id"],
        set_id=m["set_id"],
        variant=m["variant"],
        angle=m["angle"] or "",
        status=m["status"],
        version=m["version"],
        final_url=m["final_url"] or "",
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        decided_by=m["decided_by"],
        decided_at=m["decided_at"],
        decision_note=m["decision_note"],
        approved_version=m["approved_version"],
        asked_by=m["asked_by"],
        session_id=m["session_id"],
        channel=m["channel"],
        skus=json.loads(m["skus"]),
        brief_id=m["brief_id"],
        segment=m["segment"],
        origin=m["origin"],
        parent=parent,
        lines=[DraftLine.model_validate(x) for x in json.loads(m["lines"])],
    )


class DraftStore:
    """Drafts in the service's database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create_set(self, new: NewSet) -> list[int]:
        """Store a drafting request and its variants (version 1 of each); return the draft ids in variant order."""
        stamp = now()
        with self.engine.begin() as conn:
            set_id = conn.execute(
                text(
                    "INSERT INTO draft_sets (created_at, asked_by, session_id, channel, skus, brief_id, segment, "
                    "origin, parent_draft_id, parent_line, distinct_2) VALUES (:now, :by, :sid, :channel, :skus, "
                    ":brief, :segment, :origin, :parent, :pline, :d2) RETURNING id"
                ),
                {
                    "now": stamp,
                    "by": new.asked_by,
                    "sid": new.session_id,
                    "channel": new.channel,
                    "skus": json.dumps(new.skus),
                    "brief": new.brief_id,
                    "segment": new.segment,
                    "origin": new.origin,
                    "parent": new.parent_draft_id,
                    "pline": new.parent_line,
                    "d2": new.distinct_2,
                },
            ).scalar_one()
            ids = []
            for variant in new.variants:
                draft_id = conn.execute(
                    text(
                        "INSERT INTO drafts (set_id, variant, angle, status, version, final_url, created_at, "
                        "updated_at) VALUES (:sid, :v, :angle, 'draft', 1, :url, :now, :now) RETURNING id"
                    ),
                    {
                        "sid": set_id,
                        "v": variant.variant,
                        "angle": variant.angle,
                        "url": variant.final_url,
                        "now": stamp,
                    },
                ).scalar_one()
                self._insert_version(conn, draft_id, 1, variant.lines, new.asked_by, "drafted", stamp)
                ids.append(int(draft_id))
        return ids

    @staticmethod
    def _insert_version(conn, draft_id: int, version: int, lines, by: str, note: str, stamp: str) -> None:
        conn.execute(
            text(
                "INSERT INTO draft_versions (draft_id, version, lines, edited_by, note, created_at) "
                "VALUES (:d, :v, :lines, :by, :note, :now)"
            ),
            {"d": draft_id, "v": version, "lines": _lines_json(lines), "by": by, "note": note, "now": stamp},
        )

    def get(self, draft_id: int, with_versions: bool = False) -> DraftRecord:
        """The draft with its current lines (and every version, oldest first); `NotFound` for an unknown id."""
        with self.engine.connect() as conn:
            row = conn.execute(text(_SELECT + " WHERE d.id = :id"), {"id": draft_id}).first()
            if row is None:
                raise NotFound(f"unknown draft {draft_id}")
            record = _record(row)
            if with_versions:
                rows = conn.execute(
                    text(
                        "SELECT version, edited_by, note, created_at, lines FROM draft_versions "
                        "WHERE draft_id = :id ORDER BY version"
                    ),
                    {"id": draft_id},
                ).all()
                record.versions = [
                    DraftVersion(
                        version=r[0],
                        edited_by=r[1],
                        note=r[2],
                        created_at=r[3],
                        lines=[DraftLine.model_validate(x) for x in json.loads(r[4])],
                    )
                    for r in rows
                ]
        return record

    def list(
        self,
        *,
        brief_id: str | None = None,
        channel: str | None = None,
        status: str | None = None,
        set_id: int | None = None,
        no_brief: bool = False,
        limit: int = 200,
    ) -> list[DraftRecord]:
        """Drafts, newest request first (variants in order), filtered by brief, channel, status or request."""
        where, params = [], {"limit": max(1, min(MAX_LIST, limit))}
        if no_brief:
            where.append("s.brief_id IS NULL")
        elif brief_id is not None:
            where.append("s.brief_id = :brief")
            params["brief"] = brief_id
        if channel is not None:
            where.append("s.channel = :channel")
            params["channel"] = channel
        if status is not None:
            if status not in DRAFT_STATUSES:
                raise BadInput(f"unknown status {status!r}; choose one of: {', '.join(DRAFT_STATUSES)}")
            where.append("d.status = :status")
            params["status"] = status
        if set_id is not None:
            where.append("d.set_id = :set_id")
            params["set_id"] = set_id
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql + " ORDER BY d.set_id DESC, d.variant LIMIT :limit"), params).all()
        return [_record(r) for r in rows]

    def add_version(
        self,
        draft_id: int,
        lines: list[DraftLine],
        edited_by: str,
        note: str,
        seen_version: int | None = None,
    ) -> DraftRecord:
        """Save edited lines as the next version; an approved or rejected draft goes back to review."""
        with self.engine.begin() as conn:
            row = conn.execute(text("SELECT version FROM drafts WHERE id = :id"), {"id": draft_id}).first()
            if row is None:
                raise NotFound(f"unknown draft {draft_id}")
            current = int(row[0])
            if seen_version is not None and seen_version != current:
                raise BadInput(
                    f"draft {draft_id} changed meanwhile (now version {current}, you edited version "
                    f"{seen_version}); open it again to see the latest lines"
                )
            stamp = now()
            self._insert_version(conn, draft_id, current + 1, lines, edited_by, note, stamp)
            conn.execute(
                text(
                    "UPDATE drafts SET version = :v, status = 'draft', decided_by = NULL, decided_at = NULL, "
                    "decision_note = NULL, updated_at = :now WHERE id = :id"
                ),
                {"v": current + 1, "now": stamp, "id": draft_id},
            )
        return self.get(draft_id)

    def decide(self, draft_id: int, status: str, by: str, note: str | None = None) -> DraftRecord:
        """Approve, reject, or send back to draft; who and when are recorded."""
        if status not in DRAFT_STATUSES:
            raise BadInput(f"unknown status {status!r}; choose one of: {', '.join(DRAFT_STATUSES)}")
        stamp = now()
        decided = status != "draft"
        with self.engine.begin() as conn:
            done = conn.execute(
                text(
                    "UPDATE drafts SET status = :status, decided_by = :by, decided_at = :at, decision_note = :note, "
                    "updated_at = :now WHERE id = :id"
                ),
                {
                    "status": status,
                    "by": by if decided else None,
                    "at": stamp if decided else None,
                    "note": (note or "").strip()[:2000] or None,
                    "now": stamp,
                    "id": draft_id,
                },
            )
            if done.rowcount == 0:
                raise NotFound(f"unknown draft {draft_id}")
            if status == "approved":  # what was approved stays known after later edits
                conn.execute(
                    text("UPDATE drafts SET approved_version = version WHERE id = :id"), {"id": draft_id}
                )
        return self.get(draft_id)

    def briefs(self) -> list[str | None]:
        """The briefs drafts were made for (None for drafts without one)."""
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT DISTINCT brief_id FROM draft_sets"))]

    def many(self, draft_ids: list[int]) -> list[DraftRecord]:
        if not draft_ids:
            return []
        query = text(_SELECT + " WHERE d.id IN :ids ORDER BY d.id").bindparams(
            bindparam("ids", expanding=True)
        )
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(query, {"ids": list(draft_ids)})]
