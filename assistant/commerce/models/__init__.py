"""Recommender and customer segmentation: data in (order lines), artifacts out. No chat knowledge here.

Public interface:

    train_all(settings, progress=True) -> TrainReport      # from the database to artifacts_dir
    load_models(settings) -> Models(recommender, segmenter) # cached; NotTrained when nothing is trained
    Recommender / Segmenter                                 # the seams (base.py)
    RepeatAwareRecommender / RFMSegmenter                   # the implementations
"""

from assistant.commerce.models.base import Recommendation, Recommender, Segmenter, SegmentProfile
from assistant.commerce.models.recommender import RepeatAwareRecommender
from assistant.commerce.models.segments import RFMSegmenter, rfm_table
from assistant.commerce.models.training import Models, TrainReport, load_models, train_all

__all__ = [
    "Models",
    "Recommendation",
    "Recommender",
    "RepeatAwareRecommender",
    "RFMSegmenter",
    "SegmentProfile",
    "Segmenter",
    "TrainReport",
    "load_models",
    "rfm_table",
    "train_all",
]
