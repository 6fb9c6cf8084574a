"""Template lines from the phrase bank (phrase_bank.yaml): headlines and sentences whose slots are filled from the
product's row, the brief and the shop's pages only. A line that does not fit its field is dropped, never cut.

Angles: "benefit" (what its attributes do), "feature" (materials, sizes, price), "offer" (the brief's offer and the
shop's selling points), "audience" (what and whom it is for, the brief's messages), "any" (name, calls to action).

    headline_lines(pc, request, shop) -> [Candidate("Keeps Feet Dry", "benefit"), Candidate("Free Delivery Over 75 EUR",
    "offer"), ...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generation.claims import extract_claims
from generation.copy_quality import main_keyword, title_case
from generation.facts import find_money
from generation.naming import singular
from generation.phrase_bank import Benefit, bank

if TYPE_CHECKING:
    from generation.copy_types import CopyRequest
    from generation.shop_points import ShopPoints
    from generation.templates import ProductCopy


@dataclass
class Candidate:
    """A candidate line: its text, the angle it serves, where it came from, a pinning suggestion, its kind of line
    ("offer" and "cta" count in the ad-strength report)."""

    text: str
    angle: str = "any"
    source: str = "template"
    pin: int | None = None
    kind: str = ""


def _fill(template: str, slots: dict[str, str]) -> str | None:
    """The template with its slots filled; None when a slot it needs has no value."""
    needed = re.findall(r"\{(\w+)\}", template)
    if any(not slots.get(n) for n in needed):
        return None
    return template.format(**{n: slots[n] for n in needed})


def _echoes(phrase: str, other: str) -> bool:
    """Whether a word of `phrase` shares its first four letters with a word of `other` ("Runners" / "Running")."""
    heads = {w[:4] for w in other.lower().split() if len(w) >= 4}
    return any(w[:4] in heads for w in phrase.lower().split() if len(w) >= 4)


def _size_range(sizes: list[str]) -> str:
    """ "40-47", "S to XL"; "" for one size or sizes that do not make a plain range ("XS/S" ... "L/XL")."""
    if len(sizes) < 2 or any("/" in s for s in (sizes[0], sizes[-1])):
        return ""
    numeric = sizes[0].isdigit() and sizes[-1].isdigit()
    return f"{sizes[0]}-{sizes[-1]}" if numeric else f"{sizes[0]} to {sizes[-1]}"


def _either(values: list[str]) -> str:
    """ "Black", "Black or Brown", "Black, Rust or Forest"."""
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else "".join(values)


def _plural(phrase: str) -> str:
    last = phrase.split()[-1] if phrase.split() else ""
    if singular(last) != last.lower():
        return phrase  # already plural ("Gaiters")
    return phrase[:-1] + "ies" if phrase.endswith("y") else phrase + ("es" if phrase.endswith("s") else "s")


def benefits(pc: ProductCopy) -> list[Benefit]:
    """What the product's asserted attributes and materials do for the buyer (the bank's benefits it earns)."""
    p = pc.product
    return bank().benefits_for(set(pc.benefits), p.materials, p.category)


def offer_slots(offer: str) -> tuple[list[str], dict[str, str]]:
    """(the offer's kinds: free_delivery | discount, its figures as slots) of a brief's offer text."""
    kinds = []
    claims = extract_claims(offer)
    if any(c.kind == "promo" and "shipping" in c.key for c in claims):
        kinds.append("free_delivery")
    discount = re.search(r"\d+(?:[.,]\d+)?\s?%", offer)
    if discount:
        kinds.append("discount")
    money = find_money(offer)
    slots = {"discount": discount.group(0).replace(" ", "") if discount else ""}
    slots["threshold"] = f"{money[0][1].amount:g} {money[0][1].currency}" if money else ""
    return kinds, slots


def _offer_headlines(request: CopyRequest) -> list[Candidate]:
    """The brief's offer whole when it fits, else its bank forms that keep every figure of the offer."""
    brief = request.brief
    if not (brief and brief.offer):
        return []
    offer = brief.offer.rstrip(".")
    out = [Candidate(title_case(offer), "offer", "brief", kind="offer")]
    kinds, slots = offer_slots(offer)
    figures = {f for f in (slots["discount"], slots["threshold"]) if f}
    for kind in kinds:
        for form in bank().offer_lines.get(kind, []):
            text = _fill(form, slots)
            if text and all(f in text for f in figures):
                out.append(Candidate(text, "offer", "brief", kind="offer"))
    return out


def shop_lines(shop: ShopPoints | None, kind: str) -> list[Candidate]:
    """The shop's selling points as `kind` lines ("headlines" | "sentences"), only those its pages state."""
    if shop is None:
        return []
    out = []
    for point, slots in shop.values().items():
        for form in getattr(bank().shop_points[point], kind):
            text = _fill(form, slots)
            if text:
                out.append(Candidate(text, "offer", kind="offer"))
    return out


def _slots(pc: ProductCopy, request: CopyRequest) -> dict[str, str]:
    p = pc.product
    keyword = title_case(main_keyword(request))
    audience = _audience(request)
    return {
        "keyword": keyword,
        "keyword_plural": _plural(keyword),
        "model": pc.model,
        "price": pc.product.price_text(),
        "sizes": _size_range(p.sizes),
        "colours": _either(p.colours) if len(p.colours) <= 3 else "",
        "weight": f"{p.weight_g:,} g" if p.weight_g and p.weight_g <= bank().light_weight_max_g else "",
        "audience": title_case(audience) if audience else "",
        "benefits": " and ".join(title_case(b) for b in pc.benefits[:2]) if len(pc.benefits) >= 2 else "",
    }


def headline_lines(pc: ProductCopy, request: CopyRequest, shop: ShopPoints | None) -> list[Candidate]:
    """Every headline-sized bank line for one product (Title Case; the caller drops those that do not fit)."""
    b, slots = bank(), _slots(pc, request)
    out = [Candidate(pc.name, "any", pin=1)]
    if pc.model != pc.name:
        out.append(Candidate(f"The {pc.model}", pin=1))
    purposes = [re.sub(r"^for\s+", "", p) for p in pc.purposes[:2]]
    purposes += [h for p in purposes if (h := _phrase_head(p)) and h not in purposes]
    for form in b.keyword_lines:
        variants = [{}]
        if "{benefit}" in form:  # "Waterproof Gaiters" says nothing "Stormguard Waterproof Gaiters" does not
            variants = [{"benefit": title_case(x)} for x in pc.benefits[:3] if x not in pc.name.lower()]
        elif "{purpose}" in form:
            variants = [{"purpose": x} for x in purposes]
        elif "{material}" in form:
            variants = [{"material": x} for x in pc.product.materials[:2]]
        elif "{audience}" in form and _echoes(slots["audience"], slots["keyword"]):
            variants = []  # "Running Shoe for Runners" says its audience twice
        for extra in variants:
            text = _fill(form, {**slots, **extra})
            if text:
                angle = "benefit" if "{benefit}" in form else "feature"
                out.append(Candidate(text, angle, kind="keyword"))
    out += [
        Candidate(t, "audience") for f in b.purpose_lines for p in purposes if (t := _fill(f, {"purpose": p}))
    ]
    out += [Candidate(ben.headline, "benefit") for ben in benefits(pc)]
    out += [Candidate(t, "feature") for f in b.weight_lines if (t := _fill(f, slots))]
    out += [Candidate(t, "audience", "brief") for t in _audience_lines(request)]
    out += shop_lines(shop, "headlines") + _offer_headlines(request)
    ctas = b.ctas("headlines", len(pc.product.sizes), len(pc.product.colours))
    out += [Candidate(t, "any", kind="cta") for c in ctas if (t := _fill(c, slots))]
    out += [Candidate(m.rstrip("."), "audience", "brief") for m in key_messages(pc, request)]
    out += [Candidate(c, "feature", "brief") for c in _allowed_claims(pc, request)]
    # a whole description sentence that fits a headline ("Anti-balling plates included."), never a cut one
    out += [
        Candidate(s.rstrip("."), "feature") for s in pc.sentences if not re.match(r"(?i)(it|they|this)\b", s)
    ]
    return [Candidate(title_case(c.text), c.angle, c.source, c.pin, c.kind) for c in out]


def _phrase_head(phrase: str) -> str:
    """A purpose's head before its first preposition ("day hikes on rough paths" -> "day hikes"); "" if none."""
    head = re.split(r"\s(?:on|in|at|with|from|to|and|or)\s", phrase, maxsplit=1)[0]
    return head if head != phrase and len(head.split()) >= 2 else ""


def _audience(request: CopyRequest) -> str:
    """Whom the brief speaks to, in a few words ("Hikers in Austria ... who bought boots" -> "hikers")."""
    brief = request.brief
    audience = (brief.audience if brief else "") or request.audience or ""
    first = re.split(r"\s(?:who|that|which|with|aged|in|of|from)\s|[,;.]", audience.strip(), maxsplit=1)[
        0
    ].strip()
    return first if first and len(first.split()) <= 3 else ""


def _audience_lines(request: CopyRequest) -> list[str]:
    audience = _audience(request)
    return [t for f in bank().audience_lines if audience and (t := _fill(f, {"audience": audience}))]


def _allowed_claims(pc: ProductCopy, request: CopyRequest) -> list[str]:
    """The brief's allowed claims about this product ("8 mm drop, 4 mm lugs" for the Ridgerunner), as lines."""
    brief = request.brief
    if not brief:
        return []
    own = [
        s.text for s in brief.statements_for(pc.product) if "allowed claim" in s.source and s.role == "fact"
    ]
    return [t for t in own if len(t.split()) >= 2]


def key_messages(pc: ProductCopy, request: CopyRequest) -> list[str]:
    """The brief's positive key messages that may go with this product: general ones, and those naming it (one about
    another product, "The Trail Race Jacket meets the kit rules", never sells this one)."""
    brief = request.brief
    if not brief:
        return []
    own = [s.text for s in brief.statements_for(pc.product) if " key message " in s.source]
    return [m for m in own if all(c.positive for c in extract_claims(m))]


def sentence_lines(pc: ProductCopy, request: CopyRequest, shop: ShopPoints | None) -> list[Candidate]:
    """Sentence-sized lines (descriptions, primary text, preheaders): whole sentences, each ending in a stop; a
    benefit or a fact, alone or with a call to action or a selling point."""
    p = pc.product
    ctas = bank().ctas("sentences", len(p.sizes), len(p.colours))
    facts = [Candidate(ben.sentence, "benefit") for ben in benefits(pc)]
    adjectives = ", ".join(pc.benefits[:2])
    for purpose in pc.purposes[:2]:
        kind = f"{adjectives} {pc.kind}".strip() if adjectives else pc.kind
        article = "" if pc.plural else ("An " if kind[:1] in "aeiou" else "A ")
        text = f"{article}{kind} {purpose}."
        facts.append(Candidate(text[:1].upper() + text[1:], "benefit"))
    facts += [Candidate(s, "feature") for s in pc.sentences]
    if p.price is not None:
        facts.append(Candidate(f"Get the {pc.name} for {p.price_text()}.", "feature"))
    points = shop_lines(shop, "sentences")
    brief = request.brief
    if brief and brief.offer:
        points.insert(0, Candidate(f"{brief.offer.rstrip('.')}.", "offer", "brief", kind="offer"))
    messages = [
        Candidate(m if m.endswith(".") else m + ".", "audience", "brief") for m in key_messages(pc, request)
    ]
    out = facts + points + messages
    for i, f in enumerate(facts + messages):
        out.append(Candidate(f"{f.text} {ctas[i % len(ctas)]}", f.angle, f.source, kind="cta"))
        for point in points[:2]:
            out.append(Candidate(f"{f.text} {point.text}", point.angle, kind="offer"))
    out += [
        Candidate(f"{pt.text} {ctas[i % len(ctas)]}", pt.angle, pt.source, kind="offer")
        for i, pt in enumerate(points)
    ]
    return out
