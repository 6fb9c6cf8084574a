"""Generation benchmark: LLM speed (transformers vs llama.cpp on the same GGUF) and headline drafting quality.

    python -m bench.generation [--limit N] [--rows N] [--split valid|test]

Writes bench/results/generation.json (+ generation.png) and prints a table.

Speed: time to first token and decode tokens/s of `TransformersLLM` on the bundled model, beside llama.cpp
(llama-cpp-python, the optional `llamacpp` extra) in the same run; "llama.cpp not installed" when it is absent.
Copy: on website_headlines_slogans_jin2021 (valid.csv for development), draft a headline of at most 30 characters from
each company description. Reports the validator pass rate of the shown drafts (target 100%), the rate of unsupported
facts (figures or capitalised names absent from the description; target 0), ROUGE-L against the real headline beside
the extractive baseline, the raw model's own pass rate, and seconds per draft.
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


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lowercased word tokens (longest common subsequence)."""
    a, b = _tokens(candidate), _tokens(reference)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(a), lcs / len(b)
    return 2 * p * r / (p + r)


_COMMON = set(
    "a an the and or but for from with without to of in on at by as is are be your our my you we us it its all any "
    "more most best new get make made how what why when where who that this these those into over under up out "
    "about just not no one way day way than then so".split()
)


def unsupported(text: str, source: str) -> list[str]:
    """Figures (guard) and capitalised names in `text` that `source` does not contain."""
    from generation.guard import check

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
def bench_copy(llm: Any, rows: int, split: str) -> dict[str, Any]:
    import pandas as pd
    from tqdm import tqdm

    from generation.copywriter import FieldSpec, Rules, draft_headline, extractive_headline, llm_line_problems

    frame = pd.read_csv(DATA / f"{split}.csv")
    frame = (
        frame[frame["desc"].notna() & frame["output"].notna()].sample(frac=1.0, random_state=13).head(rows)
    )
    spec = FieldSpec(name="headline", kind="text", label="headline", max_chars=30)
    systems: dict[str, dict[str, list[float]]] = {
        name: {"pass": [], "unsupported": [], "rouge_l": [], "seconds": [], "shown": []}
        for name in ("ours", "extractive")
    }
    raw_pass, raw_len_ok, from_llm, examples = [], [], 0, []
    for row in tqdm(frame.itertuples(), total=len(frame), desc="headlines", leave=False):
        desc, ref = str(row.desc), str(row.output)
        facts = desc.replace("<company>", "")
        rules = Rules(facts=facts)
        started = time.perf_counter()
        ours, source, raw = draft_headline(desc, llm)
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        base = extractive_headline(desc)
        base_s = time.perf_counter() - started
        from_llm += source == "llm"
        raw_len_ok.append(float(0 < len(raw) <= 30))
        raw_pass.append(
            float(bool(raw) and not rules.problems(raw, spec) and not llm_line_problems(raw, rules))
        )
        for name, text, secs in (("ours", ours, ours_s), ("extractive", base, base_s)):
            m = systems[name]
            m["rouge_l"].append(rouge_l(text, ref))  # an empty (withheld) draft scores 0
            m["seconds"].append(secs)
            m["shown"].append(float(bool(text)))
            if text:  # pass and fact rates are over the drafts a user would see
                m["pass"].append(float(not rules.problems(text, spec)))
                m["unsupported"].append(float(bool(unsupported(text, facts))))
        if len(examples) < 8:
            examples.append(
                {
                    "desc": desc[:160],
                    "reference": ref,
                    "ours": ours,
                    "source": source,
                    "raw_model": raw,
                    "extractive": base,
                }
            )
    n = len(frame)

    def mean(xs):
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    summary = {
        name: {
            "validator_pass_rate": mean(m["pass"]),
            "unsupported_fact_rate": mean(m["unsupported"]),
            "rouge_l": mean(m["rouge_l"]),
            "seconds_per_draft": mean(m["seconds"]),
            "shown_rate": mean(m["shown"]),
        }
        for name, m in systems.items()
    }
    summary["raw_model"] = {"validator_pass_rate": mean(raw_pass), "length_ok_rate": mean(raw_len_ok)}
    summary["ours"]["model_line_used_rate"] = round(from_llm / n, 4) if n else 0.0
    ratio = (
        summary["ours"]["rouge_l"] / summary["extractive"]["rouge_l"]
        if summary["extractive"]["rouge_l"]
        else None
    )
    return {
        "split": split,
        "rows": n,
        "systems": summary,
        "rouge_l_ratio_ours_over_extractive": round(ratio, 3) if ratio else None,
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
    metrics = ["validator_pass_rate", "unsupported_fact_rate", "rouge_l"]
    for i, name in enumerate(names):
        axes[0].bar(
            [j + i * 0.38 for j in range(len(metrics))], [systems[name][m] for m in metrics], 0.38, label=name
        )
    axes[0].set_xticks([j + 0.19 for j in range(len(metrics))], ["valid", "unsupported", "ROUGE-L"])
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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit", type=int, default=None, help="quick run: this many headline rows, short speed test"
    )
    parser.add_argument("--rows", type=int, default=150, help="headline rows (default 150)")
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
    from rich.table import Table

    from assistant.settings import Settings
    from generation import get_llm

    settings = Settings()
    quick = args.limit is not None
    result: dict[str, Any] = {"model": settings.llm.model, "quick": quick}
    if args.only and args.out.is_file():
        result = {**json.loads(args.out.read_text()), **result}
    if args.only != "copy":
        prompts = SPEED_PROMPTS[:1] if quick else SPEED_PROMPTS
        result["speed"] = bench_speed(
            settings.llm, settings.model_cache_dir, 8 if quick else args.max_tokens, prompts
        )
    if args.only != "speed":
        llm = get_llm(settings.llm, settings.model_cache_dir)
        result["copy"] = bench_copy(llm, args.limit if quick else args.rows, args.split)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    _plot(result, args.out.with_suffix(".png"))

    console = Console()
    if "speed" in result:  # absent when only the copy part ran into a new results file
        console.print(speed_table(result["speed"]))
    if "copy" in result:  # absent when only the speed part ran into a new results file
        copy = Table(title=f"30-char headlines on {args.split} ({result['copy']['rows']} rows)")
        for c in (
            "system",
            "shown",
            "valid (shown)",
            "unsupported facts (shown)",
            "ROUGE-L (all)",
            "s/draft",
        ):
            copy.add_column(c)
        for name in ("ours", "extractive"):
            m = result["copy"]["systems"][name]
            copy.add_row(
                name,
                f"{m['shown_rate']:.1%}",
                f"{m['validator_pass_rate']:.1%}",
                f"{m['unsupported_fact_rate']:.1%}",
                f"{m['rouge_l']:.3f}",
                f"{m['seconds_per_draft']:.2f}",
            )
        raw = result["copy"]["systems"]["raw_model"]
        copy.add_row("raw model (not shown)", "", f"{raw['validator_pass_rate']:.1%}", "", "", "")
        console.print(copy)
    console.print(f"results: {args.out}")
    return result


if __name__ == "__main__":
    main()
