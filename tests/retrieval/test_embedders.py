"""The `Embedder` contract, held by every implementation the factory can return (real models, no fakes)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.config import RetrievalSettings
from retrieval.embedding import (
    MULTILINGUAL,
    Embedder,
    SentenceTransformerEmbedder,
    UseEmbedder,
    embedder_for,
    get_embedder,
    model_name,
)

MODELS = {"bundled": SentenceTransformerEmbedder, MULTILINGUAL: UseEmbedder}


@pytest.fixture(scope="module", params=list(MODELS))
def embedder(request) -> Embedder:
    return embedder_for(request.param)


@pytest.mark.slow
def test_the_factory_returns_the_named_implementation_once_per_process(embedder: Embedder) -> None:
    model = next(m for m, cls in MODELS.items() if isinstance(embedder, cls))
    assert isinstance(embedder, Embedder)  # the runtime-checkable protocol: dim, name, embed
    assert get_embedder(RetrievalSettings(embedding_model=model)) is embedder
    # the name an index records is known without loading the model
    assert model_name(model) == embedder.name and embedder.name


@pytest.mark.slow
def test_vectors_are_unit_float32_rows_of_dim_and_deterministic(embedder: Embedder) -> None:
    texts = ["Free returns within 30 days.", "Kostenlose Rücksendung innerhalb von 30 Tagen.", "x"]
    vecs = embedder.embed(texts)
    assert vecs.shape == (3, embedder.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    again = embedder.embed(list(reversed(texts)))[::-1]  # order and batch do not change a text's vector
    assert np.allclose(vecs, again, atol=1e-4)
    empty = embedder.embed([])
    assert empty.shape == (0, embedder.dim) and empty.dtype == np.float32


@pytest.mark.slow
def test_a_paraphrase_is_nearer_than_an_unrelated_sentence(embedder: Embedder) -> None:
    q, para, other = embedder.embed(
        [
            "How long do I have to send an item back?",
            "You can return items within 30 days.",
            "We ship to Norway.",
        ]
    )
    assert q @ para > q @ other


@pytest.mark.slow
def test_only_the_multilingual_model_maps_languages_into_one_space() -> None:
    texts = [
        "Wie lange habe ich Zeit für eine Rücksendung?",
        "Combien de temps ai-je pour renvoyer un article ?",
        "You can return any item within 30 days of delivery.",
        "We ship to all EU countries, Switzerland and Norway.",
    ]
    de, fr, answer, other = embedder_for(MULTILINGUAL).embed(texts)
    assert de @ answer > de @ other + 0.1 and fr @ answer > fr @ other + 0.1
    de, fr, answer, other = embedder_for("bundled").embed(texts)
    assert not (de @ answer > de @ other + 0.1 and fr @ answer > fr @ other + 0.1)  # why the channel exists
