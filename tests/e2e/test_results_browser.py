"""The workspace's Results tab in headless Chromium against the real app: drafts of the winter brief, the simulated
example Meta report downloaded from the tab (Meta's ads carry the draft id in their name, so drafts left by
earlier runs in the persistent e2e data folder cannot make a row ambiguous), uploaded and imported, then the variants' table and the posterior chart;
a bad file is refused beside the upload with its rows named."""

from __future__ import annotations

import pytest

from tests.e2e.test_workspace_browser import TIMEOUT_MS, _login, _marketer, _pick
from tests.ui.live_app import LiveApp, browser, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


def test_import_a_report_and_see_which_variant_is_winning(app: LiveApp, tmp_path) -> None:
    args = {"skus": ["FTW-005"], "channel": "meta", "variants": 2, "brief_id": "winter-trail-2026"}
    drafts = app.assistant.call_tool(_marketer(), "draft_copy", args).draft_ids
    context = browser().new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        _login(page, app)
        page.get_by_role("tab", name="Results").click()
        page.locator("#results-load").click()
        page.wait_for_function("() => document.querySelector('#results-brief input')?.value")
        _pick(page, "results-brief", "winter-trail-2026")
        page.locator("#results-example-meta").click()
        with page.expect_download() as download:
            page.locator("#results-example a").first.click()
        report = tmp_path / "meta-ads-report.csv"
        download.value.save_as(report)

        page.locator("#results-file input[type=file]").set_input_files(str(report))
        page.locator("#results-import").click()
        page.locator("#results-summary", has_text="Imported meta-ads-report.csv").wait_for()
        table = page.locator("#results-table")
        table.get_by_text("P(best)").first.wait_for()
        text = table.inner_text()
        assert all(str(d) in text for d in drafts) and "%" in text
        page.locator("#results-plot img").wait_for()  # the posterior chart arrives as an image
        assert page.locator("#results-error").inner_text().strip() == ""

        bad = tmp_path / "bad.csv"  # the upload was cleared after the import: the next file goes in
        bad.write_text("Campaign name,Ad name,Impressions\nx,y,-3\n", encoding="utf-8")
        page.locator("#results-file input[type=file]").set_input_files(str(bad))
        page.locator("#results-import").click()
        page.locator("#results-error", has_text="Link clicks").wait_for()  # the missing columns, named
        assert str(drafts[0]) in table.inner_text()  # the results stay on the page
        screenshot(page, "workspace-results")
    finally:
        context.close()
