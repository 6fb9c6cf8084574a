"""The campaign-results part of the application API: import a report, read a campaign's results, and (for the demo) a
simulated example report for a brief's drafts.

`Assistant` inherits `ResultsMethods`; `AssistantAPI` includes the `ResultsAPI` protocol. Import and reading run the
marketer tools through the role policy (`Policy.run`), so every door (HTTP, the workspace, the chat) meets the same
checks; the example report is the `campaign_results` action.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from assistant.conversation.reply import Caller
from assistant.errors import InvalidChoice, NotFound
from assistant.workspace.results_example import EXAMPLE_CHANNELS, example_report
from assistant.workspace.results_import import decode
from assistant.workspace.results_types import CampaignResults, ReportImport
from assistant.workspace.types import ExportFile


@runtime_checkable
class ResultsAPI(Protocol):
    """What the marketer's workspace may ask about campaign results."""

    def import_campaign_report(self, caller: Caller, filename: str, data: bytes) -> ReportImport:
        """Import a Google Ads or Meta ad report (CSV bytes, UTF-8 or UTF-16); all rows or none."""
        ...

    def campaign_results(
        self, caller: Caller, brief: str | None = None, request: str = ""
    ) -> CampaignResults:
        """A campaign's results per ad group: posteriors, probability best, recommended split."""
        ...

    def example_campaign_report(
        self, caller: Caller, brief_id: str, channel: str = "google-rsa"
    ) -> ExportFile:
        """A simulated report (the platform's layout) for a brief's drafts, to try the import with."""
        ...


class ResultsMethods:
    """The `ResultsAPI` methods of `Assistant` (which provides `settings`, `services`, `policy`)."""

    settings: Any
    services: Any
    policy: Any

    def import_campaign_report(self, caller: Caller, filename: str, data: bytes) -> ReportImport:
        self.policy.check(caller, "import_campaign_report", {})  # Forbidden before the file is even read
        text = decode(data)  # UTF-16 (Google's "Excel CSV") or UTF-8; BadInput otherwise
        args = {"report": text, "filename": filename or "report.csv"}
        return self.policy.run(caller, "import_campaign_report", args, self.services)[1]

    def campaign_results(
        self, caller: Caller, brief: str | None = None, request: str = ""
    ) -> CampaignResults:
        args = {"brief": brief or None, "request": request or ""}
        return self.policy.run(caller, "campaign_results", args, self.services)[1]

    def example_campaign_report(
        self, caller: Caller, brief_id: str, channel: str = "google-rsa"
    ) -> ExportFile:
        self.policy.check(caller, "campaign_results", {})
        from generation import BadBrief, find_brief

        if channel not in EXAMPLE_CHANNELS:
            raise InvalidChoice("channel", channel, list(EXAMPLE_CHANNELS))
        campaigns = self.settings.demo_dir / "campaigns"
        try:
            brief = find_brief(campaigns, brief_id)
        except BadBrief:
            from assistant.workspace.targets import brief_ids

            raise InvalidChoice("brief_id", brief_id, brief_ids(campaigns), what="campaign brief") from None
        from assistant.tools.campaign_results import results_book

        records = self.services["drafts"].list(brief_id=brief.id, channel=channel)
        done = results_book(self.services).store.totals(r.draft_id for r in records)
        fresh = [
            r for r in records if r.draft_id not in done
        ]  # results twice for the same days would be refused
        if records and not fresh:
            raise NotFound(
                f"every {channel} draft of {brief.name} has results already: draft more to try again"
            )
        return example_report(fresh, brief.id, brief.name, channel, self.services.get("catalog"))
