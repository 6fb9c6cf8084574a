"""Export drafts: CSV that Google Ads Editor imports for responsive search ads (with pinning suggestions as "Headline N
position" / "Description N position"), a plain CSV for other channels, and JSON with each line's source and backing."""

from __future__ import annotations

import io
import json

from generation.copywriter import CopyResult, Draft
from generation.csv_cells import CsvDictWriter

RSA_COLUMNS = (
    ["Campaign", "Ad group", "Ad type"]
    + [c for i in range(1, 16) for c in (f"Headline {i}", f"Headline {i} position")]
    + [c for i in range(1, 5) for c in (f"Description {i}", f"Description {i} position")]
    + ["Path 1", "Path 2", "Final URL"]
)


def rsa_rows(result: CopyResult, campaign: str, ad_group: str) -> list[dict[str, str]]:
    """One Google Ads Editor row per draft (empty cells for unused headline/description slots)."""
    rows = []
    for draft in result.drafts:
        row = dict.fromkeys(RSA_COLUMNS, "")
        row.update(
            {
                "Campaign": campaign,
                "Ad group": ad_group,
                "Ad type": "Responsive search ad",
                "Path 1": str(draft.fields.get("path1", "")),
                "Path 2": str(draft.fields.get("path2", "")),
                "Final URL": draft.final_url,
            }
        )
        for field, column in (("headlines", "Headline"), ("descriptions", "Description")):
            pins = [info.pin for info in draft.lines.get(field, [])]
            for i, text in enumerate(draft.fields[field], start=1):
                row[f"{column} {i}"] = text
                pin = pins[i - 1] if i <= len(pins) else None
                row[f"{column} {i} position"] = str(pin) if pin else ""
        rows.append(row)
    return rows


def to_csv(result: CopyResult, *, campaign: str = "Campaign", ad_group: str = "Ad group") -> str:
    """CSV text. Google RSA drafts use the Google Ads Editor layout; other channels one column per field."""
    buffer = io.StringIO()
    if result.channel == "google-rsa":
        writer = CsvDictWriter(buffer, fieldnames=RSA_COLUMNS)
        writer.writeheader()
        writer.writerows(rsa_rows(result, campaign, ad_group))
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
