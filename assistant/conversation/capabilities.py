"""What the assistant can and cannot do for the shop's customers, as shop data (`<demo_dir>/.assistant/capabilities.yaml`).

A capability is a request the chat cannot fulfil itself but can point somewhere ("where is my order" -> the tracking
link by email; "delete my account" -> the privacy address): example utterances in any language, the help pages that
back the reply, the reply per language, and whether to offer a person. Messages are matched by meaning (the router's
embedder, the best example's cosine), so "could you get rid of my account" finds "delete my account".

    capabilities = CapabilityMap.load(settings.demo_dir / "capabilities.yaml")
    match = capabilities.match("help me delete my account", embedder)   # Match(capability, score) or None
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml
from pydantic import BaseModel, Field, field_validator

from assistant.conversation.language import DEFAULT

FILE_NAME = ".assistant/capabilities.yaml"  # a hidden folder: shop configuration, not indexed as a document
MATCH_THRESHOLD = 0.72  # best-example cosine for a capability to answer (tuned on the dev split)
MARGIN = 0.02  # and ahead of the best help-page question by this much (see `match`)


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class Capability(BaseModel):
    """One request the chat answers by pointing to the right place (and, if set, offering a person)."""

    id: str
    examples: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    query: str
    # how to reach the team directly, per language (English required when given): said beside a handoff that still
    # waits for the customer's contact details, so that a customer who would rather call knows how
    reply: dict[str, str] = Field(default_factory=dict)

    def direct_line(self, language: str) -> str:
        """The shop's own words on reaching a person directly, in `language` (English otherwise; "" when none)."""
        return self.reply.get(language) or self.reply.get("en", "")

    reply: dict[str, str]
    offer_person: bool = True

    @field_validator("reply")
    @classmethod
    def _has_default_language(cls, reply: dict[str, str]) -> dict[str, str]:
        if not reply.get(DEFAULT, "").strip():
            raise ValueError(f"a capability's reply needs the {DEFAULT!r} text")
        return reply

    def reply_in(self, language: str) -> tuple[str, str]:
        """(text, its language): the reply in `language`, else the default language's."""
        if self.reply.get(language, "").strip():
            return self.reply[language], language
        return self.reply[DEFAULT], DEFAULT


class PersonChannel(BaseModel):
    """Where the customer reaches a person: the help pages that say so, and what to look up there."""

    sources: list[str] = Field(min_length=1)
    query: str
    # how to reach the team directly, per language (English required when given): said beside a handoff that still
    # waits for the customer's contact details, so that a customer who would rather call knows how
    reply: dict[str, str] = Field(default_factory=dict)

    def direct_line(self, language: str) -> str:
        """The shop's own words on reaching a person directly, in `language` (English otherwise; "" when none)."""
        return self.reply.get(language) or self.reply.get("en", "")


class Match(BaseModel):
    capability: Capability
    score: float


class CapabilityMap(BaseModel):
    """The shop's capability map; an empty one where the shop has none."""

    person: PersonChannel | None = None
    capabilities: list[Capability] = Field(default_factory=list)
    _vectors: Any = None
    _labels: list[int] = []
    _lock: Any = None

    def model_post_init(self, context: Any) -> None:
        ids = [c.id for c in self.capabilities]
        if len(set(ids)) != len(ids):
            raise ValueError(f"capability ids must be unique: {ids}")
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> CapabilityMap:
        """The map at `path` (none there: an empty map); `ValueError` naming the problem if it is malformed."""
        if not path.is_file():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            return cls.model_validate(data)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    def by_id(self, capability_id: str) -> Capability | None:
        """The capability with this id, or None where the map has none (a model trained for another map)."""
        return next((c for c in self.capabilities if c.id == capability_id), None)

    def _matrix(self, embedder: Embedder) -> tuple[np.ndarray, list[int]]:
        with self._lock:
            if self._vectors is None:
                labels, texts = [], []
                for i, cap in enumerate(self.capabilities):
                    labels += [i] * len(cap.examples)
                    texts += cap.examples
                self._vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
                self._labels = labels
            return self._vectors, self._labels

    def scores(self, message: str, embedder: Embedder) -> dict[str, float]:
        """Each capability's best-example cosine for `message`."""
        if not self.capabilities:
            return {}
        matrix, labels = self._matrix(embedder)
        query = np.asarray(embedder.embed([message]), dtype=np.float32)[0]
        sims = matrix @ query
        best: dict[str, float] = {}
        for label, sim in zip(labels, sims, strict=True):
            cap_id = self.capabilities[label].id
            best[cap_id] = max(best.get(cap_id, -1.0), float(sim))
        return best

    def match(self, message: str, embedder: Embedder, threshold: float = MATCH_THRESHOLD) -> Match | None:
        """The capability `message` asks for, or None when no example is close enough."""
        scores = self.scores(message, embedder)
        if not scores:
            return None
        cap_id, score = max(scores.items(), key=lambda kv: kv[1])
        if score < threshold:
            return None
        return Match(capability=next(c for c in self.capabilities if c.id == cap_id), score=score)
