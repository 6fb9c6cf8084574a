"""Which stored draft a report row is about.

The exports (`assistant.workspace.exports`) decide what a platform's report can be tied back with:
- Meta: the export names each ad "<ad group> - variant <n> (draft <id>)", and Ads Manager reports the ad name, so the
  draft id is read from it (and its campaign checked against the draft's brief).
- Google Ads: the export writes Campaign (the brief's name), Ad group ("<brief> - <product>", `landing.ad_group_name`)
  and the headlines; Google assigns the ad its own id, which the workspace never sees. A row is matched to the draft of
  that campaign and ad group whose headlines are the row's (as a set: Google may show them in another order); a report
  without headline columns is matched by ad group alone when the ad group holds one draft.

A row that fits no draft, or several, is a problem reported with its row number; nothing is stored unless every row
fits exactly one draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import BadInput, NotFound
from assistant.workspace.landing import ad_group_name
from assistant.workspace.results_import import Report, ReportRow, fold, problems_message
from assistant.workspace.types import DraftRecord
from generation import load_briefs

NO_BRIEF_CAMPAIGN = "Drafts without a brief"  # the campaign the export names for drafts without a brief
_DRAFT_ID = re.compile(r"\(draft (\d+)\)\s*$", re.IGNORECASE)


@dataclass
class MatchedRow:
    draft: DraftRecord
    row: ReportRow


class DraftMatcher:
    """Matches rows of one report to drafts. `list_drafts(brief_id, channel)` and `get_draft(id)` read the draft book."""

    def __init__(
        self,
        campaigns_dir: Path,
        list_drafts: Callable[[str, str], list[DraftRecord]],
        get_draft: Callable[[int], DraftRecord],
        catalog: Any = None,
    ):
        self.briefs = {fold(b.name): b for b in load_briefs(campaigns_dir)}
        self.briefs.update({fold(b.id): b for b in list(self.briefs.values())})
        self.list_drafts = list_drafts
        self.get_draft = get_draft
        self.catalog = catalog
        self._groups: dict[str, dict[str, list[DraftRecord]]] = {}

    def match(self, report: Report) -> list[MatchedRow]:
        """Every row with its draft; `BadInput` listing each row that fits none or several."""
        how = {"ad_name_draft_id": self._by_ad_name, "campaign_ad_group_headlines": self._by_headlines}
        find = how[report.layout.match]
        matched, problems = [], []
        for row in report.rows:
            try:
                matched.append(MatchedRow(find(row, report.layout.channel), row))
            except LookupError as exc:
                problems.append(f"row {row.line}: {exc.args[0]}")
        if problems:
            raise BadInput(
                problems_message(f"{len(problems)} row(s) fit no draft of this workspace", problems)
            )
        return matched

    def _brief(self, campaign: str) -> tuple[str, str | None]:
        """(brief id or "none", the brief's name) of a campaign name."""
        if fold(campaign) == fold(NO_BRIEF_CAMPAIGN):
            return "none", None
        brief = self.briefs.get(fold(campaign))
        if brief is None:
            known = ", ".join(sorted({b.name for b in self.briefs.values()}))
            raise LookupError(
                f"no campaign brief is called {campaign!r} (the exports name campaigns: {known})"
            )
        return brief.id, brief.name

    def _by_ad_name(self, row: ReportRow, channel: str) -> DraftRecord:
        found = _DRAFT_ID.search(row.ad_name)
        if not found:
            raise LookupError(
                f"the ad name {row.ad_name!r} does not end in '(draft <id>)' as the workspace's Meta export names ads"
            )
        try:
            draft = self.get_draft(int(found.group(1)))
        except NotFound:
            raise LookupError(f"there is no draft {found.group(1)} (ad {row.ad_name!r})") from None
        if draft.channel != channel:
            raise LookupError(f"draft {draft.draft_id} is a {draft.channel} draft, not a {channel} ad")
        brief_id, _ = self._brief(row.campaign)
        if (draft.brief_id or "none") != brief_id:
            raise LookupError(
                f"draft {draft.draft_id} belongs to {draft.brief_id or 'no brief'}, not to campaign {row.campaign!r}"
            )
        return draft

    def _ad_groups(self, brief_id: str, brief_name: str | None, channel: str) -> dict[str, list[DraftRecord]]:
        key = f"{brief_id}\n{channel}"
        if key not in self._groups:
            groups: dict[str, list[DraftRecord]] = {}
            for draft in self.list_drafts(brief_id, channel):
                name = ad_group_name(brief_name, draft.skus, draft.products, self.catalog)
                groups.setdefault(fold(name), []).append(draft)
            self._groups[key] = groups
        return self._groups[key]

    def _by_headlines(self, row: ReportRow, channel: str) -> DraftRecord:
        brief_id, brief_name = self._brief(row.campaign)
        drafts = self._ad_groups(brief_id, brief_name, channel).get(fold(row.ad_group), [])
        if not drafts:
            raise LookupError(
                f"campaign {row.campaign!r} has no {channel} draft in ad group {row.ad_group!r}"
            )
        if not row.headlines:
            if len(drafts) == 1:
                return drafts[0]
            ids = ", ".join(str(d.draft_id) for d in drafts)
            raise LookupError(
                f"ad group {row.ad_group!r} holds drafts {ids}: add the Headline columns to the report to tell them apart"
            )
        wanted = {fold(h) for h in row.headlines}
        fits = [d for d in drafts if {fold(x.text) for x in d.lines if x.field == "headlines"} == wanted]
        exported = [d for d in fits if d.approved_version is not None]  # only approved drafts are exported
        if len(fits) == 1 or len(exported) == 1:
            return fits[0] if len(fits) == 1 else exported[0]
        if not fits:
            raise LookupError(
                f"no draft in ad group {row.ad_group!r} has the headlines {row.headlines[0]!r}, ... "
                "(edited in Google Ads after the export?)"
            )
        raise LookupError(
            f"drafts {', '.join(str(d.draft_id) for d in fits)} have the same headlines and none or several of them "
            "were approved: reject the copies that were never uploaded"
        )
