"""Grounded answering: a question plus evidence (retrieval hits, tool results) -> a streamed answer that uses only the
evidence, cites it as [n], speaks the user's language, and says plainly when the evidence does not answer.

The bundled 135M model cannot be trusted with facts (told boots are waterproof, it said they are not), so correctness
comes from code: extract, template, verify.

1. Compose (`generation.composer`): the evidence as answer units (sentences, table rows with their columns, FAQ
   answers), the ones that answer picked, and the answer shaped by the question's type: yes/no first, the figure
   first, conditions after, "not offered" with what is offered. It is streamed at once (milliseconds).
2. Language: the caller says which language the customer writes in (`language=`); fixed phrases are in it, and
   evidence in another language is quoted as it is, after a note saying so.
3. Verify: in "rephrase" / "generate" mode the LLM's text must pass the guard (no figure absent from the evidence),
   keep the key figures, cite only existing evidence and not flip a negation; otherwise the extract is used.

    for part in stream_answer("what is your return window?", hits, llm=llm, mode="extractive"):
        if isinstance(part, GroundedAnswer): final = part
        else: print(part, end="")
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from generation.composer import Composition, compose
from generation.config import LLMSettings
from generation.errors import GenerationError
from generation.guard import check, extract_facts
from generation.llm import LLM, Message
from generation.terms import grounded_data as _data
from generation.terms import words as _words

log = logging.getLogger(__name__)

Embed = Callable[
    [list[str]], Any
]  # texts -> normalized vectors (np.ndarray), e.g. retrieval's Embedder.embed


@dataclass
class GroundedAnswer:
    """The final structured answer. `cited` holds 1-based indices into the evidence list that the text cites."""

    text: str
    cited: list[int] = field(default_factory=list)
    grounded: bool = True
    needs_handoff: bool = False
    language: str = "en"
    mode: str = "extractive"  # how the text was made: extractive | rephrase | generate | not_found
    kind: str = "extract"  # the composition's shape: yes | no | figure | quote | not_offered | list | extract
    confidence: float = 1.0  # how surely the evidence states what was asked (`generation.lead`)


@dataclass(frozen=True)
class Selected:
    """One evidence sentence picked for the answer: its 1-based evidence index, the sentence and its score."""

    index: int
    sentence: str
    score: float


def resolve_mode(settings: LLMSettings) -> str:
    """The answer mode for these settings: "auto" means extractive for the bundled tiny model, generate otherwise."""
    if settings.answer_mode != "auto":
        return settings.answer_mode
    # The bundled 135M model cannot be trusted to phrase an answer, whichever local backend runs it.
    return "extractive" if settings.backend != "openai" and settings.model == "bundled" else "generate"


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


_CITE = re.compile(r"\[(\d+)\]")


def verify(text: str, evidence: Sequence[Any], must_keep: Sequence[Selected] = ()) -> list[str]:
    """Problems with an LLM-written answer (empty list = acceptable): figures absent from the evidence, citations of
    evidence that does not exist, key figures of the extract dropped, a negation the evidence does not have."""
    problems = []
    texts = [str(_field(e, "text") or "") for e in evidence]
    if not text.strip():
        return ["empty answer"]
    guard = check(text, texts)
    problems += [f"unsupported figure {v.text!r}" for v in guard.violations]
    bad = [int(n) for n in _CITE.findall(text) if not 1 <= int(n) <= len(evidence)]
    problems += [f"cites [{n}] but there are {len(evidence)} evidence items" for n in bad]
    kept = {(f.kind, f.value) for f in extract_facts(text)}
    for sel in must_keep:
        for f in extract_facts(sel.sentence):
            if f.kind != "number" and (f.kind, f.value) not in kept:
                problems.append(f"dropped the figure {f.text!r}")
    negations = set(_data()["negations"])
    source = " ".join(s.sentence for s in must_keep) or " ".join(texts)
    if (set(_words(text)) & negations) and not (set(_words(source)) & negations):
        problems.append("adds a negation the evidence does not have")
    return problems


def _chunks(text: str) -> Iterator[str]:
    # Word-sized pieces, so a UI renders the extract the same way as model tokens.
    yield from re.findall(r"\S+\s*", text)


# The prompt's evidence delimiters; quoted text cannot write them (it could otherwise end the quote early).
_DELIMITER = re.compile(r"<[\s/]*evidence\s*>", re.IGNORECASE)  # one quantifier a run: linear


def _evidence_block(evidence: Sequence[Any], limit_chars: int = 1200) -> str:
    """The numbered evidence for the prompt's <evidence> frame: quoted documents, never a way out of the frame."""
    lines = []
    for i, e in enumerate(evidence, start=1):
        title = _field(e, "title") or _field(e, "source") or ""
        quoted = _DELIMITER.sub("(evidence)", f"{title}: {str(_field(e, 'text') or '')[:limit_chars]}")
        lines.append(f"[{i}] {quoted}")
    return "\n".join(lines)


def quote(text: str, language: str, evidence_language: str = "en") -> str:
    """Evidence text in a reply: as it is when the languages agree, else quoted after a note in the reply's language
    (the bundled model cannot translate reliably; a capable one rephrases in "generate" mode)."""
    intro = _data()["phrases"].get(language, {}).get("quote_intro", "")
    if language == evidence_language or not intro:
        return text
    return f"{intro} “{text}”"


def _evidence_language(evidence: Sequence[Any], cited: Sequence[int]) -> str:
    """The language of the cited evidence (its `language` or `metadata["language"]`; English when not said)."""
    langs = set()
    for n in cited:
        if 0 < n <= len(evidence):
            item = evidence[n - 1]
            meta = _field(item, "metadata", None) or {}
            langs.add(
                _field(item, "language", "")
                or (meta.get("language") if isinstance(meta, dict) else "")
                or "en"
            )
    return langs.pop() if len(langs) == 1 else "en"


def localise(composition: Composition, evidence: Sequence[Any], language: str) -> str:
    """The composed text for a reply in `language`: the composer's own lead stays, evidence is quoted if needed."""
    ev_lang = _evidence_language(evidence, composition.cited)
    if language == ev_lang:
        return composition.text
    if composition.opening or composition.closing:
        body = composition.text.removeprefix(composition.opening).removesuffix(composition.closing).strip()
        parts = (composition.opening, quote(body, language, ev_lang), composition.closing)
        return " ".join(p for p in parts if p)
    lead, body = split_lead(composition.text, language)
    quoted = quote(body, language, ev_lang)
    return f"{lead} {quoted}".strip()


def split_lead(text: str, language: str) -> tuple[str, str]:
    """(the composer's localised opening, the evidence after it): "Nein." / "Nein, nach Kanada liefern wir nicht."."""
    phrases = _data()["phrases"].get(language, _data()["phrases"]["en"])
    for key in ("yes", "no"):
        word = f"{phrases[key]}. "
        if text.startswith(word):
            return word.strip(), text[len(word) :]
    return "", text


def stream_answer(
    question: str,
    evidence: Sequence[Any],
    *,
    llm: LLM | None = None,
    history: Sequence[Message] | None = None,
    mode: str = "extractive",
    embed: Embed | None = None,
    max_tokens: int = 160,
    language: str = "en",
) -> Iterator[str | GroundedAnswer]:
    """Yield the answer's text in pieces, then one final `GroundedAnswer` (always the last item).

    `mode`: "extractive" (no LLM), "rephrase" or "generate" (need `llm`; verified, the composition is the fallback).
    `language`: the customer's language (the caller detects it); the reply's fixed phrases are in it.
    Evidence items need `.text` (and may have `.title`, `.heading`, `.fields`, `.language`): retrieval hits or dicts.
    """
    if mode not in {"extractive", "rephrase", "generate"}:
        raise GenerationError(f"unknown answer mode {mode!r}")
    data = _data()
    composition = compose(question, evidence, language=language, embed=embed)
    if composition is None:
        text = data["phrases"].get(language, data["phrases"]["en"])["not_found"]
        yield from _chunks(text)
        yield GroundedAnswer(
            text, [], grounded=False, needs_handoff=True, language=language, mode="not_found"
        )
        return
    extract, cited = localise(composition, evidence, language), composition.cited
    picked = [Selected(u.index, u.text, 1.0) for u in composition.units]
    shape = {"kind": composition.kind, "confidence": composition.confidence}
    if mode == "extractive" or llm is None:
        yield from _chunks(extract)
        yield GroundedAnswer(extract, cited, language=language, mode="extractive", **shape)
        return
    text = _model_answer(question, evidence, picked, llm, history, mode, max_tokens, language)
    problems = verify(text, evidence, must_keep=picked)
    if mode == "generate" and not _CITE.search(text):
        problems.append("cites no evidence")
    if problems:
        log.info("LLM answer rejected (%s); using the composition", "; ".join(problems))
        yield from _chunks(extract)
        yield GroundedAnswer(extract, cited, language=language, mode="extractive", **shape)
        return
    used = sorted({int(n) for n in _CITE.findall(text)})
    yield from _chunks(text)
    yield GroundedAnswer(text, used, language=language, mode=mode, **shape)


def _model_answer(
    question: str,
    evidence: Sequence[Any],
    picked: Sequence[Selected],
    llm: LLM,
    history: Sequence[Message] | None,
    mode: str,
    max_tokens: int,
    language: str,
) -> str:
    """The model's answer in "rephrase" or "generate" mode (empty when the model fails)."""
    data = _data()
    language_name = data["language_names"].get(language, "English")
    if mode == "rephrase":
        messages: list[Message] = [
            {"role": "system", "content": data["rephrase_system"].format(language_name=language_name)},
            {
                "role": "user",
                "content": data["rephrase_user"].format(
                    question=question, extract=" ".join(p.sentence for p in picked)
                ),
            },
        ]
    else:
        messages = [
            {
                "role": "system",
                "content": data["generate_system"].format(
                    language_name=language_name, evidence=_evidence_block(evidence)
                ),
            }
        ]
        messages += [m for m in (history or [])][-6:]
        messages.append({"role": "user", "content": question})
    try:
        text = llm.complete(messages, max_tokens=max_tokens, temperature=0).strip()
    except GenerationError:
        log.exception("LLM failed while answering; using the composition")
        return ""
    if mode == "rephrase" and text and not _CITE.search(text):
        text = f"{text.rstrip()} " + " ".join(f"[{p.index}]" for p in picked)
    return text


def answer(question: str, evidence: Sequence[Any], **kwargs: Any) -> GroundedAnswer:
    """`stream_answer` collected: the final `GroundedAnswer` only."""
    final = None
    for part in stream_answer(question, evidence, **kwargs):
        if isinstance(part, GroundedAnswer):
            final = part
    assert final is not None  # stream_answer always ends with one
    return final
