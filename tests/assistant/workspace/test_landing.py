"""Where an approved draft lands in the ad platform: ad groups named from the brief and the product (what several
products share, never their names joined), final URLs from the catalog under the shop's address."""

from __future__ import annotations

import pytest

from assistant.commerce.catalog import Catalog
from assistant.errors import NotConfigured
from assistant.settings import REPO_ROOT
from assistant.workspace.landing import ad_group_name, landing_url, placements
from assistant.workspace.types import DraftRecord

SHOP = "https://www.kestrel-ridge.test"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


def _record(skus: list[str], channel: str = "google-rsa", final_url: str = "") -> DraftRecord:
    return DraftRecord(draft_id=7, set_id=1, variant=1, channel=channel, skus=skus, final_url=final_url)


def test_an_ad_group_is_the_brief_and_its_product(catalog: Catalog) -> None:
    boot = catalog.get("FTW-004").name
    assert ad_group_name("Above the Treeline", ["FTW-004"], {}, catalog) == f"Above the Treeline - {boot}"
    assert ad_group_name(None, ["FTW-004"], {}, catalog) == boot


def test_several_products_are_named_by_what_they_share_not_listed(catalog: Catalog) -> None:
    boots = ad_group_name("Winter Trail", ["FTW-001", "FTW-002"], {}, catalog)
    assert boots == "Winter Trail - Hiking boots"
    footwear = ad_group_name("Winter Trail", ["FTW-001", "FTW-003"], {}, catalog)
    assert footwear == "Winter Trail - Footwear"
    first = catalog.get("FTW-001").name
    mixed = ad_group_name("Winter Trail", ["FTW-001", "JKT-001", "CKG-003"], {}, catalog)
    assert mixed == f"Winter Trail - {first} and 2 more"  # not three names joined by commas


def test_the_landing_page_is_the_catalog_s_under_the_shop(catalog: Catalog) -> None:
    page = catalog.get("FTW-001").url
    assert landing_url(_record(["FTW-001"]), catalog, SHOP) == SHOP + page
    # the placeholder earlier versions stored is no page: the catalog's is used instead
    legacy = _record(["FTW-001"], final_url="https://shop.example.com/products/ftw-001")
    assert landing_url(legacy, catalog, SHOP) == SHOP + page
    # a landing page the marketer gave the draft is kept
    own = _record(["FTW-001"], final_url="https://www.kestrel-ridge.test/winter-trail")
    assert landing_url(own, catalog, None) == "https://www.kestrel-ridge.test/winter-trail"


def test_no_shop_address_stops_only_the_files_that_carry_a_link(catalog: Catalog) -> None:
    with pytest.raises(NotConfigured, match=r"MKA_SHOP_URL.*export again"):
        placements(
            [_record(["FTW-001"], "meta")], "Winter Trail", "Winter Trail", catalog=catalog, shop_url=None
        )
    (place,) = placements(
        [_record(["FTW-001"], "sms")], "Winter Trail", "Winter Trail", catalog=catalog, shop_url=None
    ).values()
    assert place.final_url == "" and place.campaign == "Winter Trail"
    with pytest.raises(NotConfigured, match=r"ZZZ-999.*no page URL"):  # a product the catalog does not know
        landing_url(_record(["ZZZ-999"]), catalog, SHOP)
