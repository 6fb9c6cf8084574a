"""Deterministic stratified samples of large parametrised tables, so `make test` stays quick and `make test-all` runs
every row.

A table of thousands of cases that all exercise the same rule gains little per extra row in the everyday run; what
must not be lost is breadth: every category of case. `stratified_sample` keeps the first `per_stratum` cases of each
stratum in an order fixed by a salted hash of the case id (the "seed"): the same cases on every run and machine, and
adding a case to a table leaves the others' selection unchanged. With MKA_TEST_ALL=1 (`make test-all`) it returns the
whole table.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")

SEED = "mka-sample-1"  # change it to draw another fixed sample


def run_all_cases() -> bool:
    """True where the whole of every table is wanted (`make test-all` sets MKA_TEST_ALL=1)."""
    return os.environ.get("MKA_TEST_ALL") == "1"


def stratified_sample(
    cases: Iterable[T],
    stratum: Callable[[T], Hashable],
    case_id: Callable[[T], str],
    per_stratum: int,
    seed: str = SEED,
) -> list[T]:
    """Up to `per_stratum` cases of every stratum, chosen by a salted hash of their ids; all cases under MKA_TEST_ALL=1.

    The result keeps the table's own order (test ids and reports read as before).
    """
    cases = list(cases)
    if run_all_cases():
        return cases

    def rank(case: T) -> str:
        return hashlib.sha256(f"{seed}:{case_id(case)}".encode()).hexdigest()

    chosen: set[int] = set()
    by_stratum: dict[Hashable, list[int]] = {}
    for index, case in enumerate(cases):
        by_stratum.setdefault(stratum(case), []).append(index)
    for indices in by_stratum.values():
        chosen.update(sorted(indices, key=lambda i: rank(cases[i]))[:per_stratum])
    return [case for index, case in enumerate(cases) if index in chosen]


def covering_sample(
    cases: Iterable[T],
    strata: Iterable[Callable[[T], Hashable]],
    case_id: Callable[[T], str],
    per_stratum: int = 1,
    seed: str = SEED,
) -> list[T]:
    """The union of `stratified_sample` over several ways of cutting the table (every product AND every channel, say),
    in the table's own order; all cases under MKA_TEST_ALL=1."""
    cases = list(cases)
    chosen = {id(c) for cut in strata for c in stratified_sample(cases, cut, case_id, per_stratum, seed)}
    return [case for case in cases if id(case) in chosen]
