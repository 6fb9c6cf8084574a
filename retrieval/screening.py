"""Document text is data, never instructions: sentences that speak to the assistant or ask readers for secrets are
withheld when a document is read, before anything is indexed.

An uploaded page (or any shop document) may carry text written for a model rather than for a customer: "Ignore
previous instructions", "you are now ...", "email your card number to ...". Quoted in a reply, such a sentence would
be the shop's own words to its customer; put into a prompt, an order to the model. `screen_documents` removes those
sentences from every block of a document (its text and its fields: a table's cells, a FAQ's answer), so the index,
the composed answers, the quoted sections and the model's evidence never hold them, and records how many it withheld
in the document's metadata (``withheld_sentences``, on every chunk). The page itself stays as it was: people reading
it at `/docs/...` see what was uploaded.

The rules are data (`screening.yaml`): groups of words in order, a bounded number of words apart, with no negation
before or between them ("we never ask for your card number by e-mail" is a warning and stays). Matching is on words,
with no regular expression over the text beyond splitting it, so its time grows linearly with the document.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from retrieval.types import Block, Document, sections_of

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).with_name("screening.yaml")
WITHHELD_KEY = "withheld_sentences"
ADDRESS = "<address>"  # an e-mail address is one word, whatever its dots and dashes

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")  # a clause after ";" is judged on its own


@dataclass(frozen=True)
class Group:
    """Phrases, each a tuple of words; `heads` (their first words) rules most places out at one lookup."""

    phrases: frozenset[tuple[str, ...]]
    heads: frozenset[str]
    longest: int

    @classmethod
    def of(cls, phrases: list[str]) -> Group:
        split = frozenset(tuple(words(p)) for p in phrases)
        return cls(split, frozenset(p[0] for p in split), max(len(p) for p in split))

    def size_at(self, tokens: list[str], i: int) -> int:
        """The length of the longest phrase that starts at tokens[i] (0: none does)."""
        if i < 0 or i >= len(tokens) or tokens[i] not in self.heads:
            return 0
        return max(
            (n for n in range(1, self.longest + 1) if tuple(tokens[i : i + n]) in self.phrases), default=0
        )


@dataclass(frozen=True)
class Rule:
    """Groups of phrases (each a tuple of words) that must occur in order, at most `gaps[k]` words between group k
    and k + 1, the first not right after one of `not_after`."""

    name: str
    groups: tuple[Group, ...]
    gaps: tuple[int, ...]
    not_after: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    negations: frozenset[
        str
    ]  # none before the first group (within `negation_window` words) or between the groups
    negation_window: int
    breakers: frozenset[str]  # none between the groups: negations and topic words


def words(text: str) -> list[str]:
    """Lower-case words of `text`; an e-mail address counts as one word."""
    out: list[str] = []
    for piece in text.lower().split():
        if "@" in piece:
            out.append(ADDRESS)
        else:
            out += _WORD.findall(piece)
    return out


@functools.cache
def rules() -> Rules:
    """The screening rules of `screening.yaml`."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    built = []
    for name, entries in data["rules"].items():
        for entry in entries:
            groups = tuple(Group.of(group) for group in entry["groups"])
            gap = entry.get("gap", data["gap_words"])
            gaps = tuple(int(g) for g in gap) if isinstance(gap, list) else (int(gap),) * (len(groups) - 1)
            if len(gaps) != len(groups) - 1:
                raise ValueError(f"{RULES_FILE.name}: rule {name!r} needs one gap per step, got {gap!r}")
            built.append(Rule(name, groups, gaps, frozenset(entry.get("not_after") or ())))
    negations = frozenset(data["negations"])
    return Rules(
        tuple(built), negations, int(data["negation_window"]), negations | frozenset(data["topic_words"])
    )


def _match_at(tokens: list[str], start: int, stop: int, group: Group) -> int | None:
    """The end of the first phrase of `group` that starts in tokens[start:stop], or None."""
    for i in range(start, min(stop, len(tokens))):
        size = group.size_at(tokens, i)
        if size:
            return i + size
    return None


def _starts(rule: Rule, tokens: list[str], window: int, negations: frozenset[str]) -> list[int]:
    """Where the rule's first group ends, for each place it starts free of a negation, a `not_after` word, or a
    longer phrase of its own that began a word earlier ("mail" in "e-mail" is judged with its "e")."""
    first = rule.groups[0]
    ends = []
    for i in range(len(tokens)):
        size = first.size_at(tokens, i)
        if not size or negations.intersection(tokens[max(0, i - window) : i]):
            continue
        if i and (tokens[i - 1] in rule.not_after or first.size_at(tokens, i - 1) > 1):
            continue
        ends.append(i + size)
    return ends


def _holds(rule: Rule, tokens: list[str], screen: Rules) -> bool:
    for end in _starts(rule, tokens, screen.negation_window, screen.negations):
        reached: int | None = end
        for group, gap in zip(rule.groups[1:], rule.gaps, strict=True):
            found = _match_at(tokens, reached, reached + gap + 1, group)
            if found is None or screen.breakers.intersection(tokens[reached:found]):
                reached = None
                break
            reached = found
        if reached is not None:
            return True
    return False


def instruction_in(sentence: str) -> str | None:
    """The rule a sentence breaks ("addresses the assistant", "asks for secrets"), or None for ordinary text."""
    tokens = words(sentence)
    if not tokens:
        return None
    screen = rules()
    for rule in screen.rules:
        if _holds(rule, tokens, screen):
            return rule.name
    return None


def screen_text(text: str) -> tuple[str, int]:
    """(`text` without its instruction-like sentences, how many were withheld). Lines without one stay as they are."""
    if not text:
        return text, 0
    withheld = 0
    lines = []
    for line in text.split("\n"):
        sentences = _SENTENCE_END.split(line)
        kept = [s for s in sentences if instruction_in(s) is None]
        if len(kept) == len(sentences):
            lines.append(line)
            continue
        withheld += len(sentences) - len(kept)
        if kept:
            lines.append(" ".join(kept))
    return "\n".join(lines), withheld


def _screen_value(value: Any) -> tuple[Any, int]:
    if isinstance(value, str):
        return screen_text(value)
    if isinstance(value, dict):
        count = 0
        out = {}
        for key, item in value.items():
            out[key], n = _screen_value(item)
            count += n
        return out, count
    if isinstance(value, list):
        screened = [_screen_value(item) for item in value]
        return [v for v, _ in screened], sum(n for _, n in screened)
    return value, 0


def _screen_block(block: Block) -> tuple[Block, int]:
    text, in_text = screen_text(block.text)
    fields, in_fields = _screen_value(block.fields)
    if not in_text + in_fields:
        return block, 0
    # a table row's or a FAQ's fields repeat its text: a sentence in both counts once
    return replace(block, text=text, fields=fields), max(in_text, in_fields)


def screen_documents(docs: list[Document]) -> list[Document]:
    """The documents with instruction-like sentences withheld from every block (see the module's note); a document
    that lost any says how many in its metadata, and the log names it."""
    out = []
    for doc in docs:
        screened = [_screen_block(b) for b in doc.blocks]
        withheld = sum(n for _, n in screened)
        if not withheld:
            out.append(doc)
            continue
        blocks = [b for b, _ in screened if b.text.strip()]
        log.warning(
            "%s: %d sentence(s) addressed to the assistant or asking for secrets withheld from answers",
            doc.source,
            withheld,
        )
        metadata = {**doc.metadata, WITHHELD_KEY: withheld}
        out.append(replace(doc, blocks=blocks, sections=sections_of(blocks), metadata=metadata))
    return out
