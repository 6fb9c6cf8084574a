"""The generation benchmark runs end to end on a small slice and writes its results (numbers are not judged here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.generation import main, rouge_l, unsupported


def test_rouge_l():
    assert rouge_l("the quick brown fox", "the quick brown fox") == 1.0
    assert rouge_l("quick fox", "the quick brown fox") == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert rouge_l("", "x") == 0.0


def test_unsupported_flags_new_names_and_figures():
    src = "We sell handmade soap in Berlin since 2001."
    assert unsupported("Handmade Soap From Berlin", src) == []
    assert unsupported("Handmade Soap From Paris", src) == ["Paris"]
    assert unsupported("Soap since 1999", src) == ["1999"]


@pytest.mark.slow
def test_bench_runs_on_a_slice(tmp_path: Path, shared_data):
    out = tmp_path / "generation.json"
    result = main(["--limit", "3", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["copy"]["rows"] == 3 and out.with_suffix(".png").is_file()
    ours = result["copy"]["systems"]["ours"]
    assert ours["validator_pass_rate"] == 1.0  # every shown draft passes the validators
    assert ours["unsupported_fact_rate"] == 0.0
    assert result["speed"]["transformers"]["decode_tok_s"] > 0
    assert "llama_cpp" in result["speed"]  # measured, or reported as not installed
