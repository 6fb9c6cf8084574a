"""First-request benchmark: how long the first customer question takes on a server that just said it is ready.

The real server process (`mka serve --no-bootstrap`, the app `make run` serves) on a free loopback port, its own copy
of an indexed demo shop. As soon as `/healthz` says `ready`, one question is asked (`POST /v1/chat`, not streamed),
with `/healthz` timed every 50 ms meanwhile; then the same question in a new session and a few other questions. A
server whose warming is not finished when it says ready (or that loads things on the first question) shows a first
request slower than the later ones.

Baseline from the same run: the same measurement on another checkout's code (`--baseline-repo`, e.g. the main branch
before this change), alternated with this one, on the same machine and the same indexed shop.

    python -m bench.first_request --baseline-repo ../main          # bench/results/first_request.json
    python -m bench.first_request --rounds 1 --data-dir /tmp/shop   # reuse an indexed shop (indexed there if empty)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.attack_harness import DEMO, RESULTS, _free_port

REPO = Path(__file__).resolve().parent.parent
FIRST = "What is your return policy?"  # the question issue 22 found slow on a fresh server
LATER = (
    "Do you ship abroad?",
    "How do I wash a merino wool base layer?",
    "Which tent is the lightest you sell?",
)
TARGET_S = 1.0  # issue 22: the slowest request with at most 4 KB of input
HEALTHZ_TARGET_S = 0.1


def _env(repo: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MKA_")}
    env.update(
        MKA_DATA_DIR=str(data_dir),
        MKA_DEMO_DIR=str(DEMO),
        # one client polls /healthz throughout: the per-address limit (120 a minute) is not what is measured here
        MKA_LIMITS__RATE_PER_MINUTE_CLIENT="100000",
        PYTHONPATH=str(repo),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def index_shop(data_dir: Path) -> None:
    """Index the demo shop into `data_dir` once (what `mka kb ingest data/demo` does for an operator)."""
    if (data_dir / "chroma").is_dir():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "assistant.cli", "kb", "ingest", str(DEMO)]
    done = subprocess.run(cmd, env=_env(REPO, data_dir), capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"indexing the demo shop failed:\n{done.stderr[-3000:]}")


class _Pinger:
    """`/healthz` every 50 ms in a thread while a request runs; the slowest answer."""

    def __init__(self, base: str):
        self.base, self.worst, self._stop = base, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get(f"{self.base}/healthz")
                self.worst = max(self.worst, time.perf_counter() - started)
                self._stop.wait(0.05)

    def __enter__(self) -> _Pinger:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(35)


def _ask(client: httpx.Client, base: str, question: str) -> dict[str, Any]:
    with _Pinger(base) as pinger:
        started = time.perf_counter()
        response = client.post(f"{base}/v1/chat", json={"message": question, "stream": False})
        seconds = time.perf_counter() - started
    return {
        "question": question,
        "status": response.status_code,
        "seconds": round(seconds, 3),
        "healthz_worst_s": round(pinger.worst, 3),
    }


def measure(repo: Path, shop: Path, timeout_s: float = 600) -> dict[str, Any]:
    """Serve `repo`'s code on a copy of the indexed `shop`; the first and later questions after ready."""
    work = Path(tempfile.mkdtemp(prefix="mka-first-"))
    data_dir = work / "var"
    shutil.copytree(shop, data_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (work / "server.log").open("w")
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--no-bootstrap", "--host", "127.0.0.1", "--port"]
    proc = subprocess.Popen(
        [*cmd, str(port)], env=_env(repo, data_dir), cwd=repo, stdout=log, stderr=subprocess.STDOUT
    )
    started, listening = time.perf_counter(), None
    try:
        with httpx.Client(timeout=120) as client:
            while True:
                if proc.poll() is not None or time.perf_counter() - started > timeout_s:
                    raise RuntimeError(f"server not ready: {(work / 'server.log').read_text()[-3000:]}")
                try:
                    health = client.get(f"{base}/healthz", timeout=5).json()
                    listening = listening or time.perf_counter() - started
                    if health.get("ready"):
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.5)
            ready = time.perf_counter() - started
            asked = [
                _ask(client, base, FIRST),
                _ask(client, base, FIRST),
                *(_ask(client, base, q) for q in LATER),
            ]
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    refused = [a for a in asked if a["status"] != 200]
    if refused:
        raise RuntimeError(f"questions not answered: {refused}")
    later = [a["seconds"] for a in asked[1:]]
    return {
        "listening_s": round(listening or 0.0, 1),
        "ready_s": round(ready, 1),
        "first_s": asked[0]["seconds"],
        "later_median_s": round(statistics.median(later), 3),
        "later_max_s": max(later),
        "healthz_worst_s": max(a["healthz_worst_s"] for a in asked),
        "requests": asked,
    }


def _commit(repo: Path) -> str:
    git = ["git", "-C", str(repo)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    )
    if not head:  # an exported tree (`git archive`): its folder's name says what it is
        return f"{repo.name} (not a git checkout)"
    return head + ("+changes" if changed.stdout.strip() else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--baseline-repo", type=Path, help="another checkout measured the same way (the baseline)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="servers started per checkout, alternating")
    parser.add_argument("--data-dir", type=Path, help="an indexed demo shop to copy (indexed there if empty)")
    parser.add_argument("--json", type=Path, default=RESULTS / "first_request.json")
    args = parser.parse_args(argv)
    temp = None
    if args.data_dir is None:
        temp = Path(tempfile.mkdtemp(prefix="mka-first-shop-"))
        args.data_dir = temp / "var"
    try:
        index_shop(args.data_dir)
        repos = {"this": REPO, **({"baseline": args.baseline_repo.resolve()} if args.baseline_repo else {})}
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in repos}
        for _ in range(args.rounds):
            for name, repo in repos.items():  # alternated: a machine busy for a while hurts both alike
                runs[name].append(measure(repo, args.data_dir))
                print(name, json.dumps(runs[name][-1]), flush=True)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    summary = {
        name: {
            "commit": _commit(repos[name]),
            "first_s_worst": max(r["first_s"] for r in rs),
            "later_max_s": max(r["later_max_s"] for r in rs),
            "healthz_worst_s": max(r["healthz_worst_s"] for r in rs),
            "ready_s_median": statistics.median(r["ready_s"] for r in rs),
        }
        for name, rs in runs.items()
    }
    if "baseline" in summary:
        summary["first_s_ratio_this_to_baseline"] = round(
            summary["this"]["first_s_worst"] / summary["baseline"]["first_s_worst"], 3
        )
    report = {
        "bench": "first_request",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()},
        "targets": {"first_s": TARGET_S, "healthz_s": HEALTHZ_TARGET_S},
        "summary": summary,
        "runs": runs,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0 if summary["this"]["first_s_worst"] < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
