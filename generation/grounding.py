"""Grounded answering: a question plus evidence (retrieval hits, tool results) -> a streamed answer that uses only the
evidence, cites it as [n], speaks the user's language, and says plainly when the evidence does not answer.

The bundled 135M model cannot be trusted with facts (told boots are waterproof, it said they are not), so correctness
comes from code: extract, template, verify.

1. Extract: the evidence sentences closest to the question (lexical match with synonyms, plus boosts when the question
   asks "how long" / "how much" and a sentence holds a duration / price; optionally an embedding similarity).
2. Template: the core answer is those sentences with their [n]; it is streamed at once (time to first token is the
   time to score a few sentences, milliseconds).
3. Verify: in "rephrase" / "generate" mode the LLM's text must pass the guard (no figure absent from the evidence),
   keep the key figures, cite only existing evidence and not flip a negation; otherwise the extract is used.

    for part in stream_answer("what is your return window?", hits, llm=llm, mode="extractive"):
        if isinstance(part, GroundedAnswer): final = part
        else: print(part, end="")
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from generation.config import LLMSettings
from generation.errors import GenerationError
from generation.guard import check, extract_facts, split_sentences
from generation.llm import LLM, Message

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).parent / "prompts" / "grounded.yaml"
Embed = Callable[
    [list[str]], Any
]  # texts -> normalized vectors (np.ndarray), e.g. retrieval's Embedder.embed


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return yaml.safe_load(PROMPTS.read_text(encoding="utf-8"))


@dataclass
class GroundedAnswer:
    """The final structured answer. `cited` holds 1-based indices into the evidence list that the text cites."""

    text: str
    cited: list[int] = field(default_factory=list)
    grounded: bool = True
    needs_handoff: bool = False
    language: str = "en"
    mode: str = "extractive"  # how the text was made: extractive | rephrase | generate | not_found


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


_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.strip("'-") for w in _WORD.findall(text.lower()) if w.strip("'-")]


def detect_language(text: str) -> str:
    """ "en", "de", "fr" or "es" by counting marker words (greetings, function words); English when unsure."""
    words = _words(text)
    if any(ch in text for ch in "äöüß"):
        words.append("ich")  # umlauts are strong German evidence in a short message
    counts = {
        lang: sum(w in set(markers) for w in words) for lang, markers in _data()["language_markers"].items()
    }
    best = max(counts.values())
    if best == 0:
        return "en"
    winners = [lang for lang, c in counts.items() if c == best]
    return "en" if "en" in winners or len(winners) > 1 else winners[0]


def _stem(word: str) -> str:
    # Very light stemming: enough for "returns"/"return", "shipping"/"ship", "delivered"/"deliver".
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            # "shipping" -> "shipp" -> "ship", "stopped" -> "stop": undo the doubled final consonant.
            if (
                suffix in ("ing", "ed")
                and len(stem) > 3
                and stem[-1] == stem[-2]
                and stem[-1] not in "aeiouls"
            ):
                stem = stem[:-1]
            return stem
    return word


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, int]:
    index: dict[str, int] = {}
    for group_id, group in enumerate(_data()["synonyms"]):
        for term in group:
            for w in _words(term):
                index.setdefault(_stem(w), group_id)
    return index


def _terms(text: str) -> set[str]:
    """Content terms of `text` (stopwords dropped, stemmed, synonyms mapped to one group key)."""
    stop = set(_data()["stopwords"])
    syn = _synonym_index()
    out = set()
    for w in _words(text):
        if w in stop or w.isdigit():
            continue
        s = _stem(w)
        out.add(f"syn{syn[s]}" if s in syn else s)
    return out


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def _evidence_sentences(evidence: Sequence[Any]) -> list[tuple[int, str, str]]:
    """(1-based index, sentence, title) for every usable sentence of every evidence item."""
    out = []
    for i, item in enumerate(evidence, start=1):
        text = str(_field(item, "text") or "")
        title = str(_field(item, "title") or "")
        for line in text.splitlines():
            line = (
                re.sub(r"^\s*(?:#+|[-*+]|\d+[.)]|>)\s*", "", line).replace("**", "").replace("|", " ").strip()
            )
            for sentence in split_sentences(line):
                if len(_words(sentence)) >= 3:  # headings and fragments are context, not answers
                    out.append((i, sentence, title))
    return out


def _cue(question: str, kind: str) -> bool:
    q = question.lower()
    return any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", q) for c in _data()["cues"][kind])


def select_sentences(
    question: str,
    evidence: Sequence[Any],
    *,
    k: int = 2,
    embed: Embed | None = None,
    language: str | None = None,
) -> list[Selected]:
    """The up to `k` evidence sentences that best answer `question`, best first; empty when nothing matches."""
    language = language or detect_language(question)
    candidates = _evidence_sentences(evidence)
    q_terms = _terms(question)
    if not candidates or not q_terms:
        return []
    # Rarer terms across the candidate sentences weigh more (idf over this small evidence set).
    # A sentence inherits its section heading's terms: under "Return window", "You can return any item within 30
    # days" answers "what is your return window?" although the sentence never says "window".
    docs = [_terms(s) | _terms(title) for _, s, title in candidates]
    n = len(docs)
    idf = {t: math.log(1 + n / (1 + sum(t in d for d in docs))) + 0.5 for t in q_terms}
    wants_duration, wants_price = _cue(question, "duration"), _cue(question, "price")
    dense = None
    if embed is not None:
        try:
            vectors = embed([question] + [s for _, s, _ in candidates])
            dense = [float(v) for v in (vectors[1:] @ vectors[0])]
        except Exception:  # an embedder problem must not cost the answer: lexical matching still works
            log.exception("embedding evidence sentences failed; using lexical matching only")
    scored = []
    for pos, ((index, sentence, title), terms) in enumerate(zip(candidates, docs, strict=True)):
        matched = q_terms & terms
        lexical = sum(idf[t] for t in matched) / sum(idf.values())
        title_match = 0.3 * len(q_terms & _terms(title)) / len(q_terms)
        kinds = {f.kind for f in extract_facts(sentence)}
        boost = 0.0
        if wants_duration and "duration" in kinds:
            boost += 0.35
        if wants_price and "price" in kinds:
            boost += 0.35
        score = lexical + (title_match if matched else 0.0) + (boost if matched else 0.0)
        if dense is not None:
            score = 0.6 * score + 0.4 * max(0.0, dense[pos])
        score -= 0.01 * (index - 1)  # retrieval order breaks ties
        # Enough of the question must match (or the embedding be close): one shared word ("sell") is not an answer.
        # Questions in another language than the evidence match fewer words, so the figure cue or the language
        # lowers the bar.
        if (
            lexical >= 0.4
            or (matched and (boost > 0 or language != "en"))
            or (dense is not None and dense[pos] > 0.5)
        ):
            scored.append(Selected(index, sentence, score))
    scored.sort(key=lambda s: -s.score)
    if not scored:
        return []
    best = scored[0].score
    picked: list[Selected] = []
    for s in scored:
        if len(picked) >= k or s.score < 0.6 * best:
            break
        if all(_terms(s.sentence) != _terms(p.sentence) for p in picked):
            picked.append(s)
    return picked


def _with_citation(sentence: str, index: int) -> str:
    sentence = sentence.strip()
    if sentence and sentence[-1] in ".!?":
        return f"{sentence[:-1]} [{index}]{sentence[-1]}"
    return f"{sentence} [{index}]."


def extractive_answer(picked: Sequence[Selected], language: str) -> tuple[str, list[int]]:
    """The template answer: the picked sentences, each with its [n], after a short note when not in English."""
    intro = _data()["phrases"].get(language, {}).get("quote_intro", "")
    body = " ".join(_with_citation(p.sentence, p.index) for p in picked)
    cited = sorted({p.index for p in picked})
    return (f"{intro} {body}" if intro else body), cited


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


def _evidence_block(evidence: Sequence[Any], limit_chars: int = 1200) -> str:
    lines = []
    for i, e in enumerate(evidence, start=1):
        title = _field(e, "title") or _field(e, "source") or ""
        lines.append(f"[{i}] {title}: {str(_field(e, 'text') or '')[:limit_chars]}")
    return "\n".join(lines)


def stream_answer(
    question: str,
    evidence: Sequence[Any],
    *,
    llm: LLM | None = None,
    history: Sequence[Message] | None = None,
    mode: str = "extractive",
    embed: Embed | None = None,
    max_tokens: int = 160,
) -> Iterator[str | GroundedAnswer]:
    """Yield the answer's text in pieces, then one final `GroundedAnswer` (always the last item).

    `mode`: "extractive" (no LLM), "rephrase" or "generate" (need `llm`; verified, the extract is the fallback).
    Evidence items need `.text` (and may have `.title`, `.source`, `.metadata`): retrieval `Hit`s or dicts.
    """
    if mode not in {"extractive", "rephrase", "generate"}:
        raise GenerationError(f"unknown answer mode {mode!r}")
    language = detect_language(question)
    data = _data()
    picked = select_sentences(question, evidence, embed=embed, language=language)
    if not picked:
        text = data["phrases"].get(language, data["phrases"]["en"])["not_found"]
        yield from _chunks(text)
        yield GroundedAnswer(
            text, [], grounded=False, needs_handoff=True, language=language, mode="not_found"
        )
        return
    extract, cited = extractive_answer(picked, language)
    if mode == "extractive" or llm is None:
        yield from _chunks(extract)
        yield GroundedAnswer(extract, cited, language=language, mode="extractive")
        return

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
        log.exception("LLM failed while answering; using the extract")
        text = ""
    if mode == "rephrase" and text and not _CITE.search(text):
        text = f"{text.rstrip()} " + " ".join(f"[{i}]" for i in cited)
    problems = verify(text, evidence, must_keep=picked)
    if mode == "generate" and not _CITE.search(text):
        problems.append("cites no evidence")
    if problems:
        log.info("LLM answer rejected (%s); using the extract", "; ".join(problems))
        yield from _chunks(extract)
        yield GroundedAnswer(extract, cited, language=language, mode="extractive")
        return
    used = sorted({int(n) for n in _CITE.findall(text)})
    yield from _chunks(text)
    yield GroundedAnswer(text, used, language=language, mode=mode)


def answer(question: str, evidence: Sequence[Any], **kwargs: Any) -> GroundedAnswer:
    """`stream_answer` collected: the final `GroundedAnswer` only."""
    final = None
    for part in stream_answer(question, evidence, **kwargs):
        if isinstance(part, GroundedAnswer):
            final = part
    assert final is not None  # stream_answer always ends with one
    return final
