"""The GPU check: the local-model path on a CUDA machine with torch and transformers but no network.

    scripts/gpu-check.sh            # CUDA: a ~135M-shaped Llama, bf16, batches of 1/8/32 (a few minutes at most)
    scripts/gpu-check.sh --cpu      # the same checks on a tiny config on CPU (CI: well under a minute)

No weights travel: the model is a random-weight Llama built from a config, with an offline tokenizer carrying the
Qwen 2.5 chat template (tests/generation/fixtures), then taught for a few hundred steps to give fixed answers, one
of them a tool call. Saved and loaded back through `TransformersLLM` (bfloat16 on CUDA), it is checked for
streaming, stop sequences, tool-call parsing end to end, isolation between concurrent requests, the bounded queue,
and tokens/s and time to first token at 1, 8 and 32 concurrent requests. Prints one table, writes JSON; exit
status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "tests" / "generation" / "fixtures" / "qwen2_5_instruct.jinja"
WEATHER = {
    "name": "get_weather",
    "description": "The weather forecast for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
GREET = [{"role": "user", "content": "Say hello."}]
GREETING = "Hello! How can I help you today?"
# Distinct prompts with distinct answers: a request that got another's tokens would show.
ISOLATION = [
    ("Which tent is best for two?", "The Alpine 2 tent, 2.1 kg."),
    ("Do you ship to Norway?", "Yes, in 3 to 5 days."),
    ("Are the Scree Low shoes waterproof?", "No, their mesh upper is not waterproof."),
    ("What is your return policy?", "30 days, unworn, with the receipt."),
]


class Check:
    """One row of the table: a name, passed or not, and what was measured."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def run(self, name: str, fn: Callable[[], tuple[bool, str, dict[str, Any]]]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            ok, detail, data = fn()
        except Exception as exc:  # a check that crashes is a failed check, and the others still run
            ok, detail, data = False, f"{type(exc).__name__}: {exc}", {}
        row = {
            "check": name,
            "ok": ok,
            "detail": detail,
            "seconds": round(time.perf_counter() - started, 2),
            **data,
        }
        self.rows.append(row)
        print(f"  {'ok ' if ok else 'FAIL'} {name}: {detail}", flush=True)
        return row


def _environment(device: str) -> dict[str, Any]:
    import torch
    import transformers

    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": device,
        "cpu_threads": torch.get_num_threads(),
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        env.update(
            gpu=props.name,
            gpu_memory_gib=round(props.total_memory / 2**30, 1),
            capability=f"{props.major}.{props.minor}",
            bf16_supported=torch.cuda.is_bf16_supported(),
        )
    return env


def _build(size: str, device: str, folder: Path) -> tuple[bool, str, dict[str, Any]]:
    """Tokenizer + random Llama, taught its answers, saved as a transformers folder."""
    from generation.tinymodel import Lesson, teach, tiny_llama, tiny_tokenizer

    tokenizer = tiny_tokenizer(TEMPLATE.read_text(), family="qwen2.5")
    model = tiny_llama(tokenizer, size=size).to(device)
    lessons = [
        Lesson(ASK, CALL, [{"type": "function", "function": WEATHER}]),
        Lesson(GREET, GREETING),
        *(Lesson([{"role": "user", "content": q}], a) for q, a in ISOLATION),
    ]
    params = sum(p.numel() for p in model.parameters())
    cuda = device == "cuda"
    try:  # a wide margin on CUDA: the answers must survive the bfloat16 load; steps are cheap there
        steps = teach(model, tokenizer, lessons, margin=6.0 if cuda else 2.0, max_steps=1500 if cuda else 600)
        taught = True
    except RuntimeError as exc:  # still save it: the throughput rows do not need the lessons
        steps, taught = str(exc), False
    model.to("cpu").save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    detail = f"{params / 1e6:.1f}M params, " + (
        f"taught in {steps} steps" if taught else f"NOT taught: {steps}"
    )
    return taught, detail, {"params": params, "teach_steps": steps}


def _load(folder: Path, device: str, max_batch: int) -> tuple[Any, tuple[bool, str, dict[str, Any]]]:
    import torch

    from generation.config import LLMSettings
    from generation.transformers_llm import TransformersLLM

    settings = LLMSettings(
        model=str(folder), device=device, max_batch=max_batch, max_queue=64, max_new_tokens=64
    )
    llm = TransformersLLM(settings, cache_dir=folder.parent)
    dtype = next(llm.model.parameters()).dtype
    expected = torch.bfloat16 if device == "cuda" else torch.float32
    ok = dtype == expected and llm.device == device
    detail = f"{str(dtype).removeprefix('torch.')} on {llm.device} in {llm.load_seconds:.2f} s"
    return llm, (ok, detail, {"dtype": str(dtype), "load_s": round(llm.load_seconds, 3)})


def _streaming(llm: Any) -> tuple[bool, str, dict[str, Any]]:
    started = time.perf_counter()
    pieces, first = [], None
    for piece in llm.stream(GREET, max_tokens=40, temperature=0):
        first = first or time.perf_counter()
        pieces.append(piece)
    text = "".join(pieces)
    ttft = (first or time.perf_counter()) - started
    ok = len(pieces) > 1 and text == GREETING
    return ok, f"{len(pieces)} pieces, TTFT {ttft * 1000:.0f} ms, {text!r}", {"ttft_s": round(ttft, 4)}


def _stops(llm: Any) -> tuple[bool, str, dict[str, Any]]:
    cuts = {"How": "Hello! ", "!": "Hello", "never there": GREETING}
    got = {stop: llm.complete(GREET, max_tokens=40, temperature=0, stop=[stop]) for stop in cuts}
    ok = got == cuts
    return ok, ", ".join(f"{s!r} -> {t!r}" for s, t in got.items()), {}


def _tools(llm: Any) -> tuple[bool, str, dict[str, Any]]:
    from generation.toolcalls import MalformedToolCall, parse_tool_calls

    result = llm.chat(ASK, tools=[WEATHER], temperature=0)
    calls = [(c.name, c.arguments) for c in result.tool_calls]
    try:
        parse_tool_calls('<tool_call>{"name": "get_weather", "arguments": {"city": </tool_call>', [WEATHER])
        refused = False
    except MalformedToolCall:
        refused = True
    ok = llm.supports_tools and calls == [("get_weather", {"city": "Paris"})] and refused
    detail = f"supports_tools={llm.supports_tools}, calls={calls}, malformed refused={refused}"
    return ok, detail, {}


def _concurrently(llm: Any, jobs: list[tuple[list[dict], int]]) -> list[dict[str, Any]]:
    """Run `jobs` (messages, max_tokens) at once from their own threads; per job: text, tokens, TTFT, seconds."""
    out: list[dict[str, Any]] = [{} for _ in jobs]
    barrier = threading.Barrier(len(jobs))

    def caller(i: int) -> None:
        messages, n = jobs[i]
        barrier.wait()
        started = time.perf_counter()
        first, pieces = None, []
        for piece in llm.stream(messages, max_tokens=n, temperature=0):
            first = first or time.perf_counter()
            pieces.append(piece)
        end = time.perf_counter()
        text = "".join(pieces)
        out[i] = {
            "text": text,
            "tokens": llm.count_tokens(text),
            "ttft": (first or end) - started,
            "end": end,
        }

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return out


def _isolation(llm: Any, concurrency: int) -> tuple[bool, str, dict[str, Any]]:
    jobs = [([{"role": "user", "content": ISOLATION[i % 4][0]}], 30) for i in range(concurrency)]
    results = _concurrently(llm, jobs)
    wrong = [i for i, r in enumerate(results) if r.get("text") != ISOLATION[i % 4][1]]
    ok = not wrong and llm.scheduler.max_rows_seen > 1
    detail = f"{concurrency} concurrent, {len(wrong)} got another answer, batch up to {llm.scheduler.max_rows_seen}"
    return ok, detail, {}


def _throughput(llm: Any, concurrency: int, max_tokens: int) -> tuple[bool, str, dict[str, Any]]:
    # Varied prompts the model was not taught: it writes max_tokens of noise, which is what we time.
    jobs = [
        ([{"role": "user", "content": f"Request {i}: describe item {i * 7 % 13}."}], max_tokens)
        for i in range(concurrency)
    ]
    started = time.perf_counter()
    results = _concurrently(llm, jobs)
    wall = max(r["end"] for r in results) - started
    tokens = sum(r["tokens"] for r in results)
    ttfts = sorted(r["ttft"] for r in results)
    data = {
        "concurrency": concurrency,
        "tokens": tokens,
        "wall_s": round(wall, 3),
        "tok_s_total": round(tokens / wall, 1),
        "tok_s_per_request": round(tokens / wall / concurrency, 1),
        "ttft_p50_ms": round(statistics.median(ttfts) * 1000, 1),
        "ttft_max_ms": round(ttfts[-1] * 1000, 1),
    }
    ok = tokens >= concurrency * max_tokens * 0.5  # the tiny tokenizer may merge a few tokens on re-count
    detail = (
        f"{data['tok_s_total']} tok/s total, {data['tok_s_per_request']} per request, "
        f"TTFT p50 {data['ttft_p50_ms']} ms, max {data['ttft_max_ms']} ms"
    )
    return ok, detail, data


def _bounded_queue(folder: Path, device: str) -> tuple[bool, str, dict[str, Any]]:
    from generation.errors import BackendBusy

    llm, _ = _load(folder, device, max_batch=1)
    llm.scheduler.max_queue = 1
    try:
        running = llm.stream(GREET, max_tokens=2000)
        next(running)
        waiting = llm.stream(GREET, max_tokens=3)
        try:
            llm.complete(GREET, max_tokens=3)
            return False, "a third request was accepted with max_batch=1, max_queue=1", {}
        except BackendBusy as exc:
            refused = exc.retry_after
        running.close()
        served = "".join(waiting)
    finally:
        llm.close()
    return bool(served), f"refused with retry_after={refused} s, the waiting request was served", {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check the local model path on this machine (no network needed)."
    )
    parser.add_argument("--cpu", action="store_true", help="run on CPU with a tiny config (CI)")
    parser.add_argument(
        "--json", type=Path, default=None, help="write the results here (default: gpu-check.json)"
    )
    parser.add_argument(
        "--max-tokens", type=int, default=None, help="tokens per request in the throughput rows"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # one table, not a screen of bars
    if not args.cpu and not torch.cuda.is_available():
        print("no CUDA device here: run with --cpu for the CPU version of this check", file=sys.stderr)
        return 2
    device = "cpu" if args.cpu else "cuda"
    if args.cpu:
        torch.set_num_threads(1)  # CI machines are small and busy; one thread is the fast choice (STACK.md)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True  # teaching in float32 runs on tensor cores
    size = "cpu" if args.cpu else "gpu"
    max_tokens = args.max_tokens or (16 if args.cpu else 128)
    started = time.perf_counter()
    env = _environment(device)
    print(
        f"gpu-check on {env.get('gpu', 'CPU')} ({device}), torch {env['torch']}, transformers {env['transformers']}"
    )
    checks = Check()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        folder = Path(tmp) / "tiny-llama"
        checks.run("build and teach a random-weight Llama", lambda: _build(size, device, folder))
        if (folder / "config.json").is_file():
            holder: dict[str, Any] = {}

            def load() -> tuple[bool, str, dict[str, Any]]:
                holder["llm"], result = _load(folder, device, max_batch=32)
                return result

            checks.run("load through TransformersLLM", load)
            llm = holder.get("llm")
            if llm is not None:
                checks.run("streaming", lambda: _streaming(llm))
                checks.run("stop sequences", lambda: _stops(llm))
                checks.run("tool calls end to end", lambda: _tools(llm))
                checks.run("isolation between 32 concurrent requests", lambda: _isolation(llm, 32))
                for n in (1, 8, 32):
                    checks.run(f"batch of {n} concurrent", lambda n=n: _throughput(llm, n, max_tokens))
                llm.close()
                checks.run("bounded queue (503 + Retry-After)", lambda: _bounded_queue(folder, device))
    total = time.perf_counter() - started
    ok = all(r["ok"] for r in checks.rows)
    _print_table(checks.rows, env, total, ok)
    out = args.json or REPO / "var" / "gpu-check.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"ok": ok, "seconds": round(total, 1), "environment": env, "checks": checks.rows}, indent=2
        )
    )
    print(f"results: {out}")
    return 0 if ok else 1


def _print_table(rows: list[dict[str, Any]], env: dict[str, Any], total: float, ok: bool) -> None:
    width = max(len(r["check"]) for r in rows)
    print()
    print(f"{'check':<{width}}  result  {'seconds':>7}  detail")
    print(f"{'-' * width}  ------  -------  ------")
    for r in rows:
        print(f"{r['check']:<{width}}  {'ok' if r['ok'] else 'FAIL':<6}  {r['seconds']:>7.2f}  {r['detail']}")
    print(
        f"{'all checks passed' if ok else 'SOME CHECKS FAILED'} in {total:.1f} s on {env.get('gpu', 'CPU')}"
    )


if __name__ == "__main__":
    sys.exit(main())
