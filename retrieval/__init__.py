"""The retrieval layer: loaders, chunking, embeddings, the Chroma index with incremental sync, hybrid search.

Public interface (what `assistant/` calls):

    get_embedder(settings) -> Embedder                  # cached per model: "bundled" (MiniLM), "multilingual" (USE)
    embedder_for("multilingual") -> Embedder            # any model by name (routing in other languages, say)
    KnowledgeBase.open(settings, chroma_path, embedder=None)   # + the cross-lingual channel (crosslingual_model)
    kb.sync(paths, progress=True) -> SyncReport
    kb.search(query, k=5, filters=None, language="auto") -> list[Hit]   # prefers the query's language
    kb.section(hit) -> list[Hit]                         # the other units under the hit's heading (a whole table)
    kb.sources() -> list[SourceInfo]; kb.count() -> int
    detect_language(text) -> "en" | "de" | "fr" | "es" | "it"

Every hit's metadata holds `kind` (prose | table_row | faq | list_item | product), `heading_path`, `language` and
`visibility` (public | internal; `default_visibility(source, doc_type, root)` when a document does not say, and
`SourceInfo.visibility` per file); `Hit.fields` gives a table row's cells by column or a FAQ unit's question/answer.
"""

from retrieval.config import RetrievalSettings
from retrieval.embedding import Embedder, SentenceTransformerEmbedder, UseEmbedder, embedder_for, get_embedder
from retrieval.errors import IndexModelMismatch, IndexUnavailable, LoaderError, ModelMissing, RetrievalError
from retrieval.kb import KnowledgeBase
from retrieval.language import SUPPORTED_LANGUAGES, detect_language
from retrieval.loaders import is_supported, slugify, withheld_sentences
from retrieval.metadata import default_visibility
from retrieval.types import Block, Chunk, Citation, Document, Hit, SearchFilters, SourceInfo, SyncReport

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Block",
    "Chunk",
    "Citation",
    "Document",
    "Embedder",
    "Hit",
    "IndexModelMismatch",
    "IndexUnavailable",
    "KnowledgeBase",
    "LoaderError",
    "ModelMissing",
    "RetrievalError",
    "RetrievalSettings",
    "SearchFilters",
    "SentenceTransformerEmbedder",
    "SourceInfo",
    "SyncReport",
    "UseEmbedder",
    "default_visibility",
    "is_supported",
    "detect_language",
    "embedder_for",
    "get_embedder",
    "slugify",
    "withheld_sentences",
]
