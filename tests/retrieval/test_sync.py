"""Incremental sync against a real Chroma store on disk (fake embedder: these test the bookkeeping, not vectors)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval import KnowledgeBase
from retrieval.chunking import chunk_documents
from retrieval.config import RetrievalSettings
from retrieval.loaders import load_file
from tests.retrieval.conftest import CATALOG, CountingEmbedder


def _kb(tmp_path: Path, emb: CountingEmbedder) -> KnowledgeBase:
    return KnowledgeBase.open(RetrievalSettings(), tmp_path / "chroma", emb)


def _raw_ids(kb: KnowledgeBase) -> list[str]:
    return kb.index.chunks.get(include=[])["ids"]


def test_first_sync_adds_everything_and_second_changes_nothing(
    tmp_path: Path, shop: Path, fake_embedder
) -> None:
    kb = _kb(tmp_path, fake_embedder)
    first = kb.sync([shop], progress=False)
    assert sorted(first.added) == [
        "campaigns/autumn.yaml",
        "catalog.csv",
        "pages/shipping.html",
        "policies/returns.md",
    ]
    assert not first.failed
    calls, count, ids = fake_embedder.calls, kb.count(), sorted(_raw_ids(kb))
    assert count == len(ids) == calls > 0
    second = kb.sync([shop], progress=False)
    assert sorted(second.unchanged) == sorted(first.added) and not second.changed
    assert fake_embedder.calls == calls  # nothing re-embedded
    assert sorted(_raw_ids(kb)) == ids  # no duplicates, same ids
    # a fresh process on the same folder sees the same index
    again = _kb(tmp_path, CountingEmbedder())
    assert again.count() == count and again.sync([shop], progress=False).unchanged


def test_sources_report_type_chunks_and_hash(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    info = {s.source: s for s in kb.sources()}
    assert info["catalog.csv"].doc_type == "product" and info["catalog.csv"].chunks == 4
    assert info["policies/returns.md"].doc_type == "policy" and info["pages/shipping.html"].doc_type == "page"
    assert info["campaigns/autumn.yaml"].doc_type == "campaign"
    assert all(len(s.content_hash) == 16 and s.ingested_at for s in info.values())
    assert kb.roots() == [shop.resolve()]


def test_changed_file_replaced_and_unchanged_rows_not_reembedded(
    tmp_path: Path, shop: Path, fake_embedder
) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    before = fake_embedder.calls
    (shop / "catalog.csv").write_text(CATALOG.replace("Storm Jacket", "Tempest Jacket"))
    report = kb.sync([shop], progress=False)
    assert report.updated == ["catalog.csv"] and report.embedded_chunks == 1
    assert fake_embedder.calls == before + 1  # only the changed product went through the embedder
    texts = kb.index.chunks.get(where={"source": "catalog.csv"}, include=["documents"])["documents"]
    assert (
        len(texts) == 4
        and any("Tempest Jacket" in t for t in texts)
        and not any("Storm Jacket" in t for t in texts)
    )
    hits = kb.search("Tempest Jacket", k=1)
    assert hits[0].anchor == "JK-010" and "Tempest" in hits[0].text


def test_removed_file_is_removed(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    (shop / "pages" / "shipping.html").unlink()
    report = kb.sync([shop], progress=False)
    assert report.removed == ["pages/shipping.html"]
    assert "pages/shipping.html" not in {s.source for s in kb.sources()}
    assert not kb.index.chunks.get(where={"source": "pages/shipping.html"})["ids"]
    assert all(h.source != "pages/shipping.html" for h in kb.search("shipping costs delivery", k=10))


def test_bad_file_is_reported_and_previous_version_stays(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    old_ids = sorted(kb.index.chunks.get(where={"source": "catalog.csv"})["ids"])
    (shop / "catalog.csv").write_text("sku,name,price\nX,Broken,1\n")  # category column missing
    (shop / "policies" / "latin1.md").write_bytes("# Caf\u00e9".encode("latin-1"))
    report = kb.sync([shop], progress=False)
    failed = dict(report.failed)
    assert "missing column(s) category" in failed["catalog.csv"] and "UTF-8" in failed["policies/latin1.md"]
    assert sorted(kb.index.chunks.get(where={"source": "catalog.csv"})["ids"]) == old_ids
    assert any(h.anchor == "TR-001" for h in kb.search("Trail Runner GTX", k=3))
    assert "catalog.csv" not in report.removed


def test_interrupted_sync_leaves_old_version_and_next_sync_completes(
    tmp_path: Path, shop: Path, fake_embedder
) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    path = shop / "policies" / "returns.md"
    path.write_text(path.read_text().replace("30 days", "60 days"))
    # what a sync killed after adding the new version but before committing it leaves behind
    version = kb._version(path)
    chunks = chunk_documents(load_file(path, "policies/returns.md"), version)
    kb.index.add(chunks, fake_embedder.embed([c.text for c in chunks]), version, str(shop.resolve()))
    kb.refresh()
    texts = [h.text for h in kb.search("return within days", k=10, filters={"doc_type": "policy"})]
    assert any("30 days" in t for t in texts) and not any("60 days" in t for t in texts)
    report = kb.sync([shop], progress=False)
    assert report.updated == ["policies/returns.md"]
    stored = kb.index.chunks.get(where={"source": "policies/returns.md"}, include=["documents"])
    assert len(stored["ids"]) == len(set(stored["ids"])) == len(chunks)
    assert any("60 days" in t for t in stored["documents"]) and not any(
        "30 days" in t for t in stored["documents"]
    )
    assert kb.index.count_raw() == kb.count()


def test_orphans_of_an_interrupted_sync_are_swept(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    orphan = chunk_documents(
        load_file(shop / "policies" / "returns.md", "policies/returns.md"), "deadbeefdeadbeef"
    )
    kb.index.add(orphan, fake_embedder.embed([c.text for c in orphan]), "deadbeefdeadbeef", str(shop))
    assert kb.index.count_raw() > kb.count()
    kb.sync([shop], progress=False)
    assert kb.index.count_raw() == kb.count()


def test_single_file_ingest_and_missing_path(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    report = kb.sync([shop / "policies" / "returns.md", tmp_path / "nope"], progress=False)
    assert report.added == ["returns.md"] and report.failed[0][1] == "no such file or folder"
    assert kb.roots() == [(shop / "policies" / "returns.md").resolve()]
    # syncing the file's folder as a root later does not remove the file-scoped source of another root
    (shop / "policies" / "returns.md").unlink()
    assert kb.sync([shop / "policies" / "returns.md"], progress=False).removed == ["returns.md"]
    assert kb.count() == 0


def test_length_sorted_batches_keep_each_vector_with_its_chunk(
    tmp_path: Path, shop: Path, fake_embedder
) -> None:
    kb = KnowledgeBase.open(RetrievalSettings(embedding_batch_size=2), tmp_path / "chroma", fake_embedder)
    kb.sync([shop], progress=False)
    got = kb.index.chunks.get(include=["documents", "embeddings"])
    expected = CountingEmbedder().embed(got["documents"])
    assert len(got["ids"]) > 4 and np.allclose(np.asarray(got["embeddings"]), expected, atol=1e-6)


def test_chroma_server_down_raises_index_unavailable(tmp_path: Path, fake_embedder) -> None:
    import socket

    import pytest

    from retrieval.errors import IndexUnavailable

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = RetrievalSettings(chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(IndexUnavailable, match=f"127.0.0.1:{port}"):
        KnowledgeBase.open(settings, tmp_path / "unused", fake_embedder)


def test_a_manifest_change_reindexes_the_files_it_covers(tmp_path: Path, shop: Path, fake_embedder) -> None:
    kb = _kb(tmp_path, fake_embedder)
    kb.sync([shop], progress=False)
    public = kb.search("discount trail running shoes", k=20, filters={"visibility": "public"}, language=None)
    assert public and all(
        h.source != "campaigns/autumn.yaml" for h in public
    )  # briefs are internal by default
    before = fake_embedder.calls
    (shop / "campaigns" / "kb.yaml").write_text("defaults:\n  visibility: public\n")
    report = kb.sync([shop], progress=False)
    assert report.updated == ["campaigns/autumn.yaml"] and "campaigns/kb.yaml" not in report.added
    assert fake_embedder.calls == before  # same chunk texts: the stored vectors are reused
    hits = kb.search("discount trail running shoes", k=20, filters={"visibility": "public"}, language=None)
    assert any(h.source == "campaigns/autumn.yaml" and h.visibility == "public" for h in hits)
    (shop / "campaigns" / "kb.yaml").write_text("defaults: [not, a, mapping]\n")
    failed = dict(kb.sync([shop], progress=False).failed)
    assert "entries must be mappings" in failed["campaigns/autumn.yaml"]
