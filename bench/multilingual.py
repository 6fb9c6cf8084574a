"""Cross-lingual retrieval over the demo shop's help pages: does a question in German, French, Spanish, Italian or
English find the section that answers it?

Questions: bench/multilingual_questions.yaml (24 needs, each asked in five languages, with the sections that answer
it). The corpus is the whole demo shop (data/demo: help pages in English and German, store pages, the catalog and
campaigns as distractors), ingested through the real `KnowledgeBase` once per embedder. A hit counts when its
section (file stem + section heading; German sections count as their English originals) is one of the need's.

Configurations, all in one run:
- ``<embedder>/dense``: cosine over every chunk, nothing else (what the embedder alone does).
- ``<embedder>/search``: `KnowledgeBase.search` as shipped (BM25 + dense, learned ranker, language preference) with
  that embedder as the index's only model: `minilm/search` is today's retrieval (the baseline).
- ``minilm+use/search``: the shipped default, the MiniLM index with its cross-lingual channel (`crosslingual_model`):
  questions in a language the main model does not read and the pages are not written in (fr, es, it here) are
  searched in the channel (the same chunks embedded by USE, the same BM25 and ranker).
- ``minilm+use/search, de too``: the same with `crosslingual_for_page_languages` (German questions go across too).

Reported per configuration and language: recall@5 and MRR@10 of the right section, and the p95 latency of a search
(one torch thread, as the app embeds a question; USE on one BLAS thread; the machine is shared, so the figure is
an upper bound).

    python -m bench.multilingual                  # writes bench/results/multilingual.json
    python -m bench.multilingual --split dev      # only the needs one may tune on
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import json  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

from retrieval import KnowledgeBase  # noqa: E402
from retrieval.config import RetrievalSettings  # noqa: E402
from retrieval.embedding import MULTILINGUAL, embedder_for  # noqa: E402
from retrieval.types import Hit  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data" / "demo"
QUESTIONS = REPO / "bench" / "multilingual_questions.yaml"
RESULTS = REPO / "bench" / "results" / "multilingual.json"
LANGUAGES = ("en", "de", "fr", "es", "it")
DEPTH = 10  # MRR is taken over the first 10 hits
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")


class Need(BaseModel):
    """One thing a customer wants to know, asked in every language, and the sections that answer it."""

    id: str
    split: str = Field(pattern="^(dev|test)$")
    sections: list[str] = Field(min_length=1)
    questions: dict[str, str]


class QuestionSet(BaseModel):
    needs: list[Need]

    def model_post_init(self, _context) -> None:
        for need in self.needs:
            missing = set(LANGUAGES) - set(need.questions)
            if missing:
                raise ValueError(f"need {need.id} lacks questions in {sorted(missing)}")


def load_questions(path: Path = QUESTIONS) -> QuestionSet:
    return QuestionSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def heading_translations(demo: Path = DEMO) -> dict[str, dict[str, str]]:
    """Per file stem, each German heading -> the English heading in the same place (the pages are translations
    heading for heading; a file whose heading counts differ is left out, and its German hits never count)."""
    out: dict[str, dict[str, str]] = {}
    for de_file in sorted((demo / "policies" / "de").glob("*.md")):
        en_file = demo / "policies" / de_file.name
        if not en_file.exists():
            continue
        de_heads = _headings(de_file)
        en_heads = _headings(en_file)
        if len(de_heads) == len(en_heads):
            out[de_file.stem] = dict(zip(de_heads, en_heads, strict=True))
    return out


def _headings(path: Path) -> list[str]:
    return [
        m.group(1) for line in path.read_text(encoding="utf-8").splitlines() if (m := _HEADING.match(line))
    ]


def section_key(hit_meta: dict, translations: dict[str, dict[str, str]]) -> str:
    """The section key of a chunk, "<file stem>#<leaf heading in English>" ("" for a chunk without a heading)."""
    source = str(hit_meta.get("source", ""))
    heading = str(hit_meta.get("heading") or "")
    if not heading:
        return ""
    stem = Path(source).stem
    leaf = heading.split(" > ")[-1]
    if str(hit_meta.get("language", "")) == "de" and "/de/" in f"/{source}":
        leaf = translations.get(stem, {}).get(leaf, f"(untranslated) {leaf}")
    return f"{stem}#{leaf}"


def score(ranked: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    """recall@5 and MRR@10 over queries: `ranked` holds each query's section keys in rank order."""
    rec, mrr = [], []
    for keys, want in zip(ranked, gold, strict=True):
        pos = next((i for i, k in enumerate(keys[:DEPTH]) if k in want), None)
        rec.append(1.0 if pos is not None and pos < 5 else 0.0)
        mrr.append(1.0 / (pos + 1) if pos is not None else 0.0)
    return {"recall@5": round(float(np.mean(rec)), 3), "mrr@10": round(float(np.mean(mrr)), 3), "n": len(rec)}


def build_kb(model: str, workdir: Path, **overrides) -> KnowledgeBase:
    settings = RetrievalSettings(embedding_model=model, refresh_interval_s=-1, **overrides)
    kb = KnowledgeBase.open(settings, workdir, embedder_for(model))
    kb.sync([DEMO], progress=False)
    return kb


def dense_keys(kb: KnowledgeBase, query: str, translations) -> tuple[list[str], float]:
    """Section keys of the chunks nearest the query by cosine alone (every chunk of the index), and the best cosine."""
    snap = kb._ensure_snapshot().snapshot
    qvec = kb.embedder.embed([query])[0]
    cos = snap.vectors @ qvec
    order = np.argsort(-cos)[:DEPTH]
    return [section_key(snap.metas[i], translations) for i in order], float(cos[order[0]])


def search_keys(kb: KnowledgeBase, query: str, translations, timings: list[float]) -> tuple[list[str], float]:
    """Section keys of `KnowledgeBase.search`'s hits, and the first hit's score."""
    started = time.perf_counter()
    hits: list[Hit] = kb.search(query, k=DEPTH)
    timings.append(time.perf_counter() - started)
    return [section_key(h.metadata, translations) for h in hits], (hits[0].score if hits else 0.0)


def run_config(name: str, keys_of, needs: list[Need], translations) -> dict:
    """Scores of one configuration per language and over all questions; p95 latency of its searches."""
    timings: list[float] = []
    per_lang: dict[str, dict] = {}
    all_ranked, all_gold = [], []
    misses: list[str] = []
    top_scores: dict[bool, list[float]] = {True: [], False: []}  # first hit's score when it is right / wrong
    for lang in LANGUAGES:
        got = [keys_of(n.questions[lang], translations, timings) for n in needs]
        ranked = [keys for keys, _ in got]
        gold = [set(n.sections) for n in needs]
        lang_scores: dict[bool, list[float]] = {True: [], False: []}
        for (keys, top), want in zip(got, gold, strict=True):
            lang_scores[bool(keys) and keys[0] in want].append(top)
            top_scores[bool(keys) and keys[0] in want].append(top)
        per_lang[lang] = {**score(ranked, gold), "top1_score_median": _medians(lang_scores)}
        all_ranked += ranked
        all_gold += gold
        misses += [
            f"{lang}:{n.id}" for n, r in zip(needs, ranked, strict=True) if not set(r[:5]) & set(n.sections)
        ]
    out = {"all": score(all_ranked, all_gold), "non_en": _non_en(per_lang), "by_language": per_lang}
    # the scale of the first hit's score (a cosine for dense, the ranker's probability for search): what a
    # threshold on it has to be calibrated against
    out["top1_score_median"] = _medians(top_scores)
    if timings:
        out["search_ms"] = {
            "p50": round(float(np.percentile(timings, 50)) * 1000, 1),
            "p95": round(float(np.percentile(timings, 95)) * 1000, 1),
        }
    out["misses@5"] = misses
    print(f"{name:22s} all {out['all']}  non-en {out['non_en']}  {out.get('search_ms', '')}", flush=True)
    return out


def _medians(scores: dict[bool, list[float]]) -> dict[str, float | None]:
    """Median first-hit score when the first hit is right and when it is wrong."""
    return {
        name: round(float(np.median(scores[flag])), 3) if scores[flag] else None
        for name, flag in (("right", True), ("wrong", False))
    }


def _non_en(per_lang: dict[str, dict]) -> dict[str, float]:
    langs = [lang for lang in per_lang if lang != "en"]
    return {
        m: round(float(np.mean([per_lang[lang][m] for lang in langs])), 3) for m in ("recall@5", "mrr@10")
    }


def run_all(main_kb: KnowledgeBase, use_kb: KnowledgeBase, needs: list[Need], translations) -> dict:
    """Every configuration over one MiniLM index and its USE channel (the channel is a complete index of its own):
    the baseline is the MiniLM index with the channel detached, which is exactly today's search."""
    channel = main_kb.channel
    configs: dict[str, dict] = {}
    for label, kb in (("minilm", main_kb), ("use", use_kb)):
        configs[f"{label}/dense"] = run_config(
            f"{label}/dense", lambda q, t, _timings, kb=kb: dense_keys(kb, q, t), needs, translations
        )
    variants = (
        ("minilm/search", main_kb, None, False),
        ("use/search", use_kb, None, False),
        ("minilm+use/search", main_kb, channel, False),  # the shipped default
        ("minilm+use/search, de too", main_kb, channel, True),
    )
    for name, kb, attached, page_languages in variants:
        kb.channel = attached if kb is main_kb else kb.channel
        kb.settings = kb.settings.model_copy(update={"crosslingual_for_page_languages": page_languages})
        kb.search("warm up", k=1)
        configs[name] = run_config(
            name, lambda q, t, timings, kb=kb: search_keys(kb, q, t, timings), needs, translations
        )
    main_kb.channel = channel
    return configs


def fit_calibration(kb: KnowledgeBase, needs: list[Need]) -> dict:
    """(slope, intercept) that put the channel's first-hit log-odds on the main index's scale: the mean and spread of
    the first hit's log-odds for the DEV needs' fr/es/it questions (the channel) matched to those of their en/de
    questions (the main index). A threshold set on the main index's scores then means the same for the channel."""
    kb.settings, saved = kb.settings.model_copy(update={"crosslingual_calibration": None}), kb.settings
    dev = [n for n in needs if n.split == "dev"]
    main_logits = [_first_logit(kb, n.questions[lang]) for n in dev for lang in ("en", "de")]
    channel_logits = [_first_logit(kb, n.questions[lang]) for n in dev for lang in ("fr", "es", "it")]
    kb.settings = saved
    slope = float(np.std(main_logits) / max(np.std(channel_logits), 1e-6))
    intercept = float(np.mean(main_logits) - slope * np.mean(channel_logits))
    return {"slope": round(slope, 3), "intercept": round(intercept, 3), "questions": len(dev) * 5}


def _first_logit(kb: KnowledgeBase, question: str) -> float:
    hits = kb.search(question, k=1)
    p = min(max(hits[0].score if hits else 0.5, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the channel's score calibration on the dev needs, print it, and run with it",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (the app embeds a question on one)"
    )
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    needs = [n for n in load_questions().needs if args.split in ("all", n.split)]
    translations = heading_translations()
    results: dict = {"split": args.split, "needs": len(needs), "languages": list(LANGUAGES), "configs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-ml-") as tmp:
        main_kb = build_kb("bundled", Path(tmp) / "minilm", crosslingual_model=MULTILINGUAL)
        if args.calibrate:
            fitted = fit_calibration(main_kb, load_questions().needs)
            print("crosslingual_calibration:", fitted)
            results["calibration_fitted_on_dev"] = fitted
            calibration = (fitted["slope"], fitted["intercept"])
            main_kb.settings = main_kb.settings.model_copy(update={"crosslingual_calibration": calibration})
        results["crosslingual_calibration"] = main_kb.settings.crosslingual_calibration
        results["configs"] = run_all(main_kb, main_kb.channel, needs, translations)
    results["baseline"] = "minilm/search"
    results["machine"] = {
        "cpus": os.cpu_count(),
        "torch_threads": args.threads,
        "use_threads": 1,
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),  # timings mean little on a busy machine
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    main()
