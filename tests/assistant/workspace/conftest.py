"""A workspace over real parts: the application API on real SQLite, the demo catalog and campaign briefs, drafting from
templates (no model), and the hashed bag-of-words embedder (similar wording -> similar vectors) for grouping."""

from __future__ import annotations

import pytest

from assistant import Assistant, Caller
from assistant.commerce.catalog import Catalog
from assistant.commerce.models.base import SegmentProfile
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from tests.assistant.fakes import HashEmbedder

MARKETER = Caller(role="marketer", user="ann")
CUSTOMER = Caller(role="customer")
SHOP_SEGMENTS = ["Champions", "At risk", "New"]


class TrainedSegments:
    """What the models service offers the workspace: the segmenter's profiles (names as this shop trained them)."""

    class segmenter:  # noqa: N801 - mirrors `Models.segmenter`
        @staticmethod
        def profiles() -> list[SegmentProfile]:
            return [SegmentProfile(name, 10, 0.1, 30.0, 2.0, 100.0) for name in SHOP_SEGMENTS]


def workspace_assistant(settings: Settings, **services) -> Assistant:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = ConversationStore.from_url(settings.db_url)
    given = {
        "catalog": Catalog.from_csv(settings.demo_dir / "catalog.csv"),
        "llm": None,  # templates only: the same rules, no model to load
        "embedder": HashEmbedder(),
        "models": TrainedSegments(),
        **services,
    }
    return Assistant(settings, store, services=Services({}, **given))


@pytest.fixture
def app(settings: Settings) -> Assistant:
    return workspace_assistant(settings)


def rsa_draft(
    app: Assistant, variants: int = 2, brief: str | None = "winter-trail-2026", sku: str = "FTW-005", **extra
) -> list[int]:
    """Google RSA drafts of one product (by default one the winter brief names: other products are questioned)."""
    args = {"skus": [sku], "channel": "google-rsa", "variants": variants, **extra}
    if brief:
        args["brief_id"] = brief
    return app.call_tool(MARKETER, "draft_copy", args).draft_ids
