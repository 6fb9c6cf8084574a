"""The embeddable widget and the customer chat page in headless Chromium, against the real app and model."""

from __future__ import annotations

import re

import pytest

from tests.ui.live_app import LiveApp, customer_page, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000  # a first answer on two busy CPU cores


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


@pytest.fixture
def page(app: LiveApp):
    with customer_page(TIMEOUT_MS) as page:
        yield page


def test_widget_streams_a_cited_answer_and_hands_off(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/widget-demo")
    bubble = page.locator("#mka-widget .bubble")
    bubble.click()
    panel = page.locator("#mka-widget .panel")
    assert panel.is_visible()
    page.locator("#mka-widget .input").fill("what is your return window?")
    page.locator("#mka-widget form .send").click()
    answer = page.locator("#mka-widget .msg.bot[data-turn-id]").last
    answer.wait_for()
    text = answer.locator(".text").inner_text()
    assert re.search(r"\d+[- ]day", text), text  # the policy's number, not a refusal
    links = answer.locator(".cites a")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    assert href.startswith(f"{app.url}/docs/") and "returns" in href
    screenshot(page, "widget-answer")

    # the session survives a page load
    session = page.evaluate("window.MKAWidget.sessionId")
    assert session
    page.reload()
    assert page.evaluate("window.MKAWidget.sessionId") == session
    page.locator("#mka-widget .bubble").click()
    assert "return window" in page.locator("#mka-widget .log").inner_text()

    # talk to a human: the contact reaches the store with this session
    page.locator("#mka-widget .talk").click()
    page.locator("#mka-widget .contact").fill("ann@example.com")
    page.locator("#mka-widget .do-handoff").click()
    page.locator("#mka-widget .msg.bot", has_text="A person from our team").wait_for()
    handoffs = [h for h in app.assistant.store.list_handoffs() if h["session_id"] == session]
    assert handoffs and handoffs[0]["contact"] == "ann@example.com"
    screenshot(page, "widget-handoff")

    # the cited document opens on the cited section
    page.goto(href)
    assert page.locator("article h1, article h2").count() >= 1


def test_widget_styles_are_isolated_from_the_shop_page(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/widget-demo")
    # the shop styles every <button> pink in Comic Sans; the widget's bubble keeps its own colour
    colour = page.locator("#mka-widget .bubble").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(11, 110, 79)"
    assert page.locator("body > button").count() == 0


def test_widget_works_embedded_in_another_origin(app: LiveApp, page) -> None:
    """The real embed: a shop on its own origin loads widget.js and calls the API cross-origin (CORS)."""
    page.goto(app.shop_url)
    bubble = page.locator("#mka-widget .bubble")
    assert bubble.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(122, 31, 92)"  # data-color
    assert bubble.evaluate("el => el.getBoundingClientRect().left") < 100  # data-position="left"
    bubble.click()
    assert "Fragen Sie mich" in page.locator("#mka-widget .log").inner_text()  # data-lang="de"
    page.locator("#mka-widget .input").fill("Do you ship abroad?")
    page.locator("#mka-widget form .send").click()
    answer = page.locator("#mka-widget .msg.bot[data-turn-id]").last
    answer.wait_for()
    assert answer.locator(".text").inner_text().strip()
    assert "error" not in (answer.get_attribute("class") or "")
    screenshot(page, "widget-other-origin")


def test_customer_chat_page_streams_a_cited_answer(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/chat/")
    page.locator("#customer-message textarea").fill("How long does shipping take?")
    page.locator("#customer-send").click()
    sources = page.locator("#customer-chatbot a[href*='/docs/']").first
    sources.wait_for()
    assert "business days" in page.locator("#customer-chatbot").inner_text()
    screenshot(page, "chat-page")

    # thumbs down on the answer becomes stored feedback on that turn
    before = len(app.assistant.store.feedback())
    page.locator("#customer-chatbot").get_by_role("button", name="Dislike").last.click()
    page.locator("#customer-status", has_text="Thanks for your feedback").wait_for()
    ratings = app.assistant.store.feedback()
    assert len(ratings) == before + 1 and ratings[-1]["rating"] == -1


def test_api_docs_render_offline(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/docs")
    # Swagger UI ran (it came from this server): it lists the operations
    page.locator(".opblock-summary-path[data-path='/v1/chat']").first.wait_for(timeout=30_000)
    page.goto(f"{app.url}/")
    assert page.get_by_role("link", name="Widget demo").is_visible()
