"""The customer's language: detected with a maintained detector (py3langid, its model inside the wheel), among the
languages the assistant has phrases for, and carried through the conversation.

A message too short to tell ("ok", "ja bitte", a SKU) keeps the language of the conversation so far: a wrong switch
costs more than a missed one. The knowledge base's own detector (`retrieval.detect_language`) is used when the
retrieval face has one, so documents and questions are judged alike.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

SUPPORTED = ("en", "de", "fr", "es", "it")
DEFAULT = "en"
MIN_CONFIDENCE = 0.7  # normalised over the supported languages
MIN_LETTERS = 12  # shorter messages keep the conversation's language unless the detector is very sure
SURE = 0.95
_LETTERS = re.compile(r"[^\W\d_]+")
_INVERTED = re.compile("[¿¡]")
_LOCK = threading.Lock()
_IDENTIFIER: list[Any] = []


def _identifier() -> Any:
    with _LOCK:
        if not _IDENTIFIER:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages(list(SUPPORTED))
            _IDENTIFIER.append(ident)
        return _IDENTIFIER[0]


@lru_cache(maxsize=4096)
def scores(text: str) -> tuple[str, float]:
    """The most likely supported language of `text` and its probability (normalised over the supported ones)."""
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def detect(message: str, previous: str | None = None) -> str:
    """The language to answer `message` in: what the detector says when it is sure enough, else the conversation's
    language so far (`previous`), else English."""
    fallback = previous if previous in SUPPORTED else DEFAULT
    text = " ".join(_LETTERS.findall(message or ""))
    if not text:
        return fallback
    letters = len(text.replace(" ", ""))
    if letters < 4:  # a SKU, "ok", "hi": nothing to go on
        return fallback
    lang, prob = scores(text.lower())
    if _INVERTED.search(message) and not (lang != "es" and prob >= SURE):
        return "es"  # "¿" and "¡" open a question or an exclamation in Spanish only; the detector never sees them
    if (
        letters < MIN_LETTERS
    ):  # "ok", "danke": keep the conversation's language unless the detector is very sure
        sure = SURE if previous in SUPPORTED else MIN_CONFIDENCE
        return lang if prob >= sure else fallback
    return lang if prob >= MIN_CONFIDENCE else fallback


def conversation_language(history: list[dict[str, Any]]) -> str | None:
    """The language the conversation was last answered in (stored with each turn), if any."""
    for past in reversed(history or []):
        if past.get("language"):
            return str(past["language"])
    return None


def warm_up() -> None:
    """Load the detector's model now (about 2 s) instead of on the first customer's message."""
    scores("warm up the language detector")
