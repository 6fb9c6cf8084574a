"""Ad-copy drafting: product facts + optional campaign brief + the shop's selling points -> validated drafts.

By default no model runs: lines come from the phrase bank (generation/phrase_bank.yaml, written by
generation/bank_lines.py) filled from the product's row, the brief and the shop's own pages, and an RSA set takes a
fraction of a second. With a model (`MKA_LLM__COPY_WITH_MODEL`, the caller passes `llm`), sampled lines join the
candidates, ranked by the line scorer (generation/line_scorer.py). Every line is checked in code before a draft uses it
(generation/copy_pool.py): the channel's limits, the brief's banned terms and claims, claims with their polarity and
figures with their units against the facts (generation/truth.py), and the quality checks (generation/copy_quality.py:
no name echo, fragment, cut word, cautionary headline or word nobody gave). A line that does not fit is dropped, never
cut. Each variant takes an angle (benefit, feature, the brief's offer, audience); each line keeps its source and the
facts that back it; each draft its set-level quality problems and, for RSA, an ad-strength report. Several products on
an ad-group channel make one ad group each. A draft that still fails raises `CopyValidationError`.

    result = draft_copy(CopyRequest(products=[facts], channel="google-rsa", variants=3, shop=shop))
    result.drafts[0].fields["headlines"], result.drafts[0].ad_strength.grade, result.drafts[0].quality
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from generation.copy_pool import FieldPool, Line
from generation.copy_quality import AD_GROUP_CHANNELS, CopyChecker
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
from generation.phrase_bank import bank
from generation.templates import Candidate, ProductCopy, angles, candidates

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
    request: CopyRequest, channel: ChannelSpec, rules: Rules, checker: CopyChecker, llm: LLM | None, stats
) -> dict[str, FieldPool]:
    """Each field's pool: the model's checked and scored lines first (when a model drafts), then the templates'."""
    from generation.line_scorer import score_lines

    pcs = [ProductCopy.of(p, rules.truth.asserts) for p in request.products]
    pools = {}
    for spec in channel.fields:
        pool = FieldPool(spec, rules, checker, stats)
        if llm is not None and not spec.template_only:
            want = min(10, max(3, spec.target))
            lines = llm_lines(llm, request, spec, want, angles(request)[0])
            model = pool.add([Candidate(t, _classify(t, request), "model") for t in lines], from_llm=True)
            for line, score in zip(
                model, score_lines([m.text for m in model], _facts_prompt(request)), strict=True
            ):
                line.score = score
            pool.lines.sort(key=lambda m: -m.score)
            stats["kept"] += len(model)
        pool.add(candidates(request, spec, pcs, request.shop))
        pools[spec.name] = pool
    return pools


# -- assembly -----------------------------------------------------------------------------------------------------
def _field_value(spec: FieldSpec, picked: list[Line]) -> tuple[str | list[str], str, list[LineInfo]]:
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
    """Draft `request.variants` validated variants for `request.channel` (templates only when `llm` is None: the
    default, well under a second). Several products on an ad-group channel (RSA, Meta) make one ad group each, unless
    the brief's `ad_group` is "mixed"."""
    brief = request.brief
    if request.channel in AD_GROUP_CHANNELS and len(request.products) > 1:
        if not (brief and brief.ad_group == "mixed"):
            parts = [_draft_set(request.model_copy(update={"products": [p]}), llm) for p in request.products]
            drafts = [d for part in parts for d in part.drafts]
            for i, d in enumerate(drafts, start=1):
                d.variant = i
            return CopyResult(
                channel=request.channel,
                drafts=drafts,
                distinct_2=round(distinct_n([t for d in drafts for t in d.texts()]), 3),
                llm_lines_kept=sum(p.llm_lines_kept for p in parts),
                llm_lines_rejected=sum(p.llm_lines_rejected for p in parts),
                rejections=[r for p in parts for r in p.rejections][:20],
            )
    return _draft_set(request, llm)


def _draft_set(request: CopyRequest, llm: LLM | None) -> CopyResult:
    channel = get_channel(request.channel)
    rules = Rules(request)
    checker = CopyChecker(request, request.shop.words if request.shop else frozenset())
    stats: dict[str, Any] = {"rejected": 0, "kept": 0, "why": []}
    pools = _pools(request, channel, rules, checker, llm, stats)
    used: dict[str, set[str]] = {s.name: set() for s in channel.fields}
    drafts = []
    for v, angle in enumerate(angles(request)):
        draft = _assemble(request, channel, rules, pools, used, angle, v + 1)
        draft.quality = checker.set_problems(draft)
        if request.channel == "google-rsa":
            offers = {c.text for pool in pools.values() for c in pool.lines if c.kind == "offer"}
            ctas = set(bank().ctas("headlines", 2, 2)) | set(bank().ctas("sentences", 2, 2))
            ctas |= {c.text for c in pools["headlines"].lines if c.kind == "cta"}
            draft.ad_strength = checker.ad_strength(draft, offers, ctas)
        drafts.append(draft)
    return CopyResult(
        channel=request.channel,
        drafts=drafts,
        distinct_2=round(distinct_n([t for d in drafts for t in d.texts()]), 3),
        llm_lines_kept=stats["kept"],
        llm_lines_rejected=stats["rejected"],
        rejections=stats["why"],
    )


def _assemble(
    request: CopyRequest,
    channel: ChannelSpec,
    rules: Rules,
    pools: dict[str, FieldPool],
    used: dict[str, set[str]],
    angle: str,
    variant: int,
) -> Draft:
    """One variant: each field's lines picked from its checked pool for the angle, the brief's required phrases
    added, the whole draft validated once more."""
    fields: dict[str, str | list[str]] = {}
    sources: dict[str, str] = {}
    lines: dict[str, list[LineInfo]] = {}
    in_draft: set[str] = set()  # the same line in two fields of one draft reads as a mistake
    for spec in channel.fields:
        count = min(spec.target, spec.max) if spec.kind == "lines" else 1
        if spec.template_only:  # display paths: the same for every variant (they are the landing page's)
            picked = pools[spec.name].first(1)
        else:
            picked = pools[spec.name].pick(count, angle, used[spec.name], in_draft)
        if len(picked) < (spec.min if spec.kind == "lines" else 1):
            raise CopyValidationError(
                f"only {len(picked)} valid {spec.label}s for {request.channel}; {spec.min} are needed"
            )
        fields[spec.name], sources[spec.name], lines[spec.name] = _field_value(spec, picked)
        used[spec.name] |= {norm(c.text) for c in picked}
        in_draft |= {norm(c.text) for c in picked}
    _add_required(request, channel, fields, lines, rules)
    draft = Draft(
        channel=request.channel, variant=variant, angle=angle, fields=fields, sources=sources, lines=lines,
        final_url=request.final_url, skus=[p.sku for p in request.products],
    )  # fmt: skip
    problems = validate_draft(draft, rules)
    if problems:  # cannot happen with checked pools; kept as the last line of defence
        raise CopyValidationError(f"draft {variant} failed validation: {'; '.join(problems)}")
    return draft
