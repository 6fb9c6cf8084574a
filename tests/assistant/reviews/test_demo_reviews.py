"""The demo shop's reviews: seeded (same seed, same rows), J-shaped ratings, German and English, and what they say
agrees with the catalog (no dry feet in the shoe the catalog calls not waterproof, the catalog's own weights, fit only
for products with sizes, warmth only for warm things); the file passes the importer's checks."""

from __future__ import annotations

import re
from collections import Counter

from assistant.reviews.demo import _facts, generate_reviews, phrases
from assistant.reviews.ingest import read_rows, validate


def test_seeded_j_shaped_bilingual_and_importable(catalog) -> None:
    rows = generate_reviews(catalog, seed=5)
    assert rows == generate_reviews(catalog, seed=5) and rows != generate_reviews(catalog, seed=6)
    stars = Counter(int(r["rating"]) for r in rows)
    assert len(rows) >= 300 and stars[5] > stars[4] > stars[3] and stars[1] > stars[2]  # J-shaped
    assert stars[5] / len(rows) > 0.4 and 0.05 < stars[1] / len(rows) < 0.25
    languages = Counter(r["language"] for r in rows)
    assert set(languages) == {"de", "en"} and languages["de"] > languages["en"]  # an Austrian shop
    assert all(len(r["text"]) >= 50 for r in rows)  # the shop's minimum (policies/reviews.md)
    header = "review_id,sku,rating,text,date,language\n"
    body = "".join(
        f'{r["review_id"]},{r["sku"]},{r["rating"]},"{r["text"]}",{r["date"]},{r["language"]}\n' for r in rows
    )
    checked = validate(
        "reviews.csv", read_rows("reviews.csv", (header + body).encode()), {p.sku for p in catalog}
    )
    assert len(checked) == len(rows)


def test_what_reviews_say_agrees_with_the_catalog(catalog) -> None:
    rows = generate_reviews(catalog, seed=5)
    aspects = phrases()["aspects"]
    dry = {s for lang in ("en", "de") for s in aspects["waterproofing"]["positive"][lang]}
    warm = {
        s.split("{")[0]
        for lang in ("en", "de")
        for s in aspects["warmth"]["positive"][lang] + aspects["warmth"]["negative"][lang]
    }
    fit = {
        s.split("{")[0]
        for lang in ("en", "de")
        for s in aspects["fit"]["positive"][lang] + aspects["fit"]["negative"][lang]
    }
    for row in rows:
        product = catalog.get(row["sku"])
        facts = _facts(product)
        if not facts["waterproof"]:
            assert not any(s in row["text"] for s in dry), row
        if not facts["warmth"]:
            assert not any(s[:25] in row["text"] for s in warm), row
        if not facts["fit"]:
            assert not any(s[:25] in row["text"] for s in fit), row
            assert "another size" not in row["text"] and "andere Größe" not in row["text"], row
        for grams in re.findall(r"(\d+) g\b", row["text"]):
            assert int(grams) == product.weight_g, row
    scree = [r for r in rows if r["sku"] == "FTW-003"]
    assert scree and any(
        "nicht wasserdicht" in r["text"].lower() or "not waterproof" in r["text"].lower() for r in scree
    )
