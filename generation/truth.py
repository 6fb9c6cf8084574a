"""Whether a copy line is true of the products it is about, and which facts back it.

Each product of a request gets its own scope: its catalog statements, the brief statements about it (generation/brief.py
scopes "(Trail Race Jacket)" claims and key messages that name a product), the brief's general statements, the offer,
and the data claims (sales rank, date added). A line that names products is checked against each of them; a line that
names none against every product of the request, so "waterproof" in a two-product ad must be true of both.

    truth = RequestTruth([scree], brief=None, today=date.today())
    truth.review("Waterproof hiking shoe").problems -> ["says waterproof; FTW-003 description says not waterproof: ..."]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from generation.brief import CampaignBrief, ProductFacts
from generation.claims import ClaimBook, Review, Statement, data_claim_limits, extract_claims
from generation.figures import Fact, extract_facts, supports
from generation.naming import mentions


@dataclass
class Scope:
    """The statements that may back copy about one product, with their claims and figures."""

    product: ProductFacts
    statements: list[Statement]
    book: ClaimBook = field(init=False)
    figures: list[tuple[Fact, Statement]] = field(init=False)

    def __init__(self, product: ProductFacts, statements: list[Statement], data_claims: dict[str, str]):
        self.product = product
        self.statements = statements
        self.book = ClaimBook(statements, data_claims, strict=True)
        self.figures = [(f, s) for s in statements for f in extract_facts(s.text)]

    def review(self, text: str, *, bare_numbers: bool = True) -> Review:
        review = self.book.review(text, promo_roles=("offer",))
        restates_offer = any(c.kind == "promo" for c in extract_claims(text)) and not any(
            p.startswith("promotion") for p in review.problems
        )
        for fact in extract_facts(text):
            if fact.kind == "number" and not bare_numbers:
                continue
            backer = self._backer(fact, restates_offer)
            if backer is None:
                review.problems.append(f"unsupported figure {fact.text!r}")
            else:
                review.backing.append(f"{fact.text}: {backer.source}")
        review.backing += self._text_backing(text)
        review.backing = list(dict.fromkeys(review.backing))
        return review

    def _text_backing(self, text: str) -> list[str]:
        """Facts a line repeats word for word: a colour, a material, a phrase of the description or the brief."""
        low = " ".join(re.findall(r"[\w%'’-]+", text.lower()))
        out = []
        for s in self.statements:
            if s.source.endswith(("colours", "materials", "sizes")):
                values = [v.strip() for v in re.split(r",\s*|^\w+\s", s.text) if v.strip()]
                out += [
                    f"{v}: {s.source}"
                    for v in values
                    if re.search(rf"(?<!\w){re.escape(v.lower())}(?!\w)", low)
                ]
            elif s.source.endswith("name") and mentions(text, self.product):
                out.append(f"names {self.product.sku}")
            elif len(low.split()) >= 3 and low in " ".join(re.findall(r"[\w%'’-]+", s.text.lower())):
                out.append(f"from {s.source}: {s.text[:80]!r}")
        return out

    def _backer(self, fact: Fact, restates_offer: bool) -> Statement | None:
        for known, statement in self.figures:
            if not supports(known, fact):
                continue
            # A price of the offer ("orders over 50 EUR") backs only a line that restates the offer, never a
            # product price ("now 50 EUR"); discounts come from the offer alone.
            if statement.role == "offer" and fact.kind == "price" and not restates_offer:
                continue
            if fact.kind == "discount" and statement.role != "offer":
                continue
            return statement
        return None


class RequestTruth:
    """The scopes of every product of a request; `review(line)` checks a line against the products it is about."""

    def __init__(
        self,
        products: Sequence[ProductFacts],
        brief: CampaignBrief | None = None,
        today: dt.date | None = None,
        shop: Sequence[Statement] = (),
    ):
        """`shop`: statements of the shop's own pages that copy about any product may repeat (its selling points)."""
        today = today or dt.date.today()
        limits = data_claim_limits()
        self.scopes = []
        for p in products:
            statements = p.statements() + (brief.statements_for(p) if brief else []) + list(shop)
            data = p.data_claims(today, top_n=limits["bestseller_top_n"], new_days=limits["new_within_days"])
            self.scopes.append(Scope(p, statements, data))

    @classmethod
    def from_text(cls, text: str) -> RequestTruth:
        """The truth of one free text (a company description): every sentence may back any claim of a line."""
        from generation.guard import split_sentences

        truth = cls([])
        blank = ProductFacts(sku="TEXT", name="")
        statements = [Statement(s, "description", "any") for s in split_sentences(text)]
        truth.scopes = [Scope(blank, statements, {})]
        return truth

    def about(self, text: str) -> list[Scope]:
        """The scopes a line is about: the products it names, else all of them."""
        named = [s for s in self.scopes if mentions(text, s.product)]
        return named or self.scopes

    def review(self, text: str, *, bare_numbers: bool = True) -> Review:
        out = Review()
        for scope in self.about(text):
            r = scope.review(text, bare_numbers=bare_numbers)
            out.problems += [p for p in r.problems if p not in out.problems]
            out.backing += [b for b in r.backing if b not in out.backing]
        return out

    def asserts(self, product: ProductFacts, family: str) -> bool:
        """Whether the product's own facts assert an attribute family ("waterproof") and none denies it."""
        scope = next(s for s in self.scopes if s.product.sku == product.sku)
        return not scope.review(family).problems
