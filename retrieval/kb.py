"""`KnowledgeBase`: ingest files into the Chroma index incrementally, and search it (hybrid dense + BM25).

kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
report = kb.sync([settings.demo_dir])
hits = kb.search("return policy", k=5, filters={"doc_type": "policy"})

Several processes may share one index (app servers on a Chroma server). Each keeps its own in-memory snapshot (texts,
vectors, BM25); a search checks the index's version token at most every `refresh_interval_s` and rebuilds the
snapshot when another process changed the index, at once when Chroma returns a hit the snapshot lacks. Searches keep
using the old snapshot while a new one is built.

The index records the model its vectors come from; syncing or searching it with another model raises
`IndexModelMismatch` (the scores would be noise). With `crosslingual_model` set, a second knowledge base over the
same files (the "channel", its own collection, the multilingual model) is synced alongside, and questions in a
language the main model does not read are searched there; its chunks have the same ids as the main index's.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunking import chunk_documents
from retrieval.config import RetrievalSettings
from retrieval.embedding import Embedder, get_embedder, model_name
from retrieval.errors import LoaderError
from retrieval.index import ChromaIndex
from retrieval.language import detect_language
from retrieval.loaders import is_supported, load_file
from retrieval.metadata import manifest_overrides
from retrieval.search import HybridSearcher, Snapshot
from retrieval.types import Hit, SearchFilters, SourceInfo, SyncReport
from retrieval.vectors import vectors_for

# Bump when loaders or chunking change in a way that should re-index unchanged files.
# 2: structure-aware loaders (table rows, FAQ units, list items), language and visibility on every chunk.
PIPELINE_VERSION = "3"  # 3: instruction-like sentences withheld at reading (retrieval.screening)


class KnowledgeBase:
    """The shop's knowledge: documents on disk, chunks and vectors in Chroma, a BM25 index in memory."""

    def __init__(
        self,
        settings: RetrievalSettings,
        index: ChromaIndex,
        embedder: Embedder | None,
        *,
        channel: KnowledgeBase | None = None,
        version_tag: str | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self._embedder = embedder
        # Fixed at open: a file's version must not depend on whether the model happened to be loaded yet (a sync
        # killed midway would otherwise redo the files it had finished).
        self.model_name = getattr(embedder, "name", None) or model_name(settings.embedding_model)
        # what a file's version is hashed with: the main index's model, also for the channel, so that both hold
        # the same chunk ids (a hit of either can be looked up in the other)
        self._model_tag = version_tag or self.model_name
        self.channel = channel
        self._snapshot: Snapshot | None = None
        self._searcher: HybridSearcher | None = None
        self._lock = threading.RLock()
        self._refresh_lock = threading.Lock()  # one rebuild at a time; searches go on with the old snapshot
        self._snapshot_version = ""  # the index version the snapshot was built at
        self._generation = (
            0  # bumped whenever the snapshot is dropped, so a slow rebuild never undoes a newer one
        )
        self._checked_at = 0.0
        self._forced_at = 0.0
        self._stale_hint = False

    @classmethod
    def open(
        cls, settings: RetrievalSettings, chroma_path: Path, embedder: Embedder | None = None
    ) -> KnowledgeBase:
        """Open (or create) the index at `chroma_path`, or on the Chroma server when `settings.chroma_host` is set.

        The embedder is loaded on first use when not given (`get_embedder(settings)`, cached per process); so is the
        cross-lingual channel's, when `settings.crosslingual_model` names one other than the main model.
        """
        kb = cls(settings, ChromaIndex(settings, Path(chroma_path)), embedder)
        other = settings.channel_settings()
        if other is not None and model_name(other.embedding_model) != kb.model_name:
            kb.channel = cls(other, ChromaIndex(other, Path(chroma_path)), None, version_tag=kb._model_tag)
        return kb

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    # --- ingest ---------------------------------------------------------------------------------------------
    def _pipeline_tag(self) -> bytes:
        s = self.settings
        return f"|pipeline={PIPELINE_VERSION}|chunk={s.chunk_chars}/{s.chunk_overlap}|model={self._model_tag}".encode()

    def _version(self, path: Path, root: Path | None = None) -> str:
        """Content hash of a file as this pipeline reads it: its bytes, the pipeline settings and whatever the
        folder manifests (``kb.yaml``) set for it, so that changing a manifest re-indexes the files it covers."""
        h = hashlib.sha256(path.read_bytes())
        h.update(self._pipeline_tag())
        overrides = manifest_overrides(path, root or path.parent)
        if overrides:
            h.update(json.dumps(overrides, sort_keys=True).encode())
        return h.hexdigest()[:16]

    def sync(self, paths: list[Path], progress: bool = True) -> SyncReport:
        """Bring the index in line with `paths` (files, or folders taken as roots whose vanished files are removed).

        Unchanged files are skipped without being parsed; a changed file's unchanged chunks reuse their stored
        vectors; a file that cannot be read is reported in `failed` and its previous chunks stay searchable.
        """
        started = time.perf_counter()
        report = SyncReport()
        with self._lock:
            self.index.check_model(self.model_name, recording=True)
            committed = self.index.committed()
            for raw in paths:
                path = Path(raw).expanduser().resolve()
                if path.is_dir():
                    root = path
                    files = sorted(
                        p
                        for p in path.rglob("*")
                        if p.is_file()
                        and is_supported(p)
                        and not any(part.startswith(".") for part in p.relative_to(path).parts)
                    )
                elif path.is_file():
                    root, files = path.parent, [path]
                else:
                    source = path.name
                    if source in committed and committed[source].get("root") == str(path.parent):
                        self._remove(source)  # a file that was ingested alone and is gone now
                        report.removed.append(source)
                        committed.pop(source)
                    else:
                        report.failed.append((str(raw), "no such file or folder"))
                    continue
                seen: set[str] = set()
                files_iter = files
                if progress and len(files) > 1:
                    from tqdm import tqdm

                    files_iter = tqdm(files, desc=f"sync {root.name}", unit="file", leave=False)
                for f in files_iter:
                    source = f.relative_to(root).as_posix()
                    seen.add(source)
                    self._sync_file(
                        f, source, root, committed, report, progress, "dir" if path.is_dir() else "file"
                    )
                if path.is_dir():
                    for source, meta in list(committed.items()):
                        if (
                            meta.get("root") == str(root)
                            and meta.get("scope", "dir") == "dir"
                            and source not in seen
                        ):
                            self._remove(source)
                            report.removed.append(source)
                            committed.pop(source)
            self._sweep_orphans()
            if report.changed or self._snapshot is None:
                self._drop_snapshot()  # rebuilt (with BM25) on the next search
        if self.channel is not None:  # the same files and chunks; its failures are the main sync's too
            self.channel.sync(paths, progress)
        report.seconds = time.perf_counter() - started
        return report

    def _sync_file(
        self,
        path: Path,
        source: str,
        root: Path,
        committed: dict[str, dict[str, Any]],
        report: SyncReport,
        progress: bool,
        scope: str = "dir",
    ) -> None:
        try:
            version = self._version(path, root)
        except OSError as exc:
            report.failed.append((source, f"cannot read file: {exc}"))
            return
        except LoaderError as exc:  # a folder manifest that cannot be read
            report.failed.append((source, exc.reason))
            return
        previous = committed.get(source)
        if (
            previous
            and previous.get("version") == version
            and previous.get("root") == str(root)
            and previous.get("scope", "dir") in (scope, "dir")
        ):
            report.unchanged.append(source)
            return
        try:
            docs = load_file(path, source, root)
        except LoaderError as exc:
            report.failed.append((exc.source, exc.reason))
            return
        chunks = chunk_documents(docs, version, self.settings.chunk_chars, self.settings.chunk_overlap)
        batch = self.settings.embedding_batch_size
        vectors, embedded = vectors_for(chunks, self.index, source, self._embed_texts, batch, progress)
        report.embedded_chunks += embedded
        # add the new version, then commit it, then drop the old one: a crash in between leaves one usable version
        self.index.add(chunks, vectors, version, str(root))
        info = SourceInfo(
            source=source,
            doc_type=docs[0].doc_type if docs else "other",
            chunks=len(chunks),
            content_hash=version,
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            root=str(root),
            scope=scope,
            visibility=_file_visibility(docs),
        )
        self.index.commit(source, info)
        self.index.delete_other_versions(source, version)
        committed[source] = {"version": version, "root": str(root), "scope": scope, "chunks": len(chunks)}
        (report.updated if previous else report.added).append(source)

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed(texts)  # the model loads on the first text to embed

    def _remove(self, source: str) -> None:
        # uncommit first: from then on search ignores the source even if deleting its chunks is interrupted
        self.index.uncommit(source)
        self.index.delete_other_versions(source, None)

    def _sweep_orphans(self) -> None:
        """Delete chunks no committed version owns (left by a sync that was killed); cheap when there are none."""
        committed = self.index.committed()
        expected = sum(int(m.get("chunks", 0)) for m in committed.values())
        if self.index.count_raw() == expected:
            return
        got = self.index.all_chunks(with_embeddings=False)
        stale = [
            i
            for i, m in zip(got["ids"], got["metadatas"], strict=False)
            if committed.get(m.get("source", ""), {}).get("version") != m.get("version")
        ]
        for start in range(0, len(stale), 4000):
            self.index.chunks.delete(ids=stale[start : start + 4000])

    # --- read -----------------------------------------------------------------------------------------------
    def _ensure_snapshot(self) -> HybridSearcher:
        with self._lock:
            if self._snapshot is None or self._searcher is None:
                detect_language(
                    "warm up the language detector"
                )  # its model loads once (about 2 s), not mid-query
                self.index.check_model(self.model_name, recording=False)
                version = (
                    self.index.version()
                )  # read first: a change committed meanwhile shows up as a newer one
                self._install(Snapshot.load(self.index), version)
            assert self._searcher is not None
            return self._searcher

    def _install(self, snapshot: Snapshot, version: str) -> None:
        self._snapshot = snapshot
        self._searcher = HybridSearcher(snapshot, self.index, self.settings, on_unknown=self._on_unknown)
        self._snapshot_version = version
        self._checked_at = time.monotonic()

    def _drop_snapshot(self) -> None:
        with self._lock:
            self._snapshot = None
            self._searcher = None
            self._generation += 1

    def _on_unknown(self, _count: int) -> None:
        self._stale_hint = True

    def version(self) -> str:
        """The index's version token: it changes whenever any process commits or removes a source (one cheap read)."""
        return self.index.version()

    def refresh(self) -> None:
        """Forget the in-memory BM25 snapshot now (it is rebuilt on the next search)."""
        self._drop_snapshot()
        if self.channel is not None:
            self.channel.refresh()

    def refresh_if_moved(self, force: bool = False) -> bool:
        """Rebuild the snapshot if the index's version moved since it was built; True when it did.

        Checked at most every `refresh_interval_s` (never when negative) unless `force` (then at most once a second:
        leftovers of an interrupted sync also look like unknown hits, and must not cost a read per search).
        """
        interval = float(getattr(self.settings, "refresh_interval_s", 5.0))
        if self._searcher is None or (interval < 0 and not force):
            return False
        return self._rebuild_if_moved(1.0 if force else interval, force)

    def _rebuild_if_moved(self, min_gap_s: float, forced: bool) -> bool:
        now = time.monotonic()
        if now - (self._forced_at if forced else self._checked_at) < min_gap_s:
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False  # another thread is rebuilding; this search uses the current snapshot
        try:
            self._checked_at = now
            self._forced_at = now if forced else self._forced_at
            generation = self._generation
            version = self.index.version()
            if version == self._snapshot_version:
                return False
            snapshot = Snapshot.load(self.index)
            with self._lock:
                if generation != self._generation:
                    return False  # a local sync dropped the snapshot meanwhile: the next search builds a newer one
                self._install(snapshot, version)
            return True
        finally:
            self._refresh_lock.release()

    def search(
        self,
        query: str,
        k: int = 5,
        filters: SearchFilters | dict | None = None,
        *,
        language: str | None = "auto",
    ) -> list[Hit]:
        """The `k` best chunks for `query` (hybrid: dense + BM25, re-ranked), restricted by `filters`.

        `language` is the language to prefer: ``"auto"`` detects the query's (`detect_language`), a code such as
        ``"de"`` prefers that one, None prefers none. Preferred chunks rank before equally relevant chunks in other
        languages, and the fallback language (English) before the rest; `filters.language` restricts instead.
        """
        flt = SearchFilters.coerce(filters)
        query = (query or "").strip()
        if not query or k <= 0:
            return []
        if self._crosslingual(query):
            hits = self.channel.search(query, k, flt, language=language)
            ranker = self.settings.fusion == "ranker"  # the other fusions' scores are not probabilities
            return _calibrated(hits, self.settings.crosslingual_calibration if ranker else None)
        self.refresh_if_moved()
        searcher = self._ensure_snapshot()
        # nothing indexed yet (this server started first): look again on every search, reads are cheap
        if searcher.snapshot.size == 0 and not self._rebuild_if_moved(0.0, forced=True):
            return []
        prefer = None
        if self.settings.prefer_query_language and flt.language is None and language:
            prefer = detect_language(query) if language == "auto" else language
        qvec = self.embedder.embed([query])[0]
        hits = self._ensure_snapshot().search(query, qvec, k, flt, prefer_language=prefer)
        if self._stale_hint:
            # Chroma knows chunks the snapshot lacks: another server indexed something; do not wait for the interval
            self._stale_hint = False
            if self.refresh_if_moved(force=True):
                hits = self._ensure_snapshot().search(query, qvec, k, flt, prefer_language=prefer)
        return hits

    def _crosslingual(self, query: str) -> bool:
        """The question is for the channel (see `RetrievalSettings.crosslingual_model`), and the channel holds what
        the index holds (an index synced before the channel existed has an empty one until its next sync)."""
        if self.channel is None:
            return False
        language = detect_language(query)
        if language in self.settings.embedding_languages:
            return False
        own = self._ensure_snapshot().snapshot
        if language in own.languages() and not self.settings.crosslingual_for_page_languages:
            return False
        self.channel.refresh_if_moved()
        return self.channel._ensure_snapshot().snapshot.size >= own.size > 0

    def chunks(self, filters: SearchFilters | dict | None = None) -> list[Hit]:
        """Every committed chunk that passes `filters`, in index order (what a warm-up reads ahead of the first
        question)."""
        flt = SearchFilters.coerce(filters)
        searcher = self._ensure_snapshot()
        metas = searcher.snapshot.metas
        return [searcher._hit(i, 0.0) for i, m in enumerate(metas) if flt.is_empty() or flt.matches(m)]

    def section(self, hit: Hit) -> list[Hit]:
        """Every chunk of the hit's source under the same heading path, in document order (the whole table a row
        belongs to, the other items of its list), so that an answer can use a unit's neighbours."""
        searcher = self._ensure_snapshot()
        snap = searcher.snapshot
        heading = hit.metadata.get("heading")
        rows = [
            i
            for i, m in enumerate(snap.metas)
            if m.get("source") == hit.source and m.get("heading") == heading
        ]
        rows.sort(key=lambda i: snap.ids[i])  # ids end in the chunk's ordinal within its source version
        return [searcher._hit(i, 1.0 if snap.ids[i] == hit.chunk_id else 0.0) for i in rows]

    def sources(self) -> list[SourceInfo]:
        """Every committed source with its type, chunk count, content hash and ingest time."""
        out = [
            SourceInfo(
                source=s,
                doc_type=str(m.get("doc_type", "other")),
                chunks=int(m.get("chunks", 0)),
                content_hash=str(m.get("version", "")),
                ingested_at=str(m.get("ingested_at", "")),
                root=str(m.get("root", "")),
                scope=str(m.get("scope", "dir")),
                visibility=str(m.get("visibility", "")),
            )
            for s, m in self.index.committed().items()
        ]
        return sorted(out, key=lambda s: s.source)

    def roots(self) -> list[Path]:
        """The folders (and single files) sources were ingested from: what `mka kb sync` re-syncs."""
        return sorted(
            {Path(s.root) / s.source if s.scope == "file" else Path(s.root) for s in self.sources() if s.root}
        )

    def count(self) -> int:
        """Number of searchable (committed) chunks."""
        return sum(s.chunks for s in self.sources())


def _calibrated(hits: list[Hit], calibration: tuple[float, float] | None) -> list[Hit]:
    """Hits with their probabilities moved in log-odds by (slope, intercept) (see `crosslingual_calibration`)."""
    if not calibration:
        return hits
    slope, intercept = calibration
    out = []
    for hit in hits:
        p = min(max(hit.score, 1e-9), 1 - 1e-9)
        logit = slope * float(np.log(p / (1 - p))) + intercept
        out.append(replace(hit, score=float(1.0 / (1.0 + np.exp(-logit)))))
    return out


def _file_visibility(docs: list) -> str:
    """A file is as visible as its least visible document (a JSONL file's records may differ)."""
    seen = {str(d.metadata.get("visibility", "")) for d in docs}
    return "internal" if "internal" in seen else ("public" if "public" in seen else "")
