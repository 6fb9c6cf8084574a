"""The speed part of `bench.generation`: local backends on the same GGUF, same prompts, same threads, same run.

Rows: `transformers` (`TransformersLLM`, the default backend), `llamacpp_backend` (`LlamaCppLLM`, our llama.cpp
backend, `MKA_LLM__BACKEND=llamacpp`) and `llama_cpp`, the baseline: llama-cpp-python called directly. The prompts
go round-robin over the backends (prompt 1 on each, then prompt 2, ...) so a machine that gets busier during the
run slows every row alike. Ratios are over the baseline. `same_greedy_output` compares each backend's greedy text
with the transformers float32 text for the same prompt (how near the faster paths stay to it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

StreamFn = Callable[[str, int], Iterator[str]]


def _half_the_cpus() -> int:
    return max(1, len(os.sched_getaffinity(0)) // 2)


def _one(
    stream_fn: StreamFn, prompt: str, max_tokens: int, count: Callable[[list[str]], int]
) -> dict[str, Any]:
    started = time.perf_counter()
    first, pieces = None, []
    for piece in stream_fn(prompt, max_tokens):
        first = first or time.perf_counter()
        pieces.append(piece)
    end = time.perf_counter()
    n = count(pieces)
    rate = (n - 1) / (end - first) if first is not None and n > 1 and end > first else None
    return {"ttft": (first or end) - started, "rate": rate, "text": "".join(pieces)}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ttfts = sorted(r["ttft"] for r in runs)
    rates = [r["rate"] for r in runs if r["rate"]]
    return {
        "ttft_s": round(ttfts[len(ttfts) // 2], 3),
        "decode_tok_s": round(sum(rates) / len(rates), 1) if rates else 0.0,
        "prompts": len(runs),
    }


def _backends(llm_settings: Any, cache_dir: Any, threads: int) -> tuple[dict[str, tuple], dict[str, Any]]:
    """name -> (stream_fn, count_fn, load_s); and the rows of backends that could not run, with why."""
    from generation.transformers_llm import TransformersLLM, bundled_model_path

    backends: dict[str, tuple] = {}
    missing: dict[str, Any] = {}
    tf = TransformersLLM(
        llm_settings.model_copy(update={"backend": "transformers", "threads": threads}), cache_dir
    )

    def tf_stream(prompt: str, n: int) -> Iterator[str]:
        return tf.stream([{"role": "user", "content": prompt}], max_tokens=n, temperature=0)

    backends["transformers"] = (tf_stream, lambda p: tf.count_tokens("".join(p)), tf.load_seconds, tf)
    try:
        from llama_cpp import Llama

        from generation.llamacpp_llm import LlamaCppLLM
    except ImportError:
        status = {"status": "llama.cpp not installed (pip install -e '.[llamacpp]')"}
        return backends, {"llama_cpp": status, "llamacpp_backend": status}
    ours = LlamaCppLLM(llm_settings.model_copy(update={"backend": "llamacpp", "threads": threads}))

    def ours_stream(prompt: str, n: int) -> Iterator[str]:
        return ours.stream([{"role": "user", "content": prompt}], max_tokens=n, temperature=0)

    backends["llamacpp_backend"] = (
        ours_stream,
        lambda p: ours.count_tokens("".join(p)),
        ours.load_seconds,
        ours,
    )
    started = time.perf_counter()
    path = bundled_model_path() if llm_settings.model == "bundled" else llm_settings.model
    raw = Llama(model_path=str(path), n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    raw_load = time.perf_counter() - started

    def raw_stream(prompt: str, n: int) -> Iterator[str]:
        for chunk in raw.create_chat_completion(
            [{"role": "user", "content": prompt}], max_tokens=n, temperature=0, stream=True
        ):
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    backends["llama_cpp"] = (raw_stream, len, raw_load, raw)  # one streamed chunk per token
    return backends, missing


def bench_speed(llm_settings: Any, cache_dir: Any, max_tokens: int, prompts: list[str]) -> dict[str, Any]:
    """Decode tokens/s and time to first token of every local backend, with ratios over llama.cpp."""
    threads = llm_settings.threads or _half_the_cpus()
    backends, out = _backends(llm_settings, cache_dir, threads)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in backends}
    for stream_fn, _, _, _ in backends.values():
        list(stream_fn("Hi", 4))  # warm-up
    for prompt in prompts:
        for name, (stream_fn, count, _, _) in backends.items():
            runs[name].append(_one(stream_fn, prompt, max_tokens, count))
    for name, (_, _, load_s, obj) in backends.items():
        out[name] = {**_summary(runs[name]), "load_s": round(load_s, 2)}
        if hasattr(obj, "device"):
            out[name]["device"] = obj.device
        if hasattr(obj, "close"):
            obj.close()
    out["threads"] = threads
    out["max_tokens"] = max_tokens
    out["same_greedy_output"] = {
        name: _agreement(runs["transformers"], runs[name]) for name in runs if name != "transformers"
    }
    base = out.get("llama_cpp", {})
    if base.get("decode_tok_s"):
        out["ratio_over_llama_cpp"] = {
            name: {
                "decode_tok_s": round(out[name]["decode_tok_s"] / base["decode_tok_s"], 2),
                "ttft": round(base["ttft_s"] / out[name]["ttft_s"], 2) if out[name]["ttft_s"] else None,
            }
            for name in backends
            if name != "llama_cpp"
        }
        tf = out["transformers"]
        out["ratio_llama_cpp_over_transformers"] = {  # kept for earlier results files
            "decode_tok_s": round(base["decode_tok_s"] / tf["decode_tok_s"], 2)
            if tf["decode_tok_s"]
            else None,
            "ttft": round(tf["ttft_s"] / base["ttft_s"], 2) if base["ttft_s"] else None,
        }
    out["texts"] = {name: [r["text"] for r in rs] for name, rs in runs.items()}
    return out


def _agreement(reference: list[dict[str, Any]], other: list[dict[str, Any]]) -> dict[str, Any]:
    """Identical texts, and the share of the reference's characters before the first difference."""
    same = sum(a["text"] == b["text"] for a, b in zip(reference, other, strict=True))
    prefix = []
    for a, b in zip(reference, other, strict=True):
        n = next((i for i, (x, y) in enumerate(zip(a["text"], b["text"], strict=False)) if x != y), None)
        n = min(len(a["text"]), len(b["text"])) if n is None else n
        prefix.append(n / max(1, len(a["text"])))
    return {"identical": f"{same}/{len(reference)}", "common_prefix": round(sum(prefix) / len(prefix), 3)}


def speed_table(speed: dict[str, Any]) -> Any:
    """The speed results as a rich Table."""
    from rich.markup import escape
    from rich.table import Table

    threads = speed.get("threads", "?")
    table = Table(title=f"LLM speed (same GGUF, same prompts, {threads} thread(s), greedy)")
    labels = {
        "transformers": "transformers",
        "llamacpp_backend": "llamacpp (ours)",
        "llama_cpp": "llama.cpp base",
    }
    table.add_column("backend", no_wrap=True)
    for column in ("TTFT s", "tok/s", "x base", "load s", "same text as fp32"):
        table.add_column(column)
    ratios = speed.get("ratio_over_llama_cpp", {})
    agreement = speed.get("same_greedy_output", {})
    for name in ("transformers", "llamacpp_backend", "llama_cpp"):
        s = speed.get(name)
        if s is None:
            continue
        if "status" in s:
            table.add_row(labels[name], escape(s["status"]), "", "", "", "")
            continue
        ratio = ratios.get(name, {}).get("decode_tok_s", 1.0 if name == "llama_cpp" else "")
        same = agreement.get(name, {})
        table.add_row(
            labels[name],
            str(s["ttft_s"]),
            str(s["decode_tok_s"]),
            str(ratio),
            str(s.get("load_s", "")),
            f"{same['identical']} ({same['common_prefix']:.0%} prefix)" if same else "",
        )
    return table
