"""Campaign-results tools for marketers: import an ad platform's performance report, and read a campaign's results
("how did the winter campaign do?", "which variant is winning?") with posteriors, probability best and the recommended
budget split. Both run only through the role policy; both are marketer-only (results and spend are the shop's own).
"""

from __future__ import annotations

from typing import Any

from assistant.storage.results import ResultStore
from assistant.tools.base import ToolContext, tool
from assistant.workspace.results import ResultsBook
from assistant.workspace.results_stats import allocation_policy
from assistant.workspace.results_types import CampaignResults, ReportImport

MAX_REPORT_CHARS = 10_000_000  # the upload limit's order: a report beyond it is refused by its door first


def results_book(services: Any) -> ResultsBook:
    """The results over the service's draft book and database, with the allocation policy the settings pick."""
    drafts = services["drafts"]
    settings = services["settings"]
    return ResultsBook(
        ResultStore(drafts.store.engine), drafts, settings, allocation_policy(settings.results_policy)
    )


@tool(roles={"marketer"})
def import_campaign_report(ctx: ToolContext, report: str, filename: str = "report.csv") -> ReportImport:
    """Import a Google Ads or Meta Ads Manager ad report (CSV text): each row's impressions, clicks, conversions and
    cost are stored against the draft it is about; a bad file is refused whole with every bad row named."""
    from assistant.errors import BadInput

    if len(report) > MAX_REPORT_CHARS:
        raise BadInput(f"the report is longer than {MAX_REPORT_CHARS:,} characters")
    book = results_book(ctx.services)
    return book.import_report(filename[:200], report.encode("utf-8"), imported_by=ctx.user or ctx.role)


@tool(roles={"marketer"})
def campaign_results(ctx: ToolContext, request: str = "", brief: str | None = None) -> CampaignResults:
    """How a campaign's ad variants did: per ad group each variant's click-through and conversion rates with 95%
    credible intervals, the probability each is best, and the recommended budget split. The campaign is named by
    `brief` or by `request` ("how did the winter campaign do?"); without either, the one with results."""
    from assistant.tools.copy_check import brief_candidate, brief_issue, lookup_brief
    from generation import load_briefs

    settings = ctx.service("settings")
    campaigns = settings.demo_dir / "campaigns"
    book = results_book(ctx.services)
    lookup = lookup_brief(campaigns, brief, request)
    if lookup.brief is not None:
        return book.campaign(lookup.brief.id, lookup.brief.name)
    if lookup.outcome != "ok":
        issue = brief_issue(lookup, brief)
        return CampaignResults(
            outcome=lookup.outcome,
            briefs=[brief_candidate(b) for b in lookup.candidates],
            question=issue.reason[:1].upper() + issue.reason[1:],
        )
    with_results = book.briefs_with_results()
    if len(with_results) == 1:
        found = with_results[0]
        name = next((b.name for b in load_briefs(campaigns) if b.id == found), None)
        return book.campaign(found, name)
    if not with_results:
        return CampaignResults(
            outcome="no_results",
            summary="No campaign results have been imported yet: import a Google Ads or Meta ad report.",
        )
    known = {b.id: b for b in load_briefs(campaigns)}
    candidates = [brief_candidate(known[b]) for b in with_results if b in known]
    names = ", ".join(c.name for c in candidates) or "drafts without a brief"
    return CampaignResults(
        outcome="ambiguous_brief",
        briefs=candidates,
        question=f"Results are in for several campaigns ({names}). Which one?",
    )
