"""The speed part of the generation benchmark: every local backend in the same run, and partial runs that merge into
the results file instead of replacing it (or crashing when the file is new)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.generation import main
from bench.generation_speed import _agreement, speed_table

pytestmark = pytest.mark.slow


def test_only_speed_into_a_new_file_then_only_copy_merges(tmp_path: Path, shared_data):
    out = tmp_path / "generation.json"
    speed = main(["--only", "speed", "--limit", "1", "--out", str(out)])["speed"]
    assert speed["transformers"]["decode_tok_s"] > 0 and speed["threads"] >= 1
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        assert "not installed" in speed["llama_cpp"]["status"]
    else:  # the baseline and our llama.cpp backend ran in the same run, with ratios over the baseline
        assert speed["llama_cpp"]["decode_tok_s"] > 0 and speed["llamacpp_backend"]["decode_tok_s"] > 0
        assert set(speed["ratio_over_llama_cpp"]) == {"transformers", "llamacpp_backend"}
        assert set(speed["same_greedy_output"]) == {"llama_cpp", "llamacpp_backend"}
    main(["--only", "copy", "--limit", "2", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["copy"]["rows"] == 2
    assert saved["speed"]["transformers"] == speed["transformers"]  # kept from the first run
    speed_table(saved["speed"])  # renders


def test_only_copy_into_a_new_file_does_not_crash(tmp_path: Path, shared_data):
    out = tmp_path / "fresh.json"
    result = main(["--only", "copy", "--limit", "1", "--out", str(out)])
    assert "speed" not in result and json.loads(out.read_text())["copy"]["rows"] == 1


def test_agreement_measures_identical_texts_and_common_prefixes():
    ref = [{"text": "abcd"}, {"text": "same"}]
    assert _agreement(ref, [{"text": "abXY"}, {"text": "same"}]) == {
        "identical": "1/2",
        "common_prefix": 0.75,
    }
