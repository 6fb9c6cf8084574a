"""Heading evidence: the headings a chunk sits under say what it is about, in the author's own words.

A question that names a section by its heading ("what is your return window?", "Delivery options?") is asking for
that section, even when the section's body says it in other words ("You can return any item within 30 days...") and
a neighbouring section repeats the question's commonest word more often. Every chunk carries its heading path (a
table row or list item inherits the path of the section it sits in, and a table caption is the last element), and a
FAQ unit its question; `heading_match` measures how much of a query those labels cover, each query term weighted by
its idf so that a rare word of the heading ("window") counts more than a word every page of the shop has ("return").
The fraction is squared: a heading that names the whole question is strong evidence, one that shares a common word
with it ("How to return") is weak, and a page title every chunk of the page shares moves none of them against another.

The learned ranker cannot weigh this itself: its training corpus (shop Q&A answers) has no headings, so the match
enters search as a prior in log-odds (`RetrievalSettings.heading_boost`), as the language preference does. Chunks
without headings (catalog rows, Q&A records) get no prior, so their ranking is the ranker's alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retrieval.lexical import analyse, analyse_query


def label_terms(meta: dict[str, Any]) -> frozenset[str]:
    """Analysed terms of a chunk's labels: every heading of its path (caption included) and a FAQ unit's question."""
    raw = meta.get("heading_path") or "[]"
    try:
        path = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError:
        path = []
    labels = [str(h) for h in path if h]
    if meta.get("question"):
        labels.append(str(meta["question"]))
    return frozenset(analyse(" ".join(labels), str(meta.get("language") or "en"))) if labels else frozenset()


def heading_match(
    query: str,
    cand: np.ndarray,
    labels: Sequence[frozenset[str]],
    idf: Callable[[str], float],
    terms: Callable[[str], list[str]] = analyse_query,
) -> np.ndarray:
    """For each candidate row, the squared idf-weighted fraction of the query's terms (`terms(query)`) its labels
    contain (0..1)."""
    qterms = set(terms(query))
    out = np.zeros(len(cand), dtype=np.float64)
    if not qterms:
        return out
    weight = {t: idf(t) for t in qterms}
    total = sum(weight.values()) or 1.0
    for j, row in enumerate(cand):
        terms = labels[int(row)]
        if terms:
            out[j] = sum(w for t, w in weight.items() if t in terms) / total
    return out**2
