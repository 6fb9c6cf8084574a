"""`draft_copy` on default settings: the phrase bank drafts (the model is asked only when the setting is on), the
shop's selling points come from its own pages, and each RSA ad group carries its ad-strength report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.commerce.catalog import Catalog
from assistant.tools.base import ToolContext
from assistant.tools.copy import draft_copy
from generation.llm import LLM


class CountingLLM(LLM):
    """A fake model that proposes one line and counts how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, messages, *, max_tokens=None, temperature=None, stop=None) -> Iterator[str]:
        self.calls += 1
        yield "Grips well on wet rock"


@pytest.fixture
def llm() -> CountingLLM:
    return CountingLLM()


def _ctx(settings, llm) -> ToolContext:
    catalog = Catalog.from_csv(settings.demo_dir / "catalog.csv")
    return ToolContext(role="marketer", services={"settings": settings, "catalog": catalog, "llm": llm})


def test_the_model_is_not_asked_by_default(settings, llm):
    args = {
        "skus": ["FTW-005", "JKT-004"],
        "channel": "google-rsa",
        "variants": 1,
        "brief_id": "winter-trail-2026",
    }
    out = draft_copy.run(_ctx(settings, llm), args)
    assert llm.calls == 0
    assert [d.skus for d in out.drafts] == [["FTW-005"], ["JKT-004"]]  # one product per ad group
    first = out.drafts[0]
    assert first.ad_strength and first.ad_strength["grade"] == "Excellent" and first.quality == []
    heads = first.fields["headlines"]
    assert "Free Delivery Over 75 EUR" in heads or "30-Day Returns" in heads  # from the shop's own pages


def test_the_setting_turns_the_model_on(settings, llm):
    on = settings.model_copy(update={"llm": settings.llm.model_copy(update={"copy_with_model": True})})
    draft_copy.run(_ctx(on, llm), {"skus": ["FTW-005"], "channel": "sms", "variants": 1})
    assert llm.calls > 0
