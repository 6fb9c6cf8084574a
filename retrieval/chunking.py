"""Chunking that keeps a document's units and headings, and stable chunk ids.

A document's blocks become chunks by kind: consecutive prose blocks under one heading path are packed into pieces
of at most `chunk_chars` characters (cut at paragraph, then sentence, then word boundaries, with `overlap`
characters carried over); a table row, a FAQ unit and a list item are one chunk each (a long one is cut, and a FAQ
unit's pieces each repeat the question). Each chunk's text starts with its heading path ("Returns > Refunds: ...")
so that both BM25 and the embedder see what the text is about, and its metadata holds the kind, the heading path
and the unit's fields (a row's cells by column, a FAQ unit's question and answer), so that an answer can be built
from the unit rather than from its flattened text.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from retrieval.loaders import slugify
from retrieval.types import Block, Chunk, Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# block fields stored on the chunk as they are (scalars) or JSON-encoded (Chroma metadata holds scalars only)
_SCALAR_FIELDS = ("row_label", "caption", "question", "answer", "lead", "position", "ordered", "page")
_JSON_FIELDS = ("row_fields", "columns")


def text_hash(text: str) -> str:
    """Short content hash of a text (used to reuse embeddings of unchanged chunks)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def source_key(source: str) -> str:
    """A short, id-safe key of a source path."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


def chunk_id(source: str, version: str, ordinal: int) -> str:
    """Stable id: the same source, content version and position give the same id.

    The version (content hash of the source) is part of the id so that a new version can be added next to the old
    one and the old one deleted afterwards: a sync killed midway never leaves two chunks with one id.
    """
    return f"{source_key(source)}-{version}-{ordinal:05d}"


def _split_long(text: str, limit: int) -> list[str]:
    """Split text into pieces <= limit at paragraph, sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= limit:
            pieces.append(para)
            continue
        for sent in _SENTENCE_END.split(para):
            if len(sent) <= limit:
                pieces.append(sent)
            else:
                words, cur = sent.split(), ""
                for w in words:
                    if cur and len(cur) + 1 + len(w) > limit:
                        pieces.append(cur)
                        cur = w[:limit]
                    else:
                        cur = f"{cur} {w}" if cur else w[:limit]
                if cur:
                    pieces.append(cur)
    return pieces


def _pack(pieces: list[str], limit: int, overlap: int) -> list[str]:
    """Greedy packing of pieces into chunks <= limit, starting each new chunk with the tail of the previous one."""
    chunks: list[str] = []
    cur = ""
    for p in pieces:
        if cur and len(cur) + 2 + len(p) > limit:
            chunks.append(cur)
            tail = cur[-overlap:] if overlap else ""
            # start the overlap at a word boundary
            tail = tail[tail.find(" ") + 1 :] if " " in tail else ""
            cur = f"{tail} {p}".strip() if tail and len(tail) + 1 + len(p) <= limit else p
        else:
            cur = f"{cur}\n\n{p}" if cur else p
    if cur:
        chunks.append(cur)
    return chunks


def _units(blocks: list[Block]) -> list[tuple[Block, list[str]]]:
    """(first block, texts) per unit: a run of prose blocks under one heading path, or one block of another kind."""
    units: list[tuple[Block, list[str]]] = []
    for b in blocks:
        if not b.text.strip():
            continue
        if (
            b.kind == "prose"
            and units
            and units[-1][0].kind == "prose"
            and units[-1][0].heading_path == b.heading_path
        ):
            units[-1][1].append(b.text.strip())
        else:
            units.append((b, [b.text.strip()]))
    return units


def _bodies(block: Block, texts: list[str], budget: int, overlap: int) -> list[str]:
    if block.kind == "prose":
        pieces = [piece for t in texts for piece in _split_long(t, budget)]
        return _pack(pieces, budget, min(overlap, budget // 2))
    if block.kind == "faq" and len(texts[0]) > budget:
        question = str(block.fields.get("question", ""))
        answer = str(block.fields.get("answer", texts[0]))
        room = max(budget - len(question) - 1, budget // 2)
        return [f"{question} {piece}" for piece in _pack(_split_long(answer, room), room, 0)]
    return _split_long(texts[0], budget)


def _anchor(doc: Document, block: Block) -> str:
    if doc.anchor:
        return doc.anchor
    if block.fields.get("anchor_heading"):
        return slugify(str(block.fields["anchor_heading"]))
    path = list(block.heading_path)
    if block.fields.get("caption") and path and path[-1] == block.fields["caption"]:
        path = path[:-1]  # a table caption is no heading of the page
    return slugify(path[-1]) if path else ""


def _unit_metadata(doc: Document, block: Block, prefix: str, full: str) -> dict[str, Any]:
    meta = dict(doc.metadata)
    meta.update(
        doc_type=doc.doc_type,
        kind=block.kind,
        heading=prefix,
        heading_path=json.dumps(list(block.heading_path), ensure_ascii=False),
        section_title=block.heading_path[-1] if block.heading_path else doc.title,
        text_hash=text_hash(full),
    )
    for name in _SCALAR_FIELDS:
        value = block.fields.get(name)
        if isinstance(value, str | int | float | bool) and value != "":
            meta[name] = value
    for name in _JSON_FIELDS:
        if block.fields.get(name):
            meta[name] = json.dumps(block.fields[name], ensure_ascii=False)
    return meta


def chunk_document(
    doc: Document, version: str, chunk_chars: int = 1200, overlap: int = 150, start: int = 0
) -> list[Chunk]:
    """Cut one document into chunks; ordinals start at `start` so several documents of one source get distinct ids."""
    out: list[Chunk] = []
    ordinal = start
    for block, texts in _units(doc.blocks):
        prefix = " > ".join(block.heading_path)
        # the heading path is repeated in every piece, so the budget for the body is what is left
        budget = max(chunk_chars - len(prefix) - 2, chunk_chars // 2)
        anchor = _anchor(doc, block)
        for body in _bodies(block, texts, budget, overlap):
            full = f"{prefix}: {body}" if prefix and not doc.anchor else body
            out.append(
                Chunk(
                    chunk_id=chunk_id(doc.source, version, ordinal),
                    text=full,
                    source=doc.source,
                    title=doc.title,
                    anchor=anchor,
                    metadata=_unit_metadata(doc, block, prefix, full),
                )
            )
            ordinal += 1
    return out


def chunk_documents(
    docs: list[Document], version: str, chunk_chars: int = 1200, overlap: int = 150
) -> list[Chunk]:
    """Chunk every document of one source with consecutive ordinals."""
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(chunk_document(doc, version, chunk_chars, overlap, start=len(chunks)))
    return chunks
