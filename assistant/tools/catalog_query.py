"""The catalog as a query: `query_catalog` answers "the lightest tent", "jackets under 150 EUR in blue", "Ridgeback 2
vs Wisp 1", "does the footprint fit the Ridgeback 3?" and "is the Scree Low waterproof?" from the catalog rows.

Every figure in a result is a figure of a row (`CatalogRow.figures`, read by `assistant.commerce.attributes`), and
every row carries its own text as evidence. Kinds and product names are resolved against the catalog itself
(`assistant.commerce.catalog_index`), so the tool works on any shop's catalog. A kind the shop does not sell gives an
empty answer with `kind_known=False` and the products that come closest (their descriptions use the word, or else the
knowledge base finds them similar).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from assistant.commerce.attributes import Claim, claim, sentences_of, stem
from assistant.commerce.lexicon import AttributeSpec, find_phrases, normalize, tokens
from assistant.errors import NotFound
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import CatalogFigure, CatalogQueryResult, CatalogRow, ClaimAnswer, FitAnswer

Operation = Literal["rank", "filter", "compare", "compatibility", "attribute", "facts"]
MAX_LIMIT = 20
MAX_COMPARED = 4
CLOSEST = 3
FIT_WINDOW = 6  # words either side of "fit" that may name the other product


class NumericLimit(BaseModel):
    """Keep products whose `attribute` (weight, capacity, comfort_temperature ...) is within the bounds."""

    attribute: str
    at_most: float | None = None
    at_least: float | None = None


def row(index: Any, sku: str) -> CatalogRow:
    """A product of the index as a result row, with all its figures."""
    p = index.products[sku]
    return CatalogRow(
        sku=p.sku,
        name=p.name,
        category=p.category,
        subcategory=p.subcategory,
        price=p.price,
        currency=p.currency,
        stock=p.stock,
        in_stock=p.in_stock,
        sizes=p.sizes,
        colours=p.colours,
        weight_g=p.weight_g,
        compatible_with=p.compatible_with,
        compatible_names=[index.products[s].name if s in index.products else s for s in p.compatible_with],
        figures={
            name: CatalogFigure(
                attribute=f.attribute,
                label=index.lex.attribute(name).label_in("en"),
                value=f.value,
                unit=f.unit,
                text=f.text,
                field=f.field,
            )
            for name, f in index.figures[sku].items()
        },
        anchor=p.sku,
        text=p.row_text(),
    )


def resolve_products(index: Any, names: list[str]) -> tuple[list[list[str]], list[str]]:
    """Each name or SKU as the group of products it names; the names that matched nothing."""
    groups, unresolved = [], []
    for name in names:
        if name.strip().upper() in index.products:
            groups.append([name.strip().upper()])
            continue
        found = index.mentions(tokens(name))
        if found:
            groups.append(found[0].skus)
        else:
            kind = index.products_of_kind(name)
            (groups.append(kind.skus) if 0 < len(kind.skus) <= 3 else unresolved.append(name))
    return groups, unresolved


def sort_spec(index: Any, sort_by: str | None, skus: list[str]) -> tuple[AttributeSpec | None, str]:
    """The attribute to sort by and its direction: an attribute name, or a word ("warmest") whose first meaning
    that at least two of the products have a figure for (one will do when only one is asked about)."""
    if not sort_by:
        return None, "asc"
    key = normalize(sort_by).replace(" ", "_")
    for spec in index.lex.attributes:
        if spec.name == key:
            return spec, "asc"
    word = normalize(sort_by)
    meanings = [(s, "asc") for s in index.lex.attributes if word in s.low]
    meanings += [(s, "desc") for s in index.lex.attributes if word in s.high]
    need = 2 if len(skus) > 1 else 1
    for spec, direction in meanings:
        if sum(spec.name in index.figures[s] for s in skus) >= need:
            return spec, direction
    # else the meaning most of them have a figure for ("bigger" Daybreaks: a capacity, not how many it sleeps)
    return max(
        meanings, key=lambda m: sum(m[0].name in index.figures[s] for s in skus), default=(None, "asc")
    )


def _filter(index: Any, skus: list[str], args: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Products passing every filter; the claim words that no product had (so they were not used)."""
    out = list(skus)
    if args.get("max_price") is not None:
        out = [s for s in out if index.products[s].price <= args["max_price"]]
    if args.get("min_price") is not None:
        out = [s for s in out if index.products[s].price >= args["min_price"]]
    for limit in args.get("limits") or []:
        out = [s for s in out if _within(index.figures[s].get(limit.attribute), limit)]
    if args.get("in_stock") is not None:
        out = [s for s in out if index.products[s].in_stock == args["in_stock"]]
    if args.get("colour"):
        wanted = {normalize(c) for c in index.colour_values(args["colour"])} | {normalize(args["colour"])}
        out = [s for s in out if wanted & {normalize(c) for c in index.products[s].colours}]
    if args.get("size"):
        out = [s for s in out if _has_size(index.products[s].sizes, args["size"])]
    if args.get("gender"):
        # a product that names no one it is for is for anyone; one made for someone else is not
        if args["gender"] == "adults":
            out = [s for s in out if index.gender_of(s) != "kids"]
        else:
            out = [s for s in out if index.gender_of(s) in (None, args["gender"])]
        if args["gender"] == "kids" and any(index.gender_of(s) == "kids" for s in out):
            # grown-ups' sizes are no child's: where the shop makes the kind for children, those are the answer
            out = [s for s in out if index.gender_of(s) == "kids"]
    if args.get("compatible_with"):
        groups, _ = resolve_products(index, args["compatible_with"])
        others = {o for g in groups for o in g}
        out = [s for s in out if any(_listed(index, s, o) for o in others)]
    ignored = []
    for word in args.get("words") or []:
        kept = [s for s in out if claim(index.products[s], word, index.lex).polarity == "yes"]
        if kept:
            out = kept
        else:
            ignored.append(word)
    return out, ignored


def _within(figure: Any, limit: NumericLimit) -> bool:
    if figure is None:
        return False
    return (limit.at_most is None or figure.value <= limit.at_most) and (
        limit.at_least is None or figure.value >= limit.at_least
    )


def _has_size(sizes: list[str], wanted: str) -> bool:
    """A size as the customer says it: the same label, or a number inside a range ("42" in "42-44")."""
    wanted = normalize(wanted)
    for size in sizes:
        label = normalize(size)
        if label == wanted:
            return True
        bounds = [float(t) for t in label.split() if t.replace(".", "").isdigit()]
        if wanted.replace(".", "").isdigit() and len(bounds) == 2 and bounds[0] <= float(wanted) <= bounds[1]:
            return True
    return False


def _listed(index: Any, a: str, b: str) -> bool:
    return b in index.products[a].compatible_with or a in index.products[b].compatible_with


def _fit(index: Any, a: str, b: str) -> FitAnswer:
    """Whether a works with b: listed in either row's compatible_with, unless a row's text says it does not."""
    listed = _listed(index, a, b)
    sentence, negative = _pair_sentence(index, a, b)
    return FitAnswer(sku=a, other=b, fits=listed and not negative, listed=listed, sentence=sentence)


def _pair_sentence(index: Any, a: str, b: str) -> tuple[str, bool]:
    """A sentence of one row about fitting the other product (it names it and says fit, work with ...), and whether
    it says they do not go together ("The Meadow 4 carpet does not fit this tent.")."""
    lex = index.lex
    for this, other in ((a, b), (b, a)):
        name = index.terms[other].name_tokens
        words = {w for w in name if index.distinctive((w,)) or w.isdigit()}
        if not any(index.distinctive((w,)) for w in words):
            continue
        for sentence in sentences_of(index.products[this].description):
            said = normalize(sentence)
            for start, _, _ in find_phrases(said, lex.compat_words):
                at = len(said[:start].split())
                near = said.split()[max(0, at - FIT_WINDOW) : at + FIT_WINDOW]
                if words <= set(near):
                    return sentence, bool(set(said.split()[max(0, at - 3) : at]) & lex.negation)
    return "", False


def _closest(ctx: ToolContext, index: Any, kind: str) -> list[str]:
    """Products nearest to a kind the shop does not sell: described with the word, or else similar in the index."""
    stems = {stem(w) for w in tokens(kind) if len(w) >= 3}
    found = [
        s
        for s, p in index.products.items()
        if stems & {stem(w) for w in tokens(f"{p.name} {p.subcategory} {p.description}")}
    ]
    if found:
        return found[:CLOSEST]
    try:
        hits = ctx.service("kb").search(kind, k=CLOSEST, filters={"doc_type": "product"})
    except Exception:  # no index here (a bare catalog): no suggestions rather than no answer
        return []
    skus = [(h.metadata or {}).get("sku") or h.anchor for h in hits]
    return [s for s in skus if s in index.products][:CLOSEST]


def _rank(
    index: Any, skus: list[str], spec: AttributeSpec | None, direction: str
) -> tuple[list[str], list[str]]:
    """`skus` ordered by the attribute (price ties broken by name), and those without a figure for it."""
    if spec is None:
        return sorted(skus, key=lambda s: (index.products[s].price, index.products[s].name)), []
    having = [s for s in skus if spec.name in index.figures[s]]
    sign = -1 if direction == "desc" else 1
    having.sort(key=lambda s: (sign * index.figures[s][spec.name].value, index.products[s].price))
    return having, [s for s in skus if s not in having]


def _compared(index: Any, skus: list[str]) -> list[str]:
    """The attributes every compared product has a figure for (price first, in lexicon order)."""
    return [spec.name for spec in index.lex.attributes if all(spec.name in index.figures[s] for s in skus)]


@tool(roles={"customer", "marketer"})
def query_catalog(
    ctx: ToolContext,
    operation: Operation = "rank",
    kind: str | None = None,
    products: list[str] | None = None,
    sort_by: str | None = None,
    order: Literal["asc", "desc"] | None = None,
    max_price: float | None = None,
    min_price: float | None = None,
    limits: list[NumericLimit] | None = None,
    colour: str | None = None,
    size: str | None = None,
    in_stock: bool | None = None,
    gender: Literal["men", "women", "kids", "adults"] | None = None,
    compatible_with: list[str] | None = None,
    attribute: str | None = None,
    words: list[str] | None = None,
    limit: int = 5,
) -> CatalogQueryResult:
    """Answer a catalog question as a query over the product rows: rank a kind of product by an attribute (lightest,
    cheapest, warmest, brightest, largest), filter by price, colour, size, stock or compatibility, compare products
    side by side, say whether one product fits another, or whether a product is (or has) something. `gender` keeps
    products made for men, women or kids (and those made for anyone).

    `kind` is a kind of product in the customer's words ("tent", "sleeping bags"); `products` are product names or
    SKUs; `sort_by` an attribute name (price, weight, capacity, comfort_temperature, brightness ...) or a word such as
    "lightest"; `words` are descriptive words every result must have ("waterproof"); `attribute` the claim or figure
    asked about ("waterproof", "weight").
    """
    catalog = ctx.service("catalog")
    if catalog is None:
        raise NotFound("this shop has no product catalog to query")
    index = catalog.index
    args = {
        "max_price": max_price,
        "min_price": min_price,
        "limits": [NumericLimit.model_validate(x) for x in limits or []],
        "colour": colour,
        "size": size,
        "in_stock": in_stock,
        "gender": gender,
        "compatible_with": compatible_with or [],
        "words": words or [],
    }
    groups, unresolved = resolve_products(index, products or [])
    result = CatalogQueryResult(
        operation=operation,
        named=list(dict.fromkeys(s for g in groups for s in g)),
        unresolved=unresolved,
        filters={k: (v if k != "limits" else [x.model_dump() for x in v]) for k, v in args.items() if v},
    )
    if operation in ("compare", "compatibility", "attribute", "facts"):
        named = list(dict.fromkeys(s for g in groups for s in g))
        other_groups, missing = resolve_products(index, compatible_with or [])
        result.unresolved += missing
        others = list(dict.fromkeys(s for g in other_groups for s in g))
        return _about_products(index, result, named, others, attribute)
    return _search(ctx, index, result, kind, groups, args, sort_by, order, max(1, min(MAX_LIMIT, limit)))


def _search(
    ctx: ToolContext,
    index: Any,
    result: CatalogQueryResult,
    kind: str | None,
    groups: list[list[str]],
    args: dict[str, Any],
    sort_by: str | None,
    order: str | None,
    limit: int,
) -> CatalogQueryResult:
    """rank and filter: the kind's products (or the named ones, or all), filtered, ordered, cut to `limit`."""
    skus = [s for g in groups for s in g]
    if kind and not skus:
        match = index.products_of_kind(kind)
        result.kind, result.kind_level = match.kind, match.level
        skus = match.skus
        if not skus:
            result.kind_known = False
            result.closest = [row(index, s) for s in _closest(ctx, index, kind)]
            return result
    elif not skus:
        skus = list(index.products)
    passing, result.ignored_words = _filter(index, skus, args)
    targets, _ = resolve_products(index, args["compatible_with"])
    result.targets = [row(index, s) for g in targets for s in g][:3]
    if not kind and not groups and args["words"] and len(result.ignored_words) == len(args["words"]):
        # "the cheapest surfboard" in a shop without any: no kind, and no product described with the word
        result.kind, result.kind_known = " ".join(args["words"]), False
        result.closest = [row(index, s) for s in _closest(ctx, index, result.kind)]
        return result
    spec, direction = sort_spec(index, sort_by, passing or skus)
    direction = order or direction
    ranked, without = _rank(index, passing, spec, direction)
    result.sort_by, result.order = (spec.name if spec else None), direction  # type: ignore[assignment]
    result.total = len(ranked)
    result.rows = [row(index, s) for s in ranked[:limit]]
    result.without_figure = [row(index, s) for s in without[:limit]]
    if not passing:
        result.closest = [row(index, s) for s in _rank(index, skus, spec, direction)[0][:CLOSEST]]
    return result


def _about_products(
    index: Any, result: CatalogQueryResult, skus: list[str], others: list[str], attribute: str | None
) -> CatalogQueryResult:
    """compare, compatibility, attribute and facts: answers about the named products (`others`: what they should
    fit, for compatibility)."""
    if result.operation == "compare":
        skus = list(dict.fromkeys(skus))[:MAX_COMPARED]
        result.compared = _compared(index, skus)
    elif result.operation == "compatibility" and others:
        result.fits = [_fit(index, a, b) for a in skus[:3] for b in others[:3]]
        skus = list(dict.fromkeys(skus[:3] + others[:3]))
    elif result.operation == "compatibility" and skus:
        # "what fits the Ridgeback 2?": everything listed with it, either way round
        listed = [s for s in index.products if s not in skus and any(_listed(index, s, g) for g in skus[:1])]
        skus = skus[:1] + listed
    elif result.operation == "attribute" and attribute:
        skus = skus[:3]
        result.claims = [_claim(index, s, attribute) for s in skus]
    elif result.operation == "facts":
        skus = skus[:3]
        result.sort_by = attribute
    result.rows = [row(index, s) for s in skus]
    result.total = len(skus)
    return result


def _claim(index: Any, sku: str, term: str) -> ClaimAnswer:
    """Whether the product's own row states `term`, with its polarity; the catalog's claim reader first, then
    generation's (its attribute families know other words and languages for the same claim). Unknown: the sentence
    of the description nearest the question, so the reply can say what the row does say."""
    product = index.products[sku]
    found = claim(product, term, index.lex)
    if found.polarity == "unknown":
        found = _family_claim(product, term) or found
    sentence = found.sentence or (
        _nearest_sentence(product.description, term) if found.polarity == "unknown" else ""
    )
    measured = _measuring_sentence(product, found.term, index.lex) if found.polarity == "yes" else ""
    return ClaimAnswer(
        sku=sku,
        term=found.term,
        polarity=found.polarity,
        sentence=sentence,
        field=found.field,
        measured=measured if measured != sentence else "",
    )


def _measuring_sentence(product: Any, term: str, lex: Any) -> str:
    """The description's first sentence with a measure of the claim ("waterproof": "... rated at 20,000 mm
    hydrostatic head"), so that a yes shows how much, not only the word; "" when the lexicon knows no measure."""
    words = lex.claim_measures.get(normalize(lex.claim_terms.get(normalize(term), term)), ())
    for sentence in sentences_of(product.description):
        low = sentence.lower()
        if any(re.search(rf"(?<!\w){re.escape(w)}", low) for w in words):  # "ipx" in "IPX7": no end bound
            return sentence
    return ""


def _family_claim(product: Any, term: str) -> Claim | None:
    """The first sentence of the row that backs `term` (yes) or states its opposite (no), by generation's claim
    reader; None when no sentence says either."""
    from generation import check_claims

    unbacked = check_claims(term, [])
    if not unbacked:
        return None  # the words asked hold no claim generation knows
    for sentence in [product.name, *sentences_of(product.description)]:
        problems = check_claims(term, [sentence])
        if not problems:
            return Claim(term, "yes", sentence, "description")
        if len(problems) == len(unbacked) and problems != unbacked:
            return Claim(term, "no", sentence, "description")  # contradicted, not merely unstated
    return None


def _nearest_sentence(description: str, term: str) -> str:
    """The description's sentence sharing most word stems with `term` (the first one when none shares any)."""
    wanted = {stem(w) for w in tokens(term) if len(w) >= 3}
    sentences = sentences_of(description)
    if not sentences:
        return ""
    return max(sentences, key=lambda s: len(wanted & {stem(w) for w in tokens(s)}))
