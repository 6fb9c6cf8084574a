"""The marketer workspace in headless Chromium, against the real app (real model, index, database): login, chat with
tool traces, readable segment and recommendation tables, document upload, and the workspace's flows:
draft -> edit -> approve -> export; handoff -> reply -> the customer's widget shows the reply; insights listing a
question the assistant could not answer. Screenshots of each step go to tests/artifacts/screenshots/."""

from __future__ import annotations

import csv
import re

import httpx
import pytest

from tests.ui.live_app import LiveApp, browser, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000
COPY_TIMEOUT_MS = 300_000  # the first draft loads the bundled LLM and decodes on CPU
UNANSWERABLE = "Do you offer engraving on water bottles?"  # nothing in the demo shop's pages says


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


def _login(page, app: LiveApp) -> None:
    page.goto(f"{app.url}/workspace/")
    page.fill("#username", "marketer")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app.url}/workspace/")
    page.get_by_text("Marketer workspace").first.wait_for()


@pytest.fixture(scope="module")
def page(app: LiveApp):
    """One logged-in marketer page for the module."""
    context = browser().new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    _login(page, app)
    yield page
    context.close()


def _pick(page, elem_id: str, option: str) -> None:
    """Choose `option` in a Gradio dropdown."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_workspace_needs_the_marketer_login(app: LiveApp) -> None:
    context = browser().new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{app.url}/workspace/")
    assert "/login" in page.url
    page.fill("#username", "marketer")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert "Wrong user name or password" in page.content()
    context.close()


def test_workspace_chat_shows_tool_traces(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Chat").click()
    page.locator("#marketer-message textarea").fill("What is your return window?")
    page.locator("#marketer-send").click()
    page.locator("#marketer-chatbot a[href*='/docs/']").first.wait_for()
    assert "search_docs" in page.locator("#marketer-chatbot").inner_text()  # the tool trace is shown
    screenshot(page, "workspace-chat")


def test_segments_and_recommendations_read_as_words_and_figures(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Segments").click()
    page.locator("#segments-load").click()
    page.locator("#segments-plot img").wait_for()
    profiles = page.locator("#segments-table").inner_text()
    assert "Share of customers" in profiles and "recency_days" not in profiles
    assert re.search(r"\d+(\.\d)?%", profiles) and "EUR" in profiles  # percentages; money with its currency
    assert re.search(r"\([A-Z]{3}-\d{3}\)", profiles)  # product names beside SKUs
    screenshot(page, "workspace-segments")

    page.get_by_role("tab", name="Recommendations").click()
    page.locator("#recs-customer textarea, #recs-customer input").first.fill("NOBODY-1")
    page.locator("#recs-go").click()
    error = page.locator("#recs-error")
    error.get_by_text("unknown customer").wait_for()  # the error stays beside the field
    page.locator("#recs-customer textarea, #recs-customer input").first.fill("C00002")
    page.locator("#recs-go").click()
    table = page.locator("#recs-table")
    # a row (the column names show before the first load)
    page.wait_for_function("() => document.querySelector('#recs-table')?.innerText.includes('EUR')")
    text = table.inner_text()
    assert "EUR" in text and "reason_code" not in text and "score" not in text.lower()
    assert page.locator("#recs-error").inner_text().strip() == ""
    screenshot(page, "workspace-recommendations")

    # for a segment: pick one, see its recommendations with reasons in words and a plot of what it buys
    page.locator("#segrecs-load").click()
    page.wait_for_function("() => document.querySelector('#segrecs-segment input')?.value")
    page.locator("#segrecs-go").click()
    segment_table = page.locator("#segrecs-table")
    page.wait_for_function("() => document.querySelector('#segrecs-table')?.innerText.includes('EUR')")
    page.wait_for_function("() => document.querySelector('#segrecs-table')?.innerText.includes('bought by')")
    assert re.search(
        r"bought by \d+(\.\d)?% of this segment's customers .+\(\d+(\.\d)?%", segment_table.inner_text()
    )
    page.locator("#segrecs-plot img").wait_for()  # matplotlib figures arrive as an image
    assert "customers" in page.locator("#segrecs-summary").inner_text()
    screenshot(page, "workspace-segment-view")


def test_workspace_indexes_uploads(app: LiveApp, page, tmp_path) -> None:
    page.get_by_role("tab", name="Documents").click()
    doc = tmp_path / "gift-wrapping.md"
    doc.write_text(
        "# Gift wrapping\n\n## Gift wrap service\n\nWe gift-wrap any order for 4 EUR with recycled paper.\n"
    )
    page.locator("#docs-file input[type=file]").set_input_files(str(doc))
    page.locator("#docs-go").click()
    page.locator("#docs-status", has_text="Saved and indexed").wait_for()
    # Uploads are internal (issue 12): the marketer's session opens the page, an anonymous visitor gets a 404.
    assert page.request.get(f"{app.url}/docs/uploads/gift-wrapping.md").status == 200
    assert httpx.get(f"{app.url}/docs/uploads/gift-wrapping.md").status_code == 404
    hits = app.assistant.services["kb"].search("gift wrap recycled paper", k=3)
    assert any("gift-wrapping.md" in h.source for h in hits)


def test_draft_edit_approve_export(app: LiveApp, page) -> None:
    page.get_by_role("tab", name="Copy drafts").click()
    page.locator("#copy-go").click()
    page.locator("#copy-products-error", has_text="Pick at least one product").wait_for()  # beside its field
    products = page.locator("#copy-products input")
    products.click()
    products.fill("FTW-001")
    page.get_by_role("option", name=re.compile(r"\(FTW-001\)")).first.click()
    page.keyboard.press("Escape")
    _pick(page, "copy-channel", "SMS")
    variants = page.locator("#copy-variants input[type=number]")
    variants.fill("1")
    variants.press("Enter")
    page.locator("#copy-go").click()
    # the step shows while a model writes; the phrase bank (the default) is done in well under a second
    page.locator("#copy-progress").filter(has_text=re.compile("⏳|Drafted")).wait_for()
    note = page.locator("#copy-note textarea")
    note.fill("typed while the draft is written")
    screenshot(page, "copy-1-drafting")
    page.locator("#copy-progress", has_text="Drafted").wait_for(timeout=COPY_TIMEOUT_MS)
    assert note.input_value() == "typed while the draft is written"  # not erased by the result
    assert page.locator("#copy-products-error").inner_text().strip() == ""

    view = page.locator("#copy-draft-view")
    view.get_by_text("SMS text").first.wait_for()
    editor = page.locator("#copy-line-text textarea")
    drafted = editor.input_value()
    assert drafted.endswith("Reply STOP to opt out")
    draft_id = int(re.search(r"Draft #(\d+)", view.inner_text()).group(1))
    screenshot(page, "copy-2-drafted")

    # a line that breaks a rule: the live count and the rule show as it is typed, and it cannot be approved
    bad = "Guaranteed lowest price on Talus boots. Reply STOP to opt out"
    editor.fill(bad)
    check = page.locator("#copy-line-check")
    check.get_by_text("⚠️").first.wait_for()  # a rule the line breaks, in generation's words
    assert f"{len(bad)} / 160" in check.inner_text()
    page.locator("#copy-save").click()
    page.locator("#copy-decision", has_text="cannot be approved until").wait_for()
    page.locator("#copy-approve").click()
    page.locator("#copy-decision", has_text="cannot be approved:").wait_for()
    screenshot(page, "copy-3-refused")

    editor.fill(drafted)
    check.get_by_text("keeps every rule").wait_for()
    page.locator("#copy-save").click()
    page.locator("#copy-decision", has_text="can be approved").wait_for()
    page.locator("#copy-approve").click()
    page.locator("#copy-decision", has_text=f"Approved draft #{draft_id}").wait_for()
    assert "Approved by marketer" in view.inner_text()
    record = app.assistant.get_draft(_marketer(), draft_id)
    assert record.status == "approved" and [v.version for v in record.versions] == [1, 2, 3]
    screenshot(page, "copy-4-approved")

    _pick(page, "export-brief", "Without a brief")
    _pick(page, "export-channel", "SMS CSV")
    page.locator("#export-go").click()
    page.locator("#export-error", has_text="approved draft(s) in").wait_for()
    with page.expect_download() as download:
        page.locator("#export-file a").first.click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    mine = [r for r in rows if r["Draft"] == str(draft_id)]
    assert mine and mine[0]["Message"] == drafted and mine[0]["Characters"] == str(len(drafted))
    assert mine[0]["Approved by"] == "marketer" and mine[0]["SMS parts"] == "1"
    screenshot(page, "copy-5-exported")


def _shows(page, elem_id: str, text: str) -> None:
    """Wait until the element's rendered text contains `text` (a table cell may also exist as a hidden copy)."""
    page.wait_for_function(
        "([id, text]) => (document.getElementById(id)?.innerText || '').includes(text)", arg=[elem_id, text]
    )


def _marketer():
    from assistant import Caller

    return Caller(role="marketer", user="marketer")


def test_handoff_reply_reaches_the_widget(app: LiveApp, page) -> None:
    customer = browser().new_context(viewport={"width": 1200, "height": 800})
    shop = customer.new_page()
    shop.set_default_timeout(TIMEOUT_MS)
    shop.goto(f"{app.url}/widget-demo")
    shop.locator("#mka-widget .bubble").click()
    shop.locator("#mka-widget .talk").click()
    shop.locator("#mka-widget .contact").fill("hal@example.com")
    shop.locator("#mka-widget .do-handoff").click()
    shop.locator("#mka-widget .msg.bot", has_text="A person from our team").wait_for()
    session = shop.evaluate("window.MKAWidget.sessionId")
    mine = [i for i in app.assistant.inbox(_marketer()).items if i.session_id == session]
    assert (
        len(mine) == 1 and mine[0].contact == "hal@example.com"
    )  # the chat's request and the form's: one item

    page.get_by_role("tab", name="Handoffs").click()
    page.locator("#handoffs-load").click()
    page.locator("#inbox-table").get_by_text("Waiting").first.wait_for()
    # the table may scroll (earlier tests queued requests too): the request picker lists every one
    page.locator("#inbox-open input").click()
    option = page.get_by_role("option", name=re.compile(rf"^#{mine[0].handoff_id} · hal@example\.com"))
    assert "waiting" in option.inner_text()
    option.click()
    transcript = page.locator("#inbox-transcript")
    transcript.locator(".mka-msg.customer", has_text="I would like to talk to a person.").wait_for()
    page.locator("#inbox-assign").click()
    page.locator("#inbox-message", has_text="Assigned").wait_for()
    reply = "Hello Hal, we can help: which size do you need?"
    page.locator("#inbox-reply textarea").fill(reply)
    page.locator("#inbox-send").click()
    page.locator("#inbox-message", has_text="Reply sent").wait_for()
    transcript.locator(".mka-msg.staff", has_text=reply).wait_for()
    screenshot(page, "handoff-1-inbox")

    shop.reload()  # the customer comes back: the reply is there
    shop.locator("#mka-widget .bubble").click()
    staff = shop.locator("#mka-widget .msg.staff")
    staff.get_by_text(reply).wait_for()
    assert "Our team" in staff.first.inner_text()
    screenshot(shop, "handoff-2-widget-reply")
    shop.reload()  # shown once, in place, after another load
    shop.locator("#mka-widget .bubble").click()
    assert shop.locator("#mka-widget .msg.staff").count() == 1

    page.locator("#inbox-close").click()
    page.locator("#inbox-message", has_text="Request closed").wait_for()
    assert all(i.session_id != session for i in app.assistant.inbox(_marketer()).items)
    customer.close()


def test_insights_list_a_question_the_assistant_could_not_answer(app: LiveApp, page) -> None:
    reply = httpx.post(
        f"{app.url}/v1/chat", json={"message": UNANSWERABLE, "stream": False}, timeout=120
    ).json()
    assert reply["citations"] == [], reply  # the premise: the shop's pages do not answer it
    page.get_by_role("tab", name="Insights").click()
    page.locator("#insights-load").click()
    table = page.locator("#insights-table")
    _shows(page, "insights-table", UNANSWERABLE)
    assert "Unanswered" in table.inner_text() and "Closest documents" in table.inner_text()
    assert "group(s)" in page.locator("#insights-summary").inner_text()
    with page.expect_download() as download:
        page.locator("#insights-csv a").first.click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert any(UNANSWERABLE in (r["Typical question"] + r["Other wordings"]) for r in rows)
    screenshot(page, "insights")
