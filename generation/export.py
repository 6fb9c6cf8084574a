"""Export drafts: the ad platforms' bulk-import layouts (`ad_imports.yaml`: Google Ads Editor's responsive search ads,
Meta Ads Manager's bulk import, each with the published sources it was checked against), a CSV that Google Ads Editor
imports (pinning suggestions as "Headline N position" / "Description N position"), a plain CSV for other channels,
and JSON with each line's source and backing."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, HttpUrl

from generation.copywriter import CopyResult, Draft
from generation.csv_cells import CsvDictWriter

LAYOUTS = Path(__file__).with_name("ad_imports.yaml")
RSA_LAYOUT, META_LAYOUT = "google-ads-editor", "meta-ads-manager"


class Source(BaseModel):
    """A published page the layout was checked against, and what it says that matters here."""

    url: HttpUrl
    says: str


class ImportLayout(BaseModel):
    """One platform's bulk-import file: its columns in order, the cells that are the same on every row, and why."""

    tool: str
    sources: list[Source] = Field(min_length=1)
    checked: str
    encoding: str = "utf-8"
    columns: list[str]
    fixed: dict[str, str] = Field(default_factory=dict)

    def row(self, values: dict[str, str]) -> dict[str, str]:
        """A full row: every column (blank where nothing is given), the fixed cells, then `values`. A value for a
        column the layout does not have is a bug, not data to drop."""
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.tool}: no column(s) {', '.join(sorted(unknown))}")
        return {**dict.fromkeys(self.columns, ""), **self.fixed, **values}


def _expand(entries: list[Any]) -> tuple[list[str], dict[str, str]]:
    columns: list[str] = []
    fixed: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, str):
            columns.append(entry)
        elif "each" in entry:
            columns += [name.format(n=n) for n in range(1, int(entry["count"]) + 1) for name in entry["each"]]
        else:
            columns.append(entry["name"])
            fixed[entry["name"]] = str(entry["value"])
    if len(set(columns)) != len(columns):
        raise ValueError(f"{LAYOUTS.name}: a column is named twice")
    return columns, fixed


@cache
def import_layout(name: str) -> ImportLayout:
    """The bulk-import layout `name` ("google-ads-editor", "meta-ads-manager") from `ad_imports.yaml`, validated."""
    raw = yaml.safe_load(LAYOUTS.read_text(encoding="utf-8"))[name]
    columns, fixed = _expand(raw.pop("columns"))
    return ImportLayout(**raw, columns=columns, fixed=fixed)


RSA_COLUMNS = import_layout(RSA_LAYOUT).columns
META_COLUMNS = import_layout(META_LAYOUT).columns


def rsa_slots(field_lines: dict[str, list[tuple[str, int | None]]]) -> dict[str, str]:
    """The headline and description cells of a Google Ads Editor row: each line in its numbered slot, with its pin
    position beside it (blank when unpinned); lines beyond the layout's slots are left out."""
    cells: dict[str, str] = {}
    for field, column in (("headlines", "Headline"), ("descriptions", "Description")):
        for i, (text, pin) in enumerate(field_lines.get(field, []), start=1):
            if f"{column} {i}" in RSA_COLUMNS:
                cells[f"{column} {i}"] = text
                cells[f"{column} {i} position"] = str(pin) if pin else ""
    return cells


def rsa_rows(result: CopyResult, campaign: str, ad_group: str, final_url: str) -> list[dict[str, str]]:
    """One Google Ads Editor row per draft (empty cells for unused headline/description slots)."""
    layout = import_layout(RSA_LAYOUT)
    rows = []
    for draft in result.drafts:
        lines = {}
        for field in ("headlines", "descriptions"):
            pins = [info.pin for info in draft.lines.get(field, [])]
            texts = list(draft.fields.get(field, []))
            lines[field] = [(t, pins[i] if i < len(pins) else None) for i, t in enumerate(texts)]
        values = {
            "Campaign": campaign,
            "Ad group": ad_group,
            "Path 1": str(draft.fields.get("path1", "")),
            "Path 2": str(draft.fields.get("path2", "")),
            "Final URL": final_url or draft.final_url,
        }
        rows.append(layout.row({**values, **rsa_slots(lines)}))
    return rows


def to_csv(
    result: CopyResult, *, campaign: str = "Campaign", ad_group: str = "Ad group", final_url: str = ""
) -> str:
    """CSV text. Google RSA drafts use the Google Ads Editor layout (`final_url`, when given, over each draft's own);
    other channels one column per field."""
    buffer = io.StringIO()
    if result.channel == "google-rsa":
        writer = CsvDictWriter(buffer, fieldnames=RSA_COLUMNS)
        writer.writeheader()
        writer.writerows(rsa_rows(result, campaign, ad_group, final_url))
        return buffer.getvalue()
    names = list(result.drafts[0].fields) if result.drafts else []
    writer = CsvDictWriter(buffer, fieldnames=["Channel", "Variant", "Angle", *names])
    writer.writeheader()
    for draft in result.drafts:
        writer.writerow(
            {"Channel": draft.channel, "Variant": draft.variant, "Angle": draft.angle, **_flat(draft)}
        )
    return buffer.getvalue()


def _flat(draft: Draft) -> dict[str, str]:
    return {k: " | ".join(v) if isinstance(v, list) else v for k, v in draft.fields.items()}


def to_json(result: CopyResult) -> str:
    """The whole result (drafts with their angle, char counts, per-line source, backing and pins) as indented JSON."""
    payload = result.model_dump(mode="json")
    for out, draft in zip(payload["drafts"], result.drafts, strict=True):
        out["char_counts"] = draft.char_counts()
    return json.dumps(payload, indent=2, ensure_ascii=False)
