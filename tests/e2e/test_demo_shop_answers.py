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


def test_a_follow_up_asks_its_own_question_and_carries_the_order_value_to_the_rule_it_names(
    app: LiveApp,
) -> None:
    first = app.assistant.turn("what payment methods do you take?", CUSTOMER)
    split = app.assistant.turn("can i split it into instalments?", CUSTOMER, first.session_id)
    assert "150 EUR" in split.text  # the instalments row, not the list of methods again
    basket = app.assistant.turn("my basket is 120 euros, does that work?", CUSTOMER, first.session_id)
    assert basket.text.startswith("No:") and "150 EUR" in basket.text and "country" not in basket.text


def test_a_follow_up_keeps_the_place_and_says_which_option_it_lacks(app: LiveApp) -> None:
    first = app.assistant.turn("shipping to italy for a 60 euro order", CUSTOMER)
    assert "6.95 EUR" in first.text
    express = app.assistant.turn("what about express?", CUSTOMER, first.session_id)
    assert "not offered to Italy" in express.text and "6.95 EUR" in express.text


def test_measurements_and_a_size_question_are_the_size_chart_s_whatever_the_words_around_them(
    app: LiveApp,
) -> None:
    reply = app.assistant.turn(
        "chest is 112 cm, waist 100. which size should i get in a men's jacket?", CUSTOMER
    )
    assert "size XL" in reply.text and any(c.source == "policies/sizing.md" for c in reply.citations)


def test_a_search_with_a_price_limit_keeps_it_in_any_language(app: LiveApp) -> None:
    reply = app.assistant.turn("welche jacken für erwachsene habt ihr unter 100 euro?", CUSTOMER)
    assert "JKT-007" in reply.text and "JKT-009" in reply.text and "KID-" not in reply.text
