"""Grouping benchmark for the insights page: `python -m bench.insights` -> bench/results/insights.json.

Real customer search queries with the product class each targets (Wayfair WANDS `query.csv`, 480 queries, 188
classes; `../shared/data/wayfair_wands_queries_only/SOURCE.md`): queries of one class should share a group, as
customers' questions about one topic should. Queries with an even id are the development half (the similarity
threshold is chosen there); odd ids are held back and reported once. A proxy: these are product searches, not service
questions, but they are real customers' words grouped by people.

Measured: pairwise precision, recall and F1 (a pair is "together" when both queries share a group), adjusted Rand index
and the number of groups. Baselines in the same run: exact wording (case and punctuation aside), TF-IDF word vectors
with the same average-linkage clustering (its threshold tuned on the same half), and everything in one group.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from assistant.settings import REPO_ROOT, Settings
from assistant.workspace.insights import GROUP_SIMILARITY, group_texts

DATA = REPO_ROOT.parent / "shared" / "data" / "wayfair_wands_queries_only" / "query.csv"
RESULTS = Path(__file__).parent / "results"
THRESHOLDS = [round(x, 2) for x in np.arange(0.15, 0.91, 0.05)]


class TfidfEmbedder:
    """Word TF-IDF vectors fitted on the texts given: the lexical baseline."""

    def __init__(self, corpus: list[str]):
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True).fit(corpus)

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.vectorizer.transform(texts).toarray()
        vectors[:, 0] += 1e-6  # a text of unseen words still has a direction
        return vectors


def scores(labels: list[int], truth: list[str]) -> dict[str, float]:
    pairs = list(combinations(range(len(truth)), 2))
    same_pred = np.array([labels[i] == labels[j] for i, j in pairs])
    same_true = np.array([truth[i] == truth[j] for i, j in pairs])
    tp = float((same_pred & same_true).sum())
    precision = tp / same_pred.sum() if same_pred.sum() else 1.0
    recall = tp / same_true.sum() if same_true.sum() else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pair_precision": round(precision, 4),
        "pair_recall": round(recall, 4),
        "pair_f1": round(f1, 4),
        "ari": round(float(adjusted_rand_score(truth, labels)), 4),
        "groups": len(set(labels)),
        "classes": len(set(truth)),
    }


def _best(texts: list[str], truth: list[str], embedder) -> tuple[float, dict[str, dict[str, float]]]:
    sweep = {str(t): scores(group_texts(texts, embedder, t), truth) for t in THRESHOLDS}
    best = max(THRESHOLDS, key=lambda t: (sweep[str(t)]["pair_f1"], -t))
    return best, sweep


def run() -> dict:
    frame = pd.read_csv(DATA, sep="\t").dropna(subset=["query", "query_class"])
    dev = frame[frame.query_id % 2 == 0]
    held = frame[frame.query_id % 2 == 1]
    from retrieval import get_embedder

    minilm = get_embedder(Settings().retrieval)
    out: dict = {
        "data": str(DATA.relative_to(REPO_ROOT.parent)),
        "dev_queries": len(dev),
        "held_out_queries": len(held),
    }
    started = time.perf_counter()
    dev_texts, dev_truth = dev["query"].tolist(), dev.query_class.tolist()
    held_texts, held_truth = held["query"].tolist(), held.query_class.tolist()
    best_minilm, sweep_minilm = _best(dev_texts, dev_truth, minilm)
    tfidf_dev = TfidfEmbedder(dev_texts)
    best_tfidf, sweep_tfidf = _best(dev_texts, dev_truth, tfidf_dev)
    out["dev"] = {"minilm_sweep": sweep_minilm, "tfidf_sweep": sweep_tfidf}
    out["chosen"] = {"minilm": best_minilm, "tfidf": best_tfidf, "shipped_GROUP_SIMILARITY": GROUP_SIMILARITY}
    exact = list(
        pd.factorize(held["query"].str.lower().str.replace(r"[^\w]+", " ", regex=True).str.strip())[0]
    )
    out["held_out"] = {
        "minilm_average_linkage (ours, shipped threshold)": scores(
            group_texts(held_texts, minilm, GROUP_SIMILARITY), held_truth
        ),
        "minilm_average_linkage (dev-best threshold)": scores(
            group_texts(held_texts, minilm, best_minilm), held_truth
        ),
        "tfidf_average_linkage (dev-best threshold)": scores(
            group_texts(held_texts, TfidfEmbedder(held_texts), best_tfidf), held_truth
        ),
        "exact_wording": scores(exact, held_truth),
        "one_group": scores([0] * len(held_texts), held_truth),
    }
    ours = out["held_out"]["minilm_average_linkage (ours, shipped threshold)"]["pair_f1"]
    lexical = out["held_out"]["tfidf_average_linkage (dev-best threshold)"]["pair_f1"]
    out["ratio_pair_f1_ours_vs_tfidf"] = round(ours / lexical, 3) if lexical else None
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["machine"] = {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    return out


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    result = run()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "insights.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("chosen", "held_out", "ratio_pair_f1_ours_vs_tfidf")}, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
