"""`scripts/gpu-check.sh`: the CPU version runs here in CI time; the CUDA version runs wherever a GPU exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gpu-check.sh"


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:
        return False


def _run(tmp_path: Path, *args: str, timeout: int) -> dict:
    out = tmp_path / "gpu-check.json"
    proc = subprocess.run(
        [str(SCRIPT), *args, "--json", str(out)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "all checks passed" in proc.stdout
    return json.loads(out.read_text())


@pytest.mark.slow
def test_gpu_check_cpu_version_passes_in_ci_time(tmp_path):
    report = _run(tmp_path, "--cpu", timeout=120)
    assert report["ok"] and report["environment"]["device"] == "cpu"
    checks = {row["check"]: row for row in report["checks"]}
    assert {
        "streaming",
        "stop sequences",
        "tool calls end to end",
        "isolation between 32 concurrent requests",
        "bounded queue (503 + Retry-After)",
    } <= set(checks)
    batches = [checks[f"batch of {n} concurrent"] for n in (1, 8, 32)]
    assert all(b["tok_s_total"] > 0 and b["ttft_p50_ms"] > 0 for b in batches)
    assert report["seconds"] < 60


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="no CUDA device")
def test_gpu_check_on_cuda(tmp_path):
    report = _run(tmp_path, timeout=300)
    assert report["ok"] and report["environment"]["device"] == "cuda"
    assert report["checks"][1]["dtype"] == "torch.bfloat16"


def test_without_cuda_the_script_says_to_use_cpu(tmp_path):
    if _cuda():
        pytest.skip("a CUDA device is present")
    proc = subprocess.run(
        [str(SCRIPT), "--json", str(tmp_path / "x.json")],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "--cpu" in proc.stderr
