"""An email for several chosen products features each of them (up to four): its name, a benefit its facts support and
its price, within the channel's limits, and the claim checker still passes the body and refuses a false edit of it."""

from __future__ import annotations

import random

import pytest

from generation.copy_rules import Rules, get_channel
from generation.copywriter import CopyRequest, draft_copy
from generation.naming import short_name
from generation.templates import MAX_EMAIL_PRODUCTS

from .truth_cases import TODAY, briefs, catalog

FIXED = [
    ["JKT-001", "FTW-005", "TNT-005"],  # a jacket, a winter boot, a tent
    [
        "JKT-001",
        "FTW-005",
        "TNT-005",
        "CKG-003",
    ],  # and a gas canister: a consumable with no attribute benefit
]


def _combos(n: int = 4, seed: int = 21) -> list[list[str]]:
    """The fixed combinations and a few drawn from the whole catalog (the bench of all would be a benchmark)."""
    skus = sorted(catalog())
    rng = random.Random(seed)
    return FIXED + [rng.sample(skus, rng.choice([3, 4])) for _ in range(n)]


@pytest.mark.parametrize("skus", _combos(), ids=lambda skus: "+".join(skus))
def test_each_chosen_product_is_in_the_email(skus) -> None:
    products = [catalog()[s] for s in skus]
    request = CopyRequest(products=products, channel="email", brief=briefs()[0], variants=2, today=TODAY)
    spec = next(f for f in get_channel("email").fields if f.name == "body")
    rules = Rules(request)
    for draft in draft_copy(request).drafts:
        body = draft.fields["body"]
        assert len(body) <= spec.max_chars and not rules.problems(body, spec)
        paragraphs = body.split("\n\n")
        for p in products:
            head = f"The {short_name(p.name)}, {p.price_text()}: "
            para = next((x for x in paragraphs if x.startswith(head)), None)
            assert para, f"{p.sku} missing from:\n{body}"
            assert len(para) > len(head) + 10  # what it does for the buyer, not the name alone
    assert len(products) <= MAX_EMAIL_PRODUCTS


def test_a_false_edit_of_a_featured_product_is_still_refused() -> None:
    products = [catalog()[s] for s in FIXED[1]]
    request = CopyRequest(products=products, channel="email", brief=briefs()[0], variants=1, today=TODAY)
    spec = next(f for f in get_channel("email").fields if f.name == "body")
    body = draft_copy(request).drafts[0].fields["body"]
    price = products[2].price_text()
    assert price in body
    assert Rules(request).problems(body.replace(price, "149 EUR"), spec)  # a price nobody gave
    assert Rules(request).problems(
        body.replace("keeps", "is fully waterproof and keeps", 1) + " Lifetime guarantee.", spec
    )
