"""An example report for the demo: what Google Ads or Meta would report for a brief's drafts, with simulated figures.

The demo shop has no ad account, so the Results view would have nothing to show. This writes a report in the
platform's own layout (`report_layouts.yaml`: Google's title and date-range rows and its "Total" row included) for the
workspace's drafts of one brief, with clicks and conversions drawn from binomials around true rates set here. The file
name and its first row say it is simulated; importing it goes through the same checks as a real report.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.errors import NotFound
from assistant.workspace.exports import slug
from assistant.workspace.landing import ad_group_name
from assistant.workspace.types import DraftRecord, ExportFile
from generation import CsvDictWriter

# The simulated truth: a typical search CTR and conversion rate, the k-th variant of an ad group a little better than
# the one before (so there is something to find), and cost per click around 0.60 EUR.
BASE_CTR, CTR_STEP = 0.028, 0.18
BASE_CVR, CVR_STEP = 0.035, 0.10
CPC_EUR = 0.60
IMPRESSIONS = 4_000  # per variant: enough to tell a 20% better CTR apart, not yet the conversion rates
PERIOD = ("2026-12-01", "2026-12-14")
SEED = 2026
EXAMPLE_CHANNELS = ("google-rsa", "meta")


def _figures(rng: np.random.Generator, rank: int) -> dict[str, Any]:
    ctr = BASE_CTR * (1 + CTR_STEP * rank)
    cvr = BASE_CVR * (1 + CVR_STEP * rank)
    impressions = int(rng.integers(IMPRESSIONS * 9 // 10, IMPRESSIONS * 11 // 10))
    clicks = int(rng.binomial(impressions, ctr))
    conversions = int(rng.binomial(clicks, cvr))
    cost = round(float(clicks * CPC_EUR * rng.uniform(0.85, 1.15)), 2)
    return {"impressions": impressions, "clicks": clicks, "conversions": conversions, "cost": cost}


def _google(
    records: Sequence[DraftRecord], campaign: str, groups: dict[int, str], rng: np.random.Generator
) -> str:
    most = max(sum(x.field == "headlines" for x in r.lines) for r in records)
    heads = [f"Headline {n}" for n in range(1, most + 1)]
    columns = ["Campaign", "Ad group", *heads, "Currency code", "Impr.", "Clicks", "Conversions", "Cost"]
    buffer = io.StringIO()
    buffer.write("Ad report (SIMULATED example, not real results)\n")
    buffer.write("December 1, 2026 - December 14, 2026\n")
    writer = CsvDictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    totals = dict.fromkeys(("impressions", "clicks", "conversions", "cost"), 0.0)
    for rank, record in _ranked(records):
        f = _figures(rng, rank)
        for key in totals:
            totals[key] += f[key]
        lines = [x.text for x in record.lines if x.field == "headlines"]
        writer.writerow(
            {
                "Campaign": campaign,
                "Ad group": groups[record.draft_id],
                **dict(zip(heads, lines + [" --"] * (most - len(lines)), strict=True)),
                "Currency code": "EUR",
                "Impr.": f"{f['impressions']:,}",
                "Clicks": f"{f['clicks']:,}",
                "Conversions": f"{f['conversions']:.2f}",
                "Cost": f"{f['cost']:.2f}",
            }
        )
    writer.writerow(
        {
            "Campaign": "Total: Account",
            "Impr.": f"{totals['impressions']:,.0f}",
            "Clicks": f"{totals['clicks']:,.0f}",
            "Conversions": f"{totals['conversions']:.2f}",
            "Cost": f"{totals['cost']:.2f}",
        }
    )
    return buffer.getvalue()


def _meta(
    records: Sequence[DraftRecord], campaign: str, groups: dict[int, str], rng: np.random.Generator
) -> str:
    columns = [
        "Campaign name",
        "Ad set name",
        "Ad name",
        "Reporting starts",
        "Reporting ends",
        "Impressions",
        "Link clicks",
        "Results",
        "Amount spent (EUR)",
    ]
    buffer = io.StringIO()
    writer = CsvDictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for rank, record in _ranked(records):
        f = _figures(rng, rank)
        writer.writerow(
            {
                "Campaign name": campaign,
                "Ad set name": f"{campaign} - {record.segment or 'All customers'}",
                "Ad name": f"{groups[record.draft_id]} - variant {record.variant} (draft {record.draft_id})",
                "Reporting starts": PERIOD[0],
                "Reporting ends": PERIOD[1],
                "Impressions": f["impressions"],
                "Link clicks": f["clicks"],
                "Results": f["conversions"],
                "Amount spent (EUR)": f"{f['cost']:.2f}",
            }
        )
    return buffer.getvalue()


def _ranked(records: Sequence[DraftRecord]) -> list[tuple[int, DraftRecord]]:
    """Each draft with its rank in its drafting set (0 for the first variant), which sets its simulated rates."""
    ordered = sorted(records, key=lambda r: (r.set_id, r.variant))
    firsts: dict[int, int] = {}
    return [(r.variant - firsts.setdefault(r.set_id, r.variant), r) for r in ordered]


def example_report(
    records: Sequence[DraftRecord], brief_id: str, brief_name: str, channel: str, catalog: Any = None
) -> ExportFile:
    """A simulated report for the brief's `channel` ("google-rsa" or "meta") drafts, as the platform would write it."""
    mine = [r for r in records if r.channel == channel]
    if not mine:
        raise NotFound(f"{brief_name} has no {channel} drafts yet: draft some in the Copy tab first")
    groups = {r.draft_id: ad_group_name(brief_name, r.skus, r.products, catalog) for r in mine}
    rng = np.random.default_rng([SEED, EXAMPLE_CHANNELS.index(channel)])  # each platform its own draws
    text = (_google if channel == "google-rsa" else _meta)(mine, brief_name, groups, rng)
    platform = "google-ads" if channel == "google-rsa" else "meta-ads"
    return ExportFile(
        filename=f"{slug(brief_id)}-{platform}-report-SIMULATED.csv",
        media_type="text/csv; charset=utf-8",
        content=text.encode("utf-8"),
        drafts=len(mine),
    )
