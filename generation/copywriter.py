"""Ad-copy drafting: product facts + optional campaign brief -> validated drafts for one channel.

The tiny model wrote 55 characters when asked for 30, so every line is checked in code: length, banned terms and
claims of the brief, claim and promotion words the facts do not back, figures absent from the facts (the guard), brand
rules ("no exclamation marks in headlines") and duplicates. The LLM proposes candidate lines; lines that fail are
repaired (cut at a separator) or dropped, and templates built from catalog facts (name, category, material, colour,
price, the brief's offer and key messages) fill what is missing. A draft that still fails raises
`CopyValidationError`: nothing broken is returned silently.

    result = draft_copy(CopyRequest(products=[facts], channel="google-rsa", variants=2), llm=llm)
    result.drafts[0].fields["headlines"]
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from generation.brief import CampaignBrief, Channel, ProductFacts
from generation.errors import BadBrief, CopyValidationError, GenerationError
from generation.guard import check, find_terms, split_sentences
from generation.llm import LLM

log = logging.getLogger(__name__)

SPECS = Path(__file__).parent / "channels.yaml"


class FieldSpec(BaseModel):
    """Limits of one field of a channel (from channels.yaml)."""

    name: str
    kind: str  # "lines" | "text"
    label: str
    max_chars: int
    min: int = 1
    max: int = 1
    target: int = 1
    min_chars: int = 1
    required_suffix: str = ""
    template_only: bool = False
    multi_sentence: bool = False


class ChannelSpec(BaseModel):
    name: str
    label: str
    fields: list[FieldSpec]


@lru_cache(maxsize=1)
def _prompts() -> dict[str, str]:
    return yaml.safe_load((Path(__file__).parent / "prompts" / "copy.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _spec_data() -> dict[str, Any]:
    return yaml.safe_load(SPECS.read_text(encoding="utf-8"))


def channel_specs() -> dict[str, ChannelSpec]:
    """Every channel's spec, by channel name."""
    out = {}
    for name, raw in _spec_data()["channels"].items():
        fields = [FieldSpec(name=f, **spec) for f, spec in raw["fields"].items()]
        out[name] = ChannelSpec(name=name, label=raw["label"], fields=fields)
    return out


def get_channel(name: str) -> ChannelSpec:
    specs = channel_specs()
    if name not in specs:
        raise BadBrief(f"unknown channel {name!r}; choose one of {', '.join(specs)}")
    return specs[name]


class CopyRequest(BaseModel):
    """What to draft. `tone` overrides the brief's tone; `segment` / `audience` steer wording only."""

    products: list[ProductFacts] = Field(min_length=1)
    channel: Channel
    brief: CampaignBrief | None = None
    audience: str | None = None
    segment: str | None = None
    tone: list[str] = Field(default_factory=list)
    variants: int = Field(default=3, ge=1, le=10)
    final_url: str = "https://shop.example.com/"


class Draft(BaseModel):
    """One variant for one channel: field values (a string, or a list of lines), where each came from, and checks."""

    channel: Channel
    variant: int
    fields: dict[str, str | list[str]]
    sources: dict[str, str] = Field(default_factory=dict)  # field -> "llm" | "template" | "mixed"
    final_url: str = ""

    def char_counts(self) -> dict[str, int | list[int]]:
        return {k: [len(x) for x in v] if isinstance(v, list) else len(v) for k, v in self.fields.items()}

    def texts(self) -> list[str]:
        return [t for v in self.fields.values() for t in (v if isinstance(v, list) else [v])]


class CopyResult(BaseModel):
    channel: Channel
    drafts: list[Draft]
    distinct_2: float  # unique word bigrams / all bigrams across the drafts (1.0 = no repetition)
    llm_lines_kept: int = 0
    llm_lines_rejected: int = 0
    rejections: list[str] = Field(
        default_factory=list
    )  # why LLM lines were dropped (first few), for the curious


# -- checking ----------------------------------------------------------------------------------------------------------
class Rules:
    """Everything one line is checked against, built once per request."""

    def __init__(self, request: CopyRequest | None = None, *, facts: str = ""):
        self.request = request
        brief = request.brief if request else None
        if request is not None:
            facts = (
                "\n".join(p.fact_text() for p in request.products)
                + "\n"
                + (brief.fact_text() if brief else "")
            )
        self.facts = facts
        self.promo_source = (brief.offer or "") if brief else ""
        self.banned = brief.banned_phrases() if brief else []
        self.no_exclamation = brief.forbids_exclamation() if brief else False
        data = _spec_data()
        self.claim_terms = data["claim_terms"]
        self.promo_terms = data["promo_terms"]
        self.vocabulary = {w.rstrip("s") for w in _content_words(self.facts)}
        self.fact_words = set(re.findall(r"[\w'&-]+", self.facts.lower()))
        self.generic = set(data["generic_words"])

    def problems(self, text: str, spec: FieldSpec) -> list[str]:
        """Why `text` cannot be used in field `spec` (empty = fine)."""
        out = []
        stripped = text.strip()
        if not stripped:
            return ["empty"]
        if len(text) > spec.max_chars:
            out.append(f"{len(text)} chars > {spec.max_chars}")
        if len(text) < spec.min_chars:
            out.append(f"{len(text)} chars < {spec.min_chars}")
        if spec.required_suffix and not text.endswith(spec.required_suffix):
            out.append(f"missing {spec.required_suffix!r}")
        out += [f"banned {t!r}" for t in find_terms(text, self.banned)]
        out += [
            f"claim {t!r} not in the facts"
            for t in find_terms(text, self.claim_terms)
            if not find_terms(self.facts, [t])
        ]
        out += [
            f"promotion {t!r} not in the offer"
            for t in find_terms(text, self.promo_terms)
            if not find_terms(self.promo_source, [t])
        ]
        guard = check(text, self.facts, bare_numbers=True)
        out += [f"unsupported figure {v.text!r}" for v in guard.violations]
        if self.no_exclamation and "!" in text:
            out.append("exclamation mark (brand voice)")
        if re.search(r"[<>{}\[\]]|https?://|\*\*", text):
            out.append("markup or placeholder")
        if spec.name.startswith("path") and not re.fullmatch(r"[A-Za-z0-9-]+", text):
            out.append("path must be letters, digits and dashes")
        return out


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    """Unique word n-grams / all n-grams over `texts` (0 when there are none)."""
    grams = []
    for t in texts:
        words = _norm(t).split()
        grams += [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


# -- candidates -----------------------------------------------------------------------------------------------------
def _short_name(p: ProductFacts) -> str:
    return re.sub(r"\s*\([^)]*\)", "", p.name).strip()


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit(text: str, limit: int) -> str | None:
    """`text` if it fits, else its longest leading clause or sentence that fits (never a word cut in half)."""
    text = re.sub(r"\s+", " ", text).strip().strip('"“”').strip()
    if len(text) <= limit:
        return text
    # Only clause boundaries: cutting at a comma can turn "waterproof, breathable membrane" into "a waterproof".
    for sep in (". ", "! ", "? ", ": ", " - ", " – ", " | ", "; "):
        head = text.split(sep)[0].strip()
        if sep in ". ! ? " and len(head) < limit:
            head += sep.strip()
        if 0 < len(head) <= limit and len(head.split()) >= 2:
            return head.rstrip(",;:")
    return None


def template_lines(request: CopyRequest, spec: FieldSpec) -> list[str]:
    """Fact-only candidate lines for a field, most specific first."""
    limit = spec.max_chars - (len(spec.required_suffix) + 1 if spec.required_suffix else 0)
    brief = request.brief
    ctas = _spec_data()["sms_ctas" if spec.required_suffix else "ctas"]
    out: list[str] = []
    for p in request.products:
        name, sub = _short_name(p), p.subcategory or p.category
        price = p.price_text()
        features = [m for m in p.materials[:3]]
        desc_sentences = split_sentences(p.description)
        adjectives = [
            w
            for w in ("waterproof", "breathable", "lightweight", "packable", "insulated", "warm")
            if re.search(rf"\b{w}\b", p.description + " " + p.name, re.I)
        ]
        if spec.name.startswith("path"):
            slug = re.sub(r"[^A-Za-z0-9]+", "-", (p.category if spec.name == "path1" else sub)).strip("-")
            out += [
                slug[: spec.max_chars].strip("-"),
                re.sub(r"[^A-Za-z0-9]+", "-", name.split()[0]).strip("-"),
            ]
            continue
        if spec.kind == "lines" and spec.max_chars <= 40 or spec.max_chars <= 60:
            words = name.split()
            out += [
                name,
                f"{name} | {sub}",
                f"Shop the {name}",
                f"{words[0]} {sub.lower()}",
                " ".join(words[:2]) if len(words) > 2 else "",
                f"The {words[0]} {sub.lower()}",
                f"{name}, {price}" if price else "",
                f"{sub} for {price}" if price else "",
                f"{name} in {p.colours[0]}" if p.colours else "",
                *(f"{_title(a)} {sub.lower()}" for a in adjectives),
                *(f"{_title(m)} {sub.lower()}" for m in features[:1]),
                f"In {' and '.join(p.colours[:2])}" if len(p.colours) >= 2 else "",
                f"Sizes {p.sizes[0]} to {p.sizes[-1]}" if len(p.sizes) >= 2 else "",
                f"{sub} in stock" if p.stock else "",
                f"{p.category} at our shop" if p.category else "",
            ]
        elif spec.required_suffix:  # SMS: one fact and one call to action, the opt-out comes after
            base = [f"{name}, {price}" if price else name, *desc_sentences[:3]]
            if brief:
                base += [brief.offer or "", *brief.key_messages]
            out += [f"{b.rstrip('.')}. {c}." for b in base if b for c in ctas]
        else:
            out += [f"{name}: {s} {ctas[i % len(ctas)]}" for i, s in enumerate(desc_sentences[:2])]
            out += [f"{s} {ctas[i % len(ctas)]}".strip() for i, s in enumerate(desc_sentences)]
            out += list(desc_sentences)
            if price:
                out += [
                    f"The {name}: {', '.join(adjectives[:2] or [sub.lower()])}, {price}. {ctas[0]}",
                    f"{name} for {price}. {ctas[1]}",
                ]
            if features:
                out.append(f"{name}: {', '.join(f.lower() for f in features)}. {ctas[2]}")
            if p.colours:
                out.append(f"The {name} comes in {' and '.join(p.colours[:3])}. {ctas[3 % len(ctas)]}")
    if brief and not spec.required_suffix:
        out += [*(m for m in brief.key_messages), brief.offer or "", brief.name]
        if brief.offer and spec.max_chars > 60:
            out += [f"{brief.offer}. {c}" for c in ctas[:2]]
    if spec.multi_sentence:
        out = [_email_body(request, v) for v in range(request.variants)]
    fitted = [_fit(line, limit) for line in out if line]
    return [f"{f} {spec.required_suffix}" if spec.required_suffix else f for f in fitted if f]


def _email_body(request: CopyRequest, variant: int = 0) -> str:
    """A fact-only email body; `variant` rotates sentences, messages and the call to action so variants differ."""
    ctas = _spec_data()["ctas"]
    lines = []
    for p in request.products[:3]:
        sentences = split_sentences(p.description)
        start = variant % max(1, len(sentences) - 1) if len(sentences) > 2 else 0
        lines.append(
            f"{p.name}: "
            + " ".join(sentences[start : start + 2])
            + (f" {p.price_text()}." if p.price else "")
        )
    if request.brief:
        messages = request.brief.key_messages
        k = variant % max(1, len(messages))
        lines += (messages[k:] + messages[:k])[:2]
        if request.brief.offer:
            lines.append(f"{request.brief.offer}.")
    lines.append(ctas[variant % len(ctas)])
    return "\n\n".join(lines)


def _facts_prompt(request: CopyRequest) -> str:
    rows = []
    for p in request.products[:4]:
        rows.append(
            f"- {p.name} ({p.subcategory or p.category}), {p.price_text()}. "
            f"{' '.join(split_sentences(p.description)[:2])}"
        )
    if request.brief and request.brief.offer:
        rows.append(f"- Offer: {request.brief.offer}")
    if request.brief:
        rows += [f"- {m}" for m in request.brief.key_messages[:3]]
    return "\n".join(rows)


def llm_lines(llm: LLM, request: CopyRequest, spec: FieldSpec, n: int) -> list[str]:
    """Candidate lines from the model for one field (unchecked; the caller validates)."""
    tone = ", ".join(
        request.tone or (request.brief.brand_voice.tone if request.brief else []) or ["friendly"]
    )
    audience = (
        request.audience or request.segment or (request.brief.audience if request.brief else "") or "shoppers"
    )
    if spec.multi_sentence:
        ask = _prompts()["ask_body"].format(tone=tone)
        n_tokens = 160
    else:
        ask = _prompts()["ask_lines"].format(
            n=n, label=spec.label, max_chars=spec.max_chars, tone=tone, audience=audience
        )
        n_tokens = min(240, n * (spec.max_chars // 3 + 4))
    messages = [
        {"role": "system", "content": _prompts()["system"]},
        {"role": "user", "content": _prompts()["user"].format(facts=_facts_prompt(request), ask=ask)},
    ]
    try:
        text = llm.complete(messages, max_tokens=n_tokens, temperature=0.7)
    except GenerationError:
        log.exception("LLM failed while drafting; templates only")
        return []
    if spec.multi_sentence:
        return [text.strip()]
    lines = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*(?:\d+[.):]|[-*•]|headline\s*\d*:|description\s*\d*:)\s*", "", raw, flags=re.I)
        line = line.strip().strip('"“”').strip()
        if line:
            lines.append(line)
    return lines


# -- assembly -------------------------------------------------------------------------------------------------------
def _pool_key(text: str) -> str:
    # "1620 g per pair. Shop now." and "1620 g per pair." are the same line to a reader: ignore calls to action.
    key = _norm(text)
    for cta in _spec_data()["ctas"] + _spec_data()["sms_ctas"]:
        key = key.replace(_norm(cta), " ")
    return " ".join(key.split())


class _Pool:
    """Valid candidates for one field, LLM lines first; hands out unused ones, then reuses in a rotated order."""

    def __init__(self, llm_items: list[str], tpl_items: list[str]):
        self.items: list[tuple[str, str]] = []
        seen = set()
        for source, items in (("llm", llm_items), ("template", tpl_items)):
            for item in items:
                key = _pool_key(item)
                if key and key not in seen:
                    seen.add(key)
                    self.items.append((item, source))
        self.used: set[str] = set()

    def take(self, count: int, offset: int, avoid: set[str] | None = None) -> list[tuple[str, str]]:
        avoid = avoid or set()
        fresh = [
            it for it in self.items if _pool_key(it[0]) not in self.used and _pool_key(it[0]) not in avoid
        ]
        # Interleave LLM and template lines so each variant gets a mix when both exist.
        llm_first = [it for it in fresh if it[1] == "llm"]
        tpl = [it for it in fresh if it[1] == "template"]
        ordered = [x for pair in itertools.zip_longest(llm_first, tpl) for x in pair if x]
        picked = ordered[:count]
        if len(picked) < count:  # pool exhausted: reuse earlier lines, rotated so variants still differ
            rest = [it for it in self.items if it not in picked and _pool_key(it[0]) not in avoid] or [
                it for it in self.items if it not in picked
            ]
            k = offset % max(1, len(rest))
            picked += (rest[k:] + rest[:k])[: count - len(picked)]
        for text, _ in picked:
            self.used.add(_pool_key(text))
        return picked


_ECHO = re.compile(
    r"\b(here are|here is|sure|per line|characters?|numbering|headlines?|descriptions?|facts?|"
    r"tone|audience|as an ai)\b",
    re.I,
)


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-zà-ÿ0-9']+", text.lower()) if len(w) > 3]


def llm_line_problems(line: str, rules: Rules) -> list[str]:
    """Extra checks for model-written lines: prompt echoes, stutter, and words the facts do not contain (the tiny
    model invents "luxury", "Men's Hiking Hiking Boot")."""
    out = []
    if _ECHO.search(line):
        out.append("echoes the instructions")
    words = re.findall(r"\w+", line.lower())
    if any(a == b for a, b in zip(words, words[1:], strict=False)) or len(set(words)) < 0.75 * len(words):
        out.append("repeats words")
    novel = [
        w for w in _content_words(line) if w.rstrip("s") not in rules.vocabulary and w not in rules.generic
    ]
    if novel and len(novel) > max(1, len(_content_words(line)) // 3):
        out.append(f"words not in the facts: {', '.join(novel[:3])}")
    # A capitalised word the facts lack is most likely an invented name or place ("New York", "Hero's Journey").
    names = []
    for w in re.findall(r"(?:(?<=\s)|^)[A-Z][\w'&.-]*", line.strip()):
        bare = w.lower().rstrip(".").removesuffix("'s")
        if (
            not {bare, bare.rstrip("s"), bare + "s"} & rules.fact_words
            and bare not in rules.generic
            and len(bare) > 2
        ):
            names.append(w)
    if names:
        out.append(f"names not in the facts: {', '.join(names[:3])}")
    return out


def _validated(
    lines: list[str], spec: FieldSpec, rules: Rules, stats: dict[str, Any], from_llm: bool = False
) -> list[str]:
    ok = []
    for line in lines:
        if spec.required_suffix and not line.endswith(spec.required_suffix):
            fitted = _fit(line, spec.max_chars - len(spec.required_suffix) - 1)
            line = f"{fitted.rstrip()} {spec.required_suffix}" if fitted else line
        elif not spec.multi_sentence:
            line = _fit(line, spec.max_chars) or line
        else:  # email body: drop sentences that fail rather than the whole body
            kept = [
                s
                for s in split_sentences(line)
                if not rules.problems(s, spec.model_copy(update={"min_chars": 1}))
            ]
            line = " ".join(kept)
        problems = rules.problems(line, spec)
        if from_llm:
            problems += llm_line_problems(line, rules)
        if problems:
            stats["rejected"] += 1
            if len(stats["why"]) < 20:
                stats["why"].append(f"{spec.name}: {line[:60]!r}: {problems[0]}")
        else:
            ok.append(line)
    return ok


def draft_copy(request: CopyRequest, llm: LLM | None = None) -> CopyResult:
    """Draft `request.variants` validated variants for `request.channel` (templates only when `llm` is None)."""
    channel = get_channel(request.channel)
    rules = Rules(request)
    stats: dict[str, Any] = {"rejected": 0, "kept": 0, "why": []}
    pools: dict[str, _Pool] = {}
    for spec in channel.fields:
        want = spec.target * request.variants if spec.kind == "lines" else request.variants
        from_llm: list[str] = []
        if llm is not None and not spec.template_only:
            from_llm = _validated(
                llm_lines(llm, request, spec, min(10, max(3, want))), spec, rules, stats, from_llm=True
            )
            stats["kept"] += len(from_llm)
        from_tpl = _validated(template_lines(request, spec), spec, rules, stats)
        if not from_llm and not from_tpl:
            raise CopyValidationError(
                f"no valid {spec.label} could be made for {request.channel} from these facts"
            )
        pools[spec.name] = _Pool(from_llm, from_tpl)

    drafts = []
    for v in range(request.variants):
        fields: dict[str, str | list[str]] = {}
        sources: dict[str, str] = {}
        in_draft: set[str] = set()  # the same line in two fields of one draft reads as a mistake
        for spec in channel.fields:
            pool = pools[spec.name]
            if spec.template_only:  # display paths: the same for every variant (they are the landing page's)
                fields[spec.name], sources[spec.name] = pool.items[0]
                continue
            if spec.kind == "lines":
                picked = pool.take(min(spec.target, max(spec.min, len(pool.items))), v, in_draft)
                if len(picked) < spec.min:
                    raise CopyValidationError(
                        f"only {len(picked)} valid {spec.label}s for {request.channel}; {spec.min} are needed"
                    )
                fields[spec.name] = [t for t, _ in picked][: spec.max]
                kinds = {s for _, s in picked}
            else:
                text, source = pool.take(1, v, in_draft)[0]
                picked = [(text, source)]
                fields[spec.name] = text
                kinds = {source}
            sources[spec.name] = kinds.pop() if len(kinds) == 1 else "mixed"
            in_draft |= {_pool_key(t) for t, _ in picked}
        draft = Draft(
            channel=request.channel,
            variant=v + 1,
            fields=fields,
            sources=sources,
            final_url=request.final_url,
        )
        problems = validate_draft(draft, rules)
        if problems:  # cannot happen with checked pools; kept as the last line of defence
            raise CopyValidationError(f"draft {v + 1} failed validation: {'; '.join(problems)}")
        drafts.append(draft)
    return CopyResult(
        channel=request.channel,
        drafts=drafts,
        distinct_2=round(distinct_n([t for d in drafts for t in d.texts()]), 3),
        llm_lines_kept=stats["kept"],
        llm_lines_rejected=stats["rejected"],
        rejections=stats["why"],
    )


def validate_draft(draft: Draft, rules: Rules) -> list[str]:
    """Every rule for a whole draft: per-field checks, counts, and no duplicate lines within a field."""
    problems = []
    for spec in get_channel(draft.channel).fields:
        value = draft.fields.get(spec.name)
        if value is None:
            problems.append(f"{spec.name} missing")
            continue
        items = value if isinstance(value, list) else [value]
        if spec.kind == "lines" and not spec.min <= len(items) <= spec.max:
            problems.append(f"{spec.name}: {len(items)} items, need {spec.min}-{spec.max}")
        if len({_norm(i) for i in items}) != len(items):
            problems.append(f"{spec.name}: duplicate lines")
        for item in items:
            problems += [f"{spec.name} {item[:40]!r}: {p}" for p in rules.problems(item, spec)]
    return problems


# -- one headline from free text (the benchmark's task; also handy for a quick line from any description) -----------
_DANGLING = set(
    "and or but with for of the a an to in on at by & our your their its is are was were be been has have had "
    "most more one all any as from that which who we you it this these those very".split()
)


def _trim_dangling(text: str) -> str:
    words = text.strip(" ,.;:").split()
    while words and words[-1].lower().strip(",.;:") in _DANGLING:
        words.pop()
    return " ".join(words).strip(" ,.;:")


def extractive_headline(description: str, max_chars: int = 30, rules: Rules | None = None) -> str:
    """The baseline: the first clause of the description that fits `max_chars` at a word boundary (no dangling
    "and"/"the") and passes `rules`; "" when no clause does."""
    text = re.sub(
        r"<company>\s*(?:(?:is|are|was|has been|have been|has|have)\b\s*)?", "", description
    ).strip()
    spec = FieldSpec(name="headline", kind="text", label="headline", max_chars=max_chars)
    for sentence in split_sentences(text):
        for clause in re.split(r"[,;:–—|]\s|\s-\s", sentence):
            out = ""
            for w in clause.split():
                if len(f"{out} {w}".strip()) > max_chars:
                    break
                out = f"{out} {w}".strip()
            out = _title(_trim_dangling(out))
            if len(out.split()) < 2 or (rules is not None and rules.problems(out, spec)):
                continue
            return out
    return ""


def draft_headline(description: str, llm: LLM | None, max_chars: int = 30) -> tuple[str, str, str]:
    """(headline, source, raw model line): the model's line if it passes every check, else the extractive one."""
    facts = description.replace("<company>", "")
    rules = Rules(facts=facts)
    spec = FieldSpec(name="headline", kind="text", label="headline", max_chars=max_chars)
    raw = ""
    if llm is not None:
        messages = [
            {"role": "system", "content": _prompts()["headline_system"]},
            {"role": "user", "content": _prompts()["headline_user"].format(facts=facts, max_chars=max_chars)},
        ]
        try:
            raw = llm.complete(messages, max_tokens=16, temperature=0).strip().splitlines()[0:1]
            raw = raw[0].strip().strip('"“”').strip() if raw else ""
        except GenerationError:
            raw = ""
        line = _trim_dangling(_fit(raw, max_chars) or raw)
        if line and not rules.problems(line, spec) and not llm_line_problems(line, rules):
            return line, "llm", raw
    line = extractive_headline(description, max_chars, rules)
    return line, "extractive" if line else "none", raw
