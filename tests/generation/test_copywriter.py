"""Ad-copy drafting: every returned draft passes the channel's limits and the brief's rules, whatever the model says."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generation.brief import CampaignBrief, ProductFacts, find_brief, load_brief
from generation.copywriter import (
    CopyRequest,
    Rules,
    channel_specs,
    distinct_n,
    draft_copy,
    get_channel,
    validate_draft,
)
from generation.errors import BadBrief
from generation.export import RSA_COLUMNS, to_csv, to_json
from generation.llm import LLM

BOOT = ProductFacts(
    sku="FTW-001",
    name="Talus Mid Waterproof Hiking Boot (Men's)",
    category="Footwear",
    subcategory="Hiking boots",
    price=169.0,
    currency="EUR",
    stock=34,
    sizes=["40", "41", "42", "43"],
    colours=["Slate", "Moss"],
    materials=["Nubuck leather", "Ripstop nylon"],
    weight_g=1180,
    description="A mid-height boot for day hikes on rough paths. The upper sits over a waterproof, breathable "
    "membrane, and the lugged rubber sole grips well on wet rock. A pair in size 43 weighs 1180 g.",
)
BRIEF = CampaignBrief(
    id="spring",
    name="First Nights Out",
    audience="Families",
    channels=["google-rsa", "sms"],
    products=["FTW-001"],
    offer="10% off your first order over 50 EUR",
    brand_voice={
        "tone": ["friendly"],
        "dont": ["exclamation marks in headlines", 'superlatives like "best ever"'],
    },
    key_messages=["Your first family camping trip can be simple."],
    claims_banned=["lifetime guarantee"],
    banned_terms=["cheap"],
)


class ScriptedLLM(LLM):
    """A fake model that proposes the given lines (for the validation logic; the real model runs in test_copy_cli)."""

    def __init__(self, text: str):
        self.text = text

    def stream(self, messages, *, max_tokens=None, temperature=None, stop=None) -> Iterator[str]:
        yield self.text


BAD_LINES = "\n".join(
    [
        "1. Sure, here are eight headlines for you",  # prompt echo
        "Talus Mid Waterproof Hiking Boot For Every Adventure Out There",  # far too long, no clause to cut at
        "Cheap Talus boots",  # banned term
        "Talus boots, now 99 EUR",  # price not in the facts
        "Lifetime guarantee on Talus",  # banned claim
        "Best ever hiking boots",  # quoted brand-voice don't
        "Save 20% on Talus boots",  # promotion figure not in the offer
        "Talus boots, free shipping",  # promotion not in the offer
        "Hiking Hiking Boot",  # stutter
        "Luxury Talus boots",  # claim word the facts do not back
        "Talus Boots for Moss Lovers!",  # exclamation mark against the brand voice
        "Grips well on wet rock",  # fine
        "Talus: 10% off first orders",  # the offer's own figure: fine
    ]
)


def _all_texts(result):
    return [t for d in result.drafts for t in d.texts()]


@pytest.mark.parametrize("channel", list(channel_specs()))
def test_every_channel_from_templates_is_valid(channel):
    result = draft_copy(CopyRequest(products=[BOOT], channel=channel, brief=BRIEF, variants=3))
    assert len(result.drafts) == 3
    rules = Rules(CopyRequest(products=[BOOT], channel=channel, brief=BRIEF))
    spec = get_channel(channel)
    for draft in result.drafts:
        assert validate_draft(draft, rules) == []
        for field in spec.fields:
            value = draft.fields[field.name]
            for text in value if isinstance(value, list) else [value]:
                assert len(text) <= field.max_chars
                assert "!" not in text and "cheap" not in text.lower()
    # variants differ from each other
    assert len({json.dumps(d.fields, sort_keys=True) for d in result.drafts}) == 3
    assert 0 < result.distinct_2 <= 1


def test_rsa_counts_and_lengths():
    result = draft_copy(CopyRequest(products=[BOOT], channel="google-rsa", variants=2))
    for draft in result.drafts:
        heads, descs = draft.fields["headlines"], draft.fields["descriptions"]
        assert 3 <= len(heads) <= 15 and all(len(h) <= 30 for h in heads)
        assert 2 <= len(descs) <= 4 and all(len(d) <= 90 for d in descs)
        assert len({h.lower() for h in heads}) == len(heads)
        assert len(draft.fields["path1"]) <= 15 and len(draft.fields["path2"]) <= 15


def test_sms_ends_with_opt_out_within_160():
    result = draft_copy(CopyRequest(products=[BOOT], channel="sms", brief=BRIEF, variants=3))
    for draft in result.drafts:
        assert draft.fields["text"].endswith("Reply STOP to opt out") and len(draft.fields["text"]) <= 160


def test_bad_model_lines_are_rejected_and_good_ones_kept():
    result = draft_copy(
        CopyRequest(products=[BOOT], channel="google-rsa", brief=BRIEF, variants=1),
        llm=ScriptedLLM(BAD_LINES),
    )
    heads = result.drafts[0].fields["headlines"]
    assert "Grips Well on Wet Rock" in heads  # headlines in one case style: Title Case
    assert "Talus: 10% Off First Orders" in heads
    forbidden = [
        "Sure",
        "Cheap",
        "99 EUR",
        "Lifetime",
        "Best ever",
        "20%",
        "free",
        "Hiking Hiking",
        "Luxury",
        "!",
    ]
    for text in _all_texts(result):
        assert not any(f.lower() in text.lower() for f in forbidden), text
    assert result.llm_lines_rejected >= 10 and result.rejections


def test_an_overlong_model_line_is_dropped_never_cut():
    llm = ScriptedLLM("Waterproof hiking boot: built for day hikes on rough paths")
    result = draft_copy(CopyRequest(products=[BOOT], channel="google-rsa", variants=1), llm=llm)
    heads = result.drafts[0].fields["headlines"]
    assert not any(h.startswith("Waterproof Hiking Boot:") for h in heads)
    assert result.llm_lines_kept == 0  # the one line did not fit: nothing of it is shown


def test_distinct_n():
    assert distinct_n(["a b c", "a b c"]) == 0.5
    assert distinct_n(["a b", "c d"]) == 1.0
    assert distinct_n([]) == 0.0


def test_exports():
    result = draft_copy(
        CopyRequest(
            products=[BOOT], channel="google-rsa", variants=2, final_url="https://shop.example.com/p/FTW-001"
        )
    )
    rows = list(csv.DictReader(io.StringIO(to_csv(result, campaign="Spring", ad_group="Boots"))))
    assert list(rows[0]) == RSA_COLUMNS and len(rows) == 2
    # every RSA draft fills Google's best-practice 15 headlines and 4 descriptions; the name is pinned to position 1
    assert rows[0]["Campaign"] == "Spring" and rows[0]["Headline 1"] and rows[0]["Headline 15"]
    assert rows[0]["Description 4"] and "1" in [rows[0][f"Headline {i} position"] for i in range(1, 16)]
    assert rows[0]["Final URL"] == "https://shop.example.com/p/FTW-001"
    data = json.loads(to_json(result))
    assert data["drafts"][0]["char_counts"]["headlines"][0] == len(
        data["drafts"][0]["fields"]["headlines"][0]
    )
    meta = draft_copy(CopyRequest(products=[BOOT], channel="meta", variants=1))
    assert "primary_text" in to_csv(meta).splitlines()[0]


def test_unknown_channel_is_a_clear_error():
    with pytest.raises(BadBrief, match="unknown channel"):
        get_channel("tiktok")


def test_demo_briefs_load(tmp_path: Path):
    campaigns = Path(__file__).resolve().parents[2] / "data" / "demo" / "campaigns"
    briefs = [load_brief(p) for p in sorted(campaigns.glob("*.yaml"))]
    assert briefs and all(b.products and b.channels for b in briefs)
    assert find_brief(campaigns, briefs[0].id).id == briefs[0].id


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id: x\nname: y\nchannels: [fax]\n", "channels"),
        ("- a\n- b\n", "mapping"),
        ("id: [unclosed\n", "YAML"),
        ("id: x\nname: y\ndates: {start: 2027-05-01, end: 2027-04-01}\n", "dates"),
    ],
)
def test_bad_briefs_name_the_problem(tmp_path: Path, text, match):
    path = tmp_path / "b.yaml"
    path.write_text(text)
    with pytest.raises(BadBrief, match=match):
        load_brief(path)
    with pytest.raises(BadBrief, match="not found"):
        load_brief(tmp_path / "missing.yaml")
