"""When a conversation goes to a person (`escalation.yaml`): asked for, an offer accepted, a question repeated that
the assistant could not answer, or a clearly upset customer. Everything else gets an offer of a person at most.

    decide(message, history, similar)  -> Escalation(reason="asked") or None
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ESCALATION_PATH = Path(__file__).with_name("escalation.yaml")
# Turn outcomes (stored with each turn) after which the customer's next words may take up an offer or repeat.
UNANSWERED = frozenset({"not_found", "offered"})
OFFERED = frozenset({"not_found", "offered", "awaiting_contact"})
REPEAT_SIMILARITY = 0.8
_CAPS_WORD = re.compile(r"\b[A-ZÄÖÜ]{3,}\b")


@dataclass(frozen=True)
class Escalation:
    """Why this message goes to a person: "asked", "accepted", "repeated" or "upset"."""

    reason: str


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    data = yaml.safe_load(ESCALATION_PATH.read_text(encoding="utf-8"))
    out: dict[str, list[re.Pattern[str]]] = {}
    for kind, by_language in data.items():
        out[kind] = [
            re.compile(p if kind in ("accepts_offer", "declines_offer") else rf"(?<!\w){p}", re.IGNORECASE)
            for patterns in by_language.values()
            for p in patterns
        ]
    return out


def _matches(kind: str, text: str) -> bool:
    return any(p.search(text) for p in _patterns()[kind])


def asks_for_person(message: str) -> bool:
    """The customer asks for a person ("can I talk to a human", "mit einem Mitarbeiter sprechen", "call me")."""
    return _matches("asks_for_person", message.strip())


def is_upset(message: str) -> bool:
    """Clearly upset: strong words, or a long message shouted in capitals, or a row of exclamation marks."""
    text = message.strip()
    if _matches("upset", text) or "!!!" in text:
        return True
    words = re.findall(r"[^\W\d_]+", text)
    return len(words) >= 5 and len(_CAPS_WORD.findall(text)) >= 0.6 * len(words)


def accepts_offer(message: str, history: list[dict[str, Any]]) -> bool:
    """A short yes right after the assistant offered a person."""
    last = history[-1] if history else None
    if last is None or last.get("outcome") not in OFFERED:
        return False
    text = message.strip().lower()
    return len(text.split()) <= 6 and _matches("accepts_offer", text) and not _matches("declines_offer", text)


def repeats_unanswered(
    message: str, history: list[dict[str, Any]], similar: Callable[[str, str], float]
) -> bool:
    """The customer asks again what the assistant could not answer in the last turn."""
    last = history[-1] if history else None
    if last is None or last.get("outcome") not in UNANSWERED:
        return False
    return similar(message, str(last.get("message", ""))) >= REPEAT_SIMILARITY


def decide(
    message: str, history: list[dict[str, Any]], similar: Callable[[str, str], float]
) -> Escalation | None:
    """Whether this message goes to a person, and why (None: answer it, at most offering a person)."""
    if asks_for_person(message):
        return Escalation("asked")
    if accepts_offer(message, history):
        return Escalation("accepted")
    if repeats_unanswered(message, history, similar):
        return Escalation("repeated")
    if is_upset(message):
        return Escalation("upset")
    return None
