"""The assistant's fixed phrases in every language it answers in (`phrases.yaml`), checked when loaded.

phrase("handoff_created", "de", ticket=12, contact="kim@example.com")
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import RootModel, model_validator

from assistant.conversation.language import DEFAULT, SUPPORTED

PHRASES_PATH = Path(__file__).with_name("phrases.yaml")


class Phrasebook(RootModel[dict[str, dict[str, str]]]):
    """language -> key -> text; every supported language has every key of the default language."""

    @model_validator(mode="after")
    def _complete(self) -> Phrasebook:
        book = self.root
        missing_langs = [lang for lang in SUPPORTED if lang not in book]
        if missing_langs:
            raise ValueError(f"no phrases for {missing_langs}")
        keys = set(book[DEFAULT])
        for lang in SUPPORTED:
            gaps = keys - set(book[lang])
            if gaps:
                raise ValueError(f"{lang} lacks the phrases {sorted(gaps)}")
        return self


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES_PATH) -> Phrasebook:
    """The phrasebook at `path`; `ValueError` naming what is missing."""
    return Phrasebook.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def phrase(key: str, language: str, **values: object) -> str:
    """The phrase `key` in `language` (the default language where it has none), placeholders filled."""
    book = load_phrases().root
    text = book.get(language, book[DEFAULT]).get(key) or book[DEFAULT][key]
    return text.format(**values) if values else text
