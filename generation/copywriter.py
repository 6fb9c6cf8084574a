"""Ad-copy drafting: product facts + optional campaign brief -> validated drafts for one channel.

Every line is checked in code (generation/copy_rules.py): the channel's limits, the brief's banned terms and claims,
claims with their polarity and figures with their units against the product's own facts (generation/truth.py), and
being a publishable phrase. Templates built from catalog facts and the brief (generation/templates.py) fill every field
to its best-practice count; with a model, several candidates per field are sampled, shortened at phrase boundaries,
checked and ranked with the line scorer (generation/line_scorer.py) beside the templates. Each variant takes an angle
(benefit, feature, the brief's offer, audience); each line keeps its source (template | model | brief) and the facts
that back it. A draft that still fails raises `CopyValidationError`: nothing broken is returned silently.

    result = draft_copy(CopyRequest(products=[facts], channel="google-rsa", variants=3), llm=llm)
    result.drafts[0].fields["headlines"], result.drafts[0].angle, result.drafts[0].lines["headlines"][0].backing
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from generation.copy_rules import (
    ChannelSpec,
    FieldSpec,
    Rules,
    channel_specs,
    get_channel,
    llm_line_problems,
    norm,
    prompts,
    validate_draft,
)
from generation.copy_types import CopyRequest, CopyResult, Draft, LineInfo
from generation.errors import CopyValidationError, GenerationError
from generation.guard import split_sentences
from generation.llm import LLM
from generation.templates import Candidate, ProductCopy, angles, candidates, shorten

log = logging.getLogger(__name__)

__all__ = [
    "ChannelSpec",
    "CopyRequest",
    "CopyResult",
    "Draft",
    "FieldSpec",
    "LineInfo",
    "Rules",
    "channel_specs",
    "distinct_n",
    "draft_copy",
    "get_channel",
    "llm_line_problems",
    "validate_draft",
]


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    """Unique word n-grams / all n-grams over `texts` (0 when there are none)."""
    grams = []
    for t in texts:
        words = norm(t).split()
        grams += [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


# -- the model's candidates ---------------------------------------------------------------------------------------
def _facts_prompt(request: CopyRequest) -> str:
    rows = []
    for p in request.products[:4]:
        rows.append(
            f"- {p.name} ({p.subcategory or p.category}), {p.price_text()}. {' '.join(split_sentences(p.description)[:2])}"
        )
    if request.brief and request.brief.offer:
        rows.append(f"- Offer: {request.brief.offer}")
    if request.brief:
        rows += [f"- {m}" for m in request.brief.key_messages[:3]]
    return "\n".join(rows)


def llm_lines(llm: LLM, request: CopyRequest, spec: FieldSpec, n: int, angle: str = "benefit") -> list[str]:
    """Candidate lines from the model for one field and angle, `request.samples` samples (unchecked)."""
    from generation.naming import type_phrase

    brief = request.brief
    tone = ", ".join(request.tone or (brief.brand_voice.tone if brief else []) or ["friendly"])
    audience = request.audience or request.segment or (brief.audience if brief else "") or "shoppers"
    kind = type_phrase(request.products[0])
    angle_ask = prompts()["angle_asks"].get(angle, "").format(audience=audience[:60])
    if spec.multi_sentence:
        ask, n_tokens = prompts()["ask_body"].format(type=kind, angle=angle_ask, tone=tone), 160
    else:
        ask = prompts()["ask_lines"].format(
            n=n,
            label=spec.label,
            max_chars=spec.max_chars,
            tone=tone,
            audience=audience[:80],
            type=kind,
            angle=angle_ask,
        )
        n_tokens = min(240, n * (spec.max_chars // 3 + 4))
    messages = [
        {"role": "system", "content": prompts()["system"]},
        {"role": "user", "content": prompts()["user"].format(facts=_facts_prompt(request), ask=ask)},
    ]
    out: list[str] = []
    for i in range(request.samples):
        try:
            text = llm.complete(messages, max_tokens=n_tokens, temperature=0.7 if i == 0 else 0.9)
        except GenerationError:
            log.exception("the model failed while drafting; templates only")
            break
        if spec.multi_sentence:
            out.append(text.strip())
            continue
        for raw in text.splitlines():
            line = re.sub(
                r"^\s*(?:\d+[.):]|[-*•]|headline\s*\d*:|description\s*\d*:)\s*", "", raw, flags=re.I
            )
            line = line.strip().strip('"“”').strip()
            if line:
                out.append(line)
    return out


# -- checking -----------------------------------------------------------------------------------------------------
class _Checked(BaseModel):
    text: str
    angle: str
    source: str
    backing: list[str]
    pin: int | None = None
    score: float = 0.0


def _check(
    items: list[Candidate], spec: FieldSpec, rules: Rules, stats: dict[str, Any], from_llm: bool = False
) -> list[_Checked]:
    ok, seen = [], set()
    for c in items:
        text = _fit(c.text, spec, rules)
        if not text or norm(text) in seen:
            continue
        problems, backing = rules.review(text, spec)
        if from_llm:
            problems += llm_line_problems(text, rules)
        if problems:
            stats["rejected"] += from_llm
            if len(stats["why"]) < 20:
                stats["why"].append(f"{spec.name}: {text[:60]!r}: {problems[0]}")
            continue
        seen.add(norm(text))
        ok.append(_Checked(text=text, angle=c.angle, source=c.source, backing=backing, pin=c.pin))
    return ok


def _fit(text: str, spec: FieldSpec, rules: Rules) -> str | None:
    """Fit a candidate to its field: shortened at a phrase boundary; an email body keeps only its sound sentences."""
    if spec.multi_sentence:
        body_spec = spec.model_copy(update={"min_chars": 1, "multi_sentence": True})
        paras = []
        for para in text.split("\n\n"):
            kept = [s for s in split_sentences(para) if not rules.problems(s, body_spec)]
            if kept:
                paras.append(" ".join(kept))
        return "\n\n".join(paras)[: spec.max_chars] or None
    if spec.required_suffix and not text.endswith(spec.required_suffix):
        head = shorten(text, spec.max_chars - len(spec.required_suffix) - 1)
        return f"{head.rstrip()} {spec.required_suffix}" if head else None
    return shorten(text, spec.max_chars)


def _classify(text: str, request: CopyRequest) -> str:
    """The angle of a model line: the offer's words, a material or figure (feature), else benefit."""
    low = text.lower()
    offer = request.brief.offer.lower() if request.brief and request.brief.offer else ""
    if offer and any(w in low for w in re.findall(r"\w{4,}|\d+%", offer)[:4]):
        return "offer"
    if any(m.lower() in low for p in request.products for m in p.materials) or re.search(r"\d", low):
        return "feature"
    return "benefit"


def _pools(
    request: CopyRequest, channel: ChannelSpec, rules: Rules, llm: LLM | None, stats
) -> dict[str, list[_Checked]]:
    from generation.line_scorer import score_lines

    pcs = [ProductCopy.of(p, rules.truth.asserts) for p in request.products]
    pools = {}
    for spec in channel.fields:
        model: list[_Checked] = []
        if llm is not None and not spec.template_only:
            want = min(10, max(3, spec.target))
            lines = llm_lines(llm, request, spec, want, angles(request)[0])
            model = _check(
                [Candidate(t, _classify(t, request), "model") for t in lines], spec, rules, stats, True
            )
            source = _facts_prompt(request)
            for line, score in zip(model, score_lines([m.text for m in model], source), strict=True):
                line.score = score
            model.sort(key=lambda m: -m.score)
            stats["kept"] += len(model)
        tpl = _check(candidates(request, spec, pcs), spec, rules, stats)
        if not model and not tpl:
            raise CopyValidationError(
                f"no valid {spec.label} could be made for {request.channel} from these facts"
            )
        pools[spec.name] = model + [t for t in tpl if norm(t.text) not in {norm(m.text) for m in model}]
    return pools


# -- assembly -----------------------------------------------------------------------------------------------------
def _pick(pool: list[_Checked], count: int, angle: str, used: set[str], avoid: set[str]) -> list[_Checked]:
    """`count` lines for one draft: a pinned line first (the product's name), then its angle's lines, general
    ones, the rest; lines no earlier draft used come first, so variants differ by more than a word."""

    def rank(c: _Checked) -> tuple[bool, int, float]:
        fit = 0 if c.angle == angle else 1 if c.angle == "any" or c.source == "model" else 2
        return (norm(c.text) in used, fit, -c.score)

    fresh = [c for c in pool if norm(c.text) not in avoid]
    pinned = [c for c in fresh if c.pin][:1]
    rest = sorted((c for c in fresh if not c.pin), key=rank)
    return pinned + rest[: count - len(pinned)]


def _field_value(spec: FieldSpec, picked: list[_Checked]) -> tuple[str | list[str], str, list[LineInfo]]:
    infos = [LineInfo(text=c.text, source=c.source, backing=c.backing, pin=c.pin) for c in picked]
    kinds = {c.source for c in picked}
    value: str | list[str] = [c.text for c in picked] if spec.kind == "lines" else picked[0].text
    return value, kinds.pop() if len(kinds) == 1 else "mixed", infos


def _add_required(
    request: CopyRequest, channel: ChannelSpec, fields: dict, lines: dict[str, list[LineInfo]], rules: Rules
) -> None:
    """Put each phrase the brief requires (a legal line, a code) into the roomiest text that still fits it."""
    for phrase in request.brief.required if request.brief else []:
        if (
            phrase.lower()
            in " ".join(t for v in fields.values() for t in (v if isinstance(v, list) else [v])).lower()
        ):
            continue
        sentences = [spec for spec in channel.fields if spec.sentence or spec.multi_sentence]
        slots = [(spec, i) for spec in sentences for i in range(len(lines[spec.name]))]
        slots.sort(key=lambda slot: slot[0].max_chars - len(lines[slot[0].name][slot[1]].text), reverse=True)
        for spec, i in slots:
            info = lines[spec.name][i]
            core = info.text.removesuffix(spec.required_suffix).rstrip()
            text = f"{core} {phrase}" + (f" {spec.required_suffix}" if spec.required_suffix else "")
            if not rules.problems(text, spec):
                info.text = text
                if spec.kind == "lines":
                    fields[spec.name][i] = text
                else:
                    fields[spec.name] = text
                break
        else:
            raise CopyValidationError(
                f"the brief requires {phrase!r} and no {request.channel} field has room for it"
            )


def draft_copy(request: CopyRequest, llm: LLM | None = None) -> CopyResult:
    """Draft `request.variants` validated variants for `request.channel` (templates only when `llm` is None)."""
    channel = get_channel(request.channel)
    rules = Rules(request)
    stats: dict[str, Any] = {"rejected": 0, "kept": 0, "why": []}
    pools = _pools(request, channel, rules, llm, stats)
    used: dict[str, set[str]] = {s.name: set() for s in channel.fields}
    drafts = []
    for v, angle in enumerate(angles(request)):
        fields: dict[str, str | list[str]] = {}
        sources: dict[str, str] = {}
        lines: dict[str, list[LineInfo]] = {}
        in_draft: set[str] = set()  # the same line in two fields of one draft reads as a mistake
        for spec in channel.fields:
            count = min(spec.target, spec.max) if spec.kind == "lines" else 1
            if spec.template_only:  # display paths: the same for every variant (they are the landing page's)
                picked = pools[spec.name][:1]
            else:
                picked = _pick(pools[spec.name], count, angle, used[spec.name], in_draft)
            if len(picked) < (spec.min if spec.kind == "lines" else 1):
                raise CopyValidationError(
                    f"only {len(picked)} valid {spec.label}s for {request.channel}; {spec.min} are needed"
                )
            fields[spec.name], sources[spec.name], lines[spec.name] = _field_value(spec, picked)
            used[spec.name] |= {norm(c.text) for c in picked}
            in_draft |= {norm(c.text) for c in picked}
        _add_required(request, channel, fields, lines, rules)
        draft = Draft(
            channel=request.channel, variant=v + 1, angle=angle, fields=fields, sources=sources, lines=lines,
            final_url=request.final_url,
        )  # fmt: skip
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


def __getattr__(name: str) -> Any:
    # The single-headline task moved to generation/headline.py; keep its old import path working.
    if name in ("draft_headline", "extractive_headline"):
        from generation import headline

        return getattr(headline, name)
    raise AttributeError(name)
