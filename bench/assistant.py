"""Assistant benchmark: customer questions over the demo shop, scored automatically (no model judge).

`bench/assistant_questions.yaml` holds the questions (typos, several questions at once, other languages,
follow-ups, requests the chat cannot fulfil, things the help pages do not say, catalog questions), each with the facts
the reply must and must not contain, the source it must cite, the expected action and language. A reply is correct
when it has every required fact, no forbidden one, cites a required source and takes the expected action.

Measured beside it, in the same run: today's behaviour, the last released commit (`--baseline-ref`, run from a git
worktree with its own PYTHONPATH in its own process, on its own index of its own demo shop). Both run through
`bench/assistant_runner.py`.

    python -m bench.assistant                  # all questions, new and baseline; writes bench/results/assistant.json
    python -m bench.assistant --split dev      # tune on this split only; the held-out split is reported, not tuned on
    python -m bench.assistant --no-baseline --ids ship-canada,pay-paypal
    python -m bench.assistant --llm-base-url http://127.0.0.1:8001/v1   # an OpenAI-compatible backend end to end
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "bench" / "assistant_questions.yaml"
RESULTS = REPO / "bench" / "results"
RUNNER = REPO / "bench" / "assistant_runner.py"
BASELINE_REF = "9a3fff8"  # the last released commit (before the rooms issue)
HELD_OUT_SHARE = 3  # of 10: ids whose crc32 % 10 is below this are held out
SERVICE_SOURCES = ("policies/", "pages/")
_QUOTED = re.compile(r"“[^”]*”|«[^»]*»|„[^“”]*[“”]|\"[^\"]*\"")
_LANGUAGE_FOLDER = re.compile(r"(^|/)(?:en|de|fr|es|it)/")
_NOISE = re.compile(r"\[\d+\]|\*\*[^*]+\*\*|\S+@\S+|https?://\S+|\b[A-Z]{2,4}-\d{2,4}\b|[\d.,:+/%€-]+")


def document_of(source: str) -> str:
    """The document a cited source is a version of: a translation in a language folder ("policies/de/returns.md")
    is the same document as the page it translates ("policies/returns.md")."""
    return _LANGUAGE_FOLDER.sub(r"\1", source)


def split_of(item_id: str) -> str:
    """ "held-out" or "dev", fixed by the id (nobody chooses which question lands where)."""
    return "held-out" if zlib.crc32(item_id.encode()) % 10 < HELD_OUT_SHARE else "dev"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    out = []
    for item in items:
        turns = item.get("turns") or [item["q"]]
        src = item.get("src")
        out.append(
            {
                "id": item["id"],
                "split": split_of(item["id"]),
                "turns": list(turns),
                "lang": item.get("lang", "en"),
                "must": list(item.get("must") or []),
                "not": list(item.get("not") or []),
                "src": [src] if isinstance(src, str) else list(src or []),
                "act": item.get("act", "answer"),
                "handoffs": item.get("handoffs"),
            }
        )
    return out


# -- scoring ------------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("\u00a0", " ").lower().split())


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d{1,2}(?!\d))")


_COMPOUND_UNIT = re.compile(r"(?<!\w)(\d+)-(year|month|week|day|hour)(?!\w)", re.IGNORECASE)


def _plain_units(text: str) -> str:
    return _COMPOUND_UNIT.sub(lambda m: f"{m.group(1)} {m.group(2)}s", text)


def has_fact(text: str, fact: str) -> bool:
    """`fact` in `text`, case-insensitive, as whole words ("No" does not match "Norway"). A figure counts in any
    of its notations: "4.95 EUR" is the fact a German reply writes as "4,95 EUR", "3 years" the one in "a 3-year
    warranty"."""
    text, fact = _plain_units(text), _plain_units(fact)
    forms = {fact, _DECIMAL_POINT.sub(",", fact)}
    return any(re.search(rf"(?<!\w){re.escape(_norm(f))}(?!\w)", _norm(text)) is not None for f in forms)


def _fact_ok(text: str, fact: Any) -> bool:
    return any(has_fact(text, f) for f in fact) if isinstance(fact, list) else has_fact(text, fact)


# Fewer words of its own ("No.") say nothing about a reply's language; the quote decides then.
MIN_OWN_WORDS = 3


def reply_language(text: str) -> str:
    """The language of the reply's own words: quoted evidence, citations, names, SKUs and figures left out (unless
    the reply has too few words of its own to tell)."""
    from assistant.conversation.language import scores

    own = _letters(_QUOTED.sub(" ", text))
    if len(own.split()) < MIN_OWN_WORDS:
        own = _letters(text)
    return scores(own.lower())[0] if own.strip() else "?"


def _letters(text: str) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", _NOISE.sub(" ", text)))


def score(item: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    """One reply against its item: facts, forbidden facts, source, action, language, figures outside the evidence."""
    from generation import check_figures

    if "error" in reply:
        return {"id": item["id"], "correct": False, "error": reply["error"], "language_ok": False,
                "unsupported_figures": [], "unrequested_handoff": False, "ms": None}  # fmt: skip
    text = reply["text"]
    missing = [f for f in item["must"] if not _fact_ok(text, f)]
    forbidden = [f for f in item["not"] if _fact_ok(text, f)]
    wanted = {document_of(s) for s in item["src"]}  # a writer may name the translation it read
    named_source = not wanted or any(document_of(c) in wanted for c in reply["sources"])
    # Evidence the turn read (its tool results) that states every required fact grounds the reply too: the shop
    # gives Innsbruck's Saturday hours on its contact page and its stores page, and a conversation's writer named one
    # source for all of its turns. `correct_named_source` keeps the strict reading (the named page cited).
    evidence = reply.get("evidence") or ""
    cited_states = bool(item["must"]) and all(_fact_ok(evidence, f) for f in item["must"])
    source_ok = named_source or cited_states
    handed_off = reply["action"] == "handoff" or reply["handoffs"] > 0
    if item["act"] == "handoff":
        action_ok = reply["action"] == "handoff"
    elif item["act"] == "clarify":
        action_ok = reply["action"] == "clarify"
    elif item.get("handoffs") is not None:  # a conversation already with a person: no second handoff
        action_ok = reply["action"] != "handoff" and reply["handoffs"] == item["handoffs"]
    else:
        action_ok = not handed_off
    # Citation marks are not figures ("in stock [4]" is no stock count of 4).
    guard = check_figures(re.sub(r"\s*\[\d+\]", "", text), reply.get("evidence") or "", bare_numbers=False)
    language = reply_language(text)
    return {
        "id": item["id"],
        "text": text[:600],
        "intent": reply.get("intent"),
        "correct": not missing and not forbidden and source_ok and action_ok,
        "correct_named_source": not missing and not forbidden and named_source and action_ok,
        "missing": missing,
        "forbidden": forbidden,
        "source_ok": source_ok,
        "action_ok": action_ok,
        "language": language,
        "language_ok": language == item["lang"],
        "unsupported_figures": [v.text for v in guard.violations],
        "unrequested_handoff": item["act"] != "handoff"
        and reply["action"] == "handoff"
        or (item["act"] != "handoff" and reply["handoffs"] > (item.get("handoffs") or 0)),
        "ms": reply.get("ms"),
        "service": bool(item["src"]) and all(s.startswith(SERVICE_SOURCES) for s in item["src"]),
    }


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (pos - low), 1)


def summarise(scored: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(scored)
    if not n:
        return {"n": 0}
    service_ms = [s["ms"] for s in scored if s.get("service") and s["ms"] is not None]
    return {
        "n": n,
        "correct": round(sum(s["correct"] for s in scored) / n, 3),
        "language_match": round(sum(s["language_ok"] for s in scored) / n, 3),
        "replies_with_unsupported_figures": sum(bool(s["unsupported_figures"]) for s in scored),
        "unrequested_handoffs": round(sum(s["unrequested_handoff"] for s in scored) / n, 3),
        "service_ms_p50": _percentile(service_ms, 0.5),
        "service_ms_p95": _percentile(service_ms, 0.95),
        "errors": sum("error" in s for s in scored),
    }


# -- running ------------------------------------------------------------------------------------------------------


def run_checkout(
    tree: Path, questions: list[dict[str, Any]], work: Path, llm_base_url: str | None = None
) -> dict:
    """Run the questions through the checkout at `tree` in its own process; its replies by id."""
    work.mkdir(parents=True, exist_ok=True)
    qfile, out = work / "questions.json", work / "replies.jsonl"
    qfile.write_text(
        json.dumps(
            [
                {"id": q["id"], "turns": q["turns"], "every_turn": q.get("every_turn", False)}
                for q in questions
            ]
        ),
        encoding="utf-8",
    )
    runner = work / "runner.py"  # the same runner for both checkouts, outside either one
    shutil.copy(RUNNER, runner)
    env = {**os.environ, "PYTHONPATH": str(tree), "MKA_DEMO_DIR": str(tree / "data" / "demo")}
    env.pop("MKA_DATA_DIR", None)
    cmd = [
        sys.executable,
        str(runner),
        "--questions",
        str(qfile),
        "--data-dir",
        str(work / "var"),
        "--out",
        str(out),
    ]
    if llm_base_url:
        cmd += ["--llm-base-url", llm_base_url]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"runner failed in {tree}:\n{proc.stderr[-4000:]}")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    meta = lines[0].get("meta", {})
    replies = {r["id"]: r for r in lines[1:]}
    return {"replies": replies, "meta": {**meta, "wall_s": round(time.perf_counter() - started, 1)}}


def baseline_tree(ref: str, work: Path) -> Path:
    """A git worktree of `ref` (detached) under `work`."""
    tree = work / f"baseline-{ref}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref], check=True,
                       capture_output=True)  # fmt: skip
    return tree


def remove_work(work: Path, ref: str) -> None:
    """The run's scratch folder gone, and the baseline's git worktree in it unregistered."""
    if (work / f"baseline-{ref}").exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / f"baseline-{ref}")],
                       capture_output=True)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


def evaluate(questions: list[dict[str, Any]], run: dict) -> dict[str, Any]:
    scored = [score(q, run["replies"].get(q["id"], {"error": "no reply"})) for q in questions]
    by_split = {
        split: summarise([s for s, q in zip(scored, questions, strict=True) if q["split"] == split])
        for split in ("dev", "held-out")
    }
    return {"all": summarise(scored), **by_split, "meta": run["meta"], "replies": scored}


def _print(report: dict[str, Any]) -> None:
    keys = ("correct", "language_match", "replies_with_unsupported_figures", "unrequested_handoffs",
            "service_ms_p50", "service_ms_p95", "errors")  # fmt: skip
    for name, result in report["systems"].items():
        for split in ("dev", "held-out", "all"):
            s = result[split]
            print(f"{name:9s} {split:9s} n={s.get('n', 0):3d} " + " ".join(f"{k}={s.get(k)}" for k in keys))


def plot(report: dict[str, Any], path: Path) -> None:
    """Per split, each system's share of correct replies, replies in the question's language and unrequested
    handoffs; beside them the service questions' p95 time to a full reply."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(report["systems"])
    splits = ("dev", "held-out", "all")
    metrics = (
        ("correct", "correct"),
        ("language_match", "language"),
        ("unrequested_handoffs", "unrequested handoff"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / (len(systems) * len(metrics))
    x = range(len(splits))
    for i, name in enumerate(systems):
        for j, (key, label) in enumerate(metrics):
            offset = (i * len(metrics) + j) * width - 0.4 + width / 2
            values = [report["systems"][name][split].get(key) or 0.0 for split in splits]
            axes[0].bar([v + offset for v in x], values, width, label=f"{name}: {label}")
    axes[0].set_xticks(list(x), splits)
    axes[0].axhline(0.9, color="grey", linestyle=":", linewidth=1)
    axes[0].set_ylim(0, 1.05)
    axes[0].set_title(f"{report['questions']} questions (dotted: the 90% target)")
    axes[0].legend(
        fontsize=7, ncol=len(systems) * len(metrics), loc="upper center", bbox_to_anchor=(0.5, -0.1)
    )
    p95 = [report["systems"][name]["all"].get("service_ms_p95") or 0.0 for name in systems]
    axes[1].bar(systems, p95, color="tab:gray")
    axes[1].axhline(300, color="red", linestyle=":", linewidth=1)
    axes[1].set_title("service p95 ms (target 300)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "held-out", "all"], default="all")
    parser.add_argument("--ids", default="", help="comma-separated item ids (default: all)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument(
        "--llm-base-url", default=None, help="an OpenAI-compatible backend for the new checkout"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "assistant.json")
    args = parser.parse_args()
    questions = load_questions()
    if args.split != "all":
        questions = [q for q in questions if q["split"] == args.split]
    if args.ids:
        wanted = set(args.ids.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    work = Path(tempfile.mkdtemp(prefix="bench-assistant-"))
    report: dict[str, Any] = {"questions": len(questions), "split": args.split, "systems": {}}
    try:
        new = run_checkout(REPO, questions, work / "new", args.llm_base_url)
        report["systems"]["new"] = evaluate(questions, new)
        if not args.no_baseline:
            tree = baseline_tree(args.baseline_ref, work)
            report["systems"]["baseline"] = evaluate(
                questions, run_checkout(tree, questions, work / "baseline")
            )
            report["baseline_ref"] = args.baseline_ref
    finally:
        remove_work(work, args.baseline_ref)
    report["cpu_count"] = os.cpu_count()
    report["load_average"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(report, args.out.with_suffix(".png"))
    _print(report)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
