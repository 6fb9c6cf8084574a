"""The marketer workspace in headless Chromium, against the real app: login, chat with tool traces, copy drafts."""

from __future__ import annotations

import csv

import httpx
import pytest

from tests.ui.live_app import LiveApp, browser, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000
COPY_TIMEOUT_MS = 300_000  # the first draft loads the bundled LLM and decodes ~170 tokens on CPU


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


@pytest.fixture(scope="module")
def page(app: LiveApp):
    """One logged-in marketer page for the module (the login itself is checked in the first test)."""
    context = browser().new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def test_workspace_needs_the_marketer_login(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/workspace/")
    assert "/login" in page.url
    page.fill("#username", "marketer")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert "Wrong user name or password" in page.content()
    page.fill("#username", "marketer")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app.url}/workspace/")
    page.get_by_text("Marketer workspace").first.wait_for()


def test_workspace_chat_shows_tool_traces(app: LiveApp, page) -> None:
    page.locator("#marketer-message textarea").fill("What is your return window?")
    page.locator("#marketer-send").click()
    page.locator("#marketer-chatbot a[href*='/docs/']").first.wait_for()
    assert "search_docs" in page.locator("#marketer-chatbot").inner_text()  # the tool trace is shown
    screenshot(page, "workspace-chat")


def test_workspace_segments_and_recommendations(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Segments").click()
    page.locator("#segments-load").click()
    page.locator("#segments-plot img").wait_for()
    profiles = page.locator("#segments-table").inner_text()
    assert "Champions" in profiles or "Loyal" in profiles, profiles
    screenshot(page, "workspace-segments")

    page.get_by_role("tab", name="Recommendations").click()
    page.locator("#recs-customer input, #recs-customer textarea").first.fill("C00002")
    page.locator("#recs-go").click()
    table = page.locator("#recs-table")
    table.get_by_text("reason", exact=False).first.wait_for()
    assert "EUR" in table.inner_text() or "price" in table.inner_text()
    screenshot(page, "workspace-recommendations")


def test_workspace_lists_handoffs_and_indexes_uploads(app: LiveApp, page, tmp_path) -> None:
    reply = httpx.post(f"{app.url}/v1/chat", json={"message": "hello", "stream": False}, timeout=60).json()
    httpx.post(
        f"{app.url}/v1/handoff",
        json={"session_id": reply["session_id"], "contact": "bo@example.com"},
        timeout=60,
    )
    page.get_by_role("tab", name="Handoffs").click()
    page.locator("#handoffs-load").click()
    page.get_by_text("bo@example.com").first.wait_for()

    page.get_by_role("tab", name="Documents").click()
    doc = tmp_path / "gift-wrapping.md"
    doc.write_text(
        "# Gift wrapping\n\n## Gift wrap service\n\nWe gift-wrap any order for 4 EUR with recycled paper.\n"
    )
    page.locator("#docs-file input[type=file]").set_input_files(str(doc))
    page.locator("#docs-go").click()
    page.locator("#docs-status", has_text="Saved and indexed").wait_for()
    assert httpx.get(f"{app.url}/docs/uploads/gift-wrapping.md").status_code == 200
    hits = app.assistant.services["kb"].search("gift wrap recycled paper", k=3)
    assert any("gift-wrapping.md" in h.source for h in hits)


def test_workspace_drafts_copy_with_character_counts(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Copy drafts").click()
    page.locator("#copy-skus textarea, #copy-skus input").first.fill("FTW-001")
    # one SMS variant: a single call of the bundled model, the cheapest real draft on two CPU cores
    page.locator("#copy-channel input").click()
    page.get_by_role("option", name="sms", exact=True).click()
    variants = page.locator("#copy-variants input[type=number]")
    variants.fill("1")
    variants.press("Enter")
    page.locator("#copy-go").click()
    page.locator("#copy-summary", has_text="variant(s)").wait_for(timeout=COPY_TIMEOUT_MS)
    table = page.locator("#copy-table").inner_text()
    assert "chars" in table and "Reply STOP to opt out" in table, table
    with page.expect_download() as download_info:
        page.locator("#copy-csv a").first.click()
    rows = list(csv.DictReader(open(download_info.value.path(), encoding="utf-8")))
    assert rows and all(int(r["chars"]) == len(r["text"]) <= int(r["limit"]) for r in rows), rows
    screenshot(page, "workspace-copy")
