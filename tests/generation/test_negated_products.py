"""Every catalog product whose own text denies something, drafted on every channel from templates (alone and with each
brief that lists it): no line may assert what the catalog denies. The oracle is lexical and independent of the claim
extractor: a denied attribute's words may appear in a line only right after a negation.

`make test` drafts a fixed covering sample (every product once, every channel with and without a brief once,
tests/sampling.py); `make test-all` (MKA_TEST_ALL=1) drafts every combination."""

from __future__ import annotations

import re

import pytest

from generation.claims import _data as claims_data
from generation.claims import extract_claims
from generation.copy_rules import channel_specs
from generation.copywriter import CopyRequest, draft_copy
from tests.sampling import covering_sample

from .truth_cases import TODAY, briefs, catalog

_NEGATION = re.compile(r"\b(?:not|no|never|without|non|nicht|kein\w*|ohne)\b[\w\s,-]{0,25}$|n't\s*$", re.I)


def _denied(product) -> list[tuple[str, list[str]]]:
    """(what, the words that would assert it) for each thing the product's own text denies."""
    out = []
    for s in product.statements():
        for c in extract_claims(s.text):
            if c.positive:
                continue
            if c.kind == "attribute":
                fam = c.key[0][1:]
                out.append((fam, claims_data()["attributes"][fam]))
            elif c.kind == "phrase" and len(c.text.split()) >= 2:
                out.append((c.text, [c.text]))
    return out


NEGATED = [p for p in catalog().values() if _denied(p)]
DRAFTS = [
    (p, channel, brief)
    for p in NEGATED
    for channel in channel_specs()
    for brief in [None, *(b for b in briefs() if p.sku in b.products)]
]


def _draft_id(draft: tuple) -> str:
    product, channel, brief = draft
    return f"{product.sku}-{channel}-{brief.id if brief else 'none'}"


CHECKED = covering_sample(
    DRAFTS,
    [lambda d: d[0].sku, lambda d: (d[1], d[2] is not None), lambda d: d[2].id if d[2] else None],
    _draft_id,
)


def test_the_catalog_has_products_that_deny_something():
    assert len(NEGATED) >= 10
    assert {"FTW-003", "JKT-008", "JKT-009"} <= {p.sku for p in NEGATED}  # not waterproof, per the issue


def test_the_checked_drafts_cover_every_product_channel_and_brief():
    assert {d[0].sku for d in CHECKED} == {d[0].sku for d in DRAFTS}
    assert {(d[1], d[2] is not None) for d in CHECKED} == {(d[1], d[2] is not None) for d in DRAFTS}
    assert {d[2].id for d in CHECKED if d[2]} == {d[2].id for d in DRAFTS if d[2]}


def _asserts(line: str, words: list[str]) -> bool:
    low = line.lower()
    for w in words:
        for m in re.finditer(rf"(?<![\w-]){re.escape(w.lower())}", low):
            if not _NEGATION.search(low[: m.start()]) and not low[max(0, m.start() - 4) : m.start()].endswith(
                "non-"
            ):
                return True
    return False


@pytest.mark.parametrize(
    ("product", "channel", "brief"), CHECKED, ids=lambda x: getattr(x, "sku", getattr(x, "id", str(x)))
)
def test_no_draft_asserts_what_the_catalog_denies(product, channel, brief):
    result = draft_copy(
        CopyRequest(products=[product], channel=channel, brief=brief, variants=3, today=TODAY)
    )
    denied = _denied(product)
    for draft in result.drafts:
        for text in draft.texts():
            for line in re.split(r"(?<=[.!?])\s+|\n+", text):
                for what, words in denied:
                    assert not _asserts_in(line, what, words), (
                        f"{product.sku} {channel} variant {draft.variant}: {line!r} asserts {what!r}"
                    )


def _asserts_in(sentence: str, what: str, words: list[str]) -> bool:
    if len(what.split()) == 1 or what in claims_data()["attributes"]:
        return _asserts(sentence, words)
    # a denied phrase ("does not remove viruses"): all its words in one sentence, with no negation before them
    stems = [w[:5] for w in what.lower().split()]
    for clause in re.split(r"[,;:]", sentence.lower()):
        words_in = re.findall(r"[\w'’-]+", clause)
        for i, w in enumerate(words_in):
            window = words_in[i : i + 2 * len(stems) + 2]
            if w.startswith(stems[0]) and all(any(x.startswith(s) for x in window) for s in stems):
                before = words_in[
                    :i
                ]  # a negation earlier in the clause covers a list ("not fit B0 or B1 boots")
                if not any(
                    b in ("not", "no", "never", "without", "non") or b.endswith(("n't", "n’t"))
                    for b in before
                ):
                    return True
    return False
