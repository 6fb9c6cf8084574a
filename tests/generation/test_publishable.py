"""Publishable drafts: complete phrases, the product's own number, sizes and colours only where it has several, every
field at its best-practice count, variants that differ in angle, each line's source and backing, the brief's rules."""

from __future__ import annotations

import time

import pytest

from generation.brief import load_briefs, resolve_brief
from generation.copy_rules import FieldSpec, Rules, channel_specs, fragment_problem, get_channel
from generation.copywriter import CopyRequest, draft_copy
from generation.errors import CopyValidationError
from generation.line_scorer import candidate_spans, features, score_lines

from .truth_cases import DEMO, TODAY, briefs, catalog

LINE = FieldSpec(name="line", kind="text", label="line", max_chars=200)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("A full-service", False),  # ends in an adjective: a phrase, if a weak one (the scorer ranks it low)
        ("If you want to learn", True),
        ("Hi there,", True),
        ("This", True),
        ("W", True),
        ("Enjoy the", True),
        ("Made for you", False),
        ("Forget about it.", False),
        ("Scree Low Hiking Shoe", False),
    ],
)
def test_fragments(line, fragment):
    assert (fragment_problem(line) is not None) is fragment


def test_one_product_is_singular_and_has_its_own_sizes_and_colours():
    tent = catalog()["TNT-012"]  # Tent Repair Kit: no sizes, no colours
    rules = Rules(CopyRequest(products=[tent], channel="x", today=TODAY))
    assert rules.problems("See sizes and colours online", LINE)
    boot = catalog()["FTW-004"]
    rules = Rules(CopyRequest(products=[boot], channel="x", today=TODAY))
    assert any("plural" in p for p in rules.problems("Mountain boots for glaciers", LINE))
    assert not rules.problems("Mountain boot for glacier walks", LINE)
    assert not rules.problems("Sizes 40 to 47", LINE) and rules.problems("Sizes 40 to 48", LINE)


@pytest.mark.parametrize("channel", list(channel_specs()))
def test_every_field_at_its_count_and_variants_differ_in_angle(channel):
    brief = next(b for b in briefs() if b.offer and "FTW-005" in b.products)
    result = draft_copy(
        CopyRequest(products=[catalog()["FTW-005"]], channel=channel, brief=brief, today=TODAY)
    )
    spec = get_channel(channel)
    assert [d.angle for d in result.drafts] == ["benefit", "feature", "offer"]
    for draft in result.drafts:
        for field in spec.fields:
            value = draft.fields[field.name]
            if field.kind == "lines":
                assert len(value) == field.target  # RSA: 15 headlines, 4 descriptions
            assert all(info.source in ("template", "brief") for info in draft.lines[field.name])
        for field in spec.fields:
            value = draft.fields[field.name]
            for text in (
                []
                if field.template_only or field.multi_sentence
                else value
                if isinstance(value, list)
                else [value]
            ):
                assert fragment_problem(text) is None, text  # display paths are URL parts, bodies paragraphs
    if channel == "google-rsa":
        heads = [set(d.fields["headlines"]) for d in result.drafts]
        assert len(heads[0] & heads[1]) <= 10  # variants differ by more than a word
        pins = [i.pin for i in result.drafts[0].lines["headlines"] if i.pin]
        assert pins == [1]  # the product's name, pinned to position 1
    offer = result.drafts[2]
    assert any("free shipping" in t.lower() for t in offer.texts())


def test_lines_name_what_backs_them():
    boot = catalog()["FTW-001"].model_copy(update={"sales_rank_90d": 2})
    result = draft_copy(CopyRequest(products=[boot], channel="google-rsa", variants=1, today=TODAY))
    infos = result.drafts[0].lines["headlines"]
    backed = {i.text: i.backing for i in infos}
    assert any("169 EUR" in t and any("FTW-001 price" in b for b in bs) for t, bs in backed.items())
    rules = Rules(CopyRequest(products=[boot], channel="google-rsa", today=TODAY))
    problems, backing = rules.review("Our best seller", get_channel("google-rsa").fields[0])
    assert problems == [] and any("sales rank 2" in b for b in backing)


def test_required_phrases_and_banned_claims_of_the_brief():
    brief = next(b for b in briefs() if b.id.startswith("spring")).model_copy(
        update={"required": ["Terms apply."]}
    )
    tent = catalog()["TNT-005"]
    for channel in ("google-rsa", "meta", "email", "x"):
        result = draft_copy(
            CopyRequest(products=[tent], channel=channel, brief=brief, variants=2, today=TODAY)
        )
        for draft in result.drafts:
            assert "Terms apply." in " ".join(draft.texts())
    rules = Rules(CopyRequest(products=[tent], channel="x", brief=brief, today=TODAY))
    assert rules.problems("It sets up in 5 minutes", LINE)  # banned claim, in another word form
    assert rules.problems("Stormproof family tent", LINE)
    with pytest.raises(CopyValidationError):
        long = brief.model_copy(update={"required": ["x" * 200]})
        draft_copy(CopyRequest(products=[tent], channel="sms", brief=long, variants=1, today=TODAY))


def test_a_full_rsa_set_from_templates_is_fast():
    request = CopyRequest(
        products=[catalog()["JKT-001"]], channel="google-rsa", brief=briefs()[0], today=TODAY
    )
    draft_copy(request)
    started = time.perf_counter()
    draft_copy(request)
    assert time.perf_counter() - started < 2.0  # about 0.15 s on a quiet core


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("Write an SMS for the spring campaign", ["spring-family-camping-2027"]),
        ("Draft 3 Meta ads for the Alpine Summer campaign", ["alpine-summer-2027"]),
        ("winter trail ads", ["winter-trail-2026"]),
        ("email for Ridge Season Opener", ["trail-running-season-2027"]),
        ("Write ads for winter-trail-2026", ["winter-trail-2026"]),
        ("Google ads for the Talus boot", []),
    ],
)
def test_the_campaign_a_marketer_names(request_text, expected):
    found = resolve_brief(request_text, load_briefs(DEMO / "campaigns"), today=TODAY)
    assert [m.brief.id for m in found.candidates] == expected


def test_an_ambiguous_campaign_asks_which():
    found = resolve_brief("Write copy for At-risk customers", load_briefs(DEMO / "campaigns"), today=TODAY)
    assert found.ambiguous and found.best is None
    ids = {m.brief.id for m in found.candidates}
    assert ids == {b.id for b in briefs() if "At risk" in b.segments}
    assert found.question().startswith("Which campaign do you mean")


def test_the_line_scorer_prefers_phrases_over_stubs():
    desc = (
        "<company> is West Michigan's full service backline rental, audio, and production resource, equipped to "
        "serve the Midwest and beyond."
    )
    spans = candidate_spans(desc)
    assert spans and all(len(s.text) <= 30 for s in spans)
    scores = dict(zip([s.text for s in spans], score_lines(spans, desc), strict=True))
    assert scores["full service backline rental"] > scores["Midwest and beyond"]
    assert all(v == v for v in features("an invented line", desc))  # no NaN for lines not in the source
