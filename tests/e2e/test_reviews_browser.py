"""The workspace's Reviews tab in headless Chromium against the real app (the bootstrap wrote and imported the demo
reviews with the shipped sentiment model): the themes plot and table, what customers say about the Talus boot with
quotes cited by review id, and the products with the most sizing complaints."""

from __future__ import annotations

import pytest

from tests.ui.live_app import LiveApp, browser, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


@pytest.fixture(scope="module")
def page(app: LiveApp):
    context = browser().new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{app.url}/workspace/")
    page.fill("#username", "marketer")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app.url}/workspace/")
    yield page
    context.close()


def _shows(page, elem_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => (document.getElementById(id)?.innerText || '').includes(text)", arg=[elem_id, text]
    )


def test_reviews_tab_themes_product_and_complaints(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Reviews").click()
    page.locator("#reviews-themes-go").click()
    page.locator("#reviews-themes-plot img").wait_for()  # matplotlib figures arrive as an image
    _shows(page, "reviews-themes-table", "Fit and sizing")
    assert "reviews across the shop" in page.locator("#reviews-themes-summary").inner_text()
    screenshot(page, "workspace-review-themes")

    page.locator("#reviews-product textarea, #reviews-product input").first.fill("Talus boot")
    page.locator("#reviews-product-go").click()
    _shows(page, "reviews-product-summary", "Talus Mid")
    _shows(page, "reviews-product-table", "[review ")
    page.locator("#reviews-complaints-go").click()  # "sizing" is the default aspect
    _shows(page, "reviews-complaints-table", "FTW-001")
    screenshot(page, "workspace-review-complaints")
