"""What a marketer's copy request asks to claim and to offer: the discount ("20% off", "15 % Studentenrabatt") and
the claims, each a phrase of the message with its span.

Claims are found by the claim extractor (`generation.claims.extract_claims`) after a claim cue or in quotes, and in
the looser ways marketers ask ("claim: X", "is 'X' fine for the ads?", "X - ok for the headline?", "X, put it in the
headline"), so "100% waterproof" is read as a claim to check, never as words to search the catalog with.
"""

from __future__ import annotations

import re
from typing import Any

from generation import extract_claims

QUOTED = re.compile(r"[\"“„']([^\"”“']{2,60})[\"”']")
# Words after which a marketer states what the copy should claim ("saying it is 100% waterproof").
_CLAIM_CUE = re.compile(
    r"\b(say\w*|claim\w*|stat(?:e|es|ing)|mention\w*|promis\w*|call(?:ing)? (?:it|them)|highlight\w*|"
    r"emphasi[sz]\w*|stress\w*|tell\w*|with|that (?:it|they)(?:'s|'re| is| are)|as)\b",
    re.I,
)
# Cues after which the clause itself is the claim, whatever words it uses.
_STATE_CUE = re.compile(
    r"\b(say(?:ing|s)?|claim(?:ing|s)?|stat(?:e|es|ing)|promis(?:e|es|ing)|tell(?:ing)?(?: (?:people|customers|them))?|"
    r"call(?:ing)? (?:it|them))\b",
    re.I,
)
_CLAIM_FILLER = re.compile(
    r"^[\s:]*(?:(?:that|it|they|it's|they're|its|is|are|has|have|will|we|our|this|these|with|a|an)\b\s*)*",
    re.I,
)
_CLAUSE_END = re.compile(r"[.;!?]|,\s|\b(?:for|to|in|on)\s+(?:the|our|my)\b")
_OFF_WORD = re.compile(r"^\s*(off|discount|rabatt|reduction|sale)\b", re.I)
_AMOUNT_OFF = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent\b|prozent\b|€|eur\b)\s*(?:off\b|discount\b|\w*rabatt\w*|nachlass\b|reduction\b)",
    re.I,
)
# A marketer asking whether copy may say something: "claim: ...", "can we call it ...", "... - ok for the headline?"
CLAIM_ASK = re.compile(
    r"\b(claim\w*|can (?:i|we|you) (?:say|call|write|use|claim)|(?:ok|okay|fine|allowed)(?: for\b|\s*\?)|"
    r"darf (?:ich|man)|dürfen wir)",
    re.I,
)


def _phrases(claims: list[Any], message: str) -> list[tuple[str, int, int]]:
    """Adjacent claims joined into phrases ("100%" + "waterproof" -> "100% waterproof"), with their spans."""
    out: list[list[int]] = []
    for c in sorted(claims, key=lambda c: c.start):
        if out and c.start - out[-1][1] <= 1:
            out[-1][1] = max(out[-1][1], c.end)
        else:
            out.append([c.start, c.end])
    return [(message[s:e], s, e) for s, e in out]


def offers_and_claims(
    message: str, skip: tuple[int, int] | None, *, asks_copy: bool = False
) -> tuple[str | None, list[tuple[str, int, int]]]:
    """(the discount or offer asked for, the claims asked for), each a phrase of the message with its span.
    Absolute figures ("100% waterproof") count anywhere; attributes, superlatives and rankings only after a claim
    cue or in quotes ("saying it is waterproof"), since "our waterproof boots" or "our best product" picks products
    rather than claiming."""
    found = [c for c in extract_claims(message) if c.positive and not (skip and skip[0] <= c.start < skip[1])]
    promos = [c for c in found if c.kind == "promo"]
    discount = None
    if promos:
        text, start, end = _phrases(promos, message)[0]
        tail = _OFF_WORD.match(message[end:])
        discount = (text + (tail.group(0) if tail else "")).strip()
    else:  # "15 % Studentenrabatt", "30 Prozent Rabatt": an amount next to a discount word the extractor lacks
        found_amount = next(
            (m for m in _AMOUNT_OFF.finditer(message) if not (skip and skip[0] <= m.start() < skip[1])), None
        )
        discount = found_amount.group(0).strip() if found_amount else None
    quoted = [q.span() for q in QUOTED.finditer(message)]
    cues = [m.end() for m in _CLAIM_CUE.finditer(message)]

    def asked(c: Any) -> bool:
        if c.kind == "superlative" and any(ch.isdigit() for ch in "".join(c.key)):
            return True  # "100% waterproof" claims wherever it stands; "our best product" picks one
        if any(s <= c.start < e for s, e in quoted):
            return True
        return any(pos <= c.start and not _CLAUSE_END.search(message[pos : c.start]) for pos in cues)

    claims = _phrases([c for c in found if c.kind != "promo" and asked(c)], message)
    statements = _asked_statements(message, skip, asks_copy)
    stated = [
        c for c in _stated_clauses(message, skip) if not any(c[1] < e and s < c[2] for _, s, e in statements)
    ]
    for clause in [*statements, *stated]:
        inside = [c for c in claims if c[1] < clause[2] and clause[1] < c[2]]
        if all(
            len(text.split()) < 2 for text, _, _ in inside
        ):  # "best", "ever": the clause says what is claimed
            claims = [c for c in claims if c not in inside] + [clause]
    return discount, claims


# "claim: X", "claim check: X", "claim for alpine ads: X": what follows the colon is the claim.
_CLAIM_LABEL = re.compile(r"^\s*claim\b[^:]{0,40}:\s*", re.I)
# "X - ok for the headline?", "X - claim ok for the meta ads?", "X, put it in the headline": the claim comes first.
# (Starts only where a run of spaces starts: from inside the run it would rescan it, quadratic on long runs.)
_ASK_AFTER = re.compile(
    r"(?<!\s)\s+[-–—]\s+(?:claim\s+)?(?:ok|okay|fine|allowed|put (?:it|that|this)|use (?:it|that|this))\b|"
    r",\s*(?:put|use) (?:it|that|this) in\b",
    re.I,
)


def _asked_statements(
    message: str, skip: tuple[int, int] | None, asks_copy: bool
) -> list[tuple[str, int, int]]:
    """What a marketer asks to claim in looser words: a quoted line when the message asks about copy or a claim
    ("is '800 fill-power RDS down' fine ...?"), the text after "claim:", the statement before "- ok for the
    headline?" or ", put it in the headline"."""
    out = []
    if asks_copy or CLAIM_ASK.search(message):
        for q in QUOTED.finditer(message):
            if not (skip and skip[0] <= q.start() < skip[1]):
                out.append((q.group(1).strip(), q.start(1), q.end(1)))
    if out:
        return out
    label = _CLAIM_LABEL.match(message)
    if label:
        text = message[label.end() :].rstrip(" ?.!")
        return [(text, label.end(), label.end() + len(text))] if text else []
    after = _ASK_AFTER.search(message)
    if after and not (skip and skip[0] <= 0 < skip[1]):
        text = message[: after.start()].strip()
        if 1 < len(text.split()) <= 12:
            start = message.find(text)
            return [(text, start, start + len(text))]
    return []


def _stated_clauses(message: str, skip: tuple[int, int] | None) -> list[tuple[str, int, int]]:
    """What follows a strong claim cue ("telling people it keeps you safe on any ice"), up to the clause's end: a
    claim to check even when no attribute family names it (a promotion there is the discount, not a claim)."""
    out = []
    for cue in _STATE_CUE.finditer(message):
        if skip and skip[0] <= cue.start() < skip[1]:
            continue
        rest = message[cue.end() :]
        end = _CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        lead = _CLAIM_FILLER.match(clause)
        start = cue.end() + (lead.end() if lead else 0)
        text = message[start : cue.end() + len(clause)].strip()
        if text and len(text.split()) <= 10 and not any(c.kind == "promo" for c in extract_claims(text)):
            out.append((text, start, start + len(text)))
    return out
