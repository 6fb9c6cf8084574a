"""Approved drafts as the files marketers import: Google Ads Editor CSV for responsive search ads (all 15 headline and 4
description fields, each with its pin position), a Meta Ads Manager bulk-import CSV, and CSV for e-mail, SMS and X.

The two ad platforms' layouts (columns, order, fixed cells, and the published pages they were checked against) are
data: generation's `ad_imports.yaml`. Each row's campaign, ad group and final URL come from its `Placement`
(`assistant.workspace.landing`): the brief, the product and the catalog's page under the shop's address.

One file per brief and channel; a brief's whole approved set is a ZIP of those files. Only approved drafts go in (an
edit sends a draft back to review, so what is exported is what was approved). Files are UTF-8.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping

from assistant.workspace.landing import Placement, ad_group_name
from assistant.workspace.types import DraftRecord, ExportFile
from generation import META_LAYOUT, RSA_LAYOUT, CsvDictWriter, import_layout, rsa_slots

RSA_COLUMNS = import_layout(RSA_LAYOUT).columns
META_COLUMNS = import_layout(META_LAYOUT).columns
COMMON = ["Campaign", "Draft", "Variant", "Angle", "Products", "Segment", "Approved by", "Approved at"]
EMAIL_COLUMNS = [*COMMON[:4], "Subject", "Preheader", "Body", *COMMON[4:]]
SMS_COLUMNS = [*COMMON[:4], "Message", "Characters", "SMS parts", *COMMON[4:]]
X_COLUMNS = [*COMMON[:4], "Post", "Characters", *COMMON[4:]]
# GSM 03.38 basic characters: a message of only these fits 160 per SMS (153 per part when split), else 70 (67).
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = set("^{}\\[~]|€")


def sms_parts(message: str) -> int:
    """How many SMS a message is sent as (GSM-7 when every character allows it, else UCS-2)."""
    if all(c in _GSM7 or c in _GSM7_EXT for c in message):
        units = len(message) + sum(c in _GSM7_EXT for c in message)
        single, part = 160, 153
    else:
        units = len(message.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def _texts(record: DraftRecord, field: str) -> list[tuple[str, int | None]]:
    lines = sorted((x for x in record.lines if x.field == field), key=lambda x: x.position)
    return [(x.text, x.pin) for x in lines]


def _one(record: DraftRecord, field: str) -> str:
    texts = _texts(record, field)
    return texts[0][0] if texts else ""


def _common(record: DraftRecord, place: Placement) -> dict[str, str]:
    return {
        "Campaign": place.campaign,
        "Draft": str(record.draft_id),
        "Variant": str(record.variant),
        "Angle": record.angle,
        "Products": "; ".join(f"{record.products.get(s, s)} ({s})" for s in record.skus),
        "Segment": record.segment or "",
        "Approved by": record.decided_by or "",
        "Approved at": record.decided_at or "",
    }


def rsa_row(record: DraftRecord, place: Placement) -> dict[str, str]:
    """One Google Ads Editor row: every headline and description slot (empty when unused) with its pin position."""
    values = {
        "Campaign": place.campaign,
        "Ad group": place.ad_group,
        "Path 1": _one(record, "path1"),
        "Path 2": _one(record, "path2"),
        "Final URL": place.final_url,
    }
    lines = {field: _texts(record, field) for field in ("headlines", "descriptions")}
    return import_layout(RSA_LAYOUT).row({**values, **rsa_slots(lines)})


def meta_row(record: DraftRecord, place: Placement) -> dict[str, str]:
    """One Meta Ads Manager import row (campaign, ad set and ad imported paused, for a last look in Ads Manager): the
    ad set is the audience, the ad is named after the product and the variant."""
    audience = record.segment or "All customers"
    values = {
        "Campaign Name": place.campaign,
        "Ad Set Name": f"{place.campaign} - {audience}",
        "Ad Name": f"{place.ad_group} - variant {record.variant} (draft {record.draft_id})",
        "Body": _one(record, "primary_text"),
        "Title": _one(record, "headline"),
        "Link Description": _one(record, "description"),
        "Link": place.final_url,
    }
    return import_layout(META_LAYOUT).row(values)


def email_row(record: DraftRecord, place: Placement) -> dict[str, str]:
    return {
        **_common(record, place),
        "Subject": _one(record, "subject"),
        "Preheader": _one(record, "preheader"),
        "Body": _one(record, "body"),
    }


def sms_row(record: DraftRecord, place: Placement) -> dict[str, str]:
    message = _one(record, "text")
    return {
        **_common(record, place),
        "Message": message,
        "Characters": str(len(message)),
        "SMS parts": str(sms_parts(message)),
    }


def x_row(record: DraftRecord, place: Placement) -> dict[str, str]:
    post = _one(record, "text")
    return {**_common(record, place), "Post": post, "Characters": str(len(post))}


FORMATS: dict[str, tuple[list[str], Callable[[DraftRecord, Placement], dict[str, str]], str]] = {
    "google-rsa": (RSA_COLUMNS, rsa_row, "google-ads-editor"),
    "meta": (META_COLUMNS, meta_row, "meta-bulk-upload"),
    "email": (EMAIL_COLUMNS, email_row, "email"),
    "sms": (SMS_COLUMNS, sms_row, "sms"),
    "x": (X_COLUMNS, x_row, "x-posts"),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "drafts"


def channel_csv(
    records: list[DraftRecord],
    channel: str,
    campaign: str,
    placements: Mapping[int, Placement] | None = None,
) -> str:
    """The channel's CSV for these (approved) drafts; a draft without a placement goes in `campaign` under an ad
    group named after its product, with its own stored landing page."""
    columns, row_of, _ = FORMATS[channel]
    buffer = io.StringIO()
    writer = CsvDictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        place = (placements or {}).get(record.draft_id) or Placement(
            campaign, ad_group_name(None, record.skus, record.products), record.final_url
        )
        writer.writerow(row_of(record, place))
    return buffer.getvalue()


def export_file(
    records: list[DraftRecord],
    brief_label: str,
    campaign: str,
    channel: str | None,
    placements: Mapping[int, Placement] | None = None,
) -> ExportFile:
    """One CSV for a channel, or (channel None) a ZIP with one CSV per channel that has approved drafts."""
    if channel is not None:
        _, _, kind = FORMATS[channel]
        return ExportFile(
            filename=f"{slug(brief_label)}-{kind}.csv",
            media_type="text/csv; charset=utf-8",
            content=channel_csv(records, channel, campaign, placements).encode("utf-8"),
            drafts=len(records),
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FORMATS:
            mine = [r for r in records if r.channel == name]
            if mine:
                archive.writestr(
                    f"{slug(brief_label)}-{FORMATS[name][2]}.csv",
                    channel_csv(mine, name, campaign, placements).encode("utf-8"),
                )
    return ExportFile(
        filename=f"{slug(brief_label)}-approved-copy.zip",
        media_type="application/zip",
        content=buffer.getvalue(),
        drafts=len(records),
    )
