"""One headline from a free-text description (the headline benchmark's task; also a quick line from any text).

Candidates are the description's own phrases (every span of 2-8 words within a clause that fits and is a complete
phrase) and, with a model, a few sampled lines shortened at phrase boundaries; each must pass the copy checks (claims,
figures, fragments) and the best by the trained line scorer (generation/line_scorer.py) wins. `extractive_headline`
is the baseline: the first clause that fits.

    draft_headline("<company> is West Michigan's full service backline rental ...", llm=None)
    -> ("Full service backline rental", "span", "")
"""

from __future__ import annotations

import re

from generation.copy_rules import FieldSpec, Rules, llm_line_problems, prompts
from generation.errors import GenerationError
from generation.guard import split_sentences
from generation.line_scorer import candidate_spans, score_lines
from generation.llm import LLM
from generation.templates import shorten, title

_DANGLING = set(
    "and or but with for of the a an to in on at by & our your their its is are was were be been has have had "
    "most more one all any as from that which who we you it this these those very".split()
)


def _trim_dangling(text: str) -> str:
    words = text.strip(" ,.;:").split()
    while words and words[-1].lower().strip(",.;:") in _DANGLING:
        words.pop()
    return " ".join(words).strip(" ,.;:")


def _spec(max_chars: int) -> FieldSpec:
    return FieldSpec(name="headline", kind="text", label="headline", max_chars=max_chars)


def extractive_headline(description: str, max_chars: int = 30, rules: Rules | None = None) -> str:
    """The baseline: the first clause of the description that fits `max_chars` at a word boundary (no dangling
    "and"/"the") and passes `rules`; "" when no clause does."""
    text = re.sub(
        r"<company>\s*(?:(?:is|are|was|has been|have been|has|have)\b\s*)?", "", description
    ).strip()
    spec = _spec(max_chars)
    for sentence in split_sentences(text):
        for clause in re.split(r"[,;:–—|]\s|\s-\s", sentence):
            out = ""
            for w in clause.split():
                if len(f"{out} {w}".strip()) > max_chars:
                    break
                out = f"{out} {w}".strip()
            out = title(_trim_dangling(out))
            if len(out.split()) < 2 or (rules is not None and rules.problems(out, spec)):
                continue
            return out
    return ""


def model_headlines(description: str, llm: LLM, max_chars: int = 30, samples: int = 3) -> list[str]:
    """Sampled model headlines (the first greedy, the rest at temperature 0.9), unchecked."""
    facts = description.replace("<company>", "").strip()
    messages = [
        {"role": "system", "content": prompts()["headline_system"]},
        {"role": "user", "content": prompts()["headline_user"].format(facts=facts, max_chars=max_chars)},
    ]
    out = []
    for i in range(samples):
        try:
            text = llm.complete(messages, max_tokens=16, temperature=0 if i == 0 else 0.9)
        except GenerationError:
            break
        first = text.strip().splitlines()[:1]
        if first:
            out.append(first[0].strip().strip('"“”*#').strip())
    return out


def draft_headline(
    description: str, llm: LLM | None, max_chars: int = 30, *, topic: str = "", samples: int = 3
) -> tuple[str, str, str]:
    """(headline, source, first raw model line): the best-scored candidate that passes every check; source is
    "model" or "span" ("none" when nothing passes)."""
    facts = description.replace("<company>", "")
    rules = Rules(facts=facts)
    spec = _spec(max_chars)
    raw_lines = model_headlines(description, llm, max_chars, samples) if llm is not None else []
    pool: list[tuple[str, str]] = []
    for raw in raw_lines:
        line = shorten(raw, max_chars)
        if line and not rules.problems(line, spec) and not llm_line_problems(line, rules):
            pool.append((line, "model"))
    spans = [s for s in candidate_spans(description, max_chars) if not rules.problems(s.text, spec)]
    if not pool and not spans:
        return "", "none", raw_lines[0] if raw_lines else ""
    scores = score_lines([*[p for p, _ in pool], *spans], description, topic)
    texts = [*pool, *[(s.text, "span") for s in spans]]
    best = max(range(len(texts)), key=lambda i: scores[i])
    line, source = texts[best]
    return title(line), source, raw_lines[0] if raw_lines else ""
