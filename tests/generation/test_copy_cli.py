"""`mka copy` end to end: the real bundled model drafts, the validators keep only valid lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from generation.copywriter import get_channel


def test_channels_lists_every_channel():
    out = CliRunner().invoke(app, ["copy", "channels"])
    assert out.exit_code == 0
    for name in ("google-rsa", "meta", "email", "sms", "x"):
        assert name in out.output


def test_unknown_sku_is_a_clear_error():
    out = CliRunner().invoke(app, ["copy", "draft", "--sku", "NOPE", "--channel", "x", "--no-llm"])
    assert out.exit_code == 1 and "unknown product SKU" in out.output


@pytest.mark.slow
def test_draft_rsa_with_the_bundled_model(tmp_path: Path, model_cache_dir: Path, local_llm):
    # local_llm: the session's model is already loaded; the command's default Settings() resolve to the same
    # LLM settings and cache dir, so get_llm hands it the same instance.
    csv_path, json_path = tmp_path / "ads.csv", tmp_path / "ads.json"
    brief = Path(__file__).resolve().parents[2] / "data" / "demo" / "campaigns" / "alpine-summer-2027.yaml"
    out = CliRunner().invoke(
        app,
        [
            "copy",
            "draft",
            "--sku",
            "FTW-004",
            "--channel",
            "google-rsa",
            "--variants",
            "1",
            "--llm",
            "--brief",
            str(brief),
            "--csv",
            str(csv_path),
            "--json",
            str(json_path),
        ],
        env={"COLUMNS": "200", "MKA_SHOP_URL": "https://www.kestrel-ridge.test"},
    )
    assert out.exit_code == 0, out.output
    assert "headlines 1" in out.output and "/30" in out.output
    data = json.loads(json_path.read_text())
    fields = data["drafts"][0]["fields"]
    spec = {f.name: f for f in get_channel("google-rsa").fields}
    assert 3 <= len(fields["headlines"]) <= 15 and all(len(h) <= 30 for h in fields["headlines"])
    assert 2 <= len(fields["descriptions"]) <= 4 and all(len(d) <= 90 for d in fields["descriptions"])
    assert len(fields["path1"]) <= spec["path1"].max_chars
    text = " ".join(fields["headlines"] + fields["descriptions"]).lower()
    for banned in ("cheap", "guaranteed", "extreme", "bulletproof", "!"):
        assert banned not in text
    rows = list(csv.DictReader(csv_path.open()))
    assert rows[0]["Campaign"] == "Above the Treeline" and rows[0]["Headline 1"] == fields["headlines"][0]
    assert rows[0]["Final URL"] == "https://www.kestrel-ridge.test/products/cirque-mountain-boot"


def test_a_google_ads_editor_csv_needs_the_shop_address(tmp_path: Path):
    csv_path = tmp_path / "ads.csv"
    args = ["copy", "draft", "--sku", "FTW-004", "--channel", "google-rsa", "--variants", "1", "--no-llm"]
    unset = CliRunner().invoke(app, [*args, "--csv", str(csv_path)], env={"MKA_SHOP_URL": ""})
    assert unset.exit_code == 1 and "MKA_SHOP_URL" in unset.output and not csv_path.exists()
    shop = {"MKA_SHOP_URL": "https://www.kestrel-ridge.test/"}
    out = CliRunner().invoke(app, [*args, "--csv", str(csv_path)], env=shop)
    assert out.exit_code == 0, out.output
    (row,) = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert row["Final URL"] == "https://www.kestrel-ridge.test/products/cirque-mountain-boot"
    assert row["Ad group"] == "Cirque Mountain Boot" and row["Status"] == "Paused"
