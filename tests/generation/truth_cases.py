"""Adversarial truth cases built by mechanisms from the demo catalog and briefs, never picked by hand.

Each case is (id, products, brief, false line, true line): the false line states something the facts do not back (a
negated attribute, a figure of the wrong kind or unit, an invented promotion, a superlative or ranking without data,
a claim true only of a sibling); the true line says something the facts do back, about the same thing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from generation.brief import CampaignBrief, ProductFacts, load_briefs
from generation.claims import _data as claims_data
from generation.claims import extract_claims
from generation.naming import short_name, type_phrase

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
TODAY = dt.date(2027, 3, 20)


@dataclass(frozen=True)
class Case:
    id: str
    products: tuple[ProductFacts, ...]
    brief: CampaignBrief | None
    false_line: str
    true_line: str
    true_products: tuple[ProductFacts, ...] | None = (
        None  # the products the true line is about (default: the same)
    )


@lru_cache(maxsize=1)
def catalog() -> dict[str, ProductFacts]:
    with (DEMO / "catalog.csv").open(encoding="utf-8") as f:
        rows = [{k: v for k, v in r.items() if v not in ("", None)} for r in csv.DictReader(f)]
    return {r["sku"]: ProductFacts.model_validate(r) for r in rows}


@lru_cache(maxsize=1)
def briefs() -> list[CampaignBrief]:
    return load_briefs(DEMO / "campaigns")


def first_form(family: str, language: str = "en") -> str:
    """The first surface form of an attribute family (English), or its first form that is not English ("de")."""
    forms = claims_data()["attributes"][family]
    if language == "en":
        return forms[0]
    german = [
        f for f in forms if any(ch in f for ch in "äöüß") or f.endswith(("dicht", "isoliert", "bar", "end"))
    ]
    return german[0] if german else ""


def own_claims(p: ProductFacts) -> list:
    return list(_own_claims(p.model_dump_json()))


@cache
def _own_claims(product_json: str) -> tuple:
    # Keyed by the product's whole JSON: the generators ask about each product hundreds of times (collection time).
    p = ProductFacts.model_validate_json(product_json)
    return tuple(c for s in p.statements() for c in extract_claims(s.text))


def families(p: ProductFacts, positive: bool) -> set[str]:
    return {c.key[0][1:] for c in own_claims(p) if c.kind == "attribute" and c.positive == positive}


def spelled(n: int) -> str:
    """English words for 0-999 ("one hundred and sixty-nine")."""
    ones = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    ones += "seventeen eighteen nineteen"
    small = ones.split()
    tens = "twenty thirty forty fifty sixty seventy eighty ninety".split()
    if n < 20:
        return small[n]
    if n < 100:
        return tens[n // 10 - 2] + ("" if n % 10 == 0 else "-" + small[n % 10])
    rest = n % 100
    return f"{small[n // 100]} hundred" + (f" and {spelled(rest)}" if rest else "")


def negation_cases() -> Iterator[Case]:
    """Every attribute a product's own text denies: asserting it is false, denying it is true; in English and, where
    the family has one, in German."""
    for p in catalog().values():
        kind = type_phrase(p)
        for fam in sorted(families(p, positive=False) - families(p, positive=True)):
            en = first_form(fam)
            yield Case(f"neg-{p.sku}-{fam}", (p,), None, f"{en.capitalize()} {kind}", f"Not {en}, by design")
            yield Case(
                f"neg-is-{p.sku}-{fam}", (p,), None, f"The {short_name(p.name)} is {en}", f"It is not {en}"
            )
            de = first_form(fam, "de")
            if de:
                yield Case(f"neg-de-{p.sku}-{fam}", (p,), None, f"Ganz {de}", f"Nicht {de}")
        for c in own_claims(p):
            if c.kind == "phrase" and not c.positive and len(c.text.split()) >= 2:
                words = c.text.split()
                yield Case(
                    f"neg-phrase-{p.sku}-{'-'.join(words[:3])}",
                    (p,),
                    None,
                    f"It {' '.join(words)}",
                    f"It does not {c.text}",
                )


def _numbers(p: ProductFacts) -> list[int]:
    out = [int(s) for s in p.sizes if s.isdigit()]
    out += [int(p.sku.split("-")[-1])]
    if p.weight_g:
        out.append(p.weight_g)
    return [n for n in dict.fromkeys(out) if p.price is None or n != round(p.price)]


def figure_cases() -> Iterator[Case]:
    """Figures of the wrong kind: a size, the SKU's digits or the weight as a price or a discount; a price spelled out
    wrong; a size range past the real one; a weight in the wrong unit. The true line gives the real figure."""
    for p in catalog().values():
        if p.price is None:
            continue
        price = p.price_text()
        name = short_name(p.name)
        for n in _numbers(p)[:2]:
            yield Case(
                f"price-{p.sku}-{n}", (p,), None, f"{name}, now {n} {p.currency}", f"{name}, now {price}"
            )
            yield Case(f"pct-{p.sku}-{n}", (p,), None, f"{n}% off the {name}", f"The {name}, {price}")
        if float(p.price).is_integer() and p.price < 1000:
            whole = int(p.price)
            yield Case(
                f"spelled-{p.sku}",
                (p,),
                None,
                f"Only {spelled(whole + 10)} euros",
                f"Only {spelled(whole)} euros",
            )
        digits = [int(s) for s in p.sizes if s.isdigit()]
        if len(digits) >= 2:
            lo, hi = min(digits), max(digits)
            yield Case(f"range-{p.sku}", (p,), None, f"Sizes {lo} to {hi + 2}", f"Sizes {lo} to {hi}")
        if p.weight_g:
            yield Case(
                f"unit-{p.sku}", (p,), None, f"Weighs {p.weight_g} kg", f"Weighs {p.weight_g / 1000:g} kg"
            )
        if p.stock:
            yield Case(f"stock-{p.sku}", (p,), None, f"Only {p.stock + 5} left", f"Only {p.stock} left")


_PROMOS = ["Free returns on the {name}", "Half price: the {name}", "{name}: buy one get one", "Sale on the {name}",
           "Free shipping on the {name}", "Save 25% on the {name}", "{name}, today only"]  # fmt: skip


def promotion_cases() -> Iterator[Case]:
    """Promotions no brief offers, for every product, with and without its briefs; the true line restates the brief's
    real offer (or the price when there is none)."""
    for n, p in enumerate(catalog().values()):
        name = short_name(p.name)
        scopes: list[CampaignBrief | None] = [None] + [b for b in briefs() if p.sku in b.products]
        for brief in scopes:
            true = f"{brief.offer}" if brief and brief.offer else f"The {name}, {p.price_text()}"
            # every promotion for the products of a brief; three of them, in turn, for the others
            chosen = range(len(_PROMOS)) if brief else [(n + k) % len(_PROMOS) for k in range(3)]
            for i in chosen:
                promo = _PROMOS[i]
                line = promo.format(name=name)
                if (
                    brief
                    and brief.offer
                    and any(c.key == ("@free", "shipping") for c in extract_claims(brief.offer))
                ):
                    if "shipping" in line:
                        continue  # that brief does offer free shipping
                yield Case(f"promo-{p.sku}-{brief.id if brief else 'none'}-{i}", (p,), brief, line, true)


_SUPERLATIVES = ["The lightest {kind}", "Best-selling {kind}", "The #1 {kind}", "Top-rated {kind}",
                 "Lifetime warranty on the {name}", "The most popular {kind}", "Our best {kind} ever"]  # fmt: skip


def superlative_cases() -> Iterator[Case]:
    """Superlatives and rankings the facts do not state, and "best seller" / "#1" / "new" without the data; with the
    data (sales rank 1, added last week) the same ranking is kept."""
    for n, p in enumerate(catalog().values()):
        kind, name = type_phrase(p), short_name(p.name)
        text = " ".join(s.text.lower() for s in p.statements())
        for i in [(n + k) % len(_SUPERLATIVES) for k in range(3)]:  # three per product, in turn
            line = _SUPERLATIVES[i].format(kind=kind, name=name)
            if any(w in text for w in ("lightest", "lifetime", "best", "popular", "top-rated")):
                continue
            yield Case(f"sup-{p.sku}-{i}", (p,), None, line, f"The {name}, {p.price_text()}")
        ranked = p.model_copy(update={"sales_rank_90d": 1, "added_on": TODAY - dt.timedelta(days=7)})
        for i, line in enumerate([f"Best seller: the {name}", f"The #1 {kind}", f"New: the {name}"]):
            yield Case(f"data-{p.sku}-{i}", (p,), None, line, line, (ranked,))


def sibling_cases() -> Iterator[Case]:
    """Claims true only of a sibling: an attribute one product of a subcategory asserts and another lacks or denies;
    a brief's product-scoped claim used for another product of the brief; a sibling's price."""
    by_sub: dict[str, list[ProductFacts]] = {}
    for p in catalog().values():
        by_sub.setdefault(p.subcategory or p.category, []).append(p)
    for group in by_sub.values():
        for a in group:
            for b in group:
                if a.sku == b.sku:
                    continue
                for fam in sorted(families(a, True) - families(b, True))[:2]:
                    form = first_form(fam).capitalize()
                    false, true = f"{form} {type_phrase(b)}", f"{form} {type_phrase(a)}"
                    yield Case(f"sib-{b.sku}-{a.sku}-{fam}", (b,), None, false, true, (a,))
                if a.price and b.price and a.price != b.price:
                    yield Case(
                        f"sib-price-{b.sku}-{a.sku}", (b,), None,
                        f"{short_name(b.name)}, {a.price_text()}", f"{short_name(b.name)}, {b.price_text()}",
                    )  # fmt: skip
    for brief in briefs():
        in_brief = [catalog()[s] for s in brief.products if s in catalog()]
        for owner in in_brief:
            scoped = [s for s in brief.statements_for(owner) if s.role == "fact"]
            for s in scoped:
                for c in extract_claims(s.text):
                    if c.kind != "attribute" or not c.positive:
                        continue
                    for other in in_brief:
                        fam = c.key[0][1:]
                        if other.sku != owner.sku and fam not in families(other, True):
                            form = first_form(fam).capitalize()
                            false, true = f"{form} {type_phrase(other)}", f"{form} {type_phrase(owner)}"
                            yield Case(
                                f"brief-sib-{brief.id}-{other.sku}-{fam}",
                                (other,),
                                brief,
                                false,
                                true,
                                (owner,),
                            )


# The mechanism of a case is the start of its id; longer prefixes first ("neg-is" before "neg").
MECHANISMS = ("neg-is", "neg-de", "neg-phrase", "neg", "price", "pct", "spelled", "range", "unit", "stock", "promo",
              "sup", "data", "sib-price", "sib", "brief-sib")  # fmt: skip


def mechanism(case: Case) -> str:
    """Which generator rule built the case (the prefix of its id)."""
    return next(m for m in MECHANISMS if case.id.startswith(m + "-"))


def stratum(case: Case) -> tuple[str, str, bool]:
    """What a sample must cover: every mechanism, on every product category, with and without a campaign brief."""
    return mechanism(case), case.products[0].category, case.brief is not None


def all_cases() -> list[Case]:
    cases = {}
    for gen in (negation_cases, figure_cases, promotion_cases, superlative_cases, sibling_cases):
        for case in gen():
            cases.setdefault(case.id, case)
    return list(cases.values())
