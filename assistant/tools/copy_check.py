"""The `check_copy_request` tool (marketers only): a copy request checked against the briefs and the shop's data.

The marketer chat runs it before `draft_copy` and drafts only on outcome "ok"; `draft_copy` runs the same check for
the HTTP API. The brief a request names is resolved strictly here: a name that matches no brief is "unknown_brief"
with the briefs listed (never a guess), two that fit are "ambiguous_brief" with both; an unknown customer, segment or
SKU is "not_found", never a substitute. The checks against the brief itself live in `brief_check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from rapidfuzz import fuzz, process

from assistant.errors import InvalidChoice, NotFound
from assistant.tools import brief_check, brief_match
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import CampaignCandidate, CopyRequestCheck, RequestIssue
from generation import (
    BadBrief,
    CampaignBrief,
    brief_words,
    campaign_words,
    find_brief,
    load_briefs,
    resolve_brief,
    stem,
)

ChannelName = Literal["google-rsa", "meta", "email", "sms", "x"]
# rapidfuzz token-set score at which a misspelt brief name ("Winter Trial Ready") still names it
FUZZY_NAME = 85
_YEAR = re.compile(r"\b20\d\d\b")
_CUE = re.compile(r"\b(campaigns?|briefs?|promo\w*|kampagne\w*|campagne\w*|campañas?|campagna)\b", re.I)


@dataclass
class BriefLookup:
    """The brief a request names: `brief` when one fits; otherwise the outcome and the briefs to choose from."""

    brief: CampaignBrief | None = None
    outcome: str = "ok"  # ok | unknown_brief | ambiguous_brief
    candidates: list[CampaignBrief] = field(default_factory=list)


def brief_candidate(brief: CampaignBrief) -> CampaignCandidate:
    return CampaignCandidate(id=brief.id, name=brief.name, products=brief.products, segments=brief.segments)


def _foreign_words(name: str, brief: CampaignBrief) -> set[str]:
    """Distinctive words of `name` that the brief's id, name, goal and audience never use: "Black Friday" in
    "Black Friday Winter Sale" says it is another campaign, even if "winter" fits this one."""
    words = campaign_words()
    own, topic = brief_words(brief)
    seasonal = {w for ws in words["seasons"].values() for w in ws}
    ignore = (
        set(words["stopwords"])
        | set(words["campaign_cues"])
        | set(words["current_cues"])
        | seasonal
        | set(words.get("name_fillers", []))
    )
    content = set(re.findall(r"[^\W\d_]+", name.lower())) - ignore
    return {w for w in content if w not in own and stem(w) not in topic}


def lookup_brief(
    campaigns_dir: Path,
    name: str | None,
    request: str = "",
    *,
    products_named: bool = False,
    product_names: list[str] | None = None,
) -> BriefLookup:
    """The brief `name` names (an id, a name, a misspelt name, a season, a year), else the one `request` names by
    its words once the `product_names` it mentions are taken out (`brief_match`). A `name` that fits none is
    "unknown_brief"; several that fit equally are "ambiguous_brief"."""
    briefs = load_briefs(campaigns_dir)
    if name:
        return _named(campaigns_dir, name, briefs)
    if not request:
        return BriefLookup()
    cue = bool(_CUE.search(request))
    keep = {w for b in briefs for w in brief_match.own_words(b)}
    text = brief_match.without_product_names(request, product_names or [], keep)
    if products_named and not product_names and not cue:
        return BriefLookup()  # products named by SKU alone, no campaign words: no brief needed
    found = brief_match.briefs_by_words(text, briefs, cue=cue)
    if len(found) == 1:
        return BriefLookup(found[0])
    if len(found) > 1 and cue:  # several fit a request about a campaign: ask which
        return BriefLookup(outcome="ambiguous_brief", candidates=found)
    return BriefLookup()


def _named(campaigns_dir: Path, name: str, briefs: list[CampaignBrief]) -> BriefLookup:
    try:
        return BriefLookup(find_brief(campaigns_dir, name.strip()))
    except BadBrief:
        pass
    of_year = brief_match.briefs_of_year(name, briefs)
    if of_year is not None:  # "the 2027 campaign"
        if len(of_year) == 1:
            return BriefLookup(of_year[0])
        return BriefLookup(
            outcome="ambiguous_brief" if of_year else "unknown_brief", candidates=of_year or briefs
        )
    found = resolve_brief(name, briefs).candidates
    found = [m for m in found if not _foreign_words(name, m.brief) and _same_year(name, m.brief)]
    if len(found) == 1:
        return BriefLookup(found[0].brief)
    if len(found) > 1:
        return BriefLookup(outcome="ambiguous_brief", candidates=[m.brief for m in found])
    labels = {b.id: b.name for b in briefs}
    best = process.extractOne(name, labels, scorer=fuzz.token_set_ratio)
    if best is not None and best[1] >= FUZZY_NAME:
        return BriefLookup(next(b for b in briefs if b.id == best[2]))
    return BriefLookup(outcome="unknown_brief", candidates=briefs)


def _same_year(name: str, brief: CampaignBrief) -> bool:
    """A year in the name ("... 2025") must be the brief's own (its id or its dates)."""
    years = set(_YEAR.findall(name))
    if not years:
        return True
    own = set(_YEAR.findall(brief.id))
    if brief.dates:
        own |= {str(brief.dates.start.year), str(brief.dates.end.year)}
    return bool(years & own)


def brief_issue(lookup: BriefLookup, name: str | None) -> RequestIssue:
    names = [f"{b.name} ({b.id})" for b in lookup.candidates]
    if lookup.outcome == "ambiguous_brief":
        return RequestIssue(
            kind="ambiguous_brief",
            subject=name or "",
            reason="which campaign do you mean: " + _or(names) + "?",
        )
    return RequestIssue(
        kind="unknown_brief",
        subject=name or "",
        reason=f"no campaign brief is called {name!r}; the briefs on file are " + _or(names) + ". Which one?",
    )


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" or {items[-1]}"


def _known_records(ctx: ToolContext, skus: list[str], segment: str | None, customer_id: str | None):
    """(known SKUs, the shop's spelling of the segment, issues for what the shop does not have)."""
    from assistant.tools.recommend import check_customer, engine_of, models_of
    from assistant.workspace.targets import known_segment

    catalog = ctx.service("catalog")
    issues = [
        RequestIssue(
            kind="unknown_product", subject=s, reason=f"there is no product with SKU {s} in the catalog"
        )
        for s in skus
        if s not in catalog
    ]
    known = [s for s in skus if s in catalog]
    try:
        segment = known_segment(ctx.services, segment)
    except InvalidChoice as exc:
        issues.append(RequestIssue(kind="unknown_segment", subject=segment or "", reason=exc.message))
    if customer_id:
        try:
            check_customer(ctx, customer_id, models_of(ctx)[0] if engine_of(ctx) is None else None)
        except NotFound:
            issues.append(
                RequestIssue(
                    kind="unknown_customer", subject=customer_id, reason=f"there is no customer {customer_id}"
                )
            )
    return known, segment, issues


def run_check(ctx: ToolContext, args: dict[str, Any]) -> tuple[CopyRequestCheck, CampaignBrief | None]:
    """The check for `check_copy_request`'s arguments, with the brief it resolved (for `draft_copy`)."""
    settings = ctx.service("settings")
    check = CopyRequestCheck(
        channel=args.get("channel"),
        customer_id=args.get("customer_id"),
        discount=args.get("discount"),
        claims=list(args.get("claims") or []),
    )
    catalog = ctx.service("catalog")
    lookup = lookup_brief(
        settings.demo_dir / "campaigns",
        args.get("brief"),
        args.get("request") or "",
        products_named=bool(args.get("skus")),
        product_names=[catalog.get(s).name for s in args.get("skus") or [] if s in catalog],
    )
    if lookup.outcome != "ok":
        check.issues.append(brief_issue(lookup, args.get("brief")))
        check.briefs = [brief_candidate(b) for b in lookup.candidates]
        check.outcome = lookup.outcome  # type: ignore[assignment]
        check.question = check.issues[0].reason[:1].upper() + check.issues[0].reason[1:]
        return check, None
    brief = lookup.brief
    if brief is not None:
        check.brief_id, check.brief_name, check.briefs = brief.id, brief.name, [brief_candidate(brief)]
    named = list(dict.fromkeys(args.get("skus") or []))
    known, check.segment, check.issues = _known_records(
        ctx, named, args.get("segment"), args.get("customer_id")
    )
    if brief is None and check.claims and known and lookup.outcome == "ok" and not args.get("brief"):
        # a claim is judged by the brief that sells the product ("can we call the Splash jacket 100% waterproof")
        brief = brief_match.brief_of_products(known, _all_briefs(settings))
        if (
            brief is not None
        ):  # the products it does not sell were our reading of a name, not the marketer's ask
            check.brief_id, check.brief_name, check.briefs = brief.id, brief.name, [brief_candidate(brief)]
            known = [s for s in known if s in brief.products]
    if any(i.blocking for i in check.issues):
        return brief_check.decide(check), brief
    if brief is not None:
        check.issues += brief_check.brief_scope_issues(
            brief, channel=check.channel, skus=known, segment=check.segment
        )
    elif check.channel and check.channel not in get_args(ChannelName):
        check.issues.append(  # "TikTok": never drafted for another channel unasked
            RequestIssue(
                kind="channel_not_supported",
                subject=check.channel,
                reason=f"copy is drafted for {', '.join(get_args(ChannelName))}, not {check.channel}; use one of those?",
            )
        )
    candidates = known or (brief.products if brief is not None else [])
    candidates = [s for s in candidates if s in catalog]
    check.skus, check.left_out, stock = brief_check.stock_rule(brief, catalog, candidates, named=bool(known))
    check.issues += stock
    if check.discount:
        offer = brief_check.check_offer(brief, check.discount, args.get("request") or "")
        check.issues += [offer] if offer else []
    facts = brief_check.product_facts(catalog, check.skus or candidates)
    shop_banned = (
        []
        if brief is not None
        else [p for b in lookup.candidates or _all_briefs(settings) for p in b.claims_banned]
    )
    for claim in check.claims:
        problem = brief_check.check_claim(claim, facts, brief, shop_banned=shop_banned)
        check.issues += [problem] if problem else []
    if args.get("confirmed"):  # the marketer answered the questions: draft, leaving out what was not granted
        for issue in check.issues:
            if issue.kind not in ("claim_banned", "claim_unsupported", "out_of_stock"):
                issue.blocking = False
            if issue.kind in ("discount_not_granted", "offer_not_granted"):
                check.discount = None  # drafted without it: copy states only the brief's own offer
    return brief_check.decide(check), brief


def _all_briefs(settings: Any) -> list[CampaignBrief]:
    return load_briefs(settings.demo_dir / "campaigns")


@tool(roles={"marketer"})
def check_copy_request(
    ctx: ToolContext,
    request: str = "",
    brief: str | None = None,
    channel: str | None = None,
    skus: list[str] | None = None,
    segment: str | None = None,
    customer_id: str | None = None,
    discount: str | None = None,
    claims: list[str] | None = None,
    confirmed: bool = False,
) -> CopyRequestCheck:
    """Check a copy request against the campaign briefs and the shop's data before drafting: the brief `brief`
    names (or `request` does), the channel, products, segment and customer, a `discount` or offer asked for ("20%
    off") and `claims` the copy should make ("100% waterproof"). The outcome says whether to draft (ok), ask
    (questioned, ambiguous_brief, unknown_brief), refuse (a claim) or say what does not exist (not_found)."""
    args = dict(
        request=request, brief=brief, channel=channel, skus=skus, segment=segment, customer_id=customer_id,
        discount=discount, claims=claims, confirmed=confirmed,
    )  # fmt: skip
    return run_check(ctx, args)[0]
