"""Exports of approved drafts: Google Ads Editor CSV (15 headlines, 4 descriptions, each with its pin position), Meta
bulk-upload CSV, e-mail, SMS and X CSV, one file per brief and channel or a ZIP of all channels. The files are read
back: headers against the layouts kept as data, final URLs absolute under MKA_SHOP_URL, ad groups named from the brief
and the product."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from assistant import Assistant, InvalidChoice, NotFound
from assistant.errors import NotConfigured
from assistant.settings import Settings
from assistant.workspace.exports import RSA_COLUMNS, sms_parts
from generation import import_layout
from tests.assistant.workspace.conftest import MARKETER, rsa_draft, workspace_assistant

BRIEF = "trail-running-season-2027"
SHOP = "https://www.kestrel-ridge.test"
RUNNER = "RUN-001"  # a product the brief names


@pytest.fixture
def app(settings: Settings) -> Assistant:
    """The workspace of a shop whose web address is configured."""
    settings.shop_url = SHOP
    return workspace_assistant(settings)


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _approve(app: Assistant, draft_id: int) -> None:
    app.decide_draft(MARKETER, draft_id, "approved")


def test_google_ads_editor_csv_has_every_headline_description_and_pin(app: Assistant) -> None:
    first, second = rsa_draft(app, variants=2, brief=BRIEF, sku=RUNNER)
    record = app.get_draft(MARKETER, first)
    head = next(x for x in record.lines if x.field == "headlines" and x.position == 2)
    app.edit_draft_line(MARKETER, first, "headlines", 2, head.text, pin=1)
    desc = next(x for x in record.lines if x.field == "descriptions")
    app.edit_draft_line(MARKETER, first, "descriptions", 1, desc.text, pin=2)
    _approve(app, first)  # the second variant stays a draft: it must not be exported

    export = app.export_drafts(MARKETER, BRIEF, "google-rsa")
    assert export.filename == f"{BRIEF}-google-ads-editor.csv" and export.drafts == 1
    header = export.content.decode("utf-8").splitlines()[0].split(",")
    assert header == RSA_COLUMNS
    assert [c for c in header if c.startswith("Headline ") and "position" not in c] == [
        f"Headline {i}" for i in range(1, 16)
    ]
    assert "Description 4 position" in header and "Final URL" in header
    (row,) = _rows(export.content)
    assert row["Campaign"] == "Ridge Season Opener" and row["Ad type"] == "Responsive search ad"
    assert row["Headline 2"] == head.text and row["Headline 2 position"] == "1"
    assert row["Description 1"] == desc.text and row["Description 1 position"] == "2"
    heads = [row[f"Headline {i}"] for i in range(1, 16)]
    stored = [x.text for x in app.get_draft(MARKETER, first).lines if x.field == "headlines"]
    assert [h for h in heads if h] == stored and all(len(h) <= 30 for h in heads)
    page = app.services.get("catalog").get(RUNNER).url
    assert row["Final URL"] == SHOP + page == f"{SHOP}/products/ridgerunner-trail-running-shoe-mens"
    assert row["Ad group"] == "Ridge Season Opener - Ridgerunner Trail Running Shoe (Men's)" and row["Path 1"]
    assert app.get_draft(MARKETER, second).status == "draft"  # the one row is the approved variant's


def test_meta_email_and_sms_files_and_the_zip_of_a_brief(app: Assistant) -> None:
    drafted = {
        channel: app.call_tool(
            MARKETER,
            "draft_copy",
            {"skus": ["RUN-001"], "channel": channel, "variants": 1, "brief_id": BRIEF},
        ).draft_ids[0]
        for channel in ("meta", "email", "sms")
    }
    for draft_id in drafted.values():
        _approve(app, draft_id)
    meta = app.get_draft(MARKETER, drafted["meta"])
    (row,) = _rows(app.export_drafts(MARKETER, BRIEF, "meta").content)
    assert row["Body"] == next(x.text for x in meta.lines if x.field == "primary_text")
    assert row["Title"] == next(x.text for x in meta.lines if x.field == "headline")
    assert row["Link Description"] == next(x.text for x in meta.lines if x.field == "description")
    assert row["Campaign Name"] == "Ridge Season Opener" and row["Ad Status"] == "PAUSED" and row["Link"]
    (mail,) = _rows(app.export_drafts(MARKETER, BRIEF, "email").content)
    assert mail["Subject"] and mail["Preheader"] and len(mail["Body"]) >= 80 and mail["Approved by"] == "ann"
    sms = app.export_drafts(MARKETER, BRIEF, "sms")
    (text,) = _rows(sms.content)
    assert text["Message"].endswith("Reply STOP to opt out") and text["Characters"] == str(
        len(text["Message"])
    )
    assert text["SMS parts"] == "1" and "RUN-001" in text["Products"]

    bundle = app.export_drafts(MARKETER, BRIEF)
    assert bundle.filename == f"{BRIEF}-approved-copy.zip" and bundle.drafts == 3
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == sorted(f"{BRIEF}-{k}.csv" for k in ("meta-bulk-upload", "email", "sms"))


def test_nothing_approved_or_an_unknown_brief_is_said_plainly(app: Assistant) -> None:
    rsa_draft(app, variants=1, brief=BRIEF, sku=RUNNER)
    with pytest.raises(NotFound, match="no approved drafts"):
        app.export_drafts(MARKETER, BRIEF, "google-rsa")
    with pytest.raises(InvalidChoice, match="winter-trail-2026"):
        app.export_drafts(MARKETER, "summer-sale", "google-rsa")
    with pytest.raises(InvalidChoice, match="google-rsa"):
        app.export_drafts(MARKETER, BRIEF, "fax")
    sms = app.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "sms", "variants": 1}
    ).draft_ids
    _approve(app, sms[0])
    assert app.export_drafts(MARKETER, "none", "sms").filename == "no-brief-sms.csv"


# What the platforms' import needs, as their published column lists name it (the data file cites the pages).
EDITOR_REQUIRED = [
    "Campaign",
    "Ad group",
    *[f"Headline {i}" for i in range(1, 16)],
    *[f"Headline {i} position" for i in range(1, 16)],
    *[f"Description {i}" for i in range(1, 5)],
    *[f"Description {i} position" for i in range(1, 5)],
    "Path 1",
    "Path 2",
    "Final URL",
]
META_REQUIRED = ["Campaign Name", "Ad Set Name", "Ad Name", "Title", "Body", "Link", "Call to Action"]


def _header(content: bytes) -> list[str]:
    assert not content.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    return next(csv.reader(io.StringIO(content.decode("utf-8", errors="strict"))))


def test_the_files_carry_every_required_column_in_the_data_s_order(app: Assistant) -> None:
    (rsa,) = rsa_draft(app, variants=1, brief=BRIEF, sku=RUNNER)
    meta = app.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "meta", "variants": 1, "brief_id": BRIEF}
    ).draft_ids[0]
    for draft_id in (rsa, meta):
        _approve(app, draft_id)
    for channel, layout, required in (
        ("google-rsa", "google-ads-editor", EDITOR_REQUIRED),
        ("meta", "meta-ads-manager", META_REQUIRED),
    ):
        content = app.export_drafts(MARKETER, BRIEF, channel).content
        header = _header(content)
        assert header == import_layout(layout).columns, channel
        assert [c for c in header if c in required] == [
            c for c in import_layout(layout).columns if c in required
        ]
        assert not set(required) - set(header), channel
        (row,) = _rows(content)
        assert all(row[name] == value for name, value in import_layout(layout).fixed.items())
        link = row.get("Final URL") or row["Link"]
        assert link.startswith(SHOP + "/products/") and " " not in link, link
    (row,) = _rows(app.export_drafts(MARKETER, BRIEF, "meta").content)
    assert row["Ad Name"].startswith("Ridge Season Opener - ") and row["Call to Action"] == "SHOP_NOW"
    assert row["Link"] == SHOP + app.services.get("catalog").get("RUN-001").url


def test_without_the_shop_address_an_export_says_what_is_missing(tmp_path) -> None:
    bare = workspace_assistant(Settings(data_dir=tmp_path / "var", _env_file=None))
    (rsa,) = rsa_draft(bare, variants=1, brief=BRIEF, sku=RUNNER)
    sms = bare.call_tool(
        MARKETER, "draft_copy", {"skus": ["RUN-001"], "channel": "sms", "variants": 1, "brief_id": BRIEF}
    ).draft_ids[0]
    for draft_id in (rsa, sms):
        _approve(bare, draft_id)
    for channel in ("google-rsa", None):
        with pytest.raises(NotConfigured, match="MKA_SHOP_URL") as caught:
            bare.export_drafts(MARKETER, BRIEF, channel)
        assert caught.value.status_code == 409 and "example.com" not in caught.value.message
    (text,) = _rows(bare.export_drafts(MARKETER, BRIEF, "sms").content)  # an SMS carries no landing page
    assert text["Message"]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("ü" * 160, 1),
        ("✓" * 70, 1),
        ("✓" * 71, 2),
    ],
)
def test_sms_parts_follow_gsm_7_and_ucs_2(message: str, parts: int) -> None:
    assert sms_parts(message) == parts
