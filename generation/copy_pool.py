"""The candidate lines of one field, checked only when a draft would use them, and picked for each variant.

Every candidate is fitted to its field first (whole or not at all: nothing is cut to fit) and headlines put in Title
Case; the checks (the channel's and the brief's rules, the truth of claims and figures, the quality checker) run when
`pick` reaches a line, and their verdict is kept for the other variants. A template set needs a few dozen checks
instead of every candidate's, which keeps an RSA set well under a second on two busy cores.

    pool = FieldPool(spec, rules, checker, stats)
    pool.add(candidates(...))
    pool.pick(15, "benefit", used=set(), avoid=set())
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from generation.copy_quality import CopyChecker, same_meaning, title_case
from generation.copy_rules import FieldSpec, Rules, llm_line_problems, norm
from generation.guard import split_sentences
from generation.phrase_bank import bank
from generation.templates import Candidate


class Line(BaseModel):
    """One fitted candidate: its text, angle, source, backing (once checked), pin, score and kind."""

    text: str
    angle: str
    source: str
    backing: list[str] = []
    pin: int | None = None
    score: float = 0.0
    kind: str = ""  # keyword | offer | cta | "" (what the ad-strength report counts)


def is_headline(spec: FieldSpec) -> bool:
    """Headline-like fields (short, not sentences): one case style, never a cautionary line."""
    return not (spec.sentence or spec.multi_sentence or spec.template_only) and spec.max_chars <= 60


def fit(text: str, spec: FieldSpec, rules: Rules) -> str | None:
    """A candidate as it fits its field, never cut: an email body keeps only its sound sentences; any other line
    fits whole or is dropped."""
    if spec.multi_sentence:
        body_spec = spec.model_copy(update={"min_chars": 1, "multi_sentence": True})
        paras = []
        for para in text.split("\n\n"):
            sentences = split_sentences(para)
            kept = [s for s in sentences if not rules.problems(s, body_spec)]
            if kept and kept[0] is not sentences[0] and len(sentences) > 1:
                continue  # the sentence naming the product was dropped: "It takes the chill off" names nothing
            if kept:
                paras.append(" ".join(kept))
        body = "\n\n".join(paras)
        return body if body and len(body) <= spec.max_chars else None
    text = re.sub(r"\s+", " ", text).strip().strip('"“”').strip()
    if spec.required_suffix and not text.endswith(spec.required_suffix):
        text = f"{text.rstrip()} {spec.required_suffix}"
    return text if len(text) <= spec.max_chars else None


class FieldPool:
    """The candidates of one field, in the order they were added, each checked at most once."""

    def __init__(self, spec: FieldSpec, rules: Rules, checker: CopyChecker, stats: dict[str, Any]):
        self.spec, self.rules, self.checker, self.stats = spec, rules, checker, stats
        self.lines: list[Line] = []
        self._seen: set[str] = set()
        self._verdict: dict[str, bool] = {}

    def add(self, items: list[Candidate], *, from_llm: bool = False) -> list[Line]:
        """Fit and add candidates (a model's are checked at once: their count is reported); returns those added."""
        headline = is_headline(self.spec)
        added = []
        for c in items:
            text = fit(c.text, self.spec, self.rules)
            if text and headline:
                text = title_case(text)
            if not text or norm(text) in self._seen:
                continue
            kind = "keyword" if headline and self.checker.has_keyword(text) else c.kind.replace("keyword", "")
            line = Line(text=text, angle=c.angle, source=c.source, pin=c.pin, kind=kind)
            if from_llm and not self.ok(line, from_llm=True):
                continue
            self._seen.add(norm(text))
            added.append(line)
        self.lines += added
        return added

    def ok(self, line: Line, *, from_llm: bool = False) -> bool:
        """Whether a line passes every rule and quality check (checked once; the reason of a failure is kept)."""
        key = norm(line.text)
        if key in self._verdict:
            return self._verdict[key]
        spec = self.spec
        problems, line.backing = self.rules.review(line.text, spec)
        if from_llm:
            problems += llm_line_problems(line.text, self.rules)
        if not spec.template_only and not spec.multi_sentence:
            problems += self.checker.line_problems(line.text, headline=is_headline(spec))
        if problems:
            self.stats["rejected"] += from_llm
            if len(self.stats["why"]) < 20:
                self.stats["why"].append(f"{spec.name}: {line.text[:60]!r}: {problems[0]}")
        self._verdict[key] = not problems
        return not problems

    def first(self, count: int) -> list[Line]:
        """The first `count` lines that pass, in the order added (display paths: the same in every variant)."""
        return [line for line in self.lines if self.ok(line)][:count]

    def pick(self, count: int, angle: str, used: set[str], avoid: set[str]) -> list[Line]:
        """`count` lines for one draft: a pinned line first (the product's name), then enough keyword lines (RSA),
        an offer and a call to action, then the angle's lines, general ones, the rest; lines no earlier draft used
        come first, so variants differ by more than a word; a line that says what a picked one says is passed over."""
        spec = self.spec

        def rank(c: Line) -> tuple[bool, int, float]:
            fit_angle = 0 if c.angle == angle else 1 if c.angle == "any" or c.source == "model" else 2
            return (norm(c.text) in used, fit_angle, -c.score)

        fresh = [c for c in self.lines if norm(c.text) not in avoid]
        rest = sorted((c for c in fresh if not c.pin), key=rank)
        order = [c for c in fresh if c.pin and self.ok(c)][:1]
        if spec.kind == "lines":  # RSA: the main keyword in enough headlines, an offer and a call to action
            need = bank().ad_strength.keyword_headlines_min if spec.pin_positions else 0
            order += [c for c in rest if c.kind == "keyword" and self.ok(c)][:need]
            order += [c for c in rest if c.kind == "offer" and self.ok(c)][:1]
            order += [c for c in rest if c.kind == "cta" and self.ok(c)][:1]
        order += rest
        picked: list[Line] = []
        for capped in (True, False):  # a few calls to action, unless the set would stay short without more
            for c in order:
                if len(picked) >= count:
                    break
                ctas = sum(p.kind == "cta" for p in picked)
                if capped and c.kind == "cta" and spec.kind == "lines" and ctas >= max(1, count // 6):
                    continue
                if c in picked or any(same_meaning(p.text, c.text) for p in picked):
                    continue
                if self.ok(c):
                    picked.append(c)
        return picked
