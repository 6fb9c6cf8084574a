"""Template copy that reads like copy, built only from the product's facts and the brief, one angle at a time.

Angles: benefit (what it does: its attributes, what it is for), feature (what it is made of, weight, sizes, colours),
offer (the brief's offer), audience (the brief's audience, the segment's lead-in, the key messages). Every candidate
is checked afterwards (generation/copy_rules.py); templates only need to be likely to pass.

    for c in candidates(request, get_channel("google-rsa").fields[0]): print(c.angle, c.text)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generation.brief import ProductFacts
from generation.claims import extract_claims
from generation.copy_rules import FieldSpec, fragment_problem, spec_data
from generation.guard import split_sentences
from generation.naming import is_plural_thing, model_name, short_name, type_phrase

if TYPE_CHECKING:
    from generation.copy_types import CopyRequest

# attribute families a template may name as benefits, in the order they sell (claims.yaml holds their forms)
BENEFITS = ["waterproof", "windproof", "breathable", "insulated", "lightweight", "packable", "quick-drying",
            "water-resistant", "machine-washable", "recycled", "rechargeable", "reflective"]  # fmt: skip
_CUTS = (r"(?<=[.!?])\s", r"\s[–—-]\s|[;:]\s", r",\s", r"\s(?=(?:and|with|so|but|which|while|where|because|on|in|"
         r"to|for|from|at|when|if|that)\b)")  # fmt: skip


@dataclass
class Candidate:
    """A candidate line: its text, the angle it serves, where it came from, a pinning suggestion."""

    text: str
    angle: str = "any"
    source: str = "template"
    pin: int | None = None


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
        sentences = [s for s in split_sentences(p.description) if all(c.positive for c in extract_claims(s))]
        purposes = []
        for s in sentences:
            for m in re.finditer(r"\bfor ((?:[\w'’-]+ ?){1,8})", s):
                phrase = shorten(f"for {m.group(1).strip()}", 40)
                if phrase:
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

    def a_kind(self) -> str:
        """ "a hiking boot", "an ice axe", "socks"."""
        if self.plural:
            return self.kind
        return ("an " if self.kind[:1] in "aeiou" else "a ") + self.kind


def lower(phrase: str) -> str:
    """Lowercase except acronyms and names in it ("TPU toe cap" stays, "Nubuck leather" -> "nubuck leather")."""
    return " ".join(
        w if (w.isupper() and len(w) > 1) or any(c.isdigit() for c in w) else w.lower()
        for w in phrase.split()
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


def clauses(pc: ProductCopy) -> list[str]:
    """Positive clauses of the description, as lines: "it dries quickly in the sun" -> "Dries quickly in the sun"."""
    out = []
    for s in split_sentences(pc.product.description):
        denied = False
        for part in re.split(r",\s(?=(?:but|so|and|yet)\s)|;\s|:\s", s.rstrip(".")):
            consequence = part.startswith("so ")  # "not waterproof, so wet grass will soak through"
            part = re.sub(r"^(?:but|so|and|yet)\s+", "", part.strip())
            part = re.sub(r"^(?:it|they|this|these)\s+(?=\w)", "", part, flags=re.I)
            positive = all(c.positive for c in extract_claims(part))
            if len(part.split()) >= 3 and positive and not (denied and consequence):
                out.append(title(part))
            denied = not positive
    return out


def short_lines(pc: ProductCopy, request: CopyRequest) -> list[Candidate]:
    """Headline-sized lines (up to about 40 characters)."""
    kind, price, model = pc.kind, _price(pc), pc.model
    # the product's name, pinned to position 1 (its shortest form that fits is kept by the caller's order)
    out = [Candidate(pc.name, "any", pin=1)]
    if model != pc.name:
        out.append(
            Candidate(f"{model} {kind}".strip() if kind.split()[-1] not in model.lower() else model, pin=1)
        )
        out.append(Candidate(f"The {model}", pin=1))
    out.append(Candidate(f"The {pc.name}"))
    if price:
        out += [
            Candidate(f"{pc.name}, {price}"),
            Candidate(f"{title(kind)} for {price}"),
            Candidate(f"{model}, {price}"),
        ]
    out += [Candidate(t.format(model=model)) for t in spec_data()["headline_ctas"]]
    out += _benefit_lines(pc)
    out += [Candidate(title(t), "feature") for t in _ranges(pc)]
    p = pc.product
    out += [Candidate(f"{title(kind)} {r}", "feature") for r in _ranges(pc)[:2] if r.startswith("in ")]
    out += [Candidate(title(lower(m)) if not m[:2].isupper() else m, "feature") for m in p.materials[:3]]
    out += [Candidate(f"{title(kind)} with {lower(m)}", "feature") for m in p.materials[:2]]
    if len(p.materials) >= 2:
        out.append(Candidate(f"{title(lower(p.materials[0]))} and {lower(p.materials[1])}", "feature"))
    out += [Candidate(c, "feature") for c in clauses(pc)]
    out += [Candidate(c, "feature") for s in pc.sentences for c in [shorten(s.rstrip("."), 40)] if c]
    return out


def _benefit_lines(pc: ProductCopy) -> list[Candidate]:
    kind, out = pc.kind, []
    for b in pc.benefits[:4]:
        out.append(Candidate(f"{title(b)} {kind}", "benefit"))
        out.append(Candidate(f"{pc.model}: {b}", "benefit"))
        out += [Candidate(f"{title(b)} {kind} {p}", "benefit") for p in pc.purposes[:1]]
    if len(pc.benefits) >= 2:
        out.append(Candidate(f"{title(pc.benefits[0])} and {pc.benefits[1]}", "benefit"))
        out.append(Candidate(f"{title(pc.benefits[0])}, {pc.benefits[1]} {kind}", "benefit"))
    for purpose in pc.purposes[:3]:  # who and what it is for: the audience angle
        out.append(Candidate(title(purpose), "audience"))
        out.append(Candidate(f"{title(kind)} {purpose}", "audience"))
        out.append(Candidate(f"Made {purpose}", "audience"))
    out.append(Candidate(f"Your next {kind}", "audience"))
    return out


def brief_lines(request: CopyRequest) -> list[Candidate]:
    """The brief's own lines: the offer (and its short forms), key messages, the audience and the segment's lead-ins."""
    brief, out = request.brief, []
    if brief and brief.offer:
        offer = brief.offer.rstrip(".")
        out += [Candidate(o, "offer", "brief") for o in dict.fromkeys([offer, *_heads(offer)])]
    if brief:
        out += [Candidate(m.rstrip("."), "audience", "brief") for m in brief.key_messages]
        out += [Candidate(f"For {a}", "audience", "brief") for a in _audience_phrases(brief.audience)]
    segment = (request.segment or "").lower()
    leads = spec_data()["segment_leads"]
    out += [Candidate(t, "audience") for t in leads.get(segment, leads["default"])]
    return out


def _heads(text: str) -> list[str]:
    """Shorter heads of a sentence at phrase boundaries, longest first."""
    out = []
    for limit in (60, 40, 30):
        head = shorten(text, limit)
        if head and head != text:
            out.append(head)
    return out


def _audience_phrases(audience: str) -> list[str]:
    """ "Climbers and mountaineers who bought harnesses, ..." -> ["climbers and mountaineers"]."""
    first = re.split(r"\s(?:who|that|which|with|aged|in|of)\s|[,;.]", audience.strip(), maxsplit=1)[0]
    first = first.strip()
    return [first[:1].lower() + first[1:]] if first and len(first.split()) <= 5 else []


def sentence_lines(pc: ProductCopy, request: CopyRequest) -> list[Candidate]:
    """Sentence-sized lines (descriptions, primary text, preheaders): one or two sentences, each ending in a stop."""
    ctas = _ctas(pc.product)
    kind, price, out = pc.kind, _price(pc), []
    benefits = pc.benefits[:3]
    it = "They" if pc.plural else "It"
    for i, purpose in enumerate(pc.purposes[:2]):
        adjectives = ", ".join(benefits[:2]) + " " if benefits else ""
        out.append(
            Candidate(
                f"{title(pc.a_kind() if not benefits else _a(adjectives + kind, pc.plural))} {purpose}.",
                "benefit",
            )
        )
        out.append(
            Candidate(f"The {pc.name}: {adjectives}{kind} {purpose}. {ctas[i % len(ctas)]}", "benefit")
        )
    if benefits:
        out.append(Candidate(f"The {pc.name} is {_join(benefits)}. {ctas[0]}", "benefit"))
    for i, s in enumerate(pc.sentences):
        out.append(Candidate(s, "feature"))
        out.append(Candidate(f"{s} {ctas[i % len(ctas)]}", "feature"))
    if pc.product.materials:
        mats = _join([lower(m) for m in pc.product.materials[:3]])
        out.append(
            Candidate(f"{it} {'are' if pc.plural else 'is'} made of {mats}. {ctas[1 % len(ctas)]}", "feature")
        )
    ranges = _ranges(pc)
    if ranges and price:
        out.append(Candidate(f"The {pc.name}, {', '.join(ranges[:2])}: {price}. {ctas[-1]}", "feature"))
        out.append(Candidate(f"{title(', '.join(ranges))}. {price}. {ctas[0]}", "feature"))
    out += [Candidate(f"{c}. {ctas[i % len(ctas)]}", "feature") for i, c in enumerate(clauses(pc))]
    if price:
        out.append(Candidate(f"The {pc.name} for {price}. {ctas[0]}", "any"))
    brief = request.brief
    if brief and brief.offer:
        out.append(Candidate(f"{brief.offer.rstrip('.')}. {ctas[0]}", "offer", "brief"))
        if price:
            out.append(Candidate(f"The {pc.name}, {price}. {brief.offer.rstrip('.')}.", "offer", "brief"))
    if brief:
        out += [Candidate(m if m.endswith(".") else m + ".", "audience", "brief") for m in brief.key_messages]
    return out


def _a(phrase: str, plural: bool) -> str:
    return phrase if plural else ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def _ctas(p: ProductFacts) -> list[str]:
    data = spec_data()
    return (
        list(data["ctas"])
        + (data["ctas_sizes"] if len(p.sizes) >= 2 else [])
        + (data["ctas_colours"] if len(p.colours) >= 2 else [])
    )


def candidates(request: CopyRequest, spec: FieldSpec, pcs: list[ProductCopy]) -> list[Candidate]:
    """Every template candidate for one field, fitted to its length at phrase boundaries."""
    if spec.name.startswith("path"):
        return _paths(request.products[0], spec)
    if spec.multi_sentence:
        return [
            Candidate(email_body(request, pcs, angle, v), angle) for v, angle in enumerate(angles(request))
        ]
    limit = spec.max_chars - (len(spec.required_suffix) + 1 if spec.required_suffix else 0)
    if spec.required_suffix:
        raw = _sms_lines(request, pcs)
    elif spec.sentence or spec.max_chars > 60:
        raw = [c for pc in pcs for c in sentence_lines(pc, request)] + [
            c for c in brief_lines(request) if c.angle != "audience" or c.source == "brief"
        ]
        raw = [c if re.search(r"[.!?]$", c.text) else Candidate(c.text + ".", c.angle, c.source) for c in raw]
        if spec.max_chars >= 200:  # X: two sentences and a call to action
            raw = _pairs(raw) + raw
    else:
        raw = [c for pc in pcs for c in short_lines(pc, request)] + brief_lines(request)
    out = []
    for c in raw:
        fitted = _fit_sentence(c.text, limit) if spec.sentence else shorten(c.text, limit)
        if fitted:
            text = f"{fitted} {spec.required_suffix}" if spec.required_suffix else fitted
            out.append(Candidate(text, c.angle, c.source, c.pin if spec.pin_positions else None))
    return out


def _fit_sentence(text: str, limit: int) -> str | None:
    """A sentence line that fits: whole sentences from the start, or one shortened sentence with a stop."""
    if len(text) <= limit:
        return text
    sentences = split_sentences(text)
    kept = ""
    for s in sentences:
        if len(f"{kept} {s}".strip()) > limit:
            break
        kept = f"{kept} {s}".strip()
    if kept:
        return kept
    head = shorten(sentences[0].rstrip(".!?") if sentences else text, limit - 1)
    # a sentence cut to a stub ("The Talus Mid Waterproof Hiking Boot.") says nothing: keep only real heads
    return f"{head}." if head and len(head) >= 0.4 * limit else None


def _cta_split(text: str) -> tuple[str, str]:
    """(the fact part, the call to action) of a template sentence."""
    for cta in sorted(spec_data()["ctas"] + spec_data()["ctas_sizes"] + spec_data()["ctas_colours"], key=len)[
        ::-1
    ]:
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
            (d, other, other_cta)
            for d, other, other_cta in cores
            if d is not c and other not in core and core not in other and not (d.angle == c.angle == "offer")
        ]
        for _, other, other_cta in partners[:3]:  # a few per lead keeps drafting fast
            out.append(
                Candidate(f"{core} {other} {cta or other_cta or spec_data()['ctas'][0]}", c.angle, c.source)
            )
    return out


def _sms_lines(request: CopyRequest, pcs: list[ProductCopy]) -> list[Candidate]:
    """One fact and one call to action; the opt-out comes after."""
    ctas = spec_data()["sms_ctas"]
    out = []
    for pc in pcs:
        price = _price(pc)
        facts = [Candidate(f"{pc.name}, {price}" if price else pc.name, "any")]
        facts += [Candidate(f"{pc.name}: {b}", "benefit") for b in pc.benefits[:2]]
        facts += [Candidate(f"{pc.name}: {s.rstrip('.')}", "feature") for s in pc.sentences[:3]]
        facts += [
            Candidate(f"{pc.name}. {m.rstrip('.')}", "audience", "brief")
            for m in (request.brief.key_messages if request.brief else [])
        ]
        if request.brief and request.brief.offer:
            facts.append(Candidate(f"{pc.name}. {request.brief.offer.rstrip('.')}", "offer", "brief"))
        out += [Candidate(f"{f.text.rstrip('.')}. {cta}.", f.angle, f.source) for f in facts for cta in ctas]
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


def email_body(request: CopyRequest, pcs: list[ProductCopy], angle: str, variant: int) -> str:
    """A fact-only email body in short paragraphs, led by the variant's angle."""
    ctas = _ctas(request.products[0])
    brief = request.brief
    lead = {
        "benefit": next(
            (c.text for pc in pcs for c in sentence_lines(pc, request) if c.angle == "benefit"), ""
        ),
        "offer": f"{brief.offer.rstrip('.')}." if brief and brief.offer else "",
        "audience": next((c.text for c in brief_lines(request) if c.angle == "audience"), ""),
    }.get(angle, "")
    paras = [lead] if lead else []
    for pc in pcs[:3]:
        s = split_sentences(pc.product.description)  # the body may repeat what the product is not, too
        k = variant % max(1, len(s) - 2) if len(s) > 3 else 0
        first = " ".join(s[k : k + 3])
        first = re.sub(r"^(A|An|The)\b", lambda m: m.group(1).lower(), first)
        paras.append(f"The {pc.name}: {first}" if first else f"The {pc.name}.")
        ranges = _ranges(pc)
        price = f"{'They cost' if pc.plural else 'It costs'} {_price(pc)}." if pc.product.price else ""
        paras.append(" ".join(x for x in (f"{title(', '.join(ranges))}." if ranges else "", price) if x))
    if brief:
        messages = brief.key_messages
        k = variant % max(1, len(messages))
        paras += [m if m.endswith(".") else m + "." for m in (messages[k:] + messages[:k])[:2]]
        if brief.offer and angle != "offer":
            paras.append(f"{brief.offer.rstrip('.')}.")
    paras.append(ctas[variant % len(ctas)])
    return "\n\n".join(p for p in dict.fromkeys(paras) if p)
