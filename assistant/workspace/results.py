"""Campaign results: import an ad platform's report into the store, and read a campaign's results per ad group with
how sure we are which variant is best and how to split the next budget.

`import_report` reads the whole file (`results_import`), ties every row to its draft (`results_match`) and only then
stores it, in one transaction (`assistant.storage.results`). `campaign_results` sums each draft's rows, groups the
drafts that compete for the same placement (channel and ad group), and computes their posteriors, probability best
and the allocation policy's split (`results_stats`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from assistant.errors import BadInput
from assistant.storage.results import DraftTotals, ResultRow, ResultStore
from assistant.workspace.drafts import DraftBook
from assistant.workspace.landing import ad_group_name
from assistant.workspace.results_import import problems_message, read_report
from assistant.workspace.results_match import NO_BRIEF_CAMPAIGN, DraftMatcher
from assistant.workspace.results_stats import (
    CREDIBLE_LEVEL,
    DRAWS,
    SEED,
    AllocationPolicy,
    BetaPosterior,
    VariantCounts,
    ctr_draws,
    probability_best,
    value_draws,
)
from assistant.workspace.results_types import (
    CampaignResults,
    RateEstimate,
    ReportImport,
    VariantGroup,
    VariantResult,
)
from assistant.workspace.types import DraftRecord

DECIDED = 0.95  # a leader this likely best is called the winner
LABEL_FIELDS = ("headlines", "headline", "primary_text", "subject", "text")


def _estimate(posterior: BetaPosterior) -> RateEstimate:
    low, high = posterior.interval(CREDIBLE_LEVEL)
    return RateEstimate(alpha=posterior.alpha, beta=posterior.beta, mean=posterior.mean, low=low, high=high)


def _label(record: DraftRecord) -> str:
    for field in LABEL_FIELDS:
        line = next((x for x in record.lines if x.field == field), None)
        if line is not None:
            return line.text
    return ""


class ResultsBook:
    """Campaign results over the draft book and the result store."""

    def __init__(self, store: ResultStore, drafts: DraftBook, settings: Any, policy: AllocationPolicy):
        self.store = store
        self.drafts = drafts
        self.settings = settings
        self.policy = policy

    def _catalog(self) -> Any:
        return self.drafts.services.get("catalog")

    # -- importing ----------------------------------------------------------------------------------------------
    def import_report(self, filename: str, data: bytes, *, imported_by: str) -> ReportImport:
        """Read, match and store one report; `BadInput` (nothing stored) for a bad or already imported file."""
        limit = self.settings.limits.max_upload_bytes
        if len(data) > limit:
            raise BadInput(
                f"the report is larger than {limit:,} bytes: export one campaign or period at a time"
            )
        sha = hashlib.sha256(data).hexdigest()
        before = self.store.previous(sha)
        if before is not None:
            raise BadInput(
                f"this report was imported already (import {before.import_id}, {before.filename}, "
                f"{before.created_at[:16].replace('T', ' ')} by {before.imported_by}): its figures would count twice"
            )
        report = read_report(data)
        matcher = DraftMatcher(
            self.settings.demo_dir / "campaigns",
            lambda brief, channel: self.drafts.list(brief_id=brief, channel=channel),
            lambda draft_id: self.drafts._named([self.drafts.store.get(draft_id)])[0],
            self._catalog(),
        )
        matched = matcher.match(report)
        rows = [
            ResultRow(
                draft_id=m.draft.draft_id,
                line=m.row.line,
                impressions=m.row.impressions,
                clicks=m.row.clicks,
                conversions=m.row.conversions,
                cost=m.row.cost,
                currency=m.row.currency,
                period_start=m.row.period_start,
                period_end=m.row.period_end,
            )
            for m in matched
        ]
        overlaps = _overlaps(rows, self.store.periods(r.draft_id for r in rows))
        if overlaps:
            raise BadInput(problems_message(f"{len(overlaps)} row(s) were imported already", overlaps))
        name = filename or "report.csv"
        import_id = self.store.add_import(
            filename=name, layout=report.layout.key, sha256=sha, imported_by=imported_by, rows=rows
        )
        starts = [r.period_start for r in rows if r.period_start]
        ends = [r.period_end for r in rows if r.period_end]
        return ReportImport(
            import_id=import_id,
            filename=name,
            layout=report.layout.key,
            platform=report.layout.platform,
            rows=len(rows),
            drafts=sorted({r.draft_id for r in rows}),
            briefs=sorted({m.draft.brief_id or "none" for m in matched}),
            impressions=sum(r.impressions for r in rows),
            clicks=sum(r.clicks for r in rows),
            conversions=sum(r.conversions for r in rows),
            cost=round(sum(r.cost for r in rows), 2),
            period_start=min(starts) if starts else None,
            period_end=max(ends) if ends else None,
        )

    # -- reading ------------------------------------------------------------------------------------------------
    def briefs_with_results(self) -> list[str | None]:
        return self.store.briefs_with_results()

    def campaign(self, brief_id: str | None, brief_name: str | None) -> CampaignResults:
        """A brief's results (None: drafts without a brief), one group per channel and ad group."""
        records = self.drafts.list(brief_id=brief_id or "none")
        totals = self.store.totals(r.draft_id for r in records)
        out = CampaignResults(
            brief_id=brief_id,
            brief_name=brief_name or (None if brief_id else NO_BRIEF_CAMPAIGN),
            credible_level=CREDIBLE_LEVEL,
            draws=DRAWS,
            seed=SEED,
        )
        groups: dict[tuple[str, str], list[DraftRecord]] = {}
        for record in records:
            if record.draft_id in totals:
                name = ad_group_name(brief_name, record.skus, record.products, self._catalog())
                groups.setdefault((record.channel, name), []).append(record)
        if not groups:
            out.outcome = "no_results"
            out.summary = (
                f"No results have been imported for {out.brief_name} yet: import a Google Ads or Meta report."
            )
            return out
        for (channel, name), members in sorted(groups.items()):
            members.sort(key=lambda r: (r.set_id, r.variant))
            out.groups.append(self._group(channel, name, members, totals))
        mine = [totals[r.draft_id] for g in groups.values() for r in g]
        currencies = {c for t in mine for c in t.currencies}
        starts = [t.period_start for t in mine if t.period_start]
        ends = [t.period_end for t in mine if t.period_end]
        out.impressions = sum(t.impressions for t in mine)
        out.clicks = sum(t.clicks for t in mine)
        out.conversions = sum(t.conversions for t in mine)
        out.cost = round(sum(t.cost for t in mine), 2)
        out.currency = currencies.pop() if len(currencies) == 1 else ""
        out.period_start = min(starts) if starts else None
        out.period_end = max(ends) if ends else None
        out.summary = _summary(out)
        return out

    def _group(
        self, channel: str, name: str, members: Sequence[DraftRecord], totals: dict[int, DraftTotals]
    ) -> VariantGroup:
        counts = [
            VariantCounts(t.impressions, t.clicks, t.conversions, t.cost)
            for t in (totals[r.draft_id] for r in members)
        ]
        money = {c for r in members for c in totals[r.draft_id].currencies}
        # Per unit of cost only when every variant spent something in one currency; else per impression.
        per_cost = all(c.cost > 0 and c.impressions > 0 for c in counts) and len(money) <= 1
        values = value_draws(counts, per_cost=per_cost)
        p_best = probability_best(values)
        p_ctr = probability_best(ctr_draws(counts))
        shares = self.policy.split(values)
        variants = []
        for i, (record, c) in enumerate(zip(members, counts, strict=True)):
            t = totals[record.draft_id]
            variants.append(
                VariantResult(
                    draft_id=record.draft_id,
                    variant=record.variant,
                    angle=record.angle,
                    status=record.status,
                    label=_label(record),
                    impressions=t.impressions,
                    clicks=t.clicks,
                    conversions=t.conversions,
                    cost=round(t.cost, 2),
                    currency=t.currencies[0] if len(t.currencies) == 1 else "",
                    ctr=_estimate(c.ctr),
                    conversion_rate=_estimate(c.cvr),
                    cost_per_click=round(t.cost / t.clicks, 2) if t.clicks and t.cost else None,
                    cost_per_conversion=round(t.cost / t.conversions, 2)
                    if t.conversions and t.cost
                    else None,
                    p_best=float(p_best[i]),
                    p_best_ctr=float(p_ctr[i]),
                    share=float(shares[i]),
                )
            )
        group = VariantGroup(
            channel=channel,
            ad_group=name,
            objective="conversions per unit of cost" if per_cost else "conversions per impression",
            policy=self.policy.name,
            variants=variants,
        )
        leader = max(variants, key=lambda v: v.p_best)
        group.leader = leader.draft_id
        group.decided = len(variants) > 1 and leader.p_best >= DECIDED
        group.verdict = _verdict(group, leader)
        return group


def _overlaps(rows: Sequence[ResultRow], stored: dict[int, list[tuple[str, str, int]]]) -> list[str]:
    """Rows whose period overlaps one already stored for the same draft: importing them would count days twice.
    (Reports without a period column cannot be checked this way; the same file twice is refused by its hash.)"""
    out = []
    for row in rows:
        if not (row.period_start and row.period_end):
            continue
        for start, end, import_id in stored.get(row.draft_id, []):
            if row.period_start <= end and start <= row.period_end:  # ISO dates compare as text
                out.append(
                    f"row {row.line}: draft {row.draft_id} already has results for {start} to {end} "
                    f"(import {import_id})"
                )
                break
    return out


def _verdict(group: VariantGroup, leader: VariantResult) -> str:
    if len(group.variants) == 1:
        return (
            f"Only draft {leader.draft_id} has results in {group.ad_group}: nothing to compare it with yet."
        )
    who = f"variant {leader.variant} (draft {leader.draft_id})"
    if group.decided:
        return f"{who} is very likely the best ({leader.p_best:.0%} probability, {group.objective})."
    split = ", ".join(f"draft {v.draft_id} {v.share:.0%}" for v in group.variants)
    return f"Too early to call: {who} leads with {leader.p_best:.0%} probability. Recommended split: {split}."


def _summary(results: CampaignResults) -> str:
    money = f", {results.cost:,.2f} {results.currency or 'spent'}" if results.cost else ""
    head = (
        f"{results.brief_name}: {results.impressions:,} impressions, {results.clicks:,} clicks, "
        f"{results.conversions:,.1f} conversions{money}."
    )
    return " ".join([head, *(g.verdict for g in results.groups)])
