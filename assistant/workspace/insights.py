"""What customers could not get answered, grouped so the shop sees which page to write: similar questions together
(the app's own sentence embedder, average-linkage clustering on cosine similarity), with counts, examples, comments,
and the documents the searches came closest with.

The similarity at which two questions share a group (`GROUP_SIMILARITY`) was chosen on the development half of the
Wayfair WANDS queries (even query ids; queries of one product class should share a group), see `bench/insights.py`.
"""

from __future__ import annotations

import io
import re
import threading
import weakref
from collections import Counter
from typing import Any

import numpy as np

from assistant.storage.insights import AskedQuestion
from assistant.workspace.types import InsightGroup, InsightReport, NearDocument
from generation import csv_writer

GROUP_SIMILARITY = 0.45
EXAMPLES = 3
CLOSEST = 3
# Vectors of questions already seen, per embedder: each report or export embeds only the questions new since the
# last one (re-embedding every failed question made the CSV export the slowest request of the server)
CACHED_TEXTS = 20_000
_VECTORS: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_VECTORS_LOCK = threading.Lock()


def _embed(texts: list[str], embedder: Any) -> np.ndarray:
    """`embedder.embed(texts)`, from the cache where a text was embedded before."""
    try:
        with _VECTORS_LOCK:
            known = _VECTORS.setdefault(embedder, {})
    except TypeError:  # an embedder that cannot be weakly referenced is asked every time
        return np.asarray(embedder.embed(texts), dtype=np.float64)
    with _VECTORS_LOCK:
        missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        fresh = np.asarray(embedder.embed(missing), dtype=np.float64)
        with _VECTORS_LOCK:
            known.update(zip(missing, fresh, strict=True))
            for old in list(known)[: max(0, len(known) - CACHED_TEXTS)]:
                del known[old]
    with _VECTORS_LOCK:
        found = [known.get(t) for t in texts]
    if any(v is None for v in found):  # evicted meanwhile by another thread's export: ask again
        return np.asarray(embedder.embed(texts), dtype=np.float64)
    return np.stack(found)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def group_texts(texts: list[str], embedder: Any, similarity: float = GROUP_SIMILARITY) -> list[int]:
    """A group label per text: texts at least `similarity` alike on average (cosine) share a label; the same text
    (case and punctuation aside) always does."""
    if not texts:
        return []
    keys = [_norm(t) or t for t in texts]
    unique = list(dict.fromkeys(keys))
    if len(unique) == 1:
        return [0] * len(texts)
    vectors = _embed(unique, embedder)  # a new array: normalising it leaves the cache as it was
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(vectors, "cosine"), 0.0, 2.0)
    labels = fcluster(linkage(distances, "average"), t=1.0 - similarity, criterion="distance")
    of_key = dict(zip(unique, labels.tolist(), strict=True))
    return [int(of_key[k]) for k in keys]


def _typical(members: list[AskedQuestion], embedder: Any) -> str:
    """The member closest to the group's centre (ties: the most asked wording)."""
    wordings = Counter(m.text.strip() for m in members)
    if len(wordings) <= 2:
        return wordings.most_common(1)[0][0]
    texts = list(wordings)
    vectors = _embed(texts, embedder)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    centre = vectors.mean(axis=0)
    return texts[int(np.argmax(vectors @ centre))]


def _closest(members: list[AskedQuestion]) -> list[NearDocument]:
    found: dict[tuple[str, str], NearDocument] = {}
    for member in members:
        for hit in {(h["source"], h["anchor"]): h for h in member.hits}.values():
            key = (hit["source"], hit["anchor"])
            doc = found.get(key)
            if doc is None:
                found[key] = NearDocument(
                    source=hit["source"], title=hit["title"], anchor=hit["anchor"], score=hit["score"]
                )
            else:
                doc.seen += 1
                doc.score = max(doc.score, hit["score"])
    return sorted(found.values(), key=lambda d: (-d.seen, -d.score))[:CLOSEST]


def insight_report(
    questions: list[AskedQuestion], embedder: Any, similarity: float = GROUP_SIMILARITY
) -> InsightReport:
    """The failed questions in groups, the most asked first."""
    labels = group_texts([q.text for q in questions], embedder, similarity)
    groups: dict[int, list[AskedQuestion]] = {}
    for label, question in zip(labels, questions, strict=True):
        groups.setdefault(label, []).append(question)
    out = []
    for members in groups.values():
        members.sort(key=lambda q: q.asked_at)
        wordings = list(dict.fromkeys(m.text.strip() for m in reversed(members)))
        out.append(
            InsightGroup(
                group_id=0,
                question=_typical(members, embedder),
                asked=len(members),
                unanswered=sum(m.unanswered for m in members),
                thumbs_down=sum(m.thumbs_down for m in members),
                examples=wordings[:EXAMPLES],
                comments=[m.comment for m in members if m.comment][:EXAMPLES],
                first_asked=members[0].asked_at,
                last_asked=members[-1].asked_at,
                closest=_closest(members),
            )
        )
    out.sort(key=lambda g: (-g.asked, g.question))
    for number, group in enumerate(out, start=1):
        group.group_id = number
    return InsightReport(groups=out, questions=len(questions), similarity=similarity)


INSIGHT_COLUMNS = [
    "Group",
    "Typical question",
    "Times asked",
    "Unanswered",
    "Thumbs down",
    "Other wordings",
    "Comments",
    "Closest documents",
    "First asked",
    "Last asked",
]


def insights_csv(report: InsightReport) -> str:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(INSIGHT_COLUMNS)
    for g in report.groups:
        writer.writerow(
            [
                g.group_id,
                g.question,
                g.asked,
                g.unanswered,
                g.thumbs_down,
                " | ".join(e for e in g.examples if e != g.question),
                " | ".join(g.comments),
                " | ".join(f"{d.title or d.source} ({d.source}, score {d.score:.2f})" for d in g.closest)
                or "nothing came close",
                g.first_asked,
                g.last_asked,
            ]
        )
    return buffer.getvalue()
