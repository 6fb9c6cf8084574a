"""The service registry: what tools and the turn loop run with, built lazily (embedder, knowledge base, catalog, LLM,
models).

`Services` is the mapping tools see as `ToolContext.services`; each entry is built on first use, once, under a lock,
so constructing an `Assistant` is cheap and a process that only routes never loads the chat model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from assistant.errors import ConfigError, Unavailable
from assistant.settings import Settings


class Services(dict):
    """The services tools use (`ToolContext.services`), each built on first use, once, under a lock.

    Names: settings, store, engine, embedder, kb, catalog, llm, models. A loader may return None (no catalog file,
    say); a tool that needs a missing service gets a clear error from `ToolContext.service`.
    """

    def __init__(self, loaders: dict[str, Callable[[], Any]], **ready: Any):
        super().__init__(**ready)
        self._loaders = loaders
        self._lock = threading.RLock()

    def __missing__(self, name: str) -> Any:
        with self._lock:
            if dict.__contains__(self, name):
                return dict.__getitem__(self, name)
            loader = self._loaders.get(name)
            if loader is None:
                raise KeyError(name)
            value = loader()
            self[name] = value
            return value

    def get(self, name: str, default: Any = None) -> Any:  # dict.get skips __missing__
        try:
            return self[name]
        except KeyError:
            return default

    def loaded(self, name: str) -> bool:
        return dict.__contains__(self, name)

    def add_loaders(self, loaders: dict[str, Callable[[], Any]]) -> None:
        """Build these services on first use too (names already given stay as they are)."""
        self._loaders.update(loaders)


SMALL_BATCH = 64


@contextmanager
def _one_thread_for_small(n: int) -> Iterator[None]:
    """Embed a turn's few texts on one thread: on 2 shared cores torch's thread pool makes a small batch 5-10x
    slower under load (STACK.md: 423 ms against 34 ms per query). Big batches (indexing) keep every thread."""
    if n > SMALL_BATCH:
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


class CachedEmbedder:
    """An embedder with a bounded cache of recent texts.

    One turn embeds its message for the router, the search and the answerer, and policy sentences recur turn after
    turn; on 2 shared cores each embedding call costs tens of milliseconds, so the first token waits for one, not five.
    Other attributes (`name`, `dim`, used by the index to version its vectors) come from the wrapped embedder.
    """

    def __init__(self, inner: Any, size: int = 4096):
        self.inner = inner
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            with _one_thread_for_small(len(missing)):
                fresh = np.asarray(self.inner.embed(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, fresh, strict=True):
                    self._cache[t] = v
        with self._lock:
            out = []
            for t in texts:
                vec = self._cache.get(t)
                if vec is None:  # evicted by a concurrent turn between the two locks: embed it alone
                    vec = np.asarray(self.inner.embed([t]), dtype=np.float32)[0]
                else:
                    self._cache.move_to_end(t)
                out.append(vec)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        if not out:
            return np.asarray(self.inner.embed([]), dtype=np.float32)
        return np.stack(out)


def default_loaders(settings: Settings, services: Services) -> dict[str, Callable[[], Any]]:
    # retrieval/ and generation/ raise their own errors; callers of the assistant get the assistant's error tree.
    def embedder() -> Any:
        from retrieval import ModelMissing, get_embedder

        try:
            return CachedEmbedder(get_embedder(settings.retrieval))
        except ModelMissing as exc:
            raise ConfigError(str(exc)) from exc

    def kb() -> Any:
        from retrieval import IndexUnavailable, KnowledgeBase

        try:
            return KnowledgeBase.open(settings.retrieval, settings.chroma_path, embedder=services["embedder"])
        except IndexUnavailable:
            raise  # the API maps it to 503 + Retry-After with an offer of a person; the host stays in the log

    def catalog() -> Any:
        from assistant.commerce.catalog import Catalog

        path = settings.demo_dir / "catalog.csv"
        return Catalog.from_csv(path) if path.is_file() else None

    def llm() -> Any:
        from generation import BackendUnavailable, ModelLoadError, get_llm

        try:
            return get_llm(settings.llm, settings.model_cache_dir)
        except ModelLoadError as exc:
            raise ConfigError(str(exc)) from exc
        except BackendUnavailable as exc:
            raise Unavailable(str(exc)) from exc

    def models() -> Any:
        from assistant.commerce.models import PublishedModels

        # Not the models themselves: the published set, looked up per use, so that a newly published set is served
        # from the next call on (`tools.recommend.models_of` calls it once and gets both models of one set).
        return PublishedModels(settings)

    return {"embedder": embedder, "kb": kb, "catalog": catalog, "llm": llm, "models": models}
