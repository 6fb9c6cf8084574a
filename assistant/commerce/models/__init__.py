"""Recommender and customer segmentation: data in (order lines), artifacts out. No chat knowledge here.

Public interface:

    train_all(settings, progress=True) -> TrainReport      # from the database to artifacts_dir
    load_models(settings) -> Models(recommender, segmenter) # the published set, cached per version; NotTrained if none
    trained(settings), published_dir(root)                  # is a set published; the folder it lives in
    Recommender / Segmenter                                 # the seams (base.py)
    RepeatAwareRecommender / RFMSegmenter                   # the implementations
"""

from assistant.commerce.models.artifacts import published_dir
from assistant.commerce.models.base import Recommendation, Recommender, Segmenter, SegmentProfile
from assistant.commerce.models.recommender import RepeatAwareRecommender
from assistant.commerce.models.segments import RFMSegmenter, rfm_table
from assistant.commerce.models.training import (
    Models,
    PublishedModels,
    TrainReport,
    load_models,
    train_all,
    trained,
)

__all__ = [
    "Models",
    "PublishedModels",
    "Recommendation",
    "Recommender",
    "RepeatAwareRecommender",
    "RFMSegmenter",
    "SegmentProfile",
    "Segmenter",
    "TrainReport",
    "load_models",
    "published_dir",
    "rfm_table",
    "train_all",
    "trained",
]
