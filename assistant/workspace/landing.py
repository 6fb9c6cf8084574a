"""Where an approved draft goes in an ad platform: its campaign, its ad group (ad set) and the page its ad opens.

The campaign is the brief's name. The ad group is named from the brief and the draft's product ("Ridge Season Opener -
Talus Mid Waterproof Hiking Boot (Men's)"); a draft about several products is named after what they share (their
subcategory or category) rather than a list of names. The final URL is the product's page from the catalog's `url`
column, made absolute under the shop's address (`MKA_SHOP_URL`); a draft that was given its own landing page keeps it.
A page that cannot be made absolute stops the export with the reason (`NotConfigured`), never a made-up address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.commerce.urls import absolute_url, is_placeholder
from assistant.workspace.types import DraftRecord

# Google Ads caps campaign and ad group names at 255 characters.
MAX_NAME_CHARS = 255
# The channels whose import files carry a landing page (the others are sent from the shop's own tools).
LINKED_CHANNELS = ("google-rsa", "meta")


@dataclass(frozen=True)
class Placement:
    """One draft's place in the ad platform: campaign, ad group (Meta: the ad's name stem) and landing page."""

    campaign: str
    ad_group: str
    final_url: str = ""


def _products(skus: Sequence[str], catalog: Any) -> list[Any]:
    """The catalog's products for these SKUs (SKUs the catalog does not know are skipped)."""
    if catalog is None:
        return []
    return [catalog.get(sku) for sku in skus if sku in catalog]


def _shared(products: Sequence[Any], attribute: str) -> str:
    values = {getattr(p, attribute, "") for p in products}
    return values.pop() if len(values) == 1 else ""


def product_theme(skus: Sequence[str], names: dict[str, str], catalog: Any = None) -> str:
    """What a draft is about, as a name: its one product, or what its products share (subcategory, category)."""
    products = _products(skus, catalog)
    known = {p.sku: p.name for p in products}
    labels = [names.get(sku) or known.get(sku) or sku for sku in skus]
    if len(labels) <= 1:
        return labels[0] if labels else "All products"
    if len(products) == len(labels):
        shared = _shared(products, "subcategory") or _shared(products, "category")
        if shared:
            return shared
    return f"{labels[0]} and {len(labels) - 1} more"


def ad_group_name(
    brief_name: str | None, skus: Sequence[str], names: dict[str, str], catalog: Any = None
) -> str:
    """The ad group's name from the brief and the product: "<brief> - <product or what the products share>"."""
    theme = product_theme(skus, names, catalog)
    name = f"{brief_name} - {theme}" if brief_name else theme
    return name[:MAX_NAME_CHARS].rstrip()


def landing_url(record: DraftRecord, catalog: Any, shop_url: str | None) -> str:
    """The absolute page the draft's ad opens: the draft's own landing page when it was given one, else its first
    product's catalog URL under `shop_url`. `NotConfigured` (with what to set) when there is none."""
    url = record.final_url
    if not url or is_placeholder(url):
        products = _products(record.skus[:1], catalog)
        url = products[0].url if products else ""
    sku = record.skus[0] if record.skus else ""
    what = f"{record.products.get(sku, sku)} ({sku})" if sku else f"draft {record.draft_id}"
    return absolute_url(url, shop_url, what=what)


def placements(
    records: Sequence[DraftRecord],
    campaign: str,
    brief_name: str | None,
    *,
    catalog: Any,
    shop_url: str | None,
) -> dict[int, Placement]:
    """Draft id -> placement for every record; the landing page only for channels whose files carry one."""
    out = {}
    for record in records:
        url = landing_url(record, catalog, shop_url) if record.channel in LINKED_CHANNELS else ""
        out[record.draft_id] = Placement(
            campaign, ad_group_name(brief_name, record.skus, record.products, catalog), url
        )
    return out
