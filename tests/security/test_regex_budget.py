"""Bounded work per request: no regular expression our code compiles, and no text entry point, takes super-linear time
on generated adversarial text (repeated short words with hyphens, digits, spaces, spelled numbers, separators).

The census (`bench/attack_regex.py`) finds the patterns itself (it records every pattern compiled by our code while
importing every module and running the entry points), so a new pattern is covered without editing this file. It runs
in a child process under a timeout: a catastrophic pattern fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.commerce.catalog import Catalog
from assistant.conversation.reply import Caller
from assistant.conversation.router import Router
from assistant.security import sanitize_evidence
from assistant.services import Services
from assistant.settings import REPO_ROOT
from assistant.storage.store import ConversationStore
from bench import attack_regex
from bench.attack_regex import UNITS, adversarial_texts
from generation.claims import extract_claims
from generation.copy_rules import FieldSpec, Rules
from generation.copywriter import CopyRequest
from generation.figures import _extract_facts
from generation.guard import check
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_hits
from tests.generation.truth_cases import catalog

# One call on 4 KB of text: linear patterns take milliseconds; the cubic ones this guards against took minutes. The
# bound leaves room for a busy 2-core machine.
ENTRY_BUDGET_S = 1.0
EVIDENCE = "The Ridge 40 boot is waterproof, weighs 760 g and costs 169 EUR. Returns within 30 days."
LINE = FieldSpec(name="line", kind="text", label="line", max_chars=5000)


def _timed(call, text: str) -> float:
    """Seconds for one call; once more when over budget, the faster counting (a busy machine only adds time)."""
    best = float("inf")
    for _attempt in range(2):
        start = time.perf_counter()
        call(text)
        best = min(best, time.perf_counter() - start)
        if best < ENTRY_BUDGET_S:
            break
    return best


def _texts(size: int) -> list[str]:
    return [t for t in adversarial_texts(size) if t.endswith("!")]


@pytest.mark.slow
def test_every_pattern_is_linear_on_adversarial_text(tmp_path: Path) -> None:
    out = tmp_path / "regex.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.attack_regex", "--size", "4096", "--budget", "0.5", "--json", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(out.read_text())
    assert report["patterns"] > 150, "the census found too few patterns: it no longer sees our modules"
    assert report["over_budget"] == [], report["over_budget"]
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize(("planted", "unit"), [(r"(?:a )+a!", "a "), (r"(?:1\.1,)+;", "1.1,")])
def test_the_census_times_the_shapes_that_grow_at_the_full_size(monkeypatch, planted: str, unit: str) -> None:
    """The census times only the slow shapes at the full size (bench.attack_regex._times): a planted pattern that is
    quadratic on one unit's runs (from every start the run is read to its end) is still timed there on that unit."""
    timed: dict[int, dict] = {}
    real = attack_regex.time_shapes

    def recording(pattern, todo, size, budget_s):
        timed[size] = real(pattern, todo, size, budget_s)
        return timed[size]

    monkeypatch.setattr(attack_regex, "time_shapes", recording)
    times, sizes, _unit = attack_regex._times(planted, 0, 4096, 0.5)
    assert sizes == [256, 1024, 4096] and len(timed[1024]) == len(attack_regex.shapes()), times
    assert len(timed[4096]) < len(timed[1024]) / 4, (
        "the screening times (nearly) every shape at the full size"
    )
    assert any(shape[0] == unit for shape in timed[4096]), sorted(timed[4096])


@pytest.mark.parametrize(
    "name",
    ["figures", "claims", "guard", "line check", "evidence"],
)
def test_text_entry_points_stay_within_budget(name: str) -> None:
    rules = Rules(CopyRequest(products=[catalog()["FTW-001"]], channel="x"))
    call = {
        "figures": _extract_facts.__wrapped__,  # uncached: an attacker varies the text
        "claims": extract_claims,
        "guard": lambda t: check(t, EVIDENCE, claims=True),
        "line check": lambda t: rules.review(t, LINE),
        "evidence": sanitize_evidence,
    }[name]
    slowest, which = 0.0, ""
    for text in _texts(4096):
        took = _timed(call, text)
        if took > slowest:
            slowest, which = took, text[:20]
    assert slowest < ENTRY_BUDGET_S, f"{name} took {slowest:.2f}s on {which!r}..."


@pytest.mark.slow
def test_a_whole_chat_turn_on_adversarial_text_stays_within_budget(settings) -> None:
    """The customer's door: a full turn (routing, slots, catalog parsing, answer, guard) on the longest message the
    API accepts, each adversarial shape, with the real router's rules over a fake embedder."""
    catalog = Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")
    store = ConversationStore.from_url(settings.db_url)
    services = Services({}, kb=FakeKB(demo_hits()), catalog=catalog, embedder=HashEmbedder())
    app = Assistant(settings, store, services=services, router=Router(HashEmbedder()))
    limit = settings.limits.max_message_chars
    app.turn("warm up", Caller(role="customer"))
    slowest, which = 0.0, ""
    for text in _texts(limit)[: len(UNITS)]:
        took = _timed(lambda t: app.turn(t, Caller(role="customer")), text)
        if took > slowest:
            slowest, which = took, text[:20]
    assert slowest < ENTRY_BUDGET_S, f"a turn took {slowest:.2f}s on {which!r}..."
