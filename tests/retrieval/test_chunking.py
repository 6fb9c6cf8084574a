"""Chunking keeps headings with their text; ids are stable."""

from __future__ import annotations

from retrieval.chunking import chunk_document, chunk_documents, chunk_id
from retrieval.types import Document


def _doc(sections, anchor="", source="policies/returns.md") -> Document:
    return Document(source=source, title="Returns", doc_type="policy", sections=sections, anchor=anchor)


def test_heading_path_prefixes_every_chunk_and_sets_anchor() -> None:
    long = " ".join(f"Sentence number {i} about refunds." for i in range(200))
    chunks = chunk_document(_doc([(["Returns", "Refunds"], long)]), "v1", chunk_chars=400, overlap=50)
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.startswith("Returns > Refunds: ")
        assert len(c.text) <= 400
        assert c.anchor == "refunds" and c.source == "policies/returns.md" and c.title == "Returns"
        assert c.metadata["doc_type"] == "policy"
    # no text is lost: every sentence appears in some chunk
    joined = " ".join(c.text for c in chunks)
    assert all(f"Sentence number {i} " in joined for i in range(200))


def test_short_sections_stay_whole() -> None:
    chunks = chunk_documents([_doc([(["A"], "one"), (["A", "B"], "two")])], "v1")
    assert [c.text for c in chunks] == ["A: one", "A > B: two"]
    assert [c.anchor for c in chunks] == ["a", "b"]


def test_records_use_their_anchor_and_no_prefix() -> None:
    doc = _doc([([], "Trail Runner (SKU TR-1)")], anchor="TR-1", source="catalog.csv")
    [c] = chunk_document(doc, "v1")
    assert c.anchor == "TR-1" and c.text == "Trail Runner (SKU TR-1)"


def test_ids_are_stable_and_depend_on_source_version_and_position() -> None:
    docs = [_doc([(["A"], "one"), (["B"], "two")])]
    first = [c.chunk_id for c in chunk_documents(docs, "v1")]
    assert first == [c.chunk_id for c in chunk_documents(docs, "v1")]
    assert len(set(first)) == 2
    assert set(first).isdisjoint(c.chunk_id for c in chunk_documents(docs, "v2"))
    assert chunk_id("a.md", "v1", 0) != chunk_id("b.md", "v1", 0)
