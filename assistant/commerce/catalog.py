"""The shop's product catalog: typed `Product` records read from the catalog CSV (the demo's `data/demo/catalog.csv`).

List-valued columns (sizes, colours, materials, compatible_with) hold values separated by ``|``. The optional `url`
column holds the product's page: a path on the shop's site (``/products/<slug>``, made absolute under `MKA_SHOP_URL`
when exported) or an absolute http(s) URL (`assistant.commerce.urls`). A malformed file raises `BadInput` naming the
file, the row and the column; nothing is half-loaded.
"""

from __future__ import annotations

import csv
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError, field_validator

from assistant.commerce.urls import url_problem
from assistant.errors import BadInput, NotFound

if TYPE_CHECKING:
    from assistant.commerce.catalog_index import CatalogIndex

REQUIRED_COLUMNS = ("sku", "name", "category", "price", "currency", "stock", "description")
LIST_COLUMNS = ("sizes", "colours", "materials", "compatible_with")


class Product(BaseModel):
    """One product as the shop sells it. Prices are in `currency` units, stock is units on hand."""

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    url: str = ""  # the product's page: /products/<slug> on the shop's site, or an absolute http(s) URL
    category: str
    subcategory: str = ""
    price: float = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    stock: int = Field(ge=0)
    sizes: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    weight_g: int | None = None
    compatible_with: list[str] = Field(default_factory=list)  # SKUs this product works with
    description: str = ""

    @field_validator(*LIST_COLUMNS, mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split("|") if part.strip()]
        return value

    @field_validator("url", mode="before")
    @classmethod
    def _page(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            problem = url_problem(value) if value else None
            if problem:
                raise ValueError(f"url {value!r} {problem}")
        return value

    @field_validator("weight_g", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def price_text(self) -> str:
        return f"{self.price:.2f} {self.currency}"

    def row_text(self) -> str:
        """The row as evidence, one field a line, in the same words as its record in the knowledge base: every figure
        a reply gives about this product can be read here."""
        lines = [
            f"{self.name} (SKU {self.sku})",
            f"Category: {self.category}" + (f" / {self.subcategory}" if self.subcategory else ""),
            f"Price: {self.price_text()}",
            f"In stock: {self.stock}" if self.in_stock else "Out of stock",
        ]
        for column in LIST_COLUMNS:
            values = getattr(self, column)
            if values:
                lines.append(f"{column.replace('_', ' ').capitalize()}: {', '.join(values)}")
        if self.weight_g is not None:
            lines.append(f"Weight: {self.weight_g} g")
        if self.description:
            lines.append(self.description)
        return "\n".join(lines)


class Catalog:
    """All products of the shop, by SKU."""

    def __init__(self, products: list[Product]):
        self._by_sku = {p.sku: p for p in products}

    @classmethod
    def from_csv(cls, path: Path) -> Catalog:
        """Read and validate a catalog CSV; raise `BadInput` on the first problem (file, row, column)."""
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise BadInput(f"{path}: missing column(s) {', '.join(missing)}")
                products = []
                for line, row in enumerate(reader, start=2):
                    try:
                        products.append(
                            Product.model_validate({k: v for k, v in row.items() if k is not None})
                        )
                    except ValidationError as exc:
                        err = exc.errors()[0]
                        raise BadInput(f"{path}, line {line}, column {err['loc'][0]}: {err['msg']}") from exc
        except UnicodeDecodeError as exc:
            raise BadInput(f"{path}: not UTF-8 text ({exc.reason})") from exc
        except FileNotFoundError as exc:
            raise NotFound(f"catalog file not found: {path}") from exc
        skus = [p.sku for p in products]
        if len(set(skus)) != len(skus):
            dupes = sorted({s for s in skus if skus.count(s) > 1})
            raise BadInput(f"{path}: duplicate SKU(s) {', '.join(dupes[:5])}")
        return cls(products)

    def get(self, sku: str) -> Product:
        """The product with this SKU; `NotFound` otherwise."""
        try:
            return self._by_sku[sku]
        except KeyError:
            raise NotFound(f"unknown product SKU {sku!r}") from None

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def __iter__(self):
        return iter(self._by_sku.values())

    def __len__(self) -> int:
        return len(self._by_sku)

    @cached_property
    def categories(self) -> list[str]:
        return sorted({p.category for p in self._by_sku.values()})

    @cached_property
    def index(self) -> CatalogIndex:
        """Kinds, names, colours and figures of the products, for catalog queries (built on first use)."""
        from assistant.commerce.catalog_index import CatalogIndex

        return CatalogIndex(list(self))
