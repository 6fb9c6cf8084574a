"""The questions customers could not get answered, read from the conversation tables (no table of its own).

A question counts as unanswered when the assistant searched the help pages for it and cited nothing (it said it could
not find it and offered a person); a thumbs-down counts whatever the answer cited. The searches' stored results say
which documents came closest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

MAX_QUESTIONS = 2000

_UNANSWERED = (
    "SELECT t.id, t.message, t.created_at, tc.result FROM chat_turns t "
    "JOIN chat_sessions s ON s.id = t.session_id "
    "JOIN chat_tool_calls tc ON tc.turn_id = t.id AND tc.name = 'search_docs' "
    "WHERE s.role = 'customer' AND NOT EXISTS (SELECT 1 FROM chat_citations c WHERE c.turn_id = t.id) "
    "ORDER BY t.id DESC LIMIT :limit"
)
_DISLIKED = (
    "SELECT t.id, t.message, f.created_at, tc.result, f.comment FROM chat_feedback f "
    "JOIN chat_turns t ON t.id = f.turn_id JOIN chat_sessions s ON s.id = f.session_id "
    "LEFT JOIN chat_tool_calls tc ON tc.turn_id = t.id AND tc.name = 'search_docs' "
    "WHERE f.rating = -1 AND s.role = 'customer' ORDER BY f.id DESC LIMIT :limit"
)


@dataclass
class AskedQuestion:
    """One customer question the assistant failed: what was asked, when, why it counts, what the search found."""

    turn_id: int
    text: str
    asked_at: str
    unanswered: bool = False
    thumbs_down: bool = False
    comment: str | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)  # source, title, anchor, score


def _hits(result: str | None) -> list[dict[str, Any]]:
    if not result:
        return []
    try:
        data = json.loads(result)
    except ValueError:
        return []
    hits = data.get("hits") if isinstance(data, dict) else None
    return [
        {
            "source": h.get("source", ""),
            "title": h.get("heading") or h.get("title") or "",
            "anchor": h.get("anchor", ""),
            "score": float(h.get("score") or 0.0),
        }
        for h in hits or []
        if isinstance(h, dict) and h.get("source")
    ]


def failed_questions(engine: Engine, limit: int = MAX_QUESTIONS) -> list[AskedQuestion]:
    """Unanswered and thumbs-down customer questions, newest first, one per turn (a turn can be both)."""
    by_turn: dict[int, AskedQuestion] = {}
    with engine.connect() as conn:
        for tid, message, at, result in conn.execute(text(_UNANSWERED), {"limit": limit}):
            q = by_turn.setdefault(tid, AskedQuestion(turn_id=tid, text=message, asked_at=at))
            q.unanswered = True
            q.hits += _hits(result)
        for tid, message, at, result, comment in conn.execute(text(_DISLIKED), {"limit": limit}):
            q = by_turn.setdefault(tid, AskedQuestion(turn_id=tid, text=message, asked_at=at))
            if not q.thumbs_down:
                q.hits += [] if q.unanswered else _hits(result)
            q.thumbs_down = True
            q.comment = comment or q.comment
    return sorted(by_turn.values(), key=lambda q: q.turn_id, reverse=True)[:limit]
