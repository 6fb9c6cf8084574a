"""Template copy that reads like copy, built only from the product's facts, the brief, the shop's pages and the phrase
bank (generation/bank_lines.py writes the lines; this module fits them to each channel's fields).

Angles: benefit (what its attributes do), feature (what it is made of, sizes, price), offer (the brief's offer, the
shop's selling points), audience (what and whom it is for, the key messages). Every candidate is checked afterwards
(generation/copy_rules.py, generation/copy_quality.py); a line that does not fit its field is dropped, never cut.

    for c in candidates(request, get_channel("google-rsa").fields[0], pcs): print(c.angle, c.text)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generation.bank_lines import (
    Candidate,
    benefits,
    headline_lines,
    key_messages,
    sentence_lines,
    shop_lines,
)
from generation.brief import ProductFacts
from generation.claims import extract_claims
from generation.copy_rules import FieldSpec, fragment_problem, spec_data
from generation.guard import split_sentences
from generation.naming import is_plural_thing, model_name, short_name, type_phrase
from generation.phrase_bank import bank

if TYPE_CHECKING:
    from generation.copy_types import CopyRequest
    from generation.shop_points import ShopPoints

# attribute families a template may name as benefits, in the order they sell (claims.yaml holds their forms)
BENEFITS = ["waterproof", "windproof", "breathable", "insulated", "lightweight", "packable", "quick-drying",
            "water-resistant", "machine-washable", "recycled", "rechargeable", "reflective"]  # fmt: skip
_CUTS = (r"(?<=[.!?])\s", r"\s[–—-]\s|[;:]\s", r",\s", r"\s(?=(?:and|with|so|but|which|while|where|because|on|in|"
         r"to|for|from|at|when|if|that)\b)")  # fmt: skip

__all__ = ["Candidate", "ProductCopy", "angles", "candidates", "email_body", "shorten", "title"]


def title(text: str) -> str:
    return text[:1].upper() + text[1:]


def shorten(text: str, limit: int) -> str | None:
    """`text` if it fits, else its longest head that ends at a phrase boundary (sentence, clause, comma, before a
    conjunction or preposition), fits and is a complete phrase; None when there is none. Never cuts a word."""
    text = re.sub(r"\s+", " ", text).strip().strip('"“”').strip()
    if len(text) <= limit:
        return text
    best = None
    for depth, pattern in enumerate(_CUTS):
        for m in re.finditer(pattern, text):
            head = text[: m.start()].strip().rstrip(",;:–—-").strip()
            words = head.split()
            if (
                len(head) > limit
                or len(words) < (4 if depth == len(_CUTS) - 1 else 2)
                or fragment_problem(head)
            ):
                continue
            if len(words) >= 2 and words[-2].lower() in ("a", "an", "the"):
                continue  # "sits over a waterproof": an adjective that lost its noun
            if best is None or len(head) > len(best):
                best = head
        if best:
            return best
    return None


@dataclass
class ProductCopy:
    """The facts of one product, phrased for copy."""

    product: ProductFacts
    name: str = ""
    model: str = ""
    kind: str = ""
    plural: bool = False
    benefits: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, p: ProductFacts, asserts) -> ProductCopy:
        care = set(bank().care_openings)  # care advice and cautions sell nothing
        sentences = [
            s
            for s in split_sentences(p.description)
            if all(c.positive for c in extract_claims(s)) and s.split()[0].lower() not in care
        ]
        # "for glacier walks": a whole phrase up to its clause's end, never a cut one (nor a number: "about 1.5 litres")
        purposes = []
        for s in sentences:
            for m in re.finditer(
                r"\bfor ((?:[\w'’-]+ ?){1,8})(?=[;:]|[,.](?!\d)|\s(?:and|with|so|but|which|while)\b)", s
            ):
                phrase = f"for {m.group(1).strip()}"
                if len(phrase) <= 40 and not fragment_problem(phrase):
                    purposes.append(phrase)
        return cls(
            product=p,
            name=short_name(p.name),
            model=model_name(p),
            kind=type_phrase(p),
            plural=is_plural_thing(p),
            benefits=[b for b in BENEFITS if asserts(p, b)],
            purposes=list(dict.fromkeys(purposes)),
            sentences=sentences,
        )


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _price(pc: ProductCopy) -> str:
    return pc.product.price_text()


def _ranges(pc: ProductCopy) -> list[str]:
    """ "sizes 38 to 46", "in Charcoal or Sand", "weighs 760 g": what sizes, colours and weight the product has."""
    p, out = pc.product, []
    if len(p.sizes) >= 2:
        out.append(f"sizes {p.sizes[0]} to {p.sizes[-1]}")
    if len(p.colours) >= 2:
        out.append(
            f"in {' or '.join(p.colours[:2])}" if len(p.colours) == 2 else f"in {_join(p.colours[:3])}"
        )
    elif len(p.colours) == 1:
        out.append(f"in {p.colours[0]}")
    if p.weight_g:
        out.append(f"{'weigh' if pc.plural else 'weighs'} {p.weight_g:,} g")
    return out


def candidates(
    request: CopyRequest, spec: FieldSpec, pcs: list[ProductCopy], shop: ShopPoints | None = None
) -> list[Candidate]:
    """Every template candidate for one field that fits it whole (nothing is cut to fit)."""
    if spec.name.startswith("path"):
        return _paths(request.products[0], spec)
    if spec.multi_sentence:
        return [
            Candidate(email_body(request, pcs, angle, v, shop, spec.max_chars), angle)
            for v, angle in enumerate(angles(request))
        ]
    limit = spec.max_chars - (len(spec.required_suffix) + 1 if spec.required_suffix else 0)
    if spec.required_suffix:
        raw = _sms_lines(request, pcs, shop)
    elif spec.sentence or spec.max_chars > 60:
        raw = [c for pc in pcs for c in sentence_lines(pc, request, shop)]
        if spec.max_chars >= 200:  # X: two sentences and a call to action
            raw = _pairs(raw) + raw
    else:
        raw = [c for pc in pcs for c in headline_lines(pc, request, shop)]
    out = []
    for c in raw:
        if len(c.text) > limit:
            continue
        text = f"{c.text} {spec.required_suffix}" if spec.required_suffix else c.text
        out.append(Candidate(text, c.angle, c.source, c.pin if spec.pin_positions else None, c.kind))
    return out


def _cta_split(text: str) -> tuple[str, str]:
    """(the fact part, the call to action) of a template sentence."""
    for cta in sorted(bank().ctas("sentences", 2, 2), key=len, reverse=True):
        if text.endswith(" " + cta):
            return text[: -len(cta) - 1], cta
    return text, ""


def _pairs(raw: list[Candidate]) -> list[Candidate]:
    """Posts for longer fields: a sentence of the angle, a second different fact, then one call to action."""
    cores = []
    for c in raw:
        core, cta = _cta_split(c.text)
        if core not in [x[1] for x in cores]:
            cores.append((c, core, cta))
    out = []
    for c, core, cta in cores:
        partners = [
            other
            for d, other, _ in cores
            if d is not c and other not in core and core not in other and not (d.angle == c.angle == "offer")
        ]
        for other in partners[:3]:  # a few per lead keeps drafting fast
            text = f"{core} {other} {cta or bank().cta_sentences[0]}"
            out.append(Candidate(text, c.angle, c.source, kind="cta"))
    return out


def _sms_lines(request: CopyRequest, pcs: list[ProductCopy], shop: ShopPoints | None) -> list[Candidate]:
    """The product and one sentence about it, then a call to action; the opt-out comes after."""
    ctas = bank().cta_sentences
    out = []
    for pc in pcs:
        price = pc.product.price_text()
        facts = [Candidate(f"The {pc.name}, {price}." if price else f"The {pc.name}.", "any")]
        facts += [
            Candidate(f"The {pc.name}: {c.text[:1].lower()}{c.text[1:]}", c.angle, c.source, kind=c.kind)
            for c in sentence_lines(pc, request, shop)
            if c.kind != "cta" and " " in c.text.rstrip(".")
        ]
        out += [
            Candidate(f"{f.text} {cta}", f.angle, f.source, kind="cta") for f in facts for cta in ctas[:2]
        ]
    return out


def _paths(p: ProductFacts, spec: FieldSpec) -> list[Candidate]:
    words = (p.category if spec.name == "path1" else (p.subcategory or p.category)).split()
    slug = ""
    for w in words:
        nxt = f"{slug}-{w}" if slug else w
        if len(nxt) > spec.max_chars:
            break
        slug = nxt
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-")
    model = re.sub(r"[^A-Za-z0-9]+", "-", short_name(p.name).split()[0]).strip("-")[: spec.max_chars]
    return [Candidate(s) for s in (slug, model) if s]


def angles(request: CopyRequest) -> list[str]:
    """The angle of each variant: benefit, feature, the offer when the brief has one, audience; then round again."""
    order = [a for a in spec_data()["angles"] if a != "offer" or (request.brief and request.brief.offer)]
    return [order[v % len(order)] for v in range(request.variants)]


MAX_EMAIL_PRODUCTS = 4  # an email features up to four products, each in a paragraph of its own
MIN_EMAIL_BODY = 160  # below this an email body reads as a caption (the channel's own minimum is lower)


def _feature(pc: ProductCopy, variant: int) -> str:
    """What the email says a product does: a benefit its facts support (the bank's, turned by variant), else what it
    is for, else its first sound description sentence; "" when it has none."""
    said = [b.sentence for b in benefits(pc)]
    said += [f"{'' if pc.plural else 'a '}{pc.kind} {p}." for p in pc.purposes[:1]]
    said += [s for s in pc.sentences[:1] if not re.match(r"(?i)(it|they|this)\b", s)]
    if not said:
        return ""
    text = said[variant % len(said[: max(1, len(said) - len(pc.sentences[:1]))])]
    return re.sub(r"^(A|An|The)\b", lambda m: m.group(1).lower(), text[:1].lower() + text[1:])


def _product_paragraph(pc: ProductCopy, variant: int) -> str:
    """ "The Stormline 3L Hardshell Jacket, 329 EUR: keeps the rain out when the weather turns." One sentence that
    names the product, so a checker reading it alone knows whose facts it states."""
    price = f", {_price(pc)}" if pc.product.price else ""
    feature = _feature(pc, variant)
    return f"The {pc.name}{price}: {feature}" if feature else f"The {pc.name}{price}."


def _detail(pc: ProductCopy, variant: int) -> str:
    """One more fact for a product when the email has room: a description sentence, else its sizes and colours."""
    # a sentence that leans on another ("It ...") or is a bare figure ("60 g.") says nothing on its own
    sentences = [s for s in pc.sentences if not re.match(r"(?i)(it|they|this)\b", s) and len(s.split()) >= 4]
    if sentences:
        return sentences[(1 + variant) % len(sentences)]
    ranges = _ranges(pc)
    return f"{title(', '.join(ranges))}." if ranges else ""


def email_body(
    request: CopyRequest,
    pcs: list[ProductCopy],
    angle: str,
    variant: int,
    shop: ShopPoints | None = None,
    max_chars: int = 1200,
) -> str:
    """A fact-only email body in short paragraphs: the variant's angle, then every chosen product (up to
    `MAX_EMAIL_PRODUCTS`) by name with a supported benefit and its price, then the brief's messages, the shop's selling
    points and a call to action. Whatever must be said comes first; the rest is added while the body fits."""
    first = request.products[0]
    ctas = bank().ctas("sentences", len(first.sizes), len(first.colours))
    brief = request.brief
    featured = pcs[:MAX_EMAIL_PRODUCTS]
    leads = [c for c in sentence_lines(pcs[0], request, shop) if c.kind not in ("cta", "offer")]
    lead = next((c.text for c in leads if c.angle == angle and len(featured) == 1), "")
    if angle == "offer" and brief and brief.offer:
        lead = f"{brief.offer.rstrip('.')}."
    products = [_product_paragraph(pc, variant) for pc in featured]
    if (
        lead and lead[:-1].lower() in products[0].lower()
    ):  # the lead said its benefit: the paragraph says another
        products[0] = _product_paragraph(featured[0], variant + 1)
    cta = ctas[variant % len(ctas)]
    extras: list[tuple[int, str]] = []  # (paragraph it joins, sentence), most wanted first
    extras += [(i, _detail(pc, variant)) for i, pc in enumerate(featured)]
    if len(featured) == 1:
        extras.append((0, _detail(featured[0], variant + 1)))
    closing: list[str] = []
    if brief:
        messages = key_messages(pcs[0], request)
        k = variant % max(1, len(messages))
        closing += [m if m.endswith(".") else m + "." for m in (messages[k:] + messages[:k])[:2]]
        if brief.offer and angle != "offer":
            closing.insert(0, f"{brief.offer.rstrip('.')}.")
    closing.append(" ".join(c.text for c in shop_lines(shop, "sentences")))

    def body(parts: list[str], tail: list[str]) -> str:
        return "\n\n".join(p for p in dict.fromkeys([lead, *parts, *tail, cta]) if p)

    for i, sentence in extras:  # a product's second fact, while the body fits
        if sentence and sentence not in products[i]:
            longer = [*products[:i], f"{products[i]} {sentence}", *products[i + 1 :]]
            if len(body(longer, [])) <= max_chars:
                products = longer
    for more in range(
        1, 4
    ):  # a product with few facts and no brief: its other sentences, so the body says enough
        if len(body(products, [])) >= MIN_EMAIL_BODY:
            break
        for i, pc in enumerate(featured):
            # the description's own sentences, those that say what the product is not included: they are true
            said = split_sentences(pc.product.description)
            sentence = said[(variant + more) % len(said)] if said else ""
            if (
                sentence
                and sentence not in products[i]
                and len(body(products, [])) <= max_chars - len(sentence)
            ):
                products[i] = f"{products[i]} {sentence}"
    for extra in (c.text for c in leads):  # still short: the first product's other checked selling lines
        if len(body(products, [])) >= MIN_EMAIL_BODY:
            break
        if extra not in body(products, []) and len(body(products, [])) <= max_chars - len(extra):
            products[0] = f"{products[0]} {extra}"
    tail: list[str] = []
    for para in closing:  # then the brief's messages and the shop's points, while it fits
        if para and len(body(products, [*tail, para])) <= max_chars:
            tail.append(para)
    return body(products, tail)
