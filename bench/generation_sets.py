"""Ad-copy sets on the demo shop's campaigns, default settings (the phrase bank, no model): time per set by channel,
and what the quality checker finds (unsupported lines, fragments, cut words, near-duplicate headline pairs), with the
ad-strength grade of every RSA set. The near-duplicate check's cost is measured beside MiniLM's on the same headlines.

    python -m bench.generation_sets [--products N]

Writes bench/results/generation_sets.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def _requests(products: int):
    import csv
    import datetime as dt

    from generation import CopyRequest, ProductFacts, load_briefs, load_shop_points

    demo = ROOT / "data" / "demo"
    with (demo / "catalog.csv").open(encoding="utf-8") as f:
        rows = {r["sku"]: {k: v for k, v in r.items() if v} for r in csv.DictReader(f)}
    shop = load_shop_points(demo / "policies")
    for brief in load_briefs(demo / "campaigns"):
        for channel in brief.channels:
            for sku in brief.products[:products]:
                product = ProductFacts.model_validate(rows[sku])
                yield CopyRequest(
                    products=[product], channel=channel, brief=brief, shop=shop, today=dt.date(2026, 12, 7)
                )


def _count(problems: list[str], counts: Counter) -> None:
    for p in problems:
        kind = (
            "cut_words" if p.startswith("cut word") else
            "fragments" if "fragment" in p or "bare word" in p or "repeats the product name" in p else
            "unsupported" if "nobody gave" in p else
            "near_duplicate_pairs" if p.startswith("near-duplicate") else
            "cautionary_headlines" if "cautionary" in p else "other"
        )  # fmt: skip
        counts[kind] += 1


def _source_text(request: Any) -> str:
    """Everything a line may draw on, as text (the product row, the brief, the shop's selling points, the bank's own
    words): the independent check (bench.generation.unsupported: figures by the guard, capitalised names) reads it."""
    from generation.phrase_bank import bank_words

    parts = [p.fact_text() for p in request.products]
    parts += [request.brief.fact_text(), request.brief.audience, request.brief.name] if request.brief else []
    parts += [s.text for s in request.shop.statements()] + [" ".join(sorted(bank_words()))]
    return "\n".join(parts)


PROBLEM_KINDS = ("unsupported", "fragments", "cut_words", "near_duplicate_pairs", "cautionary_headlines",
                 "truth_or_rule_problems", "other", "independent_unsupported")  # fmt: skip


def _check_draft(request: Any, draft: Any, counts: Counter, examples: list) -> int:
    """Count one draft's problems: the checker's (set and lines), the rules', the independent heuristic's; returns
    the number of lines checked."""
    from bench.generation import unsupported
    from generation.copy_pool import is_headline
    from generation.copy_quality import CopyChecker
    from generation.copy_rules import Rules, get_channel

    checker, rules, source = CopyChecker(request, request.shop.words), Rules(request), _source_text(request)
    _count(draft.quality, counts)
    lines = 0
    for spec in get_channel(request.channel).fields:
        if spec.template_only or spec.multi_sentence:
            continue
        value = draft.fields[spec.name]
        for line in value if isinstance(value, list) else [value]:
            lines += 1
            _count(checker.line_problems(line, headline=is_headline(spec)), counts)
            counts["truth_or_rule_problems"] += bool(rules.problems(line, spec))
            found = unsupported(line, source)
            counts["independent_unsupported"] += bool(found)
            if found and len(examples) < 10:
                examples.append((line, found))
    return lines


def bench_sets(products: int) -> dict[str, Any]:
    """Every demo campaign x channel x (up to `products`) product: time per set, problems found, RSA grades."""
    from generation.copywriter import draft_copy

    seconds: dict[str, list[float]] = {}
    counts: Counter = Counter()
    grades: Counter = Counter()
    lines = 0
    headlines: list[list[str]] = []
    examples: list[tuple[str, list[str]]] = []
    for request in _requests(products):
        draft_copy(request)  # warm (the first call per process loads the lexicons)
        started = time.perf_counter()
        result = draft_copy(request)
        seconds.setdefault(request.channel, []).append(time.perf_counter() - started)
        for draft in result.drafts:
            lines += _check_draft(request, draft, counts, examples)
            if draft.ad_strength:
                grades[draft.ad_strength.grade] += 1
                headlines.append(list(draft.fields["headlines"]))
    return {
        "sets": sum(len(v) for v in seconds.values()),
        "lines_checked": lines,
        "seconds_per_set": {
            ch: {"median": round(statistics.median(v), 4), "max": round(max(v), 4), "n": len(v)}
            for ch, v in seconds.items()
        },
        "problems": {k: counts.get(k, 0) for k in PROBLEM_KINDS},
        "independent_unsupported_examples": examples,
        "rsa_ad_strength": dict(grades),
        "near_duplicate_cost": _near_duplicate_cost(headlines[:10]),
        "minilm_second_opinion": _minilm_pairs(headlines),
    }


MINILM_SAME = 0.85  # cosine at which MiniLM calls two headlines the same ("Built for X" / "Made for X" 0.88)


def _minilm_pairs(sets: list[list[str]]) -> dict[str, Any]:
    """A second opinion on the drafted sets: headline pairs MiniLM puts at cosine >= MINILM_SAME (the checker uses
    rapidfuzz over content stems with the bank's synonyms; this counts what it may miss)."""
    try:
        from retrieval.config import RetrievalSettings
        from retrieval.embedding import get_embedder

        embedder = get_embedder(RetrievalSettings())
    except Exception as exc:  # the embedder cannot load here: say so
        return {"error": str(exc)[:200]}
    pairs = []
    for heads in sets:
        vectors = embedder.embed(heads)
        sims = vectors @ vectors.T
        pairs += [
            (round(float(sims[i, j]), 3), heads[i], heads[j])
            for i in range(len(heads))
            for j in range(i + 1, len(heads))
            if sims[i, j] >= MINILM_SAME
        ]
    pairs.sort(reverse=True)
    return {"threshold": MINILM_SAME, "sets": len(sets), "pairs": len(pairs), "examples": pairs[:10]}


def _near_duplicate_cost(sets: list[list[str]]) -> dict[str, Any]:
    """Seconds per RSA set to find near-duplicate headline pairs: rapidfuzz (what drafting uses) vs MiniLM cosine."""
    from generation.copy_quality import near_duplicates

    started = time.perf_counter()
    for heads in sets:
        near_duplicates(heads)
    fuzz_s = (time.perf_counter() - started) / max(1, len(sets))
    out: dict[str, Any] = {"rapidfuzz_s_per_set": round(fuzz_s, 5), "sets": len(sets)}
    try:
        from retrieval.config import RetrievalSettings
        from retrieval.embedding import get_embedder  # the bundled MiniLM the project already uses

        embedder = get_embedder(RetrievalSettings())
        embedder.embed(["warm up"])
        started = time.perf_counter()
        for heads in sets:
            vectors = embedder.embed(heads)
            _ = vectors @ vectors.T
        out["minilm_s_per_set"] = round((time.perf_counter() - started) / max(1, len(sets)), 5)
    except Exception as exc:  # the embedder cannot load here: say so, keep the rest
        out["minilm_error"] = str(exc)[:200]
    return out


def bench_api_path(repeats: int = 3) -> dict[str, Any]:
    """Seconds per `draft_copy` through the application API (the workspace's and the HTTP routes' door: policy, catalog,
    brief, shop pages, drafting, the draft book on SQLite), default settings, in a scratch data folder."""
    import tempfile

    from assistant import Assistant, Caller
    from assistant.commerce.catalog import Catalog
    from assistant.services import Services
    from assistant.settings import Settings
    from assistant.storage.store import ConversationStore

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "var", _env_file=None)
        settings.data_dir.mkdir(parents=True)
        store = ConversationStore.from_url(settings.db_url)
        catalog = Catalog.from_csv(settings.demo_dir / "catalog.csv")
        app = Assistant(settings, store, services=Services({}, catalog=catalog, llm=None))
        marketer = Caller(role="marketer", user="bench")
        for channel in ("google-rsa", "meta", "email", "sms"):
            args = {"skus": ["FTW-005"], "channel": channel, "brief_id": "winter-trail-2026"}
            app.call_tool(marketer, "draft_copy", args)  # warm
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                app.call_tool(marketer, "draft_copy", args)
                times.append(time.perf_counter() - started)
            out[channel] = {"median": round(statistics.median(times), 4), "n": repeats}
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=3, help="products per brief (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS / "generation_sets.json")
    args = parser.parse_args(argv)
    result = bench_sets(args.products)
    try:
        result["api_path_seconds_per_set"] = bench_api_path()
    except Exception as exc:  # the application cannot start here: say so, keep the generation figures
        result["api_path_error"] = f"{type(exc).__name__}: {exc}"[:300]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
