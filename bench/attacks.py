"""Attack suite: the real server process (`mka serve`, the API with the web pages) on a free loopback port, its own
temporary data directory, attacked from outside over HTTP.

Categories (`bench/attack_cases.py`): forged and expired cookies, tokens for other customers, role and tool-call
injection in payloads, prompt injection through an uploaded document, internal documents requested anonymously,
malformed bodies and URLs, floods over the rate limits; and the second round (`bench/attack_round2.py`): regular
expressions that stall on adversarial text, rate limits dodged by a path's suffix, Gradio's CORS, cross-site requests
with the marketer's cookie, formulas in CSV exports, the demo password from the network, anonymous uploads and
unknown functions on the Gradio pages. Each category sends from its own loopback address
(127.0.0.N), so one category's flood never throttles another.

Every attempt must be refused with a 4xx (a redirect to the login page counts) or answered safely; a 5xx, an
internal canary in any answer (text that appears only in internal documents, and a random one planted in an
uploaded document), a marketer-only tool that ran for a customer, or an attack that got in is a failure. The
baseline from the same run: the legitimate twin of the attacks (a real login, a customer's own token, a public page,
a normal question) must still work, else refusing everything would pass. Afterwards the server must still be
healthy.

    python -m bench.attacks                            # everything; bench/results/attacks.json
    python -m bench.attacks --only cookies,malformed --no-index --json /tmp/a.json    # a quick slice
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.attack_harness import (
    DEMO,
    FAILURES,
    RESULTS,
    Attempt,
    Run,
    Server,
    index_demo,
)


def summarize(attempts: list[Attempt]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter] = {}
    for a in attempts:
        row = table.setdefault(a.category, Counter())
        row["attempts"] += 1
        row[a.outcome] += 1
        if a.status is not None and 400 <= a.status < 500:
            row["4xx"] += 1
        if a.status is not None and a.status >= 500:
            row["5xx"] += 1
    return {cat: dict(row) for cat, row in table.items()}


def print_table(summary: dict[str, dict[str, int]], controls: list[Attempt], health: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Attacks on the real server")
    for column in (
        "category",
        "attempts",
        "refused 4xx",
        "answered safely",
        "5xx",
        "leaks",
        "got in",
        "no answer",
    ):
        table.add_column(column, justify="left" if column == "category" else "right")
    totals: Counter = Counter()
    for cat, row in summary.items():
        cells = [
            row.get(k, 0)
            for k in ("attempts", "refused", "answered", "5xx", "leak", "accepted", "no_response")
        ]
        totals.update(dict(zip(("a", "r", "s", "e", "l", "g", "n"), cells, strict=True)))
        table.add_row(cat, *map(str, cells))
    table.add_row("all", *(str(totals[k]) for k in "arselgn"), style="bold")
    console = Console(width=120)
    console.print(table)
    ok = sum(c.outcome == "answered" for c in controls)
    console.print(f"controls (legitimate twins, must work): {ok}/{len(controls)}; health after: {health}")


def run_suite(only: set[str] | None, data_dir: Path | None, index: bool, out: Path) -> dict[str, Any]:
    from bench.attack_cases import (
        customer_tokens,
        forged_cookies,
        health_after,
        injection,
        internal_canaries,
        internal_docs,
    )
    from bench.attack_inputs import builtin_names, floods, malformed, uploads
    from bench.attack_round2 import CATEGORIES as ROUND_TWO

    categories: dict[str, Callable[[Run], None]] = {
        "cookies": forged_cookies,
        "tokens": customer_tokens,
        "injection": injection,
        "uploads": uploads,
        "internal_docs": internal_docs,
        "builtin_names": builtin_names,
        "malformed": malformed,
        "floods": floods,
        **ROUND_TWO,
    }
    if only and only - set(categories):
        raise SystemExit(
            f"unknown categories {sorted(only - set(categories))}; choose from {sorted(categories)}"
        )

    temp = Path(tempfile.mkdtemp(prefix="mka-attacks-")) if data_dir is None else None
    data_dir = data_dir or temp / "var"  # type: ignore[operator]
    data_dir.mkdir(parents=True, exist_ok=True)
    api_key = secrets.token_urlsafe(24)
    index_s = index_demo(data_dir, api_key) if index else 0.0
    server = Server(data_dir, api_key)
    try:
        ready_s = server.wait_ready()
        run = Run(server.base, data_dir, api_key, internal_canaries(DEMO))
        started = time.perf_counter()
        chosen = [c for c in categories if only is None or c in only]
        for name in chosen:
            categories[name](run)
        health = health_after(run, server)
        elapsed = time.perf_counter() - started
        log = server.log()
    finally:
        server.stop()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    from bench.attack_round2 import slowest_small_request

    summary = summarize(run.attempts)
    report = {
        "suite": "attacks",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "server": {
            "command": "mka serve --no-bootstrap --host 127.0.0.1 --port <free>",
            "ready_s": round(ready_s, 1),
            "index_s": round(index_s, 1),
            "indexed": index,
            "secrets_line": next((ln for ln in log.splitlines() if ln.startswith("secrets:")), ""),
            "unhandled_errors_logged": log.count("unhandled error on"),
        },
        "categories": chosen,
        "summary": summary,
        "totals": {
            "attempts": len(run.attempts),
            "refused_4xx": sum(a.outcome == "refused" for a in run.attempts),
            "answered_safely": sum(a.outcome == "answered" for a in run.attempts),
            "5xx": sum(a.outcome == "server_error" for a in run.attempts),
            "leaks": sum(a.outcome == "leak" for a in run.attempts),
            "got_in": sum(a.outcome == "accepted" for a in run.attempts),
            "no_response": sum(a.outcome == "no_response" for a in run.attempts),
        },
        "baseline_controls": {
            "worked": sum(c.outcome == "answered" for c in run.controls),
            "total": len(run.controls),
            "failed": [asdict(c) for c in run.controls if c.outcome != "answered"],
        },
        "health_after": health,
        "slowest_request_under_4kb": slowest_small_request([*run.attempts, *run.controls]),
        "seconds": round(elapsed, 1),
        "failures": [asdict(a) for a in run.attempts if a.outcome in FAILURES],
        "attempts": [asdict(a) for a in run.attempts],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print_table(summary, run.controls, health)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated categories (default: all)")
    parser.add_argument(
        "--data-dir", type=Path, help="the server's data directory (default: a fresh temp one)"
    )
    parser.add_argument(
        "--no-index", action="store_true", help="do not index the demo documents first (quicker)"
    )
    parser.add_argument(
        "--json", type=Path, default=RESULTS / "attacks.json", help="where to write the results"
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    report = run_suite(only, args.data_dir, not args.no_index, args.json)
    totals = report["totals"]
    bad = totals["5xx"] + totals["leaks"] + totals["got_in"] + totals["no_response"]
    healthy = report["health_after"].get("healthy", False)
    controls_ok = report["baseline_controls"]["worked"] == report["baseline_controls"]["total"]
    return 0 if bad == 0 and healthy and controls_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
