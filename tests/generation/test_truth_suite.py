"""The adversarial truth suite: for every mechanism-built case (tests/generation/truth_cases.py) the false line is
rejected and the true one kept, by the copy rules and, for chat, by the answer guard.

`make test` checks a fixed stratified sample (two cases of every mechanism x product category x with/without brief,
tests/sampling.py); `make test-all` (MKA_TEST_ALL=1) checks every case."""

from __future__ import annotations

from collections import Counter

import pytest

from generation.copy_rules import FieldSpec, Rules
from generation.copywriter import CopyRequest
from generation.guard import check
from tests.sampling import stratified_sample

from .truth_cases import TODAY, Case, all_cases, stratum

CASES = all_cases()
CHECKED = stratified_sample(CASES, stratum, lambda c: c.id, per_stratum=2)
LINE = FieldSpec(name="line", kind="text", label="line", max_chars=200)


_RULES: dict[tuple, Rules] = {}


def _problems(products, brief, line: str) -> list[str]:
    key = (tuple(p.model_dump_json() for p in products), brief.id if brief else None)
    if key not in _RULES:
        _RULES[key] = Rules(CopyRequest(products=list(products), channel="x", brief=brief, today=TODAY))
    return _RULES[key].problems(line, LINE)


def test_the_suite_is_large_and_covers_every_mechanism():
    kinds = Counter(c.id.split("-")[0] for c in CASES)
    assert len(CASES) >= 200, kinds
    for kind in ("neg", "price", "pct", "spelled", "range", "unit", "promo", "sup", "data", "sib", "brief"):
        assert kinds[kind] > 0, kinds


def test_the_checked_cases_cover_every_stratum_of_the_suite():
    assert {stratum(c) for c in CHECKED} == {stratum(c) for c in CASES}


@pytest.mark.parametrize("case", CHECKED, ids=lambda c: c.id)
def test_false_line_rejected_true_line_kept(case: Case):
    assert _problems(case.products, case.brief, case.false_line), (
        f"accepted a false line: {case.false_line!r}"
    )
    true_products = case.true_products or case.products
    assert _problems(true_products, case.brief, case.true_line) == [], case.true_line


NEGATED = [c for c in CASES if c.id.startswith("neg-is-")]


@pytest.mark.parametrize("case", NEGATED, ids=lambda c: c.id)
def test_the_chat_guard_rejects_a_negated_attribute(case: Case):
    evidence = [s.text for p in case.products for s in p.statements()]
    false = check(f"{case.false_line} [1].", evidence, claims=True)
    assert not false.ok and false.claim_problems and false.repaired_text == ""
    assert check(f"{case.true_line} [1].", evidence, claims=True).ok
