"""A copy request read against the campaign brief and the shop's data before anything is drafted.

What the brief does not grant is questioned with the reason, never dropped or used silently: a channel it does not run
on, a product or segment it does not name, a discount or offer it does not make. A claim the marketer asks for ("100%
waterproof") is checked as a claim (the brief's bans, then `generation.claims.ClaimBook` over each product's catalog
row and the brief's statements), never searched in the catalog. An out-of-stock product is left out or flagged by
the brief's `out_of_stock` rule. Every outcome is a field of `CopyRequestCheck` (tools/results.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from assistant.tools.results import CopyRequestCheck, RequestIssue
from generation import (
    CampaignBrief,
    ClaimBook,
    ProductFacts,
    campaign_words,
    extract_claims,
    mentions_claim,
    stem,
)

# "20%", "20 percent", "15 EUR off", "€10 off": the amount of a discount, with its unit.
_AMOUNT = re.compile(
    r"(?:(?P<cur>€|eur)\s*(?P<pre>\d+(?:[.,]\d+)?))|(?P<num>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>%|percent\b|per cent\b|prozent\b|€|eur\b|euros?\b)",
    re.I,
)
# Words that carry no claim of their own ("it keeps you ..."): left out of the content-word check.
_LIGHT = {"the", "and", "you", "your", "our", "for", "with", "any", "all", "its", "are", "was", "has", "have", "keep",
          "keeps", "will", "can", "this", "that", "they", "them", "one", "every"}  # fmt: skip
_OFF = re.compile(r"\b(off|discount\w*|rabatt\w*|reduction|reduced|save|saving|sale)\b", re.I)


def discount_amounts(text: str) -> set[str]:
    """The discount amounts a text states, normalised ("20%", "15 EUR"); a threshold ("orders over 75 EUR") is none."""
    out = set()
    for m in _AMOUNT.finditer(text or ""):
        value = (m.group("num") or m.group("pre") or "").replace(",", ".").rstrip("0").rstrip(".") or "0"
        unit = "%" if (m.group("unit") or "").lower().startswith(("%", "per", "pro")) else "EUR"
        before = text[max(0, m.start() - 12) : m.start()].lower()
        if unit == "EUR" and re.search(r"\b(over|above|from|ab|über|min\w*)\s*$", before):
            continue  # "free shipping on orders over 75 EUR": a condition, not an amount off
        if unit == "%" or _OFF.search(text[m.end() : m.end() + 12]):
            out.add(f"{value}{unit}" if unit == "%" else f"{value} EUR")
    return out


def _promo_keys(text: str) -> set[tuple[str, ...]]:
    return {c.key for c in extract_claims(text or "") if c.kind == "promo" and c.positive}


def check_offer(brief: CampaignBrief | None, asked: str, request: str = "") -> RequestIssue | None:
    """A question when the brief does not grant the discount or offer `asked` ("20% off", "free shipping"), or
    grants it only on conditions the `request` drops ("10% off everything, for everyone, no sign-up")."""
    keys = _promo_keys(asked) or {("@discount",)}
    amounts = discount_amounts(asked)
    is_discount = ("@discount",) in keys or bool(amounts)
    kind = "discount_not_granted" if is_discount else "offer_not_granted"
    if brief is None:
        return RequestIssue(
            kind=kind,
            subject=asked,
            reason=f"no campaign brief is named, and copy may state only a brief's offer; "
            f"name the campaign that grants {asked!r}, or draft without it?",
        )
    offer = brief.offer or ""
    granted = _promo_keys(offer)
    if is_discount:
        if ("@discount",) not in granted:
            why = f"its offer is {offer!r}" if offer else "it makes no offer"
            return RequestIssue(
                kind=kind,
                subject=asked,
                reason=f"the {brief.name} brief grants no discount ({why}); draft without one?",
            )
        given = discount_amounts(offer)
        if amounts and given and not amounts <= given:
            return RequestIssue(
                kind=kind,
                subject=asked,
                reason=f"the {brief.name} brief grants {offer!r}, not {', '.join(sorted(amounts))}; "
                "draft with the brief's offer?",
            )
        if _drops_conditions(request, offer):
            return RequestIssue(
                kind=kind,
                subject=asked,
                reason=f"the {brief.name} brief grants the discount only as {offer!r}; draft it with those conditions?",
            )
        return None
    missing = [
        k
        for k in keys
        if k not in granted and not (k[0] == "@free" and any(g[0] == "@free" for g in granted))
    ]
    if not missing:
        return None
    why = f"its offer is {offer!r}" if offer else "it makes no offer"
    return RequestIssue(
        kind=kind,
        subject=asked,
        reason=f"the {brief.name} brief does not grant {asked!r} ({why}); draft without it?",
    )


def _drops_conditions(request: str, offer: str) -> bool:
    """Whether a request asks for the offer without the conditions the brief sets on it."""
    words = campaign_words()
    low, offer_low = request.lower(), offer.lower()
    conditional = any(re.search(rf"\b{re.escape(w)}\b", offer_low) for w in words.get("offer_conditions", []))
    return conditional and any(
        re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low) for w in words.get("unconditional", [])
    )


def check_claim(
    claim: str,
    products: list[ProductFacts],
    brief: CampaignBrief | None,
    today: dt.date | None = None,
    shop_banned: Iterable[str] = (),
) -> RequestIssue | None:
    """Refused when the brief bans `claim` (without a brief: when any of the shop's briefs bans it, `shop_banned`), or
    no product's facts back it: `ClaimBook` over the row and the brief for a claim of a known family ("waterproof",
    "best"), the content words of the facts for any other ("keeps you safe on any ice")."""
    banned_by = f"the {brief.name} brief" if brief is not None else "the shop's campaign briefs"
    phrases = brief.banned_phrases() if brief is not None else list(shop_banned)
    banned = next((p for p in phrases if mentions_claim(claim, p)), None)
    if banned:
        return RequestIssue(
            kind="claim_banned",
            subject=claim,
            reason=f"{banned_by} ban the claim {banned!r}"
            if brief is None
            else f"{banned_by} bans the claim {banned!r}",
        )
    if not products:
        return None  # no product chosen yet: `draft_copy` checks the claim against the products it drafts for
    problems = []
    for product in products:
        statements = product.statements() + (brief.statements_for(product) if brief else [])
        book = ClaimBook(statements, product.data_claims(today or dt.date.today()))
        found = book.review(claim, promo_roles=("offer",)).problems + _unbacked_figures(claim, statements)
        if not found and not extract_claims(claim):
            found = _unstated_words(claim, statements) or _denied(claim, statements)
        if not found:
            return None  # one product's facts back it: copy about that product may say it
        problems.append(f"{product.name}: {found[0]}")
    return RequestIssue(kind="claim_unsupported", subject=claim, reason="; ".join(problems))


def _unbacked_figures(claim: str, statements: list[Any]) -> list[str]:
    """A problem for each figure of the claim ("20,000 mm") that no statement about the product states."""
    from generation import extract_facts, supports

    known = [f for st in statements for f in extract_facts(st.text)]
    return [
        f"its facts do not state {fact.text!r}"
        for fact in extract_facts(claim)
        if not any(supports(k, fact) for k in known)
    ]


_NEGATION = re.compile(r"\b(not|never|cannot|can't|don't|doesn't|won't)\b", re.I)


def _denied(claim: str, statements: list[Any]) -> list[str]:
    """A problem when a statement that denies something ("They do not fit flexible B0 or B1 hiking boots") shares
    half or more of the claim's content words ("the Glacier crampons fit the Talus hiking boots")."""
    words = {stem(w) for w in re.findall(r"[^\W\d_]{3,}", claim.lower()) if w not in _LIGHT}
    if len(words) < 3:
        return []
    for st in statements:
        if not _NEGATION.search(st.text):
            continue
        shared = words & {stem(w) for w in re.findall(r"[^\W\d_]{3,}", st.text.lower()) if w not in _LIGHT}
        if len(shared) >= 2 and 2 * len(shared) >= len(words):
            return [f"its facts say {st.text!r}"]
    return []


def _unstated_words(claim: str, statements: list[Any]) -> list[str]:
    """A problem when a third or more of the claim's content words appear in none of the product's statements."""
    words = {stem(w) for w in re.findall(r"[^\W\d_]{3,}", claim.lower()) if w not in _LIGHT}
    stated = {stem(w) for st in statements for w in re.findall(r"[^\W\d_]{3,}", st.text.lower())}
    missing = sorted(words - stated)
    if words and len(missing) * 3 >= len(words):
        return [f"its facts do not state {claim!r} (nothing says {', '.join(missing)})"]
    return []


def brief_scope_issues(
    brief: CampaignBrief, *, channel: str | None, skus: Iterable[str], segment: str | None
) -> list[RequestIssue]:
    """Questions for a channel, products or a segment the brief does not name."""
    issues = []
    if channel and brief.channels and channel not in brief.channels:
        issues.append(
            RequestIssue(
                kind="channel_not_in_brief",
                subject=channel,
                reason=f"the {brief.name} brief runs on {_listing(brief.channels)}, not {channel}; "
                "draft for one of those?",
            )
        )
    outside = [s for s in skus if brief.products and s not in brief.products]
    if outside:
        issues.append(
            RequestIssue(
                kind="product_not_in_brief",
                subject=", ".join(outside),
                reason=f"the {brief.name} brief does not name {_listing(outside)} among its products; "
                "draft them anyway, or use the brief's products?",
            )
        )
    if segment and brief.segments and _norm(segment) not in {_norm(s) for s in brief.segments}:
        issues.append(
            RequestIssue(
                kind="segment_not_in_brief",
                subject=segment,
                reason=f"the {brief.name} brief targets {_listing(brief.segments)}, not {segment}; "
                "aim it at one of those?",
            )
        )
    return issues


def stock_rule(
    brief: CampaignBrief | None, catalog: Any, skus: list[str], *, named: bool
) -> tuple[list[str], list[str], list[RequestIssue]]:
    """(products to draft, products left out, issues) by the brief's `out_of_stock` rule (leave out by default).
    When every product the marketer `named` is out of stock the request is questioned, never drafted for others."""
    rule = brief.out_of_stock if brief is not None else "leave_out"
    keep, left, issues = [], [], []
    for sku in skus:
        product = catalog.get(sku)
        if product.in_stock:
            keep.append(sku)
            continue
        if rule == "flag":
            keep.append(sku)
        else:
            left.append(sku)
        action = "drafted and flagged" if rule == "flag" else "left out"
        issues.append(
            RequestIssue(
                kind="out_of_stock",
                subject=sku,
                reason=f"{product.name} ({sku}) is out of stock: {action}",
                blocking=False,
            )
        )
    if not keep and left:
        for issue in issues:
            issue.blocking = True
        issues[-1].reason += "; nothing in stock to draft for" + (
            "" if not named else ": pick another product?"
        )
    return keep, left, issues


def decide(check: CopyRequestCheck) -> CopyRequestCheck:
    """The outcome from the issues: not found > refused (a claim) > questioned > ok; the question to ask back."""
    kinds = {i.kind for i in check.issues if i.blocking}
    if kinds & {"unknown_customer", "unknown_segment", "unknown_product"}:
        check.outcome = "not_found"
    elif kinds & {"claim_banned", "claim_unsupported"}:
        check.outcome = "refused"
    elif kinds:
        check.outcome = "questioned"
    blocking = [i.reason for i in check.issues if i.blocking]
    if blocking and not check.question:
        check.question = " ".join(
            r[:1].upper() + r[1:] + ("" if r.endswith(("?", ".")) else ".") for r in blocking
        )
    return check


def product_facts(catalog: Any, skus: list[str], ranks: dict[str, int] | None = None) -> list[ProductFacts]:
    """The catalog rows of `skus` as the drafter's `ProductFacts` (with their 90-day sales rank where known)."""
    ranks = ranks or {}
    return [
        ProductFacts.model_validate({**catalog.get(s).model_dump(), "sales_rank_90d": ranks.get(s)})
        for s in skus
    ]


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" or {items[-1]}"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
