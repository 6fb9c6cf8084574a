"""The retrieval layer: loaders, chunking, embeddings, the Chroma index with incremental sync, hybrid search.

Public interface (what `assistant/` calls):

    get_embedder(settings) -> Embedder                  # cached per model path
    KnowledgeBase.open(settings, chroma_path, embedder=None)
    kb.sync(paths, progress=True) -> SyncReport
    kb.search(query, k=5, filters=None) -> list[Hit]
    kb.sources() -> list[SourceInfo]; kb.count() -> int
"""

from retrieval.config import RetrievalSettings
from retrieval.embedding import Embedder, SentenceTransformerEmbedder, get_embedder
from retrieval.errors import IndexUnavailable, LoaderError, ModelMissing, RetrievalError
from retrieval.kb import KnowledgeBase
from retrieval.loaders import slugify
from retrieval.types import Chunk, Citation, Document, Hit, SearchFilters, SourceInfo, SyncReport

__all__ = [
    "Chunk",
    "Citation",
    "Document",
    "Embedder",
    "Hit",
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
    "get_embedder",
    "slugify",
]
