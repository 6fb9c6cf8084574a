"""Catalog-query benchmark: catalog questions answered as queries, on the development set and on a held-out set.

Direct part (no models): each question is parsed (`CatalogQueryParser`), run as `query_catalog` and written out
(`CatalogReply`); it is right when the operation is the expected one and the result matches (the first products in
order for superlatives, the exact rows for filters, the compared products, yes/no/unknown for attributes, yes/no for
fit, "we do not sell that" for kinds the shop lacks, the figure for a fact) AND every figure on every product line
of the reply is in that product's row (`generation.check_figures` against the row text). Questions marked `none`
must not be read as catalog queries.

Routed part (the real app in-process, demo shop): every demo-shop question goes through `Assistant.turn` with the
bundled embedder and router; reported: the intent accuracy, the same correctness on the reply text (figures), and
the time to a full reply (p50/p95) of the turns answered by the catalog query. Baseline in the same run: what the
product search (`search_products`, the path these questions took before) returns for the same questions, scored by
the same order/set rules (it has no answer for yes/no, fit or fact questions).

    python -m bench.catalog                 # both parts; writes bench/results/catalog.json
    python -m bench.catalog --direct-only   # no models, a few seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import yaml  # noqa: E402

from assistant.commerce.catalog import Catalog  # noqa: E402
from assistant.conversation.catalog_query import CatalogQueryParser  # noqa: E402
from assistant.conversation.catalog_reply import CatalogReply  # noqa: E402
from assistant.conversation.intents.catalog_query import MIN_CONFIDENCE  # noqa: E402
from assistant.tools import ToolContext, all_tools  # noqa: E402
from generation import check_figures  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data" / "catalog"
RESULTS = REPO / "bench" / "results"
SHOPS = {
    "demo": REPO / "data" / "demo" / "catalog.csv",
    "dev": DATA / "dev_shop.csv",
    "heldout": DATA / "heldout_shop.csv",
}
SETS = {"dev": DATA / "dev_questions.yaml", "heldout": DATA / "heldout_questions.yaml"}
_SKU_LINE = re.compile(r"\(([A-Z]{2,4}-\d{2,4})\)")
TARGET_P95_MS = 300
_MARKUP = re.compile(r"^\s*\d+\.\s|\[\d+\]|\([A-Z]{2,4}-\d{2,4}\)")


def load_questions(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load(SETS[name].read_text(encoding="utf-8"))


def figures_ok(text: str, rows: dict[str, str]) -> tuple[bool, str]:
    """Every figure on a line that names a product (its SKU) is in that product's row; table cells in a column are
    checked against that column's product."""
    for line in text.splitlines():
        skus = _SKU_LINE.findall(line)
        line = _MARKUP.sub(" ", line)  # list numbers and citation markers are not figures
        if skus:
            evidence = [rows[s] for s in skus if s in rows]
            result = check_figures(line, evidence)
            if not result.ok:
                return False, f"unsupported {[v.text for v in result.violations]} in {line!r}"
    return True, ""


def judge(case: dict[str, Any], parsed: Any, result: Any, text: str) -> tuple[bool, str]:
    """Whether the parse and the result answer the question as expected (see the module docstring)."""
    expected = case["op"]
    if expected == "none":
        ok = parsed.operation is None or parsed.confidence < MIN_CONFIDENCE
        return ok, "" if ok else f"read as {parsed.operation} ({parsed.confidence})"
    if parsed.operation != expected or parsed.confidence < MIN_CONFIDENCE or result is None:
        return False, f"operation {parsed.operation} ({parsed.confidence}), expected {expected}"
    skus = [r.sku for r in result.rows]
    checks = {
        "order": lambda want: skus[: len(want)] == want,
        "first_any": lambda want: bool(skus) and skus[0] in want,
        "set": lambda want: set(skus) == set(want),
        "products": lambda want: set(result.named or skus) == set(want),
        "answer": lambda want: all(
            any(c.sku == sku and c.polarity == pol for c in result.claims) for sku, pol in want.items()
        ),
        "fits": lambda want: (
            bool(result.fits)
            and (result.fits[0].fits if want in (True, "yes") else not any(f.fits for f in result.fits))
        ),
        "known": lambda want: result.kind_known == want,
        "value": lambda want: want in text,
    }
    for key, check in checks.items():
        if key in case and not check(case[key]):
            return False, f"{key}: expected {case[key]!r}, got rows {skus[:6]}"
    return True, ""


def _numbering() -> Any:
    """A citation numberer like the turn's: the same row keeps its number."""
    cited: list[str] = []

    def cite(row: Any) -> int:
        if row.sku not in cited:
            cited.append(row.sku)
        return cited.index(row.sku) + 1

    return cite


def run_direct(name: str) -> dict[str, Any]:
    """The direct part for one question set."""
    catalogs = {shop: Catalog.from_csv(path) for shop, path in SHOPS.items()}
    parsers = {shop: CatalogQueryParser(c) for shop, c in catalogs.items()}
    tool = all_tools()["query_catalog"]
    cases, times = [], []
    for case in load_questions(name):
        catalog = catalogs[case["shop"]]
        started = time.perf_counter()
        parsed = parsers[case["shop"]].parse(case["q"])
        result, text = None, ""
        if parsed.operation:
            ctx = ToolContext(role="customer", services={"catalog": catalog})
            result = tool.run(ctx, parsed.arguments)
            text = CatalogReply(result, parsed.language, _numbering()).text(parsed.asked_words)
        times.append((time.perf_counter() - started) * 1000)
        ok, why = judge(case, parsed, result, text)
        if ok and text:
            ok, why = figures_ok(text, {p.sku: p.row_text() for p in catalog})
        cases.append({"shop": case["shop"], "q": case["q"], "op": case["op"], "ok": ok, "why": why})
    right = sum(c["ok"] for c in cases)
    return {
        "questions": len(cases),
        "correct": right,
        "accuracy": round(right / len(cases), 3),
        "by_operation": _by_operation(cases),
        "parse_and_answer_ms": {"p50": round(statistics.median(times), 2), "p95": round(_p95(times), 2)},
        "wrong": [c for c in cases if not c["ok"]],
    }


def _by_operation(cases: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, list[int]] = {}
    for c in cases:
        out.setdefault(c["op"], [0, 0])
        out[c["op"]][0] += c["ok"]
        out[c["op"]][1] += 1
    return {op: f"{a}/{n}" for op, (a, n) in sorted(out.items())}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else 0.0


def run_routed(data_dir: Path) -> dict[str, Any]:
    """The routed part: the demo-shop questions of both sets through the real app, with the baseline."""
    from assistant import Assistant, Caller
    from assistant.bootstrap import prepare_demo
    from assistant.settings import Settings

    settings = Settings(data_dir=data_dir, _env_file=None)
    prepare_demo(settings, customers=200, progress=False)
    app = Assistant.from_settings(settings)
    app.warm_up()
    rows = {p.sku: p.row_text() for p in app.services["catalog"]}
    report: dict[str, Any] = {}
    for name in SETS:
        cases = [c for c in load_questions(name) if c["shop"] == "demo"]
        report[name] = _routed_set(app, Caller(role="customer"), cases, rows)
    return report


def _routed_set(app: Any, caller: Any, cases: list[dict[str, Any]], rows: dict[str, str]) -> dict[str, Any]:
    intent_right, figures_right, times, baseline = 0, 0, [], {"scored": 0, "correct": 0}
    misrouted, timed = [], []
    for case in cases:
        started = time.perf_counter()
        reply = app.turn(case["q"], caller)
        elapsed = (time.perf_counter() - started) * 1000
        want_catalog = case["op"] != "none"
        if (reply.intent == "catalog_query") == want_catalog:
            intent_right += 1
        else:
            misrouted.append({"q": case["q"], "intent": reply.intent})
        if reply.intent == "catalog_query":
            times.append(elapsed)
            timed.append((round(elapsed, 1), case["q"]))
            figures_right += figures_ok(reply.text, rows)[0]
        if {"order", "set", "first_any"} & set(case):
            baseline["scored"] += 1
            found = app.call_tool(caller, "search_products", {"query": case["q"], "k": 5})
            skus = [p.sku for p in found.products]
            want = case.get("order") or case.get("set") or case.get("first_any")
            if "order" in case:
                baseline["correct"] += skus[: len(want)] == want
            elif "set" in case:
                baseline["correct"] += set(skus) == set(want)
            else:
                baseline["correct"] += bool(skus) and skus[0] in want
    return {
        "questions": len(cases),
        "intent_accuracy": round(intent_right / len(cases), 3),
        "catalog_replies": len(times),
        "catalog_replies_with_every_figure_in_its_row": figures_right,
        "full_reply_ms": {"p50": round(statistics.median(times), 1), "p95": round(_p95(times), 1)}
        if times
        else {},
        "slowest_ms": sorted(timed, reverse=True)[:5],
        "misrouted": misrouted,
        "baseline_search_products_order_or_set_correct": f"{baseline['correct']}/{baseline['scored']}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--direct-only", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=REPO / "var" / "test-e2e")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()},
        "direct": {name: run_direct(name) for name in SETS},
    }
    if not args.direct_only:
        report["routed"] = run_routed(args.data_dir)
        report["target_full_reply_p95_ms"] = TARGET_P95_MS
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "catalog.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, part in report["direct"].items():
        print(
            f"{name}: {part['correct']}/{part['questions']} correct ({part['accuracy']:.1%}) {part['by_operation']}"
        )
    for name, part in report.get("routed", {}).items():
        print(f"routed {name}: intent {part['intent_accuracy']:.1%}, p95 {part['full_reply_ms']}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
