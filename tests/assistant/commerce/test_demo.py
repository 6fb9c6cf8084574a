"""The demo shop: hand-written catalog, policies, pages and campaign briefs are consistent; the generator is seeded,
deterministic and produces the behaviour the recommender and the segments need (repeat buying, seasonality, heavy
tails, churned and new customers)."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from assistant.commerce.catalog import Catalog
from assistant.commerce.demo import (
    CONSUMABLE_SUBCATEGORIES,
    CUSTOMER_COLUMNS,
    ORDER_COLUMNS,
    generate_demo_shop,
)
from assistant.errors import BadInput
from assistant.settings import REPO_ROOT

DEMO = REPO_ROOT / "data" / "demo"
CATALOG_CSV = DEMO / "catalog.csv"
CATALOG_COLUMNS = (
    "sku,name,url,category,subcategory,price,currency,stock,sizes,colours,materials,weight_g,compatible_with,description"
).split(",")
WINTER = {"Winter", "Jackets"}
END = date(2026, 11, 15)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(CATALOG_CSV)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, list[dict], list[dict]]:
    out = tmp_path_factory.mktemp("demo")
    files = generate_demo_shop(CATALOG_CSV, out, seed=7, customers=800, progress=False)
    with files.customers_csv.open(encoding="utf-8") as fh:
        customers = list(csv.DictReader(fh))
    with files.orders_csv.open(encoding="utf-8") as fh:
        orders = list(csv.DictReader(fh))
    assert files.customers == 800 and files.lines == len(orders)
    return out, customers, orders


# ---------------------------------------------------------------- catalog


def test_catalog_has_the_columns_and_size(catalog):
    with CATALOG_CSV.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == CATALOG_COLUMNS
    assert len(catalog) >= 160
    assert {p.currency for p in catalog} == {"EUR"}
    counts = Counter(p.category for p in catalog)
    for category in (
        "Footwear",
        "Jackets",
        "Tents",
        "Sleeping bags",
        "Backpacks",
        "Cooking",
        "Hydration",
        "Climbing",
        "Running",
        "Cycling",
        "Accessories",
        "Kids",
    ):
        assert counts[category] >= 8, category
    assert 3 <= sum(not p.in_stock for p in catalog) <= len(catalog) // 5


def test_catalog_compatibility_points_at_real_products(catalog):
    links = 0
    for p in catalog:
        for sku in p.compatible_with:
            assert sku in catalog, f"{p.sku} lists unknown {sku}"
            assert sku != p.sku
            links += 1
    assert links >= 150
    # the pairs the assistant is asked about have real answers
    assert "CKG-004" in catalog.get("CKG-001").compatible_with  # gas canister for the stove
    assert "TNT-001" in catalog.get("TNT-002").compatible_with  # footprint for its tent
    assert "HYD-002" in catalog.get("HYD-003").compatible_with  # cartridge for its filter
    assert "ACC-001" in catalog.get("ACC-002").compatible_with  # battery for the headlamp
    assert "FTW-001" in catalog.get("ACC-007").compatible_with  # gaiters for the boot


def test_catalog_descriptions_are_specific_and_varied(catalog):
    openings = Counter()
    for p in catalog:
        sentences = re.findall(r"[.!?](?:\s|$)", p.description)
        assert 2 <= len(sentences) <= 4, (p.sku, p.description)
        openings[" ".join(p.description.split()[:3])] += 1
        # a weight in the text agrees with the weight column ("... 1180 g" per pair or item)
        grams = [int(g.replace(",", "")) for g in re.findall(r"\b(\d[\d,]*) g\b(?!/)", p.description)]
        if grams and p.weight_g and "per pair" not in p.description and p.subcategory not in ("Food", "Fuel"):
            assert p.weight_g in grams or max(grams) < p.weight_g, (p.sku, grams, p.weight_g)
    assert openings.most_common(1)[0][1] <= 6  # not one template
    assert sum("waterproof" in p.description.lower() for p in catalog) >= 15


def test_sizes_use_pipes_and_shoes_use_eu_sizes(catalog):
    boot = catalog.get("FTW-001")
    assert boot.sizes[0] == "40" and boot.sizes[-1] == "47"
    assert catalog.get("JKT-001").sizes == ["S", "M", "L", "XL", "XXL"]


# ---------------------------------------------------------------- policies, pages, briefs


def test_policy_pages_have_headings_and_numbers():
    pages = sorted((DEMO / "policies").glob("*.md"))
    assert len(pages) >= 12
    names = {p.stem for p in pages}
    for needed in (
        "shipping",
        "returns",
        "warranty",
        "sizing",
        "care",
        "payment",
        "privacy",
        "contact",
        "faq",
        "compatibility",
        "gift-cards",
        "loyalty",
        "sustainability",
    ):
        assert needed in names
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("# "), page.name
        assert "\n## " in text, page.name
        assert re.search(r"\d", text), page.name
    returns = (DEMO / "policies" / "returns.md").read_text(encoding="utf-8")
    assert "30 days" in returns and "worn outside" in returns
    sizing = (DEMO / "policies" / "sizing.md").read_text(encoding="utf-8")
    assert sizing.count("| 4") >= 3 and "Chest (cm)" in sizing


def test_policies_name_only_real_skus(catalog):
    for page in (DEMO / "policies").glob("*.md"):
        for sku in re.findall(r"\b[A-Z]{3}-\d{3}\b", page.read_text(encoding="utf-8")):
            assert sku in catalog, (page.name, sku)


def test_html_pages_parse():
    pages = sorted((DEMO / "pages").glob("*.html"))
    assert len(pages) >= 2
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.title and soup.h1 and len(soup.get_text(" ").split()) > 150


def test_campaign_briefs_follow_the_schema(catalog):
    briefs = sorted((DEMO / "campaigns").glob("*.yaml"))
    assert len(briefs) >= 3
    ids = set()
    for path in briefs:
        brief = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in (
            "id",
            "name",
            "goal",
            "audience",
            "dates",
            "channels",
            "products",
            "brand_voice",
            "key_messages",
            "claims_allowed",
            "claims_banned",
            "banned_terms",
        ):
            assert key in brief, (path.name, key)
        assert brief["id"] == path.stem and brief["id"] not in ids
        ids.add(brief["id"])
        assert isinstance(brief["dates"]["start"], date) and brief["dates"]["start"] < brief["dates"]["end"]
        assert set(brief["channels"]) <= {"google-rsa", "meta", "email", "sms", "x"}
        assert brief["products"] and all(sku in catalog for sku in brief["products"]), path.name
        assert set(brief["brand_voice"]) == {"tone", "do", "dont"}
        assert set(brief.get("segments", [])) <= {
            "Champions",
            "Loyal",
            "Potential loyalists",
            "New",
            "At risk",
            "Hibernating",
            "Need attention",
            "About to sleep",
            "Can't lose them",
            "Lost",
        }
        # the copywriter's strict loader accepts it as written
        from generation.brief import load_brief

        assert load_brief(path).id == brief["id"]
    assert (DEMO / "README.md").is_file()


# ---------------------------------------------------------------- generator


def test_generator_files_have_the_columns_and_ids(generated, catalog):
    out, customers, orders = generated
    for name, columns in (("customers.csv", CUSTOMER_COLUMNS), ("orders.csv", ORDER_COLUMNS)):
        with (out / name).open(encoding="utf-8") as fh:
            assert tuple(next(csv.reader(fh))) == columns
    assert len(customers) == 800
    assert customers[0]["customer_id"] == "C00001" and customers[-1]["customer_id"] == "C00800"
    assert all(c["email"].endswith("@example.com") for c in customers)
    assert len({c["email"] for c in customers}) == 800
    ids = {c["customer_id"] for c in customers}
    signup = {c["customer_id"]: date.fromisoformat(c["signup_date"]) for c in customers}
    first_order: dict[str, datetime] = {}
    for row in orders:
        assert row["customer_id"] in ids
        assert row["sku"] in catalog
        assert int(row["quantity"]) >= 1 and row["currency"] == "EUR"
        price = float(row["unit_price"])
        assert 0 < price <= catalog.get(row["sku"]).price
        when = datetime.fromisoformat(row["ordered_at"])
        assert date(2024, 1, 1) <= when.date() <= END
        first_order[row["customer_id"]] = min(first_order.get(row["customer_id"], when), when)
    assert set(first_order) == ids  # everyone bought something
    assert all(first_order[c].date() == signup[c] for c in ids)


def test_generator_is_deterministic(tmp_path, generated):
    out, _, _ = generated
    again = generate_demo_shop(CATALOG_CSV, tmp_path / "a", seed=7, customers=800, progress=False)
    assert again.customers_csv.read_bytes() == (out / "customers.csv").read_bytes()
    assert again.orders_csv.read_bytes() == (out / "orders.csv").read_bytes()
    other = generate_demo_shop(CATALOG_CSV, tmp_path / "b", seed=8, customers=800, progress=False)
    assert other.orders_csv.read_bytes() != again.orders_csv.read_bytes()


def _orders_by_customer(orders: list[dict]) -> dict[str, set[str]]:
    by = defaultdict(set)
    for row in orders:
        by[row["customer_id"]].add(row["order_id"])
    return by


def test_order_counts_are_heavy_tailed_with_new_and_churned_customers(generated):
    _, customers, orders = generated
    per = _orders_by_customer(orders)
    counts = Counter(len(v) for v in per.values())
    assert counts[1] >= 0.4 * len(customers)  # many one-time buyers
    assert sum(n for k, n in counts.items() if k >= 5) >= 0.05 * len(customers)  # some loyal frequent buyers
    last = {}
    first = {}
    for row in orders:
        when = datetime.fromisoformat(row["ordered_at"]).date()
        c = row["customer_id"]
        last[c] = max(last.get(c, when), when)
        first[c] = min(first.get(c, when), when)
    churned = [c for c in per if len(per[c]) >= 3 and (END - last[c]).days > 180]  # "At risk"
    champions = [c for c in per if len(per[c]) >= 5 and (END - last[c]).days <= 60]
    new = [c for c in per if (END - first[c]).days <= 60]
    hibernating = [c for c in per if len(per[c]) == 1 and (END - last[c]).days > 365]
    assert min(len(churned), len(champions), len(new), len(hibernating)) >= 10


def test_consumables_are_bought_again_and_compatible_products_together(generated, catalog):
    _, _, orders = generated
    orders_of = defaultdict(set)
    baskets = defaultdict(set)
    for row in orders:
        orders_of[(row["customer_id"], row["sku"])].add(row["order_id"])
        baskets[row["order_id"]].add(row["sku"])
    repeats = [sku for (_, sku), ids in orders_of.items() if len(ids) >= 2]
    assert len(repeats) >= 100
    consumable_share = sum(catalog.get(s).subcategory in CONSUMABLE_SUBCATEGORIES for s in repeats) / len(
        repeats
    )
    assert consumable_share > 0.5
    stoves, gas = {"CKG-001", "CKG-002", "CKG-008"}, {"CKG-003", "CKG-004", "CKG-005"}
    with_stove = [b for b in baskets.values() if b & stoves]
    assert len(with_stove) >= 10
    assert sum(bool(b & gas) for b in with_stove) / len(with_stove) > 0.3


def test_seasonality_is_visible(generated, catalog):
    _, _, orders = generated
    share = {}
    for quarter in (2, 4):
        rows = [r for r in orders if (datetime.fromisoformat(r["ordered_at"]).month - 1) // 3 + 1 == quarter]
        share[quarter] = sum(catalog.get(r["sku"]).category in WINTER for r in rows) / len(rows)
    assert share[4] > 1.5 * share[2]
    # Black Friday weekend 2025 (28 Nov to 1 Dec) is busier per day than the rest of November
    per_day = Counter(datetime.fromisoformat(r["ordered_at"]).date() for r in orders)
    bf = [per_day[date(2025, 11, 28) + timedelta(days=i)] for i in range(4)]
    rest = [per_day[date(2025, 11, d)] for d in range(1, 28)]
    assert sum(bf) / 4 > 1.8 * sum(rest) / len(rest)


def test_generator_rejects_bad_arguments(tmp_path):
    with pytest.raises(BadInput):
        generate_demo_shop(CATALOG_CSV, tmp_path, customers=0, progress=False)
    with pytest.raises(BadInput):
        generate_demo_shop(
            CATALOG_CSV, tmp_path, start=date(2025, 1, 1), end=date(2024, 1, 1), progress=False
        )
    assert not (tmp_path / "orders.csv").exists()


def test_cli_generate(tmp_path):
    from assistant.cli import app

    result = CliRunner().invoke(
        app, ["demo", "generate", "--out", str(tmp_path), "--customers", "30", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "30 customers" in result.output
    with (tmp_path / "customers.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 31
