"""Two knowledge bases on one Chroma store, as two app servers on one Chroma server: each keeps its own BM25 snapshot
and follows the index's version (real Chroma on disk, fake embedder: this tests the bookkeeping)."""

from __future__ import annotations

from pathlib import Path

from retrieval import KnowledgeBase
from retrieval.config import RetrievalSettings
from tests.retrieval.conftest import CountingEmbedder

GIFT_WRAP = "# Gift wrapping\n\nWe gift-wrap any order with recycled kraft paper for 4 EUR.\n"


def _servers(tmp_path: Path, interval: float) -> tuple[KnowledgeBase, KnowledgeBase]:
    settings = RetrievalSettings(refresh_interval_s=interval)
    emb = CountingEmbedder()
    return (
        KnowledgeBase.open(settings, tmp_path / "chroma", emb),
        KnowledgeBase.open(settings, tmp_path / "chroma", emb),
    )


def _add_doc(tmp_path: Path, name: str = "gift.md", body: str = GIFT_WRAP) -> Path:
    folder = tmp_path / "more"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def _sources(kb: KnowledgeBase, query: str) -> set[str]:
    return {h.source for h in kb.search(query, k=5)}


def test_every_commit_and_removal_moves_the_version(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, 5.0)
    first = a.version()
    a.sync([shop], progress=False)
    after_sync = b.version()
    assert after_sync != first
    assert (
        a.sync([shop], progress=False).changed is False or a.version() == after_sync
    )  # nothing changed, same
    (shop / "policies" / "returns.md").unlink()
    a.sync([shop], progress=False)
    assert b.version() != after_sync


def test_a_hit_the_snapshot_lacks_rebuilds_it_at_once(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, 3600.0)  # the interval alone would not refresh within this test
    a.sync([shop], progress=False)
    assert "gift.md" not in _sources(b, "gift wrap kraft paper")  # B's snapshot is built now
    a.sync([_add_doc(tmp_path)], progress=False)
    # Chroma (shared) returns the new chunk as a dense hit; B's snapshot lacks it: B rebuilds and answers with it
    assert "gift.md" in _sources(b, "gift wrap kraft paper")


def test_the_version_is_checked_every_interval_not_every_search(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, 3600.0)
    a.sync([shop], progress=False)
    b.search("returns", k=3)
    reads = []
    inner = b.index.version
    b.index.version = lambda: reads.append(1) or inner()  # type: ignore[method-assign]
    for _ in range(20):
        b.search("return window refund", k=3)
    assert len(reads) == 0  # nothing moved and the interval has not passed: no reads at all
    a.sync([_add_doc(tmp_path)], progress=False)
    assert b.refresh_if_moved() is False  # still within the interval
    assert b.refresh_if_moved(force=True) is True and len(reads) == 1


def test_removals_on_one_server_reach_the_other_within_the_interval(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, 0.0)  # check on every search
    folder = _add_doc(tmp_path)
    a.sync([shop, folder], progress=False)
    assert "gift.md" in _sources(b, "gift wrap kraft paper")
    (folder / "gift.md").unlink()
    a.sync([folder], progress=False)
    # no dense hit points at the removed chunks any more, but the version moved: B rebuilds and forgets them
    assert "gift.md" not in _sources(b, "gift wrap kraft paper")
    assert b.refresh_if_moved() is False  # up to date: nothing to do


def test_an_empty_snapshot_looks_again_for_documents(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, 3600.0)
    assert b.search("returns", k=3) == []  # B started before anything was indexed
    a.sync([shop], progress=False)
    assert b.search("return window refund", k=3)  # found without waiting for the interval


def test_a_negative_interval_never_checks_by_itself(tmp_path: Path, shop: Path) -> None:
    a, b = _servers(tmp_path, -1.0)
    a.sync([shop], progress=False)
    b.search("returns", k=3)
    a.sync([_add_doc(tmp_path)], progress=False)
    assert b.refresh_if_moved() is False
    assert b.refresh_if_moved(force=True) is True
