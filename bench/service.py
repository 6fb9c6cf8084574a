"""Service benchmark: N concurrent chat sessions through POST /v1/chat (SSE) on loopback, with the default model.

For each level N (1, 4, 16 by default) it opens N sessions at once; each session asks `--turns` questions in a row
(the later ones continue the same session). It measures time to first token and to `done`, throughput and errors, and
checks that no answer went to the wrong session: the `done` reply must carry the session the client holds, its text
must equal the tokens streamed on that very response, and turn ids must grow within a session.

Baseline in the same run: the same questions asked in-process (`assistant.stream_turn`, no HTTP) one at a time; the
report gives the HTTP/in-process ratios of time to first token and to done.

Bounded: at most `--max-seconds` overall (each level gets what is left); requests time out after `--request-timeout`.

    python -m bench.service            # levels 1, 4, 16; writes bench/results/service.json and service.png
    python -m bench.service --quick    # levels 1 and 4, one turn each
    python -m bench.service --base-url http://127.0.0.1:7860   # an already running server (no baseline)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import threading
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

import httpx  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
QUESTIONS = [
    "What is your return window?",
    "How long does standard shipping take?",
    "Do you ship internationally?",
    "How do I wash a merino wool base layer?",
    "Can I return sale items?",
    "What payment methods do you accept?",
    "How does the loyalty program work?",
    "Do you price match?",
    "Which hiking boots are waterproof?",
    "I need a warm jacket for winter hikes",
]
TARGET_TTFT_P50_S = 1.5


@dataclass
class TurnResult:
    session: int
    turn: int
    ok: bool
    ttft_s: float | None = None
    done_s: float | None = None
    tokens: int = 0
    intent: str = ""
    problems: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def check_turn(
    expected_session: str | None, previous_turn: int | None, streamed: str, reply: dict | None
) -> list[str]:
    """Everything wrong with one streamed turn (empty when it is right)."""
    if reply is None:
        return ["no done event"]
    problems = []
    if expected_session is not None and reply.get("session_id") != expected_session:
        problems.append(f"wrong session: sent {expected_session}, got {reply.get('session_id')}")
    if streamed and streamed != reply.get("text"):
        problems.append("streamed tokens differ from the final reply text")
    if previous_turn is not None and not int(reply.get("turn_id", -1)) > previous_turn:
        problems.append("turn id did not grow within the session")
    return problems


def parse_sse_lines(lines: list[str]) -> tuple[str, Any] | None:
    """One SSE block (its lines) -> (event, JSON data), or None for comments and pings."""
    event, data = "message", []
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if not data:
        return None
    try:
        return event, json.loads("\n".join(data))
    except ValueError:
        return event, None


async def one_turn(
    client: httpx.AsyncClient, base: str, message: str, session_id: str | None
) -> tuple[dict, dict]:
    """POST one streamed turn; return (the done reply or None, timings and streamed text)."""
    start = time.perf_counter()
    info: dict[str, Any] = {"ttft": None, "text": "", "tokens": 0, "error": None}
    reply = None
    body = {"message": message, "session_id": session_id, "stream": True}
    async with client.stream(
        "POST", f"{base}/v1/chat", json=body, headers={"Accept": "text/event-stream"}
    ) as resp:
        if resp.status_code != 200:
            await resp.aread()
            info["error"] = f"HTTP {resp.status_code}: {resp.text[:200]}"
            return None, info  # type: ignore[return-value]
        block: list[str] = []
        async for line in resp.aiter_lines():
            if line:
                block.append(line)
                continue
            parsed = parse_sse_lines(block)
            block = []
            if parsed is None:
                continue
            event, data = parsed
            if event == "token":
                if info["ttft"] is None:
                    info["ttft"] = time.perf_counter() - start
                info["text"] += data["text"]
                info["tokens"] += 1
            elif event == "done":
                reply = data
            elif event == "error":
                info["error"] = f"error event: {data}"
    info["done"] = time.perf_counter() - start
    if info["ttft"] is None and reply is not None:
        info["ttft"] = info["done"]  # an answer with no token events (a tool-only reply)
    return reply, info


async def run_level(base: str, n: int, turns: int, request_timeout: float, deadline: float) -> dict[str, Any]:
    """N sessions at once, `turns` questions each; the summary of this level."""
    results: list[TurnResult] = []
    limits = httpx.Limits(max_connections=n + 4, max_keepalive_connections=n + 4)
    timeout = httpx.Timeout(request_timeout, connect=10.0)

    async def session(index: int, client: httpx.AsyncClient) -> str | None:
        session_id, previous = None, None
        for turn in range(turns):
            if time.monotonic() > deadline:
                results.append(TurnResult(index, turn, False, problems=["not run: time budget spent"]))
                continue
            message = QUESTIONS[(index + turn) % len(QUESTIONS)]
            try:
                reply, info = await one_turn(client, base, message, session_id)
            except (httpx.HTTPError, OSError) as exc:
                results.append(TurnResult(index, turn, False, problems=[f"{type(exc).__name__}: {exc}"]))
                continue
            problems = [info["error"]] if info["error"] else []
            problems += check_turn(session_id, previous, info["text"], reply) if not problems else []
            results.append(
                TurnResult(
                    session=index,
                    turn=turn,
                    ok=not problems,
                    ttft_s=info["ttft"],
                    done_s=info.get("done"),
                    tokens=info["tokens"],
                    intent=(reply or {}).get("intent", ""),
                    problems=problems,
                )
            )
            if reply is not None:
                session_id = session_id or reply["session_id"]
                previous = int(reply["turn_id"])
        return session_id

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        sessions = await asyncio.gather(*(session(i, client) for i in range(n)))
    wall = time.perf_counter() - start
    opened = [s for s in sessions if s]
    wrong = sum(1 for r in results if any("wrong session" in p or "differ" in p for p in r.problems))
    if len(set(opened)) != len(opened):
        wrong += len(opened) - len(set(opened))  # two clients were handed the same session
    ok = [r for r in results if r.ok]
    ttft = [r.ttft_s for r in ok if r.ttft_s is not None]
    done = [r.done_s for r in ok if r.done_s is not None]
    return {
        "sessions": n,
        "turns_per_session": turns,
        "turns_ok": len(ok),
        "errors": len(results) - len(ok),
        "wrong_session": wrong,
        "ttft_p50_s": percentile(ttft, 0.5),
        "ttft_p95_s": percentile(ttft, 0.95),
        "done_p50_s": percentile(done, 0.5),
        "done_p95_s": percentile(done, 0.95),
        "wall_s": wall,
        "throughput_turns_per_s": len(ok) / wall if wall else None,
        "tokens_per_s": sum(r.tokens for r in ok) / wall if wall else None,
        "intents": dict(Counter(r.intent for r in ok)),  # which paths of the turn loop the load exercised
        "problems": sorted({p for r in results for p in r.problems})[:10],
    }


def baseline_in_process(assistant: Any, turns: int) -> dict[str, Any]:
    """The same questions through `assistant.stream_turn` directly, one at a time (no HTTP, no concurrency)."""
    from assistant.conversation.reply import Caller

    ttft, done = [], []
    # Warm-up pass, untimed: the assistant caches question embeddings, and level 1 asks these very questions after
    # the baseline, so both sides are measured warm (a repeated FAQ question is the common case in a shop anyway).
    for index in range(turns):
        for _ in assistant.stream_turn(QUESTIONS[index % len(QUESTIONS)], Caller(role="customer")):
            pass
    for index in range(turns):
        start = time.perf_counter()
        first = None
        for event in assistant.stream_turn(QUESTIONS[index % len(QUESTIONS)], Caller(role="customer")):
            if first is None and event.type in ("token", "done"):
                first = time.perf_counter() - start
        ttft.append(first or 0.0)
        done.append(time.perf_counter() - start)
    return {"turns": turns, "ttft_p50_s": percentile(ttft, 0.5), "done_p50_s": percentile(done, 0.5)}


class LocalServer:
    """The real app under uvicorn in a thread on a free loopback port (stopped by `close`)."""

    def __init__(self, app: Any):
        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        start = time.monotonic()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() - start > 300:
                raise RuntimeError("the app did not start (see the log above)")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def run(
    levels: list[int],
    turns: int,
    base_url: str | None = None,
    app: Any = None,
    assistant: Any = None,
    max_seconds: float = 540.0,
    request_timeout: float = 240.0,
    baseline_turns: int | None = None,
) -> dict[str, Any]:
    """Run the benchmark and return the report. Starts the real app unless `base_url` or `app` is given."""
    started = time.monotonic()
    server = None
    if base_url is None:
        if app is None:
            from assistant import Assistant
            from assistant.http.app import create_app
            from assistant.settings import Settings

            settings = Settings()
            if settings.bootstrap_demo:  # what `make run` does on first start: demo shop, index, models
                from assistant.bootstrap import prepare_demo

                prepare_demo(settings, progress=True)
            assistant = Assistant.from_settings(settings)
            app = create_app(settings, assistant)
        server = LocalServer(app)
        base_url = server.url
    report: dict[str, Any] = {
        "bench": "service",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "base_url": base_url,
        "levels": [],
    }
    try:
        if assistant is not None and baseline_turns != 0:
            # the questions level 1 asks, in the same order
            report["baseline_in_process"] = baseline_in_process(assistant, baseline_turns or turns)
        deadline = started + max_seconds
        for n in levels:
            print(f"level {n}: {n} sessions x {turns} turns ...", flush=True)
            level = run_to_completion(run_level(base_url, n, turns, request_timeout, deadline))
            print(
                f"  ok {level['turns_ok']} errors {level['errors']} wrong-session {level['wrong_session']} "
                f"ttft p50 {_fmt(level['ttft_p50_s'])} p95 {_fmt(level['ttft_p95_s'])} "
                f"done p50 {_fmt(level['done_p50_s'])} p95 {_fmt(level['done_p95_s'])}",
                flush=True,
            )
            report["levels"].append(level)
    finally:
        if server is not None:
            server.close()
    by_n = {lv["sessions"]: lv for lv in report["levels"]}
    base = report.get("baseline_in_process")
    if base and 1 in by_n and by_n[1]["ttft_p50_s"] and base["ttft_p50_s"]:
        report["ratios_http_vs_in_process"] = {
            "ttft_p50": by_n[1]["ttft_p50_s"] / base["ttft_p50_s"],
            "done_p50": by_n[1]["done_p50_s"] / base["done_p50_s"] if base["done_p50_s"] else None,
        }
    report["targets"] = {
        "single_user_ttft_p50_below_1_5_s": bool(
            1 in by_n and (by_n[1]["ttft_p50_s"] or 1e9) < TARGET_TTFT_P50_S
        ),
        "sixteen_sessions_zero_errors": bool(
            16 in by_n and by_n[16]["errors"] == 0 and by_n[16]["wrong_session"] == 0
        ),
    }
    report["elapsed_s"] = time.monotonic() - started
    return report


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def plot(report: dict[str, Any], path: Path) -> None:
    """p50/p95 time to first token and to done against the number of concurrent sessions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = [lv for lv in report["levels"] if lv["ttft_p50_s"] is not None]
    if not levels:
        return
    ns = [lv["sessions"] for lv in levels]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label, style in (
        ("ttft_p50_s", "first token p50", "o-"),
        ("ttft_p95_s", "first token p95", "o--"),
        ("done_p50_s", "done p50", "s-"),
        ("done_p95_s", "done p95", "s--"),
    ):
        ax.plot(ns, [lv[key] for lv in levels], style, label=label)
    ax.axhline(TARGET_TTFT_P50_S, color="grey", lw=0.8, ls=":", label="TTFT target (1 user)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.set_xlabel("concurrent sessions")
    ax.set_ylabel("seconds")
    ax.set_title("/v1/chat latency on loopback")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16", help="comma-separated numbers of concurrent sessions")
    parser.add_argument("--turns", type=int, default=3, help="questions per session")
    parser.add_argument("--quick", action="store_true", help="levels 1 and 4, one turn each")
    parser.add_argument("--base-url", help="benchmark a running server instead of starting one")
    parser.add_argument("--max-seconds", type=float, default=540.0)
    parser.add_argument("--request-timeout", type=float, default=240.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "service.json")
    args = parser.parse_args(argv)
    levels = [1, 4] if args.quick else [int(x) for x in args.levels.split(",") if x.strip()]
    turns = 1 if args.quick else args.turns
    report = run(
        levels,
        turns,
        base_url=args.base_url,
        max_seconds=args.max_seconds,
        request_timeout=args.request_timeout,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    plot(report, args.out.with_suffix(".png"))
    print(
        json.dumps(
            {
                k: report[k]
                for k in ("targets", "baseline_in_process", "ratios_http_vs_in_process")
                if k in report
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")
    return 0 if all(lv["wrong_session"] == 0 for lv in report["levels"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
