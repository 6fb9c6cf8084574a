"""The answerer of the routed turn: `generation.grounding.stream_answer` over the turn's numbered evidence.

Extraction first (no LLM before the first token); in "rephrase"/"generate" mode (settings.llm.answer_mode; "auto" =
extractive for the bundled tiny model) a verified model answer. Its citations are positions in the evidence list; they
are mapped back to the evidence numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from assistant.conversation.compose import Answer, Evidence
from assistant.services import Services
from assistant.settings import Settings


class GroundingAnswerer:
    """`generation.grounding.stream_answer` as the turn's `Answerer`."""

    def __init__(self, settings: Settings, services: Services):
        from generation import resolve_mode

        self.settings = settings
        self.services = services
        self.mode = resolve_mode(settings.llm)

    def _embed(self, texts: list[str]) -> Any:
        return self.services["embedder"].embed(texts)

    def answer(
        self, question: str, evidence: list[Evidence], history: list[dict] = (), *, language: str = "en"
    ) -> Iterator[str | Answer]:
        from generation import GroundedAnswer, stream_answer

        llm = self.services["llm"] if self.mode != "extractive" else None
        messages = []
        for past in history:
            messages += [
                {"role": "user", "content": past["message"]},
                {"role": "assistant", "content": past["reply"]},
            ]
        for part in stream_answer(
            question,
            evidence,
            llm=llm,
            history=messages,
            mode=self.mode,
            # Lexical selection plus embedding similarity of the evidence sentences (a few dozen short sentences:
            # tens of milliseconds warm) so that paraphrases ("ship abroad" vs "other EU countries") still match.
            embed=self._embed,
            max_tokens=self.settings.llm.max_new_tokens,
            language=language,
        ):
            if isinstance(part, GroundedAnswer):
                numbers = [evidence[i - 1].n for i in part.cited if 0 < i <= len(evidence)]
                yield replace(part, cited=numbers)
            else:
                yield part
