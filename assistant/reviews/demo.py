"""Seeded generator of the demo shop's product reviews (`reviews.csv`: review_id, sku, rating, text, date, language).

Reviews are built from sentences written for this project (`demo_reviews.yaml`) and the catalog's own facts, so what a
review says agrees with the product: a boot the catalog calls waterproof may be praised for keeping feet dry, the
low shoe that is "not waterproof" is not; weights are the catalog's; fit is only discussed for products with sizes;
warmth only for insulated things. Ratings follow the J shape real shops see (many 5s, some 1s, few 2s and 3s); a
review's sentences agree with its stars (a 4 may name one downside, a 3 one of each, a 1 complains). A few products
carry a theme (the men's Talus runs small, the Scree Low is not waterproof, the Ember's zip) so that complaints rank.

Everything comes from one `numpy.random.Generator` seeded with `seed`; the same seed and catalog write the same file.

    python -m assistant.reviews.demo --out var/demo/reviews.csv
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from assistant.commerce.catalog import Catalog, Product
from generation import CsvDictWriter

PHRASES_PATH = Path(__file__).with_name("demo_reviews.yaml")
COLUMNS = ("review_id", "sku", "rating", "text", "date", "language")
DEFAULT_SEED = 23
MIN_CHARS = 50  # the shop publishes reviews of at least 50 characters (policies/reviews.md)
_CONSUMABLE = {"Food", "Fuel", "Nutrition", "Sun care", "Chalk", "Insect protection", "Water treatment",
               "Clothing care", "Boot care", "Filter cartridges", "Tubes and tyres", "Maintenance", "Warmers"}  # fmt: skip
_WARM = {"Down jackets", "Insulated jackets", "Fleece", "Ski jackets", "Winter boots", "Gloves", "Base layers",
         "Down bags", "Synthetic bags", "Family bags", "Sleeping mats", "Camp footwear", "Headwear"}  # fmt: skip
_BREATHES = {"Hardshell", "Rain jackets", "Softshell", "Wind jackets", "Running jackets", "Rain trousers"}
_PACKS = {"Down jackets", "Rain jackets", "Wind jackets", "Down bags", "Synthetic bags", "Backpacking tents",
          "Ultralight tents", "Sleeping mats", "Pillows", "Tarps"}  # fmt: skip
_GRIPS = {"Traction", "Crampons", "Snowshoes", "Trail shoes", "Climbing shoes", "Approach shoes"}
_LIGHTS = {"Headlamps", "Lights"}
_SETUP = {"Backpacking tents", "Family tents", "Ultralight tents", "Four-season tents", "Tarps", "Stoves",
          "Water filters", "Reservoirs", "Trekking poles", "Carriers", "Pumps", "Belay devices"}  # fmt: skip


@cache
def phrases() -> dict:
    return yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))


def _facts(p: Product) -> dict[str, bool]:
    text = f"{p.name} {p.description} {' '.join(p.materials)}".lower()
    sized = bool(p.sizes) and p.category not in ("Tents", "Sleeping bags", "Backpacks")
    footwear = p.category == "Footwear" or p.subcategory in _GRIPS or "shoe" in p.name.lower()
    return {
        "consumable": p.subcategory in _CONSUMABLE,
        "fit": sized,
        "comfort": sized or p.category in ("Sleeping bags", "Backpacks"),
        "waterproof": "waterproof" in text and "not waterproof" not in text,
        "not_waterproof": "not waterproof" in text,
        "warmth": p.subcategory in _WARM
        or p.category == "Sleeping bags"
        and "bag" in p.name.lower()
        or any(w in p.name for w in ("Insulated", "Down", "Parka", "Winter")),
        "breathability": p.subcategory in _BREATHES,
        "packability": p.subcategory in _PACKS,
        "grip": footwear and p.subcategory not in ("Camp footwear",),
        "brightness": p.subcategory in _LIGHTS,
        "setup": p.subcategory in _SETUP,
        "weight": bool(p.weight_g) and p.subcategory not in _CONSUMABLE,
        "footwear": footwear,
        # seams and fabric only for things sewn from fabric (not pegs, stoves or lights)
        "textile": any(
            w in " ".join(p.materials).lower()
            for w in ("nylon", "polyester", "fabric", "ripstop", "canvas", "wool")
        ),
    }


def _applicable(p: Product, facts: dict[str, bool]) -> list[str]:
    """The aspects a review of `p` may discuss, from its catalog facts."""
    out = []
    for aspect in (
        "fit",
        "comfort",
        "warmth",
        "breathability",
        "packability",
        "grip",
        "brightness",
        "setup",
        "weight",
    ):
        if facts[aspect]:
            out.append(aspect)
    if facts["waterproof"] or facts["not_waterproof"]:
        out.append("waterproofing")
    out += ["durability", "price"]
    return out


class _Writer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.data = phrases()

    def pick(self, options: list[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def fill(self, template: str, p: Product, lang: str) -> str:
        weight = ""
        if p.weight_g:
            per_pair = p.category == "Footwear" or "(pair)" in p.name or "pair" in p.description[:0]
            weight = f"{p.weight_g} g" + ((" pro Paar" if lang == "de" else " a pair") if per_pair else "")
        return template.format(
            short=p.name.split(" (")[0],
            weight=weight,
            size=self.pick(p.sizes) if p.sizes else "",
            place=self.pick(self.data["places"][lang]),
            months=self.pick(self.data["months"][lang]),
        )

    def sentence(self, p: Product, facts: dict, aspect: str, polarity: str, lang: str) -> str:
        key = aspect
        if aspect == "fit" and polarity == "positive" and "Wide" in p.name:
            key = "fit_wide"
        elif aspect == "fit" and polarity == "positive" and "Women's" in p.name and facts["footwear"]:
            key = "fit_narrow" if self.rng.random() < 0.6 else "fit"
        elif aspect == "waterproofing" and facts["not_waterproof"]:
            key = "waterproofing_not"
        elif aspect == "durability" and polarity == "negative" and facts["footwear"]:
            key = "durability_sole" if self.rng.random() < 0.6 else "durability"
        elif aspect == "service" and facts["fit"]:
            key = "service_exchange"
        elif aspect == "setup" and p.category == "Tents":
            key = "setup_tent"
        elif (
            aspect == "durability"
            and polarity == "negative"
            and p.category == "Jackets"
            and self.rng.random() < 0.6
        ):
            key = "durability_zip"
        elif aspect == "durability" and facts["textile"] and self.rng.random() < 0.6:
            key = "durability_seams"
        options = self.data["aspects"][key].get(polarity) or self.data["aspects"][aspect][polarity]
        return self.fill(self.pick(options[lang]), p, lang)


def _plan(w: _Writer, p: Product, facts: dict, rating: int) -> list[tuple[str, str]]:
    """(aspect, polarity) pairs for one review of `rating` stars."""
    rng, data = w.rng, w.data
    aspects = _applicable(p, facts)
    trait = data["traits"].get(p.sku, {})
    praised = data["praised"].get(p.sku)
    if facts["consumable"]:
        aspects = ["price"]
    k = 1 + int(rng.random() < 0.55) + int(rng.random() < 0.15)
    chosen = list(rng.choice(aspects, size=min(k, len(aspects)), replace=False))
    for aspect in trait:  # a product's theme comes up in most reviews
        if aspect not in chosen and rng.random() < 0.7:
            chosen.insert(0, aspect)
    if praised and praised not in chosen and rating >= 4 and rng.random() < 0.7:
        chosen.insert(0, praised)
    plan = []
    for i, aspect in enumerate(chosen):
        p_bad = trait.get(aspect)
        if p_bad is not None:
            bad = rng.random() < (p_bad if rating <= 4 else p_bad * 0.25)
        elif rating == 5:
            bad = False
        elif rating == 4:
            bad = i == len(chosen) - 1 and len(chosen) > 1 and rng.random() < 0.5
        elif rating == 3:
            bad = i % 2 == 1 or len(chosen) == 1 and rng.random() < 0.5
        else:
            bad = not (i == len(chosen) - 1 and len(chosen) > 1 and rng.random() < 0.3)
        if aspect == "weight" and bad != facts["heavy"]:
            aspect = (
                "durability"  # only a product heavier than its kind's median is called heavy (and vice versa)
            )
        plan.append((aspect, "negative" if bad else "positive"))
    if rng.random() < 0.12:  # a word on delivery or the store, now and then
        plan.append(
            (
                str(rng.choice(["delivery", "service"])),
                "negative" if rating <= 2 and rng.random() < 0.5 else "positive",
            )
        )
    return plan


def _heavier_than_median(catalog: Catalog) -> set[str]:
    """Products heavier than the median of their subcategory (their category's, for a subcategory of one)."""
    groups: dict[str, list[int]] = {}
    for p in catalog:
        if p.weight_g:
            groups.setdefault(p.subcategory, []).append(p.weight_g)
            groups.setdefault(p.category, []).append(p.weight_g)
    heavy = set()
    for p in catalog:
        weights = groups.get(p.subcategory, [])
        weights = weights if len(weights) > 1 else groups.get(p.category, [])
        if p.weight_g and weights and p.weight_g > float(np.median(weights)):
            heavy.add(p.sku)
    return heavy


def _rating(w: _Writer, p: Product) -> int:
    probs = dict(w.data["ratings"])
    if p.sku in w.data["traits"]:  # a known problem moves stars down
        probs = {5: probs[5] * 0.6, 4: probs[4], 3: probs[3] * 1.6, 2: probs[2] * 2.0, 1: probs[1] * 2.0}
    stars = sorted(probs)
    weights = np.array([probs[s] for s in stars], dtype=float)
    return int(w.rng.choice(stars, p=weights / weights.sum()))


def write_review(w: _Writer, p: Product, facts: dict, rating: int, lang: str) -> str:
    data, rng = w.data, w.rng
    tone = "positive" if rating >= 4 else "neutral" if rating == 3 else "negative"
    parts = [w.fill(w.pick(data["openers"][tone][lang]), p, lang)] if rng.random() < 0.8 else []
    turned = False  # one "Only downside:" or "To be fair," per review
    for aspect, polarity in _plan(w, p, facts, rating):
        sentence = w.sentence(p, facts, aspect, polarity, lang)
        against = (polarity == "negative" and rating >= 4) or (polarity == "positive" and rating <= 2)
        if against and not turned:
            lead = w.pick(data["downside" if rating >= 4 else "upside"][lang])
            sentence = lead + sentence[0].lower() + sentence[1:]
            turned = True
        parts.append(sentence)
    closer = w.pick(data["closers"]["positive" if rating >= 4 else "negative"][lang]) if rating != 3 else ""
    if closer and rng.random() < 0.5:
        parts.append(closer)
    text = " ".join(parts)
    while len(text) < MIN_CHARS:
        text += " " + w.fill(w.pick(data["openers"][tone][lang]), p, lang)
    return text


def generate_reviews(catalog: Catalog, seed: int = DEFAULT_SEED) -> list[dict[str, str]]:
    """The demo reviews as rows (see `COLUMNS`), oldest first."""
    rng = np.random.default_rng(seed)
    w = _Writer(rng)
    cfg = w.data["reviews_per_product"]
    first, last = (date.fromisoformat(d) for d in w.data["date_range"])
    span = (last - first).days
    langs, lang_p = zip(*w.data["languages"].items(), strict=True)
    rows = []
    heavy = _heavier_than_median(catalog)
    for p in sorted(catalog, key=lambda p: p.sku):
        facts = {**_facts(p), "heavy": p.sku in heavy}
        popular = (
            rng.random() < cfg["popular_share"] or p.sku in w.data["traits"] or p.sku in w.data["praised"]
        )
        n = int(
            rng.poisson(cfg["popular_mean"] if popular else cfg["mean"] * (0.5 if facts["consumable"] else 1))
        )
        for _ in range(n):
            lang = str(rng.choice(langs, p=lang_p))
            rating = _rating(w, p)
            day = first + timedelta(days=int(rng.integers(span + 1)))
            rows.append({"sku": p.sku, "rating": str(rating), "text": write_review(w, p, facts, rating, lang),
                         "date": day.isoformat(), "language": lang})  # fmt: skip
    rows.sort(key=lambda r: (r["date"], r["sku"]))
    for i, row in enumerate(rows, start=1):
        row["review_id"] = f"R{i:05d}"
    return rows


def write_reviews_csv(catalog: Catalog, out: Path, seed: int = DEFAULT_SEED) -> int:
    """Write the demo reviews to `out`; the number of rows."""
    rows = generate_reviews(catalog, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = CsvDictWriter(fh, fieldnames=COLUMNS)  # cells neutralised like every CSV the product writes
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the demo shop's reviews (seeded).")
    parser.add_argument("--catalog", type=Path, default=Path("data/demo/catalog.csv"))
    parser.add_argument("--out", type=Path, default=Path("var/demo/reviews.csv"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    n = write_reviews_csv(Catalog.from_csv(args.catalog), args.out, args.seed)
    print(f"wrote {n} reviews to {args.out}")


if __name__ == "__main__":
    main()
