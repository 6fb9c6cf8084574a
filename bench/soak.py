"""Soak: many concurrent chat sessions against the real server on loopback for a bounded time.

The server runs in its own process (`create_app`, default model, the demo shop), so its memory is measured alone. Each
session has its own secret word and keeps asking, in one conversation, a mix of things: a handoff request that carries
its secret as the contact address (the reply names it back), a policy question, small talk, alternating streamed (SSE)
and whole replies. Checked on every reply:

- no 5xx, ever (4xx are counted and reported, never expected: the soak server's rate limits are lifted);
- the reply belongs to the session that asked (same session id, turn ids growing);
- no reply contains another session's secret (a cross-session leak), and the handoff replies do contain the session's
  own secret (so the leak check is known to see what it looks for).

Baseline in the same run: one session alone for `--baseline` seconds; the report gives the latency ratios
(concurrent / alone) and the server's RSS before, after, and its growth.

    python -m bench.soak                          # 32 sessions x 120 s; bench/results/soak.json and soak.png
    python -m bench.soak --sessions 4 --duration 20 --baseline 3 --data-dir /tmp/x --no-bootstrap   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.event_loop import run_to_completion

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
WORDS = "amber basalt cedar delta ember fjord garnet harbor indigo juniper kestrel lichen".split()


# ------------------------------------------------------------------------------------------------- server process
def serve(port: int, data_dir: Path | None, bootstrap: bool) -> None:
    """The server side (run in a child process): the real app with the soak's limits lifted."""
    import uvicorn

    from assistant.http.app import create_app
    from assistant.settings import Settings

    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    # Every session comes from 127.0.0.1: the per-address limit would throttle the soak, not protect anything.
    settings.limits.rate_per_minute_client = 10**9
    settings.limits.rate_per_minute_session = 10**9
    settings.limits.max_turns_per_session = 10**9
    if bootstrap:
        from assistant.bootstrap import prepare_demo

        prepare_demo(settings, progress=True)
    else:  # quick mode: the two policies the soak asks about, enough for grounded answers
        from retrieval import KnowledgeBase

        kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
        policies = settings.demo_dir / "policies"
        kb.sync([policies / "returns.md", policies / "shipping.md"], progress=False)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


# ------------------------------------------------------------------------------------------------------- clients
@dataclass
class Stats:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (time since start, seconds)
    leaks: list[str] = field(default_factory=list)
    wrong_session: int = 0
    echo_expected: int = 0
    echo_ok: int = 0
    errors: Counter = field(default_factory=Counter)


def _parse_sse(lines: list[str]) -> dict[str, Any] | None:
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "done":
            return json.loads(line[5:].strip())
        elif line.startswith("data:") and event == "error":
            return {"error": json.loads(line[5:].strip())}
    return None


async def _turn(
    client: Any, base: str, message: str, session_id: str | None, stream: bool
) -> tuple[int, Any]:
    body = {"message": message, "session_id": session_id, "stream": stream}
    if not stream:
        resp = await client.post(f"{base}/v1/chat", json=body)
        return resp.status_code, (
            resp.json() if resp.headers.get("content-type", "").startswith("application/json") else None
        )
    async with client.stream("POST", f"{base}/v1/chat", json=body) as resp:
        if resp.status_code != 200:
            await resp.aread()
            return resp.status_code, None
        lines = [line async for line in resp.aiter_lines()]
    return 200, _parse_sse(lines)


async def _session(
    index: int,
    base: str,
    secrets_by_session: dict[int, str],
    stop_at: float,
    t0: float,
    stats: Stats,
    client: Any,
) -> None:
    import httpx

    secret = secrets_by_session[index]
    others = [s for i, s in secrets_by_session.items() if i != index]
    session_id: str | None = None
    last_turn = 0
    messages = [
        f"Please ask a person to contact me at {secret}@example.com",
        "What is your return window?",
        "hello",
        "How long does shipping take?",
    ]
    n = 0
    while time.monotonic() < stop_at:
        message = messages[n % len(messages)]
        stream = n % 2 == 1
        n += 1
        started = time.monotonic()
        try:
            status, reply = await _turn(client, base, message, session_id, stream)
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            stats.errors[type(exc).__name__] += 1
            continue
        stats.statuses[status] += 1
        stats.latencies.append((started - t0, time.monotonic() - started))
        if status != 200 or not isinstance(reply, dict) or "error" in reply:
            if isinstance(reply, dict) and "error" in reply:
                stats.errors["sse error event"] += 1
            continue
        if session_id is None:
            session_id = reply["session_id"]
        if reply["session_id"] != session_id or reply["turn_id"] <= last_turn:
            stats.wrong_session += 1
        last_turn = reply["turn_id"]
        text = reply.get("text", "") + json.dumps(reply.get("tool_calls", []))
        leaked = [s for s in others if s in text]
        if leaked:
            stats.leaks.append(f"session {index} saw {leaked}")
        if secret in message:
            stats.echo_expected += 1
            stats.echo_ok += secret in reply.get("text", "")


async def _drive(base: str, sessions: int, seconds: float, request_timeout: float) -> tuple[Stats, float]:
    import httpx

    secrets_by_session = {i: f"{WORDS[i % len(WORDS)]}{secrets.token_hex(4)}" for i in range(sessions)}
    stats = Stats()
    t0 = time.monotonic()
    limits = httpx.Limits(max_connections=sessions + 4, max_keepalive_connections=sessions + 4)
    async with httpx.AsyncClient(timeout=request_timeout, limits=limits) as client:
        await asyncio.gather(
            *(_session(i, base, secrets_by_session, t0 + seconds, t0, stats, client) for i in range(sessions))
        )
    return stats, time.monotonic() - t0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(stats: Stats, seconds: float) -> dict[str, Any]:
    lat = [d for _, d in stats.latencies]
    total = sum(stats.statuses.values())
    return {
        "turns": total,
        "seconds": round(seconds, 1),
        "turns_per_s": round(total / seconds, 2) if seconds else None,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "server_errors_5xx": sum(v for k, v in stats.statuses.items() if k >= 500),
        "client_errors_4xx": sum(v for k, v in stats.statuses.items() if 400 <= k < 500),
        "transport_errors": dict(stats.errors),
        "cross_session_leaks": len(stats.leaks),
        "leak_examples": stats.leaks[:5],
        "wrong_session_replies": stats.wrong_session,
        "own_secret_echoed": f"{stats.echo_ok}/{stats.echo_expected}",
        "latency_p50_s": _pct(lat, 0.5),
        "latency_p95_s": _pct(lat, 0.95),
        "latency_max_s": max(lat) if lat else None,
    }


def plot(report: dict[str, Any], timeline: list[tuple[float, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    if timeline:
        xs, ys = zip(*timeline, strict=True)
        ax.scatter(xs, ys, s=6, alpha=0.5, label=f"{report['sessions']} concurrent sessions")
    base = report["baseline"].get("latency_p50_s")
    if base:
        ax.axhline(base, color="green", linestyle="--", label=f"one session alone, p50 {base:.2f} s")
    ax.set_xlabel("seconds into the soak")
    ax.set_ylabel("turn latency (s)")
    rss = report["rss_mb"]
    ax.set_title(
        f"soak: {report['soak']['turns']} turns, {report['soak']['server_errors_5xx']} 5xx, "
        f"{report['soak']['cross_session_leaks']} leaks, RSS {rss['before']:.0f} -> {rss['after']:.0f} MB"
    )
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------------------ main
def run(
    sessions: int = 32,
    duration: float = 120.0,
    baseline: float = 10.0,
    data_dir: Path | None = None,
    bootstrap: bool = True,
    out: Path | None = None,
    request_timeout: float = 120.0,
    start_timeout: float = 600.0,
) -> dict[str, Any]:
    """Start the server, measure one session alone, then `sessions` at once for `duration` s; write the report."""
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "bench.soak", "--serve", str(port)]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    if not bootstrap:
        cmd.append("--no-bootstrap")
    log_file = tempfile.TemporaryFile()
    server = subprocess.Popen(cmd, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if server.poll() is not None:
                log_file.seek(0)
                raise RuntimeError(
                    f"the soak server exited ({server.returncode}): {log_file.read()[-3000:]!r}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=2).json().get("ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the soak server was not ready after {start_timeout:.0f} s")
            time.sleep(0.5)
        rss_before = _rss_mb(server.pid)
        alone, alone_s = run_to_completion(_drive(base, 1, baseline, request_timeout))
        rss_after_baseline = _rss_mb(server.pid)
        soak, soak_s = run_to_completion(_drive(base, sessions, duration, request_timeout))
        rss_after = _rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log_file.close()
    report: dict[str, Any] = {
        "bench": "soak",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "sessions": sessions,
        "duration_s": duration,
        "baseline": _summary(alone, alone_s),
        "soak": _summary(soak, soak_s),
        "rss_mb": {
            "before": round(rss_before, 1),
            "after_baseline": round(rss_after_baseline, 1),
            "after": round(rss_after, 1),
            "growth": round(rss_after - rss_before, 1),
        },
    }
    b, s = report["baseline"], report["soak"]
    report["ratios_vs_one_session"] = {
        "latency_p50": round(s["latency_p50_s"] / b["latency_p50_s"], 2)
        if s["latency_p50_s"] and b["latency_p50_s"]
        else None,
        "throughput": round(s["turns_per_s"] / b["turns_per_s"], 2)
        if s["turns_per_s"] and b["turns_per_s"]
        else None,
    }
    report["ok"] = (
        s["server_errors_5xx"] == 0 and s["cross_session_leaks"] == 0 and s["wrong_session_replies"] == 0
    )
    out = out or RESULTS / "soak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    plot(report, soak.latencies, out.with_suffix(".png"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=32)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of concurrent load")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of one session alone first")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="server state (default: the settings' data_dir)"
    )
    parser.add_argument(
        "--no-bootstrap", action="store_true", help="index the policies only (no demo training)"
    )
    parser.add_argument("--quick", action="store_true", help="4 sessions x 20 s, 3 s baseline")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--serve", type=int, default=None, help=argparse.SUPPRESS
    )  # internal: the server process
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.data_dir, not args.no_bootstrap)
        return 0
    if args.quick:
        args.sessions, args.duration, args.baseline = 4, 20.0, 3.0
    report = run(args.sessions, args.duration, args.baseline, args.data_dir, not args.no_bootstrap, args.out)
    print(
        json.dumps(
            {k: report[k] for k in ("soak", "baseline", "rss_mb", "ratios_vs_one_session", "ok")}, indent=2
        )
    )
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
