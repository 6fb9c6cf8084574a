"""Campaign results for marketers in the chat: "how did the winter campaign do?", "which variant is winning?".

The router's embedding intents predate this tool and have no examples for it, so the agent sends a marketer's message
here when `asks_for_results` reads it as a question about results (a results word and a campaign word together); the
tool itself (`campaign_results`, marketer-only) runs through the policy like every other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.intents import intent
from assistant.conversation.marketer_tables import briefs_table, markdown_table
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.workspace.results_types import CampaignResults

_RESULT_WORDS = re.compile(
    r"\b(how did|how (is|are|was|were)\b.*\b(doing|performing|going)|perform\w*|results?|winning|winner|"
    r"\bctr\b|click-?through|conversion rates?|budget split|split the budget)",
    re.I,
)
_CAMPAIGN_WORDS = re.compile(
    r"\b(campaigns?|variants?|ads?|adverts?|briefs?|kampagne\w*|campagne\w*)\b", re.I
)
_DRAFTING = re.compile(r"\b(write|draft|create|make|generate)\b", re.I)


def asks_for_results(message: str) -> bool:
    """Whether a marketer's message asks how a campaign or its variants did (not to draft more copy)."""
    return bool(_RESULT_WORDS.search(message) and _CAMPAIGN_WORDS.search(message)) and not _DRAFTING.search(
        message
    )


@intent("campaign_results")
def campaign_results(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    record = yield from turn.run_tool("campaign_results", {"request": turn.message})
    if not record.ok or not isinstance(record.result, CampaignResults):
        yield from turn.refused_or_failed(record)
        return
    yield from turn.say(describe(turn, record.result))


def describe(turn: Turn, result: CampaignResults) -> str:
    """The results as the summary and one table per ad group (rates with their 95% intervals, P(best), next share)."""
    if result.outcome in ("unknown_brief", "ambiguous_brief"):
        turn.action = "clarify"
        return f"{result.question}\n\n" + briefs_table(result.briefs)
    if result.outcome != "ok":
        return result.summary
    parts = [result.summary]
    for group in result.groups:
        rows = [
            (
                f"draft {v.draft_id} (variant {v.variant})",
                f"{v.impressions:,}",
                f"{v.ctr.mean:.2%} ({v.ctr.low:.2%}–{v.ctr.high:.2%})",
                f"{v.conversions:,.1f}",
                f"{v.conversion_rate.mean:.2%} ({v.conversion_rate.low:.2%}–{v.conversion_rate.high:.2%})",
                f"{v.p_best:.0%}",
                f"{v.share:.0%}",
            )
            for v in group.variants
        ]
        headers = [
            "Variant",
            "Impressions",
            "CTR (95%)",
            "Conversions",
            "Conv. rate (95%)",
            "P(best)",
            "Next share",
        ]
        parts.append(f"**{group.ad_group}** ({group.channel})\n\n" + markdown_table(headers, rows))
    return "\n\n".join(parts)
