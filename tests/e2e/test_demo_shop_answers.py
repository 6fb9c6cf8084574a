"""Routing on the whole demo shop (every help page, the full catalog), through the live app's assistant: the
questions whose route depends on what the shop holds, not on the words alone."""

from __future__ import annotations

import pytest

from assistant.conversation.reply import Caller
from tests.ui.live_app import LiveApp, live_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live app's group: one demo shop per run
CUSTOMER = Caller(role="customer")


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


def test_a_kind_the_catalog_lacks_is_refused_unless_a_help_page_names_it(app: LiveApp) -> None:
    surfboards = app.assistant.turn("do you sell surfboards?", CUSTOMER)
    assert "don't sell surfboards" in surfboards.text
    gift_cards = app.assistant.turn(
        "do you sell gift cards?", CUSTOMER
    )  # no catalog row, a page of their own
    assert "don't sell" not in gift_cards.text
    assert any(c.source == "policies/gift-cards.md" for c in gift_cards.citations)


def test_a_kind_asked_for_in_shopping_words_is_a_product_search_in_german(app: LiveApp) -> None:
    reply = app.assistant.turn("Welche Wasserfilter habt ihr?", CUSTOMER)
    assert "HYD-001" in reply.text and "auf Lager" in reply.text and not reply.text.startswith("Ersatz")
