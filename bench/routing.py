"""Routing benchmark: public customer-service utterances routed to what the shop does with them, and answered.

    python -m bench.routing --train          # fit the classifier, write data/demo/.assistant/route_model.npz
    python -m bench.routing                  # measure; writes bench/results/routing.json

Data: the Bitext utterances (`bench/routing_data.py`; 27 intents mapped by `bench/data/bitext_routes.yaml`), split once
by a hash of the text: train (fits the classifier), dev (settings were chosen on it), test (held back: reported here).

Measured, beside the router without the classifier (today's behaviour on the same shop data) in the same run:
1. classifier accuracy on the whole test split (route label: intent, or intent and capability);
2. the router as the agent uses it (embedding + classifier + slot rules, then the capability map) on a stratified
   sample of the test split, with its per-message time (real embedder, one message at a time);
3. through the real agent on the demo shop: the share of a stratified test sample answered "I could not find this",
   for this checkout and for `--baseline-ref` (default: where this branch left main), each run in its own process by
   `bench/assistant_runner.py`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.routing_data import ROOT, Utterance, load_bitext, stratified_sample, training_set

MODEL_PATH = ROOT / "data" / "demo" / ".assistant" / "route_model.npz"
RESULTS = ROOT / "bench" / "results" / "routing.json"
INDEX_CACHE = ROOT / "var" / "bench-routing"
NOT_FOUND_MARKS = (
    "could not find",
    "couldn't find",
    "nichts gefunden",
    "pas trouvé",
    "no encontré",
    "non ho trovato",
)


def train(bitext: list[Utterance]) -> dict[str, Any]:
    """Fit on the training split, report the dev split, write the artifact."""
    from assistant.conversation.route_model import RouteModel

    texts, labels = training_set(bitext)
    started = time.perf_counter()
    model = RouteModel.train(texts, labels)
    seconds = time.perf_counter() - started
    model.save(MODEL_PATH)
    dev = [u for u in bitext if u.split == "dev"]
    report = {
        "train_texts": len(texts),
        "labels": len(model.labels),
        "train_s": round(seconds, 1),
        "dev_accuracy": _accuracy(model.predict([u.text for u in dev]), dev),
        "artifact_kb": round(MODEL_PATH.stat().st_size / 1024),
    }
    print(json.dumps(report, indent=2))
    return report


def _accuracy(predicted: list[str], items: list[Utterance]) -> float:
    return round(sum(p == u.label for p, u in zip(predicted, items, strict=True)) / max(1, len(items)), 4)


def classifier_report(test: list[Utterance]) -> dict[str, Any]:
    from assistant.conversation.route_model import RouteModel

    model = RouteModel.load(MODEL_PATH)
    if model is None:
        raise SystemExit(f"no model at {MODEL_PATH}: run `python -m bench.routing --train` first")
    predicted = model.predict([u.text for u in test])
    by_intent: dict[str, list[bool]] = defaultdict(list)
    for p, u in zip(predicted, test, strict=True):
        by_intent[u.intent].append(p == u.label)
    return {
        "n": len(test),
        "accuracy": _accuracy(predicted, test),
        "by_intent": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_intent.items())},
    }


class _CachedEmbedder:
    """The real embedder, with the sample embedded in one batch up front (routing accuracy, not embedding speed)."""

    def __init__(self, embedder: Any, texts: list[str]):
        self.embedder = embedder
        self.cache = dict(zip(texts, embedder.embed(texts), strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])


def _routers(embedder: Any) -> dict[str, Any]:
    """The router as the agent builds it (catalog scorers and shortcuts), with and without the classifier."""
    from assistant.commerce.catalog import Catalog
    from assistant.conversation.agent import _catalog_scorers, _catalog_shortcuts, _segment_names
    from assistant.conversation.route_model import RouteModel
    from assistant.conversation.router import Router

    catalog = Catalog.from_csv(ROOT / "data" / "demo" / "catalog.csv")
    common = {
        "skus": [p.sku for p in catalog],
        "segments": _segment_names(),
        "scorers": _catalog_scorers(catalog),
        "shortcuts": _catalog_shortcuts(catalog),
    }
    return {
        "classifier": Router(embedder, model=RouteModel.load(MODEL_PATH), **common),
        "baseline": Router(embedder, **common),
    }


def routed_label(router: Any, capabilities: Any, embedder: Any, text: str) -> str:
    """Where the agent sends a customer's first message: a person where the escalation rule says so (asked,
    upset); else a capability of the map (the classifier's, else the closest example's); else the router's intent,
    with its own guess of "handoff" replaced by the next best (as `Agent._route` does)."""
    from assistant.conversation import escalation

    if escalation.decide(text, [], lambda a, b: 0.0) is not None:
        return "handoff"
    capability = router.capability(text)
    if capability is None:
        match = capabilities.match(text, embedder)
        capability = match.capability.id if match else None
    if capability:
        return f"service_question:{capability}"
    route = router.route(text)
    if route.intent != "handoff":
        return route.intent
    return max((kv for kv in route.scores.items() if kv[0] != "handoff"), key=lambda kv: kv[1])[0]


def _route_times(router: Any, texts: list[str]) -> dict[str, float]:
    router.route("warm up")
    times = []
    for text in texts:
        started = time.perf_counter()
        router.route(text)
        times.append((time.perf_counter() - started) * 1000)
    return {"route_ms_p50": round(float(np.percentile(times, 50)), 1),
            "route_ms_p95": round(float(np.percentile(times, 95)), 1)}  # fmt: skip


def router_report(sample: list[Utterance]) -> dict[str, Any]:
    from assistant.conversation.capabilities import CapabilityMap
    from bench.routing_data import CAPABILITIES
    from retrieval.config import RetrievalSettings
    from retrieval.embedding import get_embedder

    real = get_embedder(RetrievalSettings())
    capabilities = CapabilityMap.load(CAPABILITIES)
    cached = _CachedEmbedder(real, [u.text for u in sample])
    out: dict[str, Any] = {"n": len(sample)}
    for name, router in _routers(cached).items():
        labels = [routed_label(router, capabilities, cached, u.text) for u in sample]
        wrong = Counter((u.intent, got) for got, u in zip(labels, sample, strict=True) if got != u.label)
        out[name] = {"accuracy": _accuracy(labels, sample), "top_confusions": wrong.most_common(6)}
    # Time per message with the real embedder, one message at a time, both routers in turn on the same texts (the
    # machine is shared: the figures move with its load; the classifier's own share is timed apart).
    texts = [u.text for u in sample[:: max(1, len(sample) // 150)]]
    for name, router in _routers(real).items():
        out[name].update(_route_times(router, texts))
    model = _routers(real)["classifier"].model
    started = time.perf_counter()
    for text in texts:
        model.probabilities(text)
    out["classifier"]["classifier_ms_mean"] = round((time.perf_counter() - started) * 1000 / len(texts), 2)
    out["load_average"] = _load_average()
    return out


def _load_average() -> float | None:
    import os

    return round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None


def agent_report(sample: list[Utterance], baseline_ref: str) -> dict[str, Any]:
    """The share of `sample` answered "could not find", for this checkout and for `baseline_ref`."""
    from bench.assistant import baseline_tree, run_checkout

    questions = [{"id": f"bitext-{i}", "turns": [u.text]} for i, u in enumerate(sample)]
    out: dict[str, Any] = {"n": len(sample), "baseline_ref": baseline_ref}
    with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp:
        work = Path(tmp)
        trees = {"classifier": ROOT, "baseline": baseline_tree(baseline_ref, work)}
        try:
            for name, tree in trees.items():
                # The index lives on between runs (it syncs by content hash): a rerun costs minutes, not ten.
                run = run_checkout(tree, questions, INDEX_CACHE / name)
                out[name] = _coverage(sample, questions, run)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees["baseline"])],
                           capture_output=True)  # fmt: skip
            shutil.rmtree(trees["baseline"], ignore_errors=True)
    return out


def _coverage(sample: list[Utterance], questions: list[dict], run: dict) -> dict[str, Any]:
    by_intent: dict[str, list[bool]] = defaultdict(list)
    times, examples = [], []
    for u, q in zip(sample, questions, strict=True):
        reply = run["replies"].get(q["id"], {})
        text = (reply.get("text") or "").lower()
        missed = "error" in reply or not text or any(mark in text for mark in NOT_FOUND_MARKS)
        by_intent[u.intent].append(missed)
        if reply.get("ms") is not None:
            times.append(reply["ms"])
        if missed and len(examples) < 12:
            examples.append(
                {"utterance": u.text, "intent": u.intent, "reply": (reply.get("text") or "")[:160]}
            )
    missed_all = [m for v in by_intent.values() for m in v]
    return {
        "couldnt_find_share": round(sum(missed_all) / max(1, len(missed_all)), 4),
        "by_intent": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_intent.items())},
        "reply_ms_p95": round(float(np.percentile(times, 95)), 1) if times else None,
        "missed_examples": examples,
        "meta": run["meta"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train", action="store_true", help="fit and write the classifier, then stop")
    parser.add_argument(
        "--router-sample", type=int, default=1350, help="test utterances for the router (stratified)"
    )
    parser.add_argument("--agent-sample", type=int, default=200, help="test utterances through the agent")
    parser.add_argument(
        "--baseline-ref", default="", help="git ref of the baseline (default: merge-base with main)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    bitext = load_bitext()
    if args.train:
        train(bitext)
        return
    test = [u for u in bitext if u.split == "test"]
    report: dict[str, Any] = {
        "data": {"utterances": len(bitext), **Counter(u.split for u in bitext)},
        "classifier_only": classifier_report(test),
        "router": router_report(stratified_sample(test, args.router_sample)),
    }
    print(json.dumps(report, indent=2)[:3000])
    if args.agent_sample:
        ref = args.baseline_ref or _merge_base()
        report["agent"] = agent_report(stratified_sample(test, args.agent_sample), ref)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = (
        {k: report["agent"][k]["couldnt_find_share"] for k in ("classifier", "baseline")}
        if args.agent_sample
        else {}
    )
    print(f"wrote {args.out}; couldn't find: {summary}")


def _merge_base() -> str:
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True, text=True
    )
    return proc.stdout.strip()[:12] or "main"


if __name__ == "__main__":
    main()
