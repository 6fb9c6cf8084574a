"""Campaign results over real parts: template drafts of the winter brief on SQLite and PostgreSQL, reports in the
platforms' layouts (the simulated example and hand-made bad ones), the import's checks, and the results per variant."""

from __future__ import annotations

import csv
import io

import pytest

from assistant.errors import BadInput, Forbidden
from assistant.settings import Settings
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import CUSTOMER, MARKETER, rsa_draft, workspace_assistant

BRIEF = "winter-trail-2026"
META_HEADER = (
    "Campaign name,Ad set name,Ad name,Reporting starts,Reporting ends,Impressions,Link clicks,Results,"
    "Amount spent (EUR)\n"
)


def _meta_drafts(app, variants: int = 2) -> list[int]:
    args = {"skus": ["FTW-005"], "channel": "meta", "variants": variants, "brief_id": BRIEF}
    return app.call_tool(MARKETER, "draft_copy", args).draft_ids


def _meta_row(
    draft_id: int, impressions, clicks, results, spent="10.00", campaign="Winter Trail Ready"
) -> str:
    name = f"{campaign} - Nordkette Insulated Winter Boot - variant 1 (draft {draft_id})"
    return f"{campaign},{campaign} - All customers,{name},2026-12-01,2026-12-07,{impressions},{clicks},{results},{spent}\n"


def test_reports_import_and_read_back_on_both_engines(database_url: str, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url, _env_file=None)
    app = workspace_assistant(settings)
    rsa = rsa_draft(app, variants=3)
    meta = _meta_drafts(app)
    google = app.example_campaign_report(MARKETER, BRIEF, "google-rsa")
    text = google.content.decode()
    assert (
        text.startswith("Ad report (SIMULATED") and "Total: Account" in text
    )  # Google's preamble and total row
    done = app.import_campaign_report(MARKETER, google.filename, google.content)
    assert done.layout == "google-ads" and done.rows == 3 and done.drafts == rsa
    again = pytest.raises(BadInput, app.import_campaign_report, MARKETER, "copy.csv", google.content)
    assert "imported already" in again.value.message
    report = app.example_campaign_report(MARKETER, BRIEF, "meta")
    assert app.import_campaign_report(MARKETER, report.filename, report.content).drafts == meta

    results = app.campaign_results(MARKETER, request="how did the winter campaign do?")
    assert results.outcome == "ok" and results.brief_id == BRIEF
    assert {g.channel for g in results.groups} == {"google-rsa", "meta"}
    by_channel = {g.channel: g for g in results.groups}
    rsa_group = by_channel["google-rsa"]
    assert [v.draft_id for v in rsa_group.variants] == rsa
    assert rsa_group.objective == "conversions per unit of cost"  # every variant spent EUR
    assert sum(v.impressions for v in rsa_group.variants) == done.impressions
    for group in results.groups:
        assert sum(v.p_best for v in group.variants) == pytest.approx(1.0)
        assert sum(v.share for v in group.variants) == pytest.approx(1.0)
        for v in group.variants:
            assert v.ctr.low < v.clicks / v.impressions < v.ctr.high
            assert v.ctr.alpha == 1 + v.clicks and v.ctr.beta == 1 + v.impressions - v.clicks
    assert results.impressions == done.impressions + sum(v.impressions for v in by_channel["meta"].variants)
    # the same data give the same figures (seeded Monte Carlo)
    assert app.campaign_results(MARKETER, brief=BRIEF) == results


def test_bad_reports_are_refused_whole_with_each_row_named(app) -> None:
    (draft,) = _meta_drafts(app, variants=1)

    def refused(body: str | bytes) -> str:
        data = body.encode() if isinstance(body, str) else body
        with pytest.raises(BadInput) as caught:
            app.import_campaign_report(MARKETER, "report.csv", data)
        return caught.value.message

    assert "empty" in refused("")
    assert "not UTF-8" in refused(b"Campaign name,\xff\xfe\xfa\n")
    assert "Impressions" in refused("Campaign name,Ad name,Clicks\nA,B,3\n")  # names the missing columns
    bad = refused(
        META_HEADER
        + _meta_row(draft, 1000, 20, 1)
        + _meta_row(draft, 100, 200, 1)  # more clicks than impressions
        + _meta_row(draft, -5, 0, 0)
        + _meta_row(draft, 1000, 20, "x")
        + _meta_row(999_999, 1000, 20, 1)  # no such draft
        + "Winter Trail Ready,set,An ad someone made by hand,2026-12-01,2026-12-07,10,1,0,1.00\n"
    )
    assert "row 3: 200 clicks but only 100 impressions" in bad and "row 4: impressions is negative" in bad
    assert "row 5: conversions 'x' is not a number" in bad and "Nothing was imported" in bad
    unknown = refused(
        META_HEADER + _meta_row(draft, 1000, 20, 1) + _meta_row(999_999, 10, 1, 0)
        + "Winter Trail Ready,set,An ad someone made by hand,2026-12-01,2026-12-07,10,1,0,1.00\n"
    )  # fmt: skip
    assert "row 3: there is no draft 999999" in unknown and "row 4: the ad name" in unknown
    wrong_campaign = refused(META_HEADER + _meta_row(draft, 1000, 20, 1, campaign="Alpine Summer"))
    assert "belongs to winter-trail-2026" in wrong_campaign or "no campaign brief" in wrong_campaign
    assert app.campaign_results(MARKETER, brief=BRIEF).outcome == "no_results"  # nothing half-imported
    fine = app.import_campaign_report(
        MARKETER, "ok.csv", (META_HEADER + _meta_row(draft, 1000, 20, 1)).encode()
    )
    assert fine.rows == 1 and fine.cost == 10.0
    assert app.campaign_results(MARKETER).groups[0].variants[0].currency == "EUR"  # from "Amount spent (EUR)"
    overlapping = META_HEADER + _meta_row(draft, 500, 10, 0).replace("2026-12-01", "2026-12-05")
    assert "row 2: draft" in refused(
        overlapping
    ) and "already has results for 2026-12-01 to 2026-12-07" in refused(
        overlapping
    )  # the same days counted twice otherwise
    assert "is not a date" in refused(META_HEADER + _meta_row(draft, 5, 1, 0).replace("2026-12-01", "first"))


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def test_google_rows_are_tied_by_ad_group_and_headlines(app) -> None:
    first, second = rsa_draft(app, variants=2)
    made = app.example_campaign_report(MARKETER, BRIEF, "google-rsa").content.decode()
    header, *rows = list(csv.reader(io.StringIO(made)))[2:]  # below Google's title and date-range rows
    rows = [r for r in rows if not r[0].startswith("Total")]
    rows[0][2:4] = rows[0][3], rows[0][2]  # Google may list the headlines in another order
    # UTF-16 with a byte-order mark and tabs, as Google's "Excel CSV" download is written
    done = app.import_campaign_report(MARKETER, "google.csv", _csv([header, *rows], "\t").encode("utf-16"))
    assert done.drafts == [first, second]
    again = rsa_draft(
        app, variants=2
    )  # the same request drafts the same lines: which one ran is then unclear
    impr = header.index("Impr.")
    later = [*rows[0][:impr], "1,000", "10", "0.00", "6.00"]  # another file (hash), the same headlines
    same = _csv([header, later]).encode()
    with pytest.raises(BadInput, match="have the same headlines"):
        app.import_campaign_report(MARKETER, "same.csv", same)
    app.decide_draft(
        MARKETER, again[0], "approved"
    )  # only approved drafts are exported: that one was uploaded
    assert app.import_campaign_report(MARKETER, "same.csv", same).drafts == [again[0]]
    moved = [header, [rows[0][0], "Winter Trail Ready - No such product", *rows[0][2:]]]
    edited = [header, [*rows[1][:2], "A headline typed in Google Ads", *rows[1][3:]]]
    for body, says in (
        (moved, "row 2: campaign 'Winter Trail Ready' has no google-rsa draft in ad group"),
        (edited, "row 2: no draft in ad group"),
    ):
        with pytest.raises(BadInput) as caught:
            app.import_campaign_report(MARKETER, "g2.csv", _csv(body).encode())
        assert says in caught.value.message


def test_results_are_marketer_only(app) -> None:
    with pytest.raises(Forbidden):
        app.campaign_results(CUSTOMER, brief=BRIEF)
    with pytest.raises(Forbidden):
        app.import_campaign_report(CUSTOMER, "r.csv", b"Campaign name\n")  # refused before the file is read
    with pytest.raises(Forbidden):
        app.example_campaign_report(CUSTOMER, BRIEF)
    assert not {"campaign_results", "import_campaign_report"} & set(app.policy.allowed_tools(CUSTOMER))


def test_which_campaign_when_none_is_named(app) -> None:
    assert app.campaign_results(MARKETER, request="which variant is winning?").outcome == "no_results"
    (draft,) = _meta_drafts(app, variants=1)
    app.import_campaign_report(MARKETER, "ok.csv", (META_HEADER + _meta_row(draft, 1000, 20, 1)).encode())
    only = app.campaign_results(MARKETER, request="which variant is winning?")
    assert only.outcome == "ok" and only.brief_id == BRIEF and "nothing to compare" in only.summary


def test_the_marketer_chat_answers_with_the_results(settings) -> None:
    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))  # the customer's turn searches the help pages
    (draft,) = _meta_drafts(app, variants=1)
    app.import_campaign_report(MARKETER, "ok.csv", (META_HEADER + _meta_row(draft, 1000, 20, 1)).encode())
    reply = app.turn("how did the winter campaign do?", MARKETER)
    assert [c.name for c in reply.tool_calls] == ["campaign_results"]
    assert "Winter Trail Ready: 1,000 impressions, 20 clicks" in reply.text and "| draft " in reply.text
    customer = app.turn("how did the winter campaign do?", CUSTOMER)
    assert "campaign_results" not in [c.name for c in customer.tool_calls]
