"""Two app servers on real shared engines (bench/cluster.py): do they agree, and what does the second one buy?

Steps, all in one run:

1. **upload on A, ask on B**: a new document uploaded through server A is answered (and cited) by server B within its
   refresh interval, and B renders it at /docs/uploads/<name>; B serves recommendations from the model set A trained.
2. **one server**: every session on server A for `duration` s (the baseline of the same run);
3. **two servers**: the same load with each session alternating between A and B turn by turn;
4. **failover**: two servers again, and B is killed with SIGKILL halfway; a client whose request fails (connection
   refused, a stream cut short) marks that server down, as a load balancer's health check would, and sends the same
   request (same `request_id`) to the other server.

Checked on every reply (as in bench/soak.py): no 5xx, the reply belongs to the session that asked, no other session's
secret in it. Checked in the database afterwards: every acknowledged turn is stored under its request id, no request
is stored twice, nothing is stored that no client was told about.

    python -m bench.cluster                          # 16 sessions x 30 s per phase; bench/results/cluster.json
    python -m bench.cluster --quick                  # 6 sessions x 8 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cluster_nodes import MARKETER_KEY, Cluster
from bench.event_loop import run_to_completion
from bench.soak import WORDS, _parse_sse, _pct

RESULTS = Path(__file__).resolve().parent / "results"
MARKETER = {"Authorization": f"Bearer {MARKETER_KEY}"}
UPLOAD_NAME = "gift-wrapping.md"
# Uploads are internal unless they say otherwise (issue 12); this one is meant for customers.
UPLOAD = (
    "---\nvisibility: public\n---\n# Gift wrapping\n\n## Gift wrap service\n\n"
    "We gift-wrap any order in recycled kraft paper with a hand-written card for 4 EUR per parcel.\n"
)


# ----------------------------------------------------------------------------------------------- the load balancer
class Balancer:
    """Round robin over the servers still up; a failed request takes its server out (a passive health check)."""

    def __init__(self, urls: list[str]):
        self.urls = list(urls)
        self.down: set[str] = set()

    def pick(self, n: int) -> str:
        up = [u for u in self.urls if u not in self.down] or self.urls
        return up[n % len(up)]

    def mark_down(self, url: str) -> None:
        self.down.add(url)


MAX_ERROR_SAMPLES = 5  # 5xx replies kept whole in the report, so that a failure names its request


@dataclass
class Stats:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_server: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    wrong_session: int = 0
    failovers: int = 0
    unanswered: int = 0
    errors: Counter = field(default_factory=Counter)
    server_errors: list[dict[str, Any]] = field(
        default_factory=list
    )  # the first few 5xx: what was asked, what came
    acked: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # session -> key -> turn


async def _ask(client, base: str, body: dict[str, Any]) -> tuple[int, dict | None]:
    """One turn; (status, Reply) with Reply None when the answer never completed (a stream cut short)."""
    if not body["stream"]:
        resp = await client.post(f"{base}/v1/chat", json=body)
        ok = resp.headers.get("content-type", "").startswith("application/json")
        return resp.status_code, (resp.json() if ok else None)
    async with client.stream("POST", f"{base}/v1/chat", json=body) as resp:
        if resp.status_code != 200:
            await resp.aread()
            return resp.status_code, None
        lines = [line async for line in resp.aiter_lines()]
    return 200, _parse_sse(lines)


async def _turn_with_failover(
    client, lb: Balancer, n: int, body: dict, stats: Stats
) -> tuple[int, dict | None]:
    import httpx

    for attempt in range(len(lb.urls)):
        base = lb.pick(n + attempt)
        try:
            status, reply = await _ask(client, base, body)
        except httpx.TransportError as exc:
            stats.errors[type(exc).__name__] += 1
            status, reply = 0, None
        if status == 200 and isinstance(reply, dict) and "error" not in reply:
            stats.by_server[base] += 1
            return status, reply
        if status not in (0, 200):
            return status, reply  # an answer (4xx/5xx), not a dead server: counted, not retried
        lb.mark_down(base)
        stats.failovers += 1
    return 0, None


async def _session(
    index: int, lb: Balancer, words: dict[int, str], stop_at: float, stats: Stats, client
) -> None:
    secret = words[index]
    others = [s for i, s in words.items() if i != index]
    messages = [
        f"Please ask a person to contact me at {secret}@example.com",
        "What is your return window?",
        "hello",
        "How long does shipping take?",
    ]
    session_id, last_turn, n = None, 0, 0
    while time.monotonic() < stop_at:
        message = messages[n % len(messages)]
        body = {
            "message": message,
            "session_id": session_id,
            "stream": n % 2 == 1,
            "request_id": f"{secret}-{n}",
        }
        started = time.monotonic()
        status, reply = await _turn_with_failover(client, lb, index + n, body, stats)
        n += 1
        stats.statuses[status] += 1
        if status >= 500 and len(stats.server_errors) < MAX_ERROR_SAMPLES:
            stats.server_errors.append({"status": status, "message": message, "reply": str(reply)[:300]})
        if reply is None or status != 200:
            stats.unanswered += 1
            continue
        stats.latencies.append(time.monotonic() - started)
        session_id = session_id or reply["session_id"]
        if reply["session_id"] != session_id or reply["turn_id"] <= last_turn:
            stats.wrong_session += 1
        last_turn = reply["turn_id"]
        stats.acked[session_id][body["request_id"]] = reply["turn_id"]
        text = reply.get("text", "") + json.dumps(reply.get("tool_calls", []))
        leaked = [s for s in others if s in text]
        if leaked:
            stats.leaks.append(f"session {index} saw {leaked}")


async def _drive(urls: list[str], sessions: int, seconds: float, kill=None) -> tuple[Stats, float]:
    """`sessions` concurrent sessions for `seconds`; `kill()` (if given) runs halfway through."""
    import httpx

    words = {i: f"{WORDS[i % len(WORDS)]}{secrets.token_hex(4)}" for i in range(sessions)}
    stats, lb = Stats(), Balancer(urls)
    t0 = time.monotonic()
    limits = httpx.Limits(max_connections=sessions * 2 + 4, max_keepalive_connections=sessions * 2 + 4)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        tasks = [_session(i, lb, words, t0 + seconds, stats, client) for i in range(sessions)]
        if kill is not None:

            async def later() -> None:
                await asyncio.sleep(seconds / 2)
                await asyncio.to_thread(kill)

            tasks.append(later())
        await asyncio.gather(*tasks)
    return stats, time.monotonic() - t0


# ------------------------------------------------------------------------------------------ checks and reports
def audit_database(database_url: str, stats: Stats) -> dict[str, int]:
    """Compare what the clients were told with what the database holds."""
    from sqlalchemy import bindparam, create_engine, text

    from assistant.storage.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    query = text("SELECT session_id, id, turn_key FROM chat_turns WHERE session_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {"ids": list(stats.acked) or [""]}).all()
    engine.dispose()
    stored = defaultdict(dict)
    keys = Counter()
    for session_id, turn_id, key in rows:
        stored[session_id][key] = turn_id
        keys[key] += 1
    acked = {(s, k): t for s, turns in stats.acked.items() for k, t in turns.items()}
    held = {(s, k): t for s, turns in stored.items() for k, t in turns.items()}
    return {
        "acknowledged": len(acked),
        "stored": len(rows),
        "lost": sum(1 for sk, t in acked.items() if held.get(sk) != t),
        "duplicated": sum(n - 1 for n in keys.values() if n > 1) + sum(1 for _, _, k in rows if k is None),
        "stored_unacknowledged": sum(1 for sk in held if sk not in acked),
    }


def summary(stats: Stats, seconds: float) -> dict[str, Any]:
    total = sum(stats.statuses.values())
    return {
        "turns": total,
        "seconds": round(seconds, 1),
        "turns_per_s": round(len(stats.latencies) / seconds, 2) if seconds else None,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "server_errors_5xx": sum(v for k, v in stats.statuses.items() if k >= 500),
        "server_error_samples": stats.server_errors,
        "unanswered": stats.unanswered,
        "failovers": stats.failovers,
        "turns_by_server": dict(stats.by_server),
        "transport_errors": dict(stats.errors),
        "cross_session_leaks": len(stats.leaks),
        "wrong_session_replies": stats.wrong_session,
        "latency_p50_s": _pct(stats.latencies, 0.5),
        "latency_p95_s": _pct(stats.latencies, 0.95),
    }


def upload_then_ask(cluster: Cluster, timeout_s: float = 60) -> dict[str, Any]:
    """Upload through server A; ask server B until its answer cites the upload. Also B's page and B's models."""
    import httpx

    a, b = cluster.servers[0].url, cluster.servers[1].url
    # B answers one question first, so that the wait measured below is the refresh, not B's first turn ever
    httpx.post(f"{b}/v1/chat", json={"message": "What is your return window?", "stream": False}, timeout=120)
    files = {"file": (UPLOAD_NAME, UPLOAD.encode(), "text/markdown")}
    uploaded = httpx.post(f"{a}/v1/documents", files=files, headers=MARKETER, timeout=120)
    uploaded.raise_for_status()
    t0, cited, asked = time.monotonic(), False, 0
    while not cited and time.monotonic() - t0 < timeout_s:
        reply = httpx.post(
            f"{b}/v1/chat", json={"message": "Can you gift-wrap my order?", "stream": False}, timeout=60
        ).json()
        asked += 1
        cited = any(c["source"] == f"uploads/{UPLOAD_NAME}" for c in reply.get("citations", []))
        if not cited:
            time.sleep(0.25)
    page = httpx.get(f"{b}/docs/uploads/{UPLOAD_NAME}", timeout=30)
    customer = _a_customer(cluster.database_url)
    recs = httpx.get(f"{b}/v1/customers/{customer}/recommendations", headers=MARKETER, timeout=60)
    # a marketer logged in on A is logged in on B (the same session secret), and B shows the plot A's training drew
    login = httpx.post(f"{a}/v1/login", json={"username": "marketer", "password": "demo"}, timeout=30)
    plot = httpx.get(f"{b}/v1/segments/plot.png", cookies=login.cookies, timeout=30)
    return {
        "upload_status": uploaded.status_code,
        "cited_by_other_server": cited,
        "seconds_until_cited": round(time.monotonic() - t0, 2),
        "questions_asked": asked,
        "page_on_other_server": page.status_code == 200 and "kraft paper" in page.text,
        "recommendations_on_other_server": recs.status_code == 200 and bool(recs.json().get("items")),
        "login_valid_on_other_server": login.status_code == 200 and plot.status_code == 200,
    }


def _a_customer(database_url: str) -> str:
    from sqlalchemy import create_engine, text

    from assistant.storage.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT customer_id FROM order_lines ORDER BY customer_id LIMIT 1")
        ).scalar()
    engine.dispose()
    return str(found)


# ------------------------------------------------------------------------------------------------------------ main
def run(sessions: int, duration: float, root: Path | None = None, out: Path | None = None) -> dict[str, Any]:
    """Start the cluster, run the four steps, write the report (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="mka-cluster-") as tmp:
        root = Path(root or tmp)
        started = time.monotonic()
        limits = {
            "MKA_LIMITS__RATE_PER_MINUTE_CLIENT": "1000000",
            "MKA_LIMITS__RATE_PER_MINUTE_SESSION": "1000000",
        }
        with Cluster.start(root, servers=2, MKA_LIMITS__MAX_TURNS_PER_SESSION="1000000", **limits) as cluster:
            startup_s = time.monotonic() - started
            agree = upload_then_ask(cluster)
            urls = [s.url for s in cluster.servers]
            phases: dict[str, Any] = {}
            for name, targets, kill in (
                ("one_server", urls[:1], None),
                ("two_servers", urls, None),
                ("failover", urls, cluster.servers[1].kill),
            ):
                stats, seconds = run_to_completion(_drive(targets, sessions, duration, kill))
                phases[name] = {
                    **summary(stats, seconds),
                    "database": audit_database(cluster.database_url, stats),
                }
            survivor_alive = cluster.servers[0].alive()
    report = _report(sessions, duration, startup_s, agree, phases, survivor_alive)
    out = out or RESULTS / "cluster.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def _report(sessions, duration, startup_s, agree, phases, survivor_alive) -> dict[str, Any]:
    one, two = phases["one_server"]["turns_per_s"], phases["two_servers"]["turns_per_s"]
    ok = survivor_alive and all(
        agree[k]
        for k in (
            "cited_by_other_server",
            "page_on_other_server",
            "recommendations_on_other_server",
            "login_valid_on_other_server",
        )
    )
    for phase in phases.values():
        db = phase["database"]
        ok = ok and phase["server_errors_5xx"] == 0 and phase["cross_session_leaks"] == 0
        ok = ok and phase["wrong_session_replies"] == 0 and db["lost"] == 0 and db["duplicated"] == 0
    return {
        "bench": "cluster",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "setup": "PostgreSQL 15 + chroma run + 2 x mka serve (API only), loopback; sessions alternate servers",
        "sessions": sessions,
        "duration_s_per_phase": duration,
        "startup_s": round(startup_s, 1),
        "agreement": agree,
        "phases": phases,
        "throughput_two_vs_one_server": round(two / one, 2) if one and two else None,
        "ok": bool(ok),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--quick", action="store_true", help="6 sessions x 8 s per phase")
    parser.add_argument("--root", type=Path, default=None, help="keep the cluster's folders (logs) here")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.duration = 6, 8.0
    report = run(args.sessions, args.duration, args.root, args.out)
    print(
        json.dumps(
            {k: report[k] for k in ("agreement", "phases", "throughput_two_vs_one_server", "ok")}, indent=2
        )
    )
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
