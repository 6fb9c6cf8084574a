"""Generation benchmark: LLM speed (transformers vs llama.cpp on the same GGUF) and headline drafting quality.

    python -m bench.generation [--limit N] [--rows N] [--split valid|test-curated] [--only copy] [--model-rows N]

Writes bench/results/generation.json (+ generation.png) and prints a table.

Speed: time to first token and decode tokens/s of `TransformersLLM` on the bundled model, beside llama.cpp
(llama-cpp-python, the optional `llamacpp` extra) in the same run; "llama.cpp not installed" when it is absent.
Copy: on website_headlines_slogans_jin2021 (valid.csv for development; test-curated.csv is held back, for the final
figure only), draft a headline of at most 30 characters from each company description. Reports, for ours (the
description's phrases ranked by the line scorer trained on valid.csv), ours+model (the model's sampled lines join the
candidates, on the first --model-rows rows) and the extractive baseline of the same run: ROUGE-L against the real
headline, the rate of shown lines within the limit, of lines with unsupported figures (guard) or facts (figures or
capitalised names absent from the description), of fragments (ending in a function word, one word), seconds per draft.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "website_headlines_slogans_jin2021"
SPEED_PROMPTS = [
    "Write a short paragraph about hiking boots for a shop's website.",
    "What should I pack for a two-day hike in the mountains?",
    "Explain in a few sentences how to choose a sleeping bag.",
]


from generation.line_scorer import rouge_l  # noqa: E402  (ROUGE-L F1: the scorer's training target, too)

_COMMON = set(
    "a an the and or but for from with without to of in on at by as is are be your our my you we us it its all any "
    "more most best new get make made how what why when where who that this these those into over under up out "
    "about just not no one way day way than then so".split()
)


def check(text: str, source: str):
    from generation.guard import check as guard_check

    return guard_check(text, source)


def unsupported(text: str, source: str) -> list[str]:
    """Figures (guard) and capitalised names in `text` that `source` does not contain."""
    out = [v.text for v in check(text, source).violations]
    src = source.lower()
    for i, word in enumerate(re.findall(r"[A-Za-z][\w'&.-]*", text)):
        bare = word.lower().strip(".")
        if i > 0 and word[0].isupper() and bare not in src and bare not in _COMMON and len(word) > 2:
            # Title Case headlines capitalise ordinary words; count a word only if the source lacks it entirely.
            out.append(word)
    return out


# -- speed: bench/generation_speed.py -------------------------------------------------------------------------------
from bench.generation_speed import bench_speed, speed_table  # noqa: E402


# -- copy -------------------------------------------------------------------------------------------------------------
def _copy_rows(split: str, rows: int):
    import pandas as pd

    frame = pd.read_csv(DATA / f"{split}.csv")
    frame = frame[frame["desc"].notna() & frame["output"].notna()].sample(frac=1.0, random_state=13)
    return frame.head(rows) if rows else frame


def _copy_metrics(lines: list[tuple[str, str, str]], seconds: list[float]) -> dict[str, float]:
    """(shown line, description, reference) per row -> the rates a marketer cares about."""
    from generation.copy_rules import FieldSpec, Rules, fragment_problem

    spec = FieldSpec(name="headline", kind="text", label="headline", max_chars=30)
    shown = [(t, d, r) for t, d, r in lines if t]

    def mean(xs):
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    return {
        "rouge_l": mean([rouge_l(t, r) for t, _, r in lines]),  # an empty (withheld) line scores 0
        "shown_rate": mean([float(bool(t)) for t, _, _ in lines]),
        "within_limits_rate": mean([float(len(t) <= 30) for t, _, _ in shown]),
        "validator_pass_rate": mean(
            [float(not Rules(facts=d.replace("<company>", "")).problems(t, spec)) for t, d, _ in shown]
        ),
        "unsupported_figure_rate": mean([float(bool(check(t, d).violations)) for t, d, _ in shown]),
        "unsupported_fact_rate": mean(
            [float(bool(unsupported(t, d.replace("<company>", "")))) for t, d, _ in shown]
        ),
        "fragment_rate": mean([float(fragment_problem(t) is not None) for t, _, _ in shown]),
        "seconds_per_draft": mean(seconds),
    }


def bench_copy(llm: Any, rows: int, split: str, model_rows: int = 40) -> dict[str, Any]:
    """30-character headlines from company descriptions: ours (the description's phrases ranked by the trained line
    scorer, no model), ours+model (the model's sampled lines join the candidates; first `model_rows` rows only, it is
    slow on CPU) and the extractive baseline (the first clause that fits), all on the same rows."""
    from tqdm import tqdm

    from generation.headline import draft_headline, extractive_headline

    frame = _copy_rows(split, rows)
    out: dict[str, list] = {name: [] for name in ("ours", "ours+model", "extractive")}
    secs: dict[str, list[float]] = {name: [] for name in out}
    examples, model_used = [], 0
    for i, row in enumerate(tqdm(frame.itertuples(), total=len(frame), desc="headlines", leave=False)):
        desc, ref, topic = str(row.desc), str(row.output), str(row.industry)
        started = time.perf_counter()
        ours, _, _ = draft_headline(desc, None, topic=topic)
        secs["ours"].append(time.perf_counter() - started)
        started = time.perf_counter()
        base = extractive_headline(desc)
        secs["extractive"].append(time.perf_counter() - started)
        out["ours"].append((ours, desc, ref))
        out["extractive"].append((base, desc, ref))
        if llm is not None and i < model_rows:
            started = time.perf_counter()
            with_model, source, raw = draft_headline(desc, llm, topic=topic)
            secs["ours+model"].append(time.perf_counter() - started)
            out["ours+model"].append((with_model, desc, ref))
            model_used += source == "model"
        if len(examples) < 10:
            examples.append({"desc": desc[:160], "reference": ref, "ours": ours, "extractive": base})
    systems = {name: _copy_metrics(lines, secs[name]) for name, lines in out.items() if lines}
    if "ours+model" in systems:
        systems["ours+model"]["rows"] = len(out["ours+model"])
        systems["ours+model"]["model_line_used_rate"] = round(model_used / len(out["ours+model"]), 4)
        same = [rouge_l(e[0], e[2]) for e in out["extractive"][: len(out["ours+model"])]]
        systems["ours+model"]["extractive_rouge_l_same_rows"] = round(sum(same) / len(same), 4)
    ratio = (
        systems["ours"]["rouge_l"] / systems["extractive"]["rouge_l"]
        if systems["extractive"]["rouge_l"]
        else None
    )
    return {
        "split": split,
        "rows": len(frame),
        "systems": systems,
        "rouge_l_ratio_ours_over_extractive": round(ratio, 3) if ratio else None,
        "scorer_trained_on": "valid.csv (generation/line_scorer.json); never on test-curated.csv",
        "examples": examples,
    }


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "copy" not in result or "speed" not in result:
        return  # a partial run (--only without an earlier results file): nothing to compare yet
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    systems = result["copy"]["systems"]
    names = ["ours", "extractive"]
    metrics = ["within_limits_rate", "unsupported_figure_rate", "fragment_rate", "rouge_l"]
    for i, name in enumerate(names):
        axes[0].bar(
            [j + i * 0.38 for j in range(len(metrics))], [systems[name][m] for m in metrics], 0.38, label=name
        )
    axes[0].set_xticks(
        [j + 0.19 for j in range(len(metrics))], ["in limits", "unsupported", "fragments", "ROUGE-L"]
    )
    axes[0].set_title(f"30-char headlines ({result['copy']['rows']} rows)")
    axes[0].legend()
    speed = result["speed"]
    names = [
        n for n in ("transformers", "llamacpp_backend", "llama_cpp") if "decode_tok_s" in speed.get(n, {})
    ]
    values = [speed[n]["decode_tok_s"] for n in names]
    axes[1].bar(names, values, color=["tab:blue", "tab:orange", "tab:green"][: len(values)])
    axes[1].set_title("decode tokens/s (bundled SmolLM2-135M)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _print_copy(console: Any, result: dict[str, Any]) -> None:
    from rich.table import Table

    copy = Table(title=f"30-char headlines on {result['split']} ({result['rows']} rows)")
    for c in (
        "system",
        "shown",
        "within limits",
        "unsupported figures",
        "fragments",
        "ROUGE-L (all)",
        "s/draft",
    ):
        copy.add_column(c)
    for name, m in result["systems"].items():
        copy.add_row(
            name + (f" ({m['rows']} rows)" if "rows" in m else ""),
            f"{m['shown_rate']:.1%}",
            f"{m['within_limits_rate']:.1%}",
            f"{m['unsupported_figure_rate']:.1%}",
            f"{m['fragment_rate']:.1%}",
            f"{m['rouge_l']:.3f}",
            f"{m['seconds_per_draft']:.3f}",
        )
    console.print(copy)
    console.print(f"ROUGE-L ours / extractive: {result['rouge_l_ratio_ours_over_extractive']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit", type=int, default=None, help="quick run: this many headline rows, short speed test"
    )
    parser.add_argument(
        "--rows", type=int, default=150, help="headline rows (default 150; 0 = the whole split)"
    )
    parser.add_argument(
        "--model-rows",
        type=int,
        default=40,
        help="rows the model also drafts for (ours+model; slow on CPU; 0 = none)",
    )
    parser.add_argument("--split", choices=["valid", "test-curated"], default="valid")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--out", type=Path, default=RESULTS / "generation.json")
    parser.add_argument(
        "--only",
        choices=["speed", "copy"],
        default=None,
        help="run one part and keep the other part's figures from the existing results file",
    )
    args = parser.parse_args(argv)
    from rich.console import Console

    from assistant.settings import Settings
    from generation import get_llm

    settings = Settings()
    quick = args.limit is not None
    # The speed part builds its own backends; the copy part needs the model only for its model rows.
    llm = (
        get_llm(settings.llm, settings.model_cache_dir)
        if args.only != "speed" and args.model_rows > 0
        else None
    )
    result: dict[str, Any] = {"model": settings.llm.model, "quick": quick}
    if args.only and args.out.is_file():
        result = {**json.loads(args.out.read_text()), **result}
    if args.only != "copy":
        prompts = SPEED_PROMPTS[:1] if quick else SPEED_PROMPTS
        result["speed"] = bench_speed(
            settings.llm, settings.model_cache_dir, 8 if quick else args.max_tokens, prompts
        )
    if args.only != "speed":
        result["copy"] = bench_copy(llm, args.limit if quick else args.rows, args.split, args.model_rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    _plot(result, args.out.with_suffix(".png"))

    console = Console()
    if "speed" in result:  # absent when only the copy part ran into a new results file
        console.print(speed_table(result["speed"]))
    if "copy" in result:
        _print_copy(console, result["copy"])
    console.print(f"results: {args.out}")
    return result


if __name__ == "__main__":
    main()
