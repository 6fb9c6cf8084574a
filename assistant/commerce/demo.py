"""Seeded generator of the demo shop's customers and order history (`customers.csv`, `orders.csv`).

The catalog (`data/demo/catalog.csv`) is hand-written and is the source of truth; this module only invents the people
and their purchases, so the recommender and the RFM segmentation have something realistic to learn from:

- archetypes (trail runner, family camper, alpinist, cyclist, hiker, casual) with category affinities, and two
  favourite categories per customer that they come back to;
- heavy-tailed order counts: many one-time buyers, some loyal frequent buyers, churners whose last order is long ago,
  and new customers who signed up recently, so Champions, Loyal, At risk, Hibernating and New all appear;
- seasonality: winter gear in Q4, camping in summer, a Black Friday weekend spike and a December peak;
- repeat buying of consumables (fuel, food, socks, chalk, tubes, cartridges) and compatible products bought together
  (stove + gas, tent + footprint), taken from the catalog's `compatible_with` column.

Everything comes from one `numpy.random.Generator` seeded with `seed`, and customers are simulated in a fixed order,
so the same seed writes the same files byte for byte.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

from assistant.commerce.catalog import Catalog, Product
from assistant.errors import BadInput
from generation import csv_writer

CUSTOMER_COLUMNS = ("customer_id", "email", "name", "country", "signup_date")
ORDER_COLUMNS = ("order_id", "customer_id", "sku", "quantity", "unit_price", "currency", "ordered_at")

POPULATION_PATH = Path(__file__).with_name("demo_population.yaml")


def _population_data() -> dict:
    with POPULATION_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_DATA = _population_data()
# Subcategories people buy again and again (used up, worn out or eaten).
CONSUMABLE_SUBCATEGORIES = frozenset(_DATA["consumable_subcategories"])
# archetype -> (share of customers, category affinities)
ARCHETYPES: dict[str, tuple[float, dict[str, float]]] = {
    name: (a["share"], a["affinity"]) for name, a in _DATA["archetypes"].items()
}
CATEGORY_SEASON: dict[str, tuple[float, ...]] = {c: tuple(v) for c, v in _DATA["category_season"].items()}
MONTH_TRAFFIC = tuple(_DATA["month_traffic"])
# (name, share of customers, orders per year, probability of churning)
FREQUENCY_PROFILES = tuple(
    (f["name"], f["share"], f["orders_per_year"], f["churn_p"]) for f in _DATA["frequency_profiles"]
)
CHURN_MIN_DAYS = int(_DATA["churn_min_days"])
CHURN_MEAN_DAYS = int(_DATA["churn_mean_days"])
COUNTRIES = tuple(_DATA["countries"].items())
FIRST_NAMES = tuple(_DATA["first_names"].split())
LAST_NAMES = tuple(_DATA["last_names"].split())


@dataclass(frozen=True)
class DemoFiles:
    """The files `generate_demo_shop` wrote."""

    customers_csv: Path
    orders_csv: Path
    customers: int = 0  # rows written to customers.csv
    orders: int = 0  # distinct order ids
    lines: int = 0  # rows written to orders.csv


def _ascii(text: str) -> str:
    # e-mail local parts: "Müller" -> "muller", "Kovačič" -> "kovacic"
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _black_friday(year: int) -> date:
    # the fourth Friday of November
    first = date(year, 11, 1)
    first_friday = first + timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + timedelta(weeks=3)


def _day_traffic(days: list[date]) -> np.ndarray:
    """Relative order intensity of each day: month traffic, Black Friday weekend x3, December before Christmas x1.4."""
    out = np.empty(len(days))
    bf_by_year: dict[int, date] = {}
    for i, d in enumerate(days):
        w = MONTH_TRAFFIC[d.month - 1]
        bf = bf_by_year.setdefault(d.year, _black_friday(d.year))
        if bf <= d <= bf + timedelta(days=3):
            w *= 3.0
        elif d.month == 12 and d.day <= 22:
            w *= 1.4
        elif d.month == 12 and d.day >= 27:
            w *= 0.7  # the quiet days after Christmas
        out[i] = w
    return out


def _sale_discount(d: date) -> float:
    """Markdown (fraction) that applies to non-consumables on day `d`: winter sale, summer sale, Black Friday."""
    bf = _black_friday(d.year)
    if bf <= d <= bf + timedelta(days=3):
        return 0.25
    if (d.month == 12 and d.day >= 27) or d.month == 1:
        return 0.20
    if d.month in (7, 8):
        return 0.20
    return 0.0


class _Shop:
    """Catalog lookups precomputed for fast sampling."""

    def __init__(self, catalog: Catalog, rng: np.random.Generator):
        self.products: list[Product] = sorted(catalog, key=lambda p: p.sku)
        if not self.products:
            raise BadInput("the catalog is empty: nothing to generate orders for")
        self.categories = sorted({p.category for p in self.products})
        self.by_category: dict[str, list[int]] = {c: [] for c in self.categories}
        for i, p in enumerate(self.products):
            self.by_category[p.category].append(i)
        self.index = {p.sku: i for i, p in enumerate(self.products)}
        self.consumable = np.array([p.subcategory in CONSUMABLE_SUBCATEGORIES for p in self.products])
        # Popularity within a category: cheaper items sell more, plus a fixed per-product "hit" factor.
        prices = np.array([max(p.price, 1.0) for p in self.products])
        pop = prices**-0.45 * rng.lognormal(0.0, 0.6, len(self.products))
        pop[self.consumable] *= 1.8
        self.popularity = pop
        # sales mark down a fixed selection of durable products, never consumables
        self.on_sale = (rng.random(len(self.products)) < 0.4) & ~self.consumable
        self.cat_item_p = {
            c: pop[idx] / pop[idx].sum()
            for c, idx in ((c, np.array(ix)) for c, ix in self.by_category.items())
        }
        self.cat_items = {c: np.array(ix) for c, ix in self.by_category.items()}
        # compatible add-ons: prefer the cheaper partner (footprint with tent, gas with stove)
        self.addons: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for i, p in enumerate(self.products):
            partners = [self.index[s] for s in p.compatible_with if s in self.index]
            if partners:
                arr = np.array(partners)
                w = np.array([1.0 / max(self.products[j].price, 1.0) ** 0.5 for j in partners])
                w[self.consumable[arr]] *= 2.0
                self.addons[i] = (arr, w / w.sum())
        self.season = np.array(
            [CATEGORY_SEASON.get(c, (1.0,) * 12) for c in self.categories], dtype=float
        )  # categories x 12

    def category_weights(self, affinity: dict[str, float]) -> np.ndarray:
        return np.array([affinity.get(c, 0.3) for c in self.categories], dtype=float)


def _add_line(lines: dict[int, int], item: int, shop: _Shop, rng: np.random.Generator) -> None:
    """Put `item` in the basket once: consumables in packs of 1-4, other things mostly one at a time."""
    if item in lines:
        return
    if shop.consumable[item]:
        lines[item] = int(rng.choice((1, 2, 3, 4), p=(0.55, 0.25, 0.12, 0.08)))
    else:
        lines[item] = 1 if rng.random() < 0.94 else 2


def _order_days(
    rng: np.random.Generator, traffic: np.ndarray, signup_day: int, rate: float, churn_p: float
) -> list[int]:
    """The days one customer orders on: a thinned Poisson process from sign-up until they churn (or the end)."""
    order_days = [signup_day]
    if rate <= 0:
        return order_days
    rate_per_day = rate * rng.lognormal(0.0, 0.35) / 365.0
    last_day = len(traffic) - 1
    if rng.random() < churn_p:
        last_day = min(last_day, signup_day + CHURN_MIN_DAYS + int(rng.exponential(CHURN_MEAN_DAYS)))
    t = float(signup_day)
    tmax = traffic.max()
    rate_per_day *= tmax / traffic.mean()  # thinning below keeps traffic/tmax of the candidates
    while len(order_days) < 80:
        t += rng.exponential(1.0 / rate_per_day)
        if t > last_day:
            break
        d = int(t)
        if rng.random() < traffic[d] / tmax and d != order_days[-1]:  # thinning: busy days get more orders
            order_days.append(d)
    return order_days


class _Basket:
    """What one customer owns and uses up, and the lines of their next order."""

    def __init__(self, shop: _Shop, rng: np.random.Generator):
        self.shop, self.rng = shop, rng
        self.owned: list[int] = []  # products bought so far, in order
        self.needs: list[
            int
        ] = []  # consumables this customer uses up (bought, or compatible with something bought)

    def order(self, first: bool, cat_p: np.ndarray) -> dict[int, int]:
        shop, rng = self.shop, self.rng
        lines: dict[int, int] = {}
        # repeat buying: restock a consumable this customer uses
        if not first and self.needs and rng.random() < 0.45:
            _add_line(lines, self.needs[int(rng.integers(len(self.needs)))], shop, rng)
        n_new = 1 + min(int(rng.poisson(0.7)), 4)
        if lines and rng.random() < 0.5:
            n_new -= 1  # a restock order is often just the restock
        for _ in range(n_new):
            cat = shop.categories[int(rng.choice(len(cat_p), p=cat_p))]
            item = int(rng.choice(shop.cat_items[cat], p=shop.cat_item_p[cat]))
            if item in self.owned and not shop.consumable[item] and rng.random() < 0.8:
                continue  # nobody buys the same tent twice
            _add_line(lines, item, shop, rng)
            # bought together: the compatible partner (gas with the stove, footprint with the tent)
            if item in shop.addons and rng.random() < 0.4:
                partners, p = shop.addons[item]
                _add_line(lines, int(rng.choice(partners, p=p)), shop, rng)
        self._remember(lines)
        return lines

    def _remember(self, lines: dict[int, int]) -> None:
        shop = self.shop
        for item in lines:
            if item not in self.owned:
                self.owned.append(item)
            if shop.consumable[item] and item not in self.needs:
                self.needs.append(item)
            for partner in shop.addons.get(item, ((), None))[0]:
                if shop.consumable[partner] and partner not in self.needs:
                    self.needs.append(int(partner))


def _simulate_customer(
    shop: _Shop,
    rng: np.random.Generator,
    days: list[date],
    traffic: np.ndarray,
    signup_day: int,
    affinity: np.ndarray,
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Orders of one customer as (day index, [(product index, quantity), ...])."""
    names = [p[0] for p in FREQUENCY_PROFILES]
    shares = np.array([p[1] for p in FREQUENCY_PROFILES])
    _, _, rate, churn_p = FREQUENCY_PROFILES[int(rng.choice(len(names), p=shares / shares.sum()))]
    order_days = _order_days(rng, traffic, signup_day, rate, churn_p)
    # two favourite categories the customer returns to
    fav = rng.choice(len(affinity), size=2, replace=False, p=affinity / affinity.sum())
    boost = np.ones(len(affinity))
    boost[fav] = 3.0
    basket = _Basket(shop, rng)
    orders = []
    for n, d in enumerate(order_days):
        cat_w = affinity * boost * shop.season[:, days[d].month - 1]
        lines = basket.order(n == 0, cat_w / cat_w.sum())
        if lines:
            orders.append((d, list(lines.items())))
    return orders


@dataclass
class _Population:
    """Who the shop's customers are: sign-up days, archetypes, countries (each drawn with the shop's weights)."""

    days: list[date]
    traffic: np.ndarray
    signup_days: np.ndarray
    archetypes: list[str]
    archetype_p: np.ndarray
    affinity: dict[str, np.ndarray]
    countries: list[str]
    country_p: np.ndarray

    @classmethod
    def draw(
        cls, shop: _Shop, rng: np.random.Generator, start: date, end: date, customers: int
    ) -> _Population:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        traffic = _day_traffic(days)
        # sign-ups grow over time (the shop is growing) and follow the shop's traffic
        signup_p = traffic * np.linspace(1.0, 2.2, len(days))
        signup_p /= signup_p.sum()
        signup_days = np.sort(rng.choice(len(days), size=customers, p=signup_p))
        names = list(ARCHETYPES)
        arch_p = np.array([ARCHETYPES[a][0] for a in names])
        country_p = np.array([w for _, w in COUNTRIES])
        return cls(
            days=days,
            traffic=traffic,
            signup_days=signup_days,
            archetypes=names,
            archetype_p=arch_p / arch_p.sum(),
            affinity={a: shop.category_weights(ARCHETYPES[a][1]) for a in names},
            countries=[c for c, _ in COUNTRIES],
            country_p=country_p / country_p.sum(),
        )


def _unique_email(first: str, last: str, used: set[str]) -> str:
    base = f"{_ascii(first)}.{_ascii(last)}"
    email, n = f"{base}@example.com", 1
    while email in used:
        n += 1
        email = f"{base}{n}@example.com"
    used.add(email)
    return email


def _write_customers(
    path: Path, shop: _Shop, rng: np.random.Generator, people: _Population, customers: int, progress: bool
) -> list[tuple[int, datetime, str, list[tuple[int, int]]]]:
    """Write the customers file; return every order as (day index, time, customer id, lines)."""
    used_emails: set[str] = set()
    all_orders: list[tuple[int, datetime, str, list[tuple[int, int]]]] = []
    iterator = range(customers)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc="demo customers", unit="customer")
    with path.open("w", encoding="utf-8", newline="") as fc:
        wc = csv_writer(fc, lineterminator="\n")
        wc.writerow(CUSTOMER_COLUMNS)
        for k in iterator:
            cid = f"C{k + 1:05d}"
            first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
            last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
            email = _unique_email(first, last, used_emails)
            country = people.countries[int(rng.choice(len(people.countries), p=people.country_p))]
            archetype = people.archetypes[int(rng.choice(len(people.archetypes), p=people.archetype_p))]
            signup = int(people.signup_days[k])
            wc.writerow((cid, email, f"{first} {last}", country, people.days[signup].isoformat()))
            affinity = people.affinity[archetype]
            for d, lines in _simulate_customer(shop, rng, people.days, people.traffic, signup, affinity):
                # shoppers order more in the evening; the time of day only orders events within a day
                minute = int(np.clip(rng.normal(19 * 60, 200), 6 * 60, 23 * 60 + 59))
                when = datetime.combine(people.days[d], datetime.min.time()) + timedelta(minutes=minute)
                all_orders.append((d, when, cid, lines))
    return all_orders


def _write_orders(
    path: Path,
    shop: _Shop,
    days: list[date],
    all_orders: list[tuple[int, datetime, str, list[tuple[int, int]]]],
) -> tuple[int, int]:
    """Write the order lines (order ids follow time, as a shop's order numbers do); return (orders, lines)."""
    all_orders.sort(key=lambda o: (o[1], o[2]))
    currency = shop.products[0].currency
    n_lines = 0
    with path.open("w", encoding="utf-8", newline="") as fo:
        wo = csv_writer(fo, lineterminator="\n")
        wo.writerow(ORDER_COLUMNS)
        for n, (d, when, cid, lines) in enumerate(all_orders, start=1):
            oid = f"KR-{100000 + n}"
            discount = _sale_discount(days[d])
            for item, qty in lines:
                p = shop.products[item]
                price = round(p.price * (1.0 - discount), 2) if discount and shop.on_sale[item] else p.price
                wo.writerow(
                    (oid, cid, p.sku, qty, f"{price:.2f}", currency, when.isoformat(timespec="seconds"))
                )
                n_lines += 1
    return len(all_orders), n_lines


def generate_demo_shop(
    catalog_path: Path,
    out_dir: Path,
    *,
    seed: int = 7,
    customers: int = 2500,
    start: date = date(2024, 1, 1),
    end: date = date(2026, 11, 15),
    progress: bool = True,
) -> DemoFiles:
    """Write `customers.csv` and `orders.csv` for the catalog at `catalog_path` into `out_dir`.

    Deterministic: the same catalog, seed and arguments give byte-identical files. Files are written to a temporary
    name and renamed, so a crash never leaves half a file behind. Raises `BadInput` for a bad range or count.
    """
    if customers < 1:
        raise BadInput(f"customers must be at least 1 (got {customers})")
    if end <= start:
        raise BadInput(f"end ({end}) must be after start ({start})")
    rng = np.random.default_rng(seed)
    shop = _Shop(Catalog.from_csv(Path(catalog_path)), rng)
    people = _Population.draw(shop, rng, start, end, customers)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    customers_csv, orders_csv = out_dir / "customers.csv", out_dir / "orders.csv"
    tmp_c, tmp_o = customers_csv.with_suffix(".csv.tmp"), orders_csv.with_suffix(".csv.tmp")
    all_orders = _write_customers(tmp_c, shop, rng, people, customers, progress)
    n_orders, n_lines = _write_orders(tmp_o, shop, people.days, all_orders)
    tmp_c.replace(customers_csv)
    tmp_o.replace(orders_csv)
    return DemoFiles(customers_csv, orders_csv, customers=customers, orders=n_orders, lines=n_lines)


def plot_demo_overview(catalog_path: Path, orders_csv: Path, out_png: Path) -> Path:
    """Draw the generated history at a glance: orders per month, and the monthly share of winter versus camping
    categories (the seasonality the generator builds in). Writes a PNG (matplotlib, Agg) and returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    catalog = Catalog.from_csv(Path(catalog_path))
    category = {p.sku: p.category for p in catalog}
    orders = pd.read_csv(orders_csv, parse_dates=["ordered_at"])
    orders["month"] = orders["ordered_at"].dt.to_period("M").dt.to_timestamp()
    orders["category"] = orders["sku"].map(category)
    per_month = orders.groupby("month")["order_id"].nunique()
    lines = orders.groupby("month")["category"]
    winter = lines.apply(lambda c: c.isin(["Winter", "Jackets"]).mean())
    camping = lines.apply(lambda c: c.isin(["Tents", "Sleeping bags", "Cooking"]).mean())

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    ax1.bar(per_month.index, per_month.to_numpy(), width=20, color="#4a7c59")
    ax1.set_ylabel("orders per month")
    ax1.set_title("Demo shop: generated order history")
    ax2.plot(winter.index, winter.to_numpy() * 100, label="Winter + Jackets", color="#2b6cb0")
    ax2.plot(
        camping.index, camping.to_numpy() * 100, label="Tents + Sleeping bags + Cooking", color="#c05621"
    )
    ax2.set_ylabel("share of order lines (%)")
    ax2.legend(loc="upper left")
    fig.tight_layout()
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png
