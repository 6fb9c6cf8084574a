"""Output guard for chat answers and ad copy: figures must be backed by figures of the same kind (generation/figures.py)
and claims by claims of the same polarity (generation/claims.py).

Numbers are compared by value after normalisation, so "30 days" = "thirty days" = "30-day" = "30 Tage" and
"€49.90" = "49.90 EUR" = "49,90 €"; "2 weeks" counts as 14 days and "48h" as 2 days. A price is backed only by a
price, a discount only by a discount, stock only by stock: "40% off" is not backed by "sizes 40-47". A labelled
number ("Return window (days): 30", "'price': 169.0") has the kind its label names.

    result = check("Returns within 60 days [1].", ["You can return items within 30 days."])
    result.ok -> False; result.violations[0].text -> "60 days"; result.repaired_text -> ""

    check("It is waterproof [1].", ["The mesh upper is not waterproof."], claims=True).claim_problems
    -> ["says waterproof; evidence 1 says not waterproof: 'waterproof'"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from generation.claims import ClaimBook, Statement
from generation.figures import Fact, extract_facts, parse_number, unsupported

__all__ = [
    "Fact",
    "GuardResult",
    "check",
    "check_claims",
    "extract_facts",
    "find_terms",
    "parse_number",
    "split_sentences",
]


@dataclass
class GuardResult:
    """`ok` when every figure and claim is backed; `violations` lists the unbacked figures, `claim_problems` the
    claims that contradict or go beyond the evidence; `repaired_text` drops the sentences that hold either (it may
    be empty: then the caller should fall back to something safe)."""

    ok: bool
    violations: list[Fact] = field(default_factory=list)
    repaired_text: str = ""
    claim_problems: list[str] = field(default_factory=list)


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (split after . ! ? and at line breaks); keeps a citation such as " [1]." with its sentence."""
    return [s for s in (p.strip() for p in _SENTENCE.split(text)) if s]


def _texts(evidence: str | Iterable[str]) -> list[str]:
    return [evidence] if isinstance(evidence, str) else [str(e) for e in evidence]


def evidence_book(evidence: str | Iterable[str]) -> ClaimBook:
    """The claims of chat evidence (every item may back any claim, rankings and newness included; the items may be
    about different products, so an assertion in one is enough)."""
    return ClaimBook(
        [Statement(t, f"evidence {i}", "any") for i, t in enumerate(_texts(evidence), start=1)], strict=False
    )


def check_claims(text: str, evidence: str | Iterable[str] | ClaimBook) -> list[str]:
    """Claims of `text` the evidence contradicts ("waterproof" where it says "not waterproof") or does not state
    (an attribute, promotion, ranking or superlative it never mentions). Empty = every claim is backed.

    A sentence that names something ("The Scree Low is ...") is checked against the evidence items that name it too,
    strictly (a denial there outweighs an assertion elsewhere), so one product's "waterproof" never backs another's."""
    if isinstance(evidence, ClaimBook):
        return evidence.review(text).problems
    return _unique_problems(_claim_problems_by_sentence(text, _texts(evidence)))


def _unique_problems(by_sentence: list[tuple[str, list[str]]]) -> list[str]:
    return list(dict.fromkeys(p for _sentence, found in by_sentence for p in found))


def _claim_problems_by_sentence(text: str, texts: list[str]) -> list[tuple[str, list[str]]]:
    """(sentence, its claim problems) for each sentence of `text`. The evidence's books are built once per set of
    items, not once per sentence: a long text of short sentences rebuilt them hundreds of times (seconds on 4 KB)."""
    evidence_names = [_names(t, all_words=True) for t in texts]
    books: dict[tuple[int, ...], ClaimBook] = {}
    out = []
    for sentence in split_sentences(text):
        names = _names(sentence)
        about = tuple(i for i, known in enumerate(evidence_names) if names and names & known)
        if about not in books:
            books[about] = (
                ClaimBook([Statement(texts[i], f"evidence {i + 1}", "any") for i in about], strict=True)
                if about
                else evidence_book(texts)
            )
        out.append((sentence, books[about].review(sentence).problems))
    return out


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]{2,}")


def _names(text: str, *, all_words: bool = False) -> set[str]:
    """Capitalised words after the first of a sentence (names: "Scree", "Talus"); `all_words` keeps the first too."""
    found = re.findall(r"\b[A-Z][\w'’-]{2,}", text) if all_words else _CAPITALISED.findall(text.strip())
    return {w.lower() for w in found} - {"the", "this", "our", "your", "yes"}


def check(
    text: str, evidence: str | Iterable[str], *, bare_numbers: bool = True, claims: bool = False
) -> GuardResult:
    """Check every figure of `text` against `evidence` (one text or several); with `claims=True` its claims too.
    `bare_numbers=False` ignores plain numbers without a unit (e.g. "3 colours" counted from a list)."""
    texts = _texts(evidence)
    # one text at a time: each is read once, then cached
    known = [fact for t in texts for fact in extract_facts(t)]
    violations = unsupported(text, known, bare_numbers=bare_numbers)
    by_sentence = _claim_problems_by_sentence(text, texts) if claims else []
    problems = _unique_problems(by_sentence)
    if not violations and not problems:
        return GuardResult(ok=True, violations=[], repaired_text=text)
    claimed = dict(by_sentence)
    kept = [
        s
        for s in split_sentences(text)
        if not unsupported(s, known, bare_numbers=bare_numbers) and not claimed.get(s)
    ]
    return GuardResult(ok=False, violations=violations, repaired_text=" ".join(kept), claim_problems=problems)


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The `terms` that occur in `text` as whole words or phrases, case-insensitive (banned terms, banned claims)."""
    found = []
    for term in terms:
        term = term.strip()
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            found.append(term)
    return found
