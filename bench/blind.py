"""The blind split: customer questions a helper wrote from the shop's documents alone (it never saw the code, the
router's examples or `bench/assistant_questions.yaml`), scored on every turn of its conversations. It is measured,
never tuned on: a rule written to pass one of its items is exactly what it exists to catch.

`bench/blind_questions.yaml` holds the items with the facts a reply must and must not hold, the source to cite, the
action, the language and the writer's truth note. Scoring is `bench.assistant.score` per reply, plus what one
accuracy figure hides:
- confident replies (the assistant answered, rather than quoting a page it is unsure of, saying it found nothing,
  asking back or handing over) and how many of them are wrong (the "confidently wrong" rate);
- selective accuracy: correct among the confident ones, and the share it answers confidently;
- "couldn't find" on items the pages answer (every kind except `not_stated`, `offtopic` and `handoff`);
- conversations right on every turn.

    python -m bench.blind                   # this checkout and the baseline commit; bench/results/blind.json + .png
    python -m bench.blind --no-baseline
    python -m bench.blind --questions bench/dev_questions.yaml   # the dev split, written the same way, tuned on
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from bench.assistant import REPO, RESULTS, baseline_tree, remove_work, run_checkout, score

QUESTIONS = REPO / "bench" / "blind_questions.yaml"
BASELINE_REF = "a2677fb"  # main before the answers-that-hold work (issue 20)
NOT_ANSWERABLE = frozenset({"not_stated", "offtopic", "handoff"})
UNSURE_OUTCOMES = frozenset({"quoted", "not_found"})


def load_items(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """The blind items, each conversation flattened into one scored item per turn (ids "<id>#<n>")."""
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
        turns = item.get("turns") or [dict(item)]
        for n, turn in enumerate(turns):
            src = turn.get("src", item.get("src"))
            out.append(
                {
                    "id": f"{item['id']}#{n}",
                    "conversation": item["id"],
                    "kind": item["kind"],
                    "lang": item.get("lang", "en"),
                    "q": turn["q"],
                    "must": list(turn.get("must") or []),
                    "not": list(turn.get("not") or []),
                    # a reply that hands over cites nothing: the writer's source says where the answer is
                    "src": []
                    if turn.get("act") == "handoff"
                    else [src]
                    if isinstance(src, str)
                    else list(src or []),
                    "act": turn.get("act") or "answer",
                    "handoffs": None,
                }
            )
    return out


def conversations(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the runner plays: each conversation once, every turn's reply written."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in items:
        grouped[item["conversation"]].append(item["q"])
    return [{"id": cid, "turns": turns, "every_turn": True} for cid, turns in grouped.items()]


def _not_found_phrases() -> list[str]:
    """The fixed "I couldn't find that" sentences in every language (the composer's and the turn's)."""
    grounded = yaml.safe_load((REPO / "generation" / "prompts" / "grounded.yaml").read_text(encoding="utf-8"))
    turn = yaml.safe_load((REPO / "assistant" / "conversation" / "phrases.yaml").read_text(encoding="utf-8"))
    found = [p.get("not_found", "") for p in grounded["phrases"].values()]
    found += [p.get("no_evidence", "") for p in turn.values() if isinstance(p, dict)]
    return [f[:40] for f in found if f]


def judge(item: dict[str, Any], reply: dict[str, Any], not_found: list[str]) -> dict[str, Any]:
    """`bench.assistant.score` plus how sure the reply was."""
    result = score(item, reply)
    text = reply.get("text", "")
    outcome = reply.get("outcome") or ("not_found" if any(p in text for p in not_found) else "answered")
    unsure = outcome in UNSURE_OUTCOMES or reply.get("action") in ("clarify", "handoff") or "error" in reply
    result.update(
        kind=item["kind"],
        conversation=item["conversation"],
        outcome=outcome,
        confident=not unsure,
        couldnt_find=outcome == "not_found" and item["kind"] not in NOT_ANSWERABLE,
    )
    return result


def summarise(judged: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(judged) or 1
    confident = [j for j in judged if j["confident"]]
    by_conv: dict[str, list[bool]] = defaultdict(list)
    for j in judged:
        if j["kind"] == "conversation":
            by_conv[j["conversation"]].append(j["correct"])
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for j in judged:
        by_kind[j["kind"]].append(j["correct"])
    answerable = [j for j in judged if j["kind"] not in NOT_ANSWERABLE]
    return {
        "n": len(judged),
        "correct": round(sum(j["correct"] for j in judged) / n, 3),
        "correct_named_source": round(
            sum(j.get("correct_named_source", j["correct"]) for j in judged) / n, 3
        ),
        "confidently_wrong": round(sum(not j["correct"] for j in confident) / n, 3),
        "false_yes_no_or_figure": round(
            sum(bool(j.get("forbidden")) and j["confident"] for j in judged) / n, 3
        ),
        "answered_confidently": round(len(confident) / n, 3),
        "selective_accuracy": round(sum(j["correct"] for j in confident) / max(len(confident), 1), 3),
        "couldnt_find_where_pages_answer": round(
            sum(j["couldnt_find"] for j in answerable) / max(len(answerable), 1), 3
        ),
        "language_match": round(sum(j["language_ok"] for j in judged) / n, 3),
        "conversations_all_turns_right": round(
            sum(all(v) for v in by_conv.values()) / max(len(by_conv), 1), 3
        ),
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())},
    }


def evaluate(items: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    not_found = _not_found_phrases()
    judged = [judge(i, run["replies"].get(i["id"], {"error": "no reply"}), not_found) for i in items]
    return {"summary": summarise(judged), "meta": run["meta"], "replies": judged}


def plot(report: dict[str, Any], path: Path) -> None:
    """Correct replies per kind of question for each system, and the headline rates beside their targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(report["systems"])
    kinds = sorted(report["systems"][systems[0]]["summary"]["by_kind"])
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(systems)
    for i, name in enumerate(systems):
        by_kind = report["systems"][name]["summary"]["by_kind"]
        shares = [eval_share(by_kind.get(k, "0/1")) for k in kinds]
        axes[0].bar([x + i * width - 0.4 + width / 2 for x in range(len(kinds))], shares, width, label=name)
    axes[0].set_xticks(range(len(kinds)), kinds, rotation=30, ha="right", fontsize=8)
    axes[0].set_ylim(0, 1.05)
    axes[0].set_title("blind split: share correct by kind of question")
    axes[0].legend()
    rates = (
        ("correct", 0.8),
        ("confidently_wrong", 0.02),
        ("couldnt_find_where_pages_answer", 0.10),
        ("conversations_all_turns_right", 0.8),
        ("selective_accuracy", None),
    )
    for i, name in enumerate(systems):
        summary = report["systems"][name]["summary"]
        values = [summary[k] for k, _ in rates]
        axes[1].bar([x + i * width - 0.4 + width / 2 for x in range(len(rates))], values, width, label=name)
    for x, (_, target) in enumerate(rates):
        if target is not None:
            axes[1].hlines(target, x - 0.45, x + 0.45, colors="red", linestyles=":")
    axes[1].set_xticks(range(len(rates)), [k.replace("_", " ") for k, _ in rates], rotation=30, ha="right",
                       fontsize=8)  # fmt: skip
    axes[1].set_ylim(0, 1.05)
    axes[1].set_title("headline rates (red: the issue's targets)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def eval_share(fraction: str) -> float:
    right, total = (int(x) for x in fraction.split("/"))
    return right / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument(
        "--out", type=Path, default=None, help="default: bench/results/<questions file stem>.json"
    )
    parser.add_argument(
        "--questions",
        type=Path,
        default=QUESTIONS,
        help="another split in the same format (e.g. the dev split)",
    )
    args = parser.parse_args()
    args.out = args.out or RESULTS / f"{args.questions.stem.removesuffix('_questions')}.json"
    items = load_items(args.questions)
    played = conversations(items)
    work = Path(tempfile.mkdtemp(prefix="bench-blind-"))
    report: dict[str, Any] = {"items": len(played), "scored_replies": len(items), "systems": {}}
    try:
        report["systems"]["new"] = evaluate(items, run_checkout(REPO, played, work / "new"))
        if not args.no_baseline:
            tree = baseline_tree(args.baseline_ref, work)
            report["systems"]["baseline"] = evaluate(items, run_checkout(tree, played, work / "baseline"))
            report["baseline_ref"] = args.baseline_ref
    finally:
        remove_work(work, args.baseline_ref)
    report["cpu_count"], report["load_average"] = os.cpu_count(), os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(report, args.out.with_suffix(".png"))
    for name, result in report["systems"].items():
        print(name, json.dumps(result["summary"], ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
