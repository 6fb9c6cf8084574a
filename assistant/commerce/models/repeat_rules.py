"""Durable or consumable: which products the recommender may suggest again to a customer who already bought them.

The rule is data (`repeat_rules.yaml`, checked by `RepeatRules`): category or subcategory name -> durable | consumable.
A customer who owns a tent does not need the same tent suggested again; socks, gas and food are bought again and again.

How a product is classed (`RepeatRules.consumable`):
1. its most specific name the rules list (subcategory before category), case-insensitively;
2. a name the rules do not list (another shop's categories, or no category at all): the shop's own orders decide - a
   product whose buyers bought it again in two or more orders often enough (`min_repeat_share`, the share shrunk
   towards the shop's own rate as if `prior_buyers` more customers had bought it, so one buyer who came back twice
   proves nothing) is consumable in practice. A wholesale shop without categories (UCI Online Retail: 93% of its
   products pass) keeps its refills; a shop of durable goods rarely sees a product bought again;
3. otherwise durable. Why durable by default: suggesting again something a customer owns is the error a marketer sees
   at once and stops trusting the list for, while a refill left out only costs one suggestion among many; the shop
   fixes a wrong default by adding the category to the YAML.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

RULES_PATH = Path(__file__).with_name("repeat_rules.yaml")

Kind = Literal["durable", "consumable"]


class Evidence(BaseModel):
    """When the shop's own orders class a product whose category the rules do not list."""

    model_config = ConfigDict(extra="forbid")

    prior_buyers: float = Field(ge=0.0)
    min_repeat_share: float = Field(gt=0.0, le=1.0)

    def repeat_share(self, buyers: np.ndarray, repeat_share: np.ndarray) -> np.ndarray:
        """Each product's share of buyers who bought it again, shrunk towards the shop's rate over all products."""
        buyers = np.asarray(buyers, dtype=np.float64)
        repeaters = np.asarray(repeat_share, dtype=np.float64) * buyers
        shop_rate = repeaters.sum() / max(buyers.sum(), 1.0)
        return (repeaters + self.prior_buyers * shop_rate) / np.maximum(buyers + self.prior_buyers, 1e-9)


class RepeatRules(BaseModel):
    """Category (or subcategory) name -> durable | consumable, with the default and the evidence rule."""

    model_config = ConfigDict(extra="forbid")

    default: Literal["durable"] = "durable"  # see the module docstring for why nothing else is allowed
    evidence: Evidence
    categories: dict[str, Kind]

    @field_validator("categories")
    @classmethod
    def _one_entry_per_name(cls, value: dict[str, Kind]) -> dict[str, Kind]:
        folded: dict[str, str] = {}
        for name in value:
            key = name.strip().casefold()
            if not key:
                raise ValueError("an empty category name")
            if key in folded:
                raise ValueError(f"category {name!r} is listed twice (also as {folded[key]!r})")
            folded[key] = name
        return value

    def kind_of(self, names: Sequence[str]) -> Kind | None:
        """The class of the first listed name among `names` (most specific first); None when none is listed."""
        listed = self._folded()
        for name in names:
            kind = listed.get(str(name or "").strip().casefold())
            if kind is not None:
                return kind
        return None

    def consumable(
        self, names: Sequence[Sequence[str]], buyers: np.ndarray, repeat_share: np.ndarray
    ) -> np.ndarray:
        """Per product: True when it may be suggested again to its buyers. `names[i]` are product i's category names,
        most specific first; `buyers` and `repeat_share` are what the shop's orders say about it."""
        bought_again = self.evidence.repeat_share(buyers, repeat_share) >= self.evidence.min_repeat_share
        out = np.zeros(len(names), dtype=bool)
        for row, product_names in enumerate(names):
            kind = self.kind_of(product_names)
            out[row] = bool(bought_again[row]) if kind is None else kind == "consumable"
        return out

    def _folded(self) -> dict[str, Kind]:
        return {name.strip().casefold(): kind for name, kind in self.categories.items()}


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> RepeatRules:
    """The rules in `path` (the shipped YAML by default), validated; a broken file fails loudly at load."""
    with Path(path).open(encoding="utf-8") as fh:
        return RepeatRules.model_validate(yaml.safe_load(fh))
