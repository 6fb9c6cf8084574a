"""What copy may be aimed at in this shop: its trained segments and its campaign briefs. A name that is not one of them is
refused with the list of valid ones (`InvalidChoice`), never accepted silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.errors import InvalidChoice, NotFound, NotTrained


def segment_names(services: Any) -> list[str] | None:
    """The shop's segment names, or None when no segmentation is trained yet (nothing to check against)."""
    models = services.get("models") if hasattr(services, "get") else None
    try:
        if models is None:
            from assistant.commerce.models import load_models

            settings = services.get("settings") if hasattr(services, "get") else None
            if settings is None:
                return None
            models = load_models(settings)
        return [p.name for p in models.segmenter.profiles()]
    except NotTrained:
        return None


def known_segment(services: Any, segment: str | None) -> str | None:
    """The shop's own spelling of `segment` ("at risk" -> "At risk"); `InvalidChoice` with the valid names if unknown."""
    if segment is None or not segment.strip():
        return None
    names = segment_names(services)
    if names is None:
        return segment.strip()
    from assistant.commerce.models.segments import normalise_name

    wanted = normalise_name(segment)
    for name in names:
        if normalise_name(name) == wanted:
            return name
    raise InvalidChoice("segment", segment, names)


def brief_ids(campaigns_dir: Path) -> list[str]:
    """The campaign briefs on file (their file names, which are their ids in the demo shop)."""
    folder = Path(campaigns_dir)
    return sorted(p.stem for p in folder.glob("*.y*ml")) if folder.is_dir() else []


def known_brief(campaigns_dir: Path, brief_id: str | None) -> str | None:
    """`brief_id` if a brief file has it; `InvalidChoice` with the valid ids otherwise."""
    if brief_id is None or not brief_id.strip():
        return None
    ids = brief_ids(campaigns_dir)
    if brief_id.strip() in ids:
        return brief_id.strip()
    raise InvalidChoice("brief_id", brief_id, ids, what="campaign brief")


def missing_brief_segments(brief_segments: list[str], shop_segments: list[str] | None) -> list[str]:
    """The segments a brief names that this shop does not have (a brief written for another customer base)."""
    if shop_segments is None:
        return []
    from assistant.commerce.models.segments import normalise_name

    have = {normalise_name(s) for s in shop_segments}
    return [s for s in brief_segments if normalise_name(s) not in have]


def product_names(catalog: Any, skus: list[str]) -> dict[str, str]:
    """SKU -> product name for the SKUs the catalog knows."""
    out = {}
    for sku in skus:
        try:
            out[sku] = catalog.get(sku).name
        except (NotFound, AttributeError):
            continue
    return out
