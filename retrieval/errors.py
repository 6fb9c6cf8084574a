"""Exceptions of the retrieval layer. `assistant/` maps them onto its own error tree (retrieval never imports it)."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base of every error the retrieval layer raises on purpose."""


class LoaderError(RetrievalError):
    """A file could not be read into documents (corrupt, missing columns, wrong encoding, ...)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ModelMissing(RetrievalError):
    """The embedding model folder does not exist or cannot be loaded; the message names the setting to change."""


class IndexUnavailable(RetrievalError):
    """The vector index cannot be reached (e.g. the Chroma server is down)."""


class IndexModelMismatch(ModelMissing):
    """The index holds vectors of another embedding model than the one configured; comparing them would return noise."""
