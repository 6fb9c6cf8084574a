"""Chunking that keeps headings with their text, and stable chunk ids.

A section (the text under one heading path) is cut into pieces of at most `chunk_chars` characters at paragraph, then
sentence, then word boundaries, with `overlap` characters carried over. Each chunk's text starts with its heading path
("Returns > Refunds: ...") so that both BM25 and the embedder see what the text is about.
"""

from __future__ import annotations

import hashlib
import re

from retrieval.loaders import slugify
from retrieval.types import Chunk, Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


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


def chunk_document(
    doc: Document, version: str, chunk_chars: int = 1200, overlap: int = 150, start: int = 0
) -> list[Chunk]:
    """Cut one document into chunks; ordinals start at `start` so several documents of one source get distinct ids."""
    out: list[Chunk] = []
    ordinal = start
    for heading_path, text in doc.sections:
        prefix = " > ".join(heading_path)
        # the heading path is repeated in every piece, so the budget for the body is what is left
        budget = max(chunk_chars - len(prefix) - 2, chunk_chars // 2)
        anchor = doc.anchor or (slugify(heading_path[-1]) if heading_path else "")
        section_title = heading_path[-1] if heading_path else doc.title
        for body in _pack(_split_long(text.strip(), budget), budget, min(overlap, budget // 2)):
            full = f"{prefix}: {body}" if prefix and not doc.anchor else body
            meta = dict(doc.metadata)
            meta.update(
                doc_type=doc.doc_type,
                heading=prefix,
                section_title=section_title,
                text_hash=text_hash(full),
            )
            out.append(
                Chunk(
                    chunk_id=chunk_id(doc.source, version, ordinal),
                    text=full,
                    source=doc.source,
                    title=doc.title,
                    anchor=anchor,
                    metadata=meta,
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
