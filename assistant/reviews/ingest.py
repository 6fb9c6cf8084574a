"""Import product reviews from CSV or JSON (sku, rating, text, date, language; optionally the shop's review id).

Every row is checked before anything is written: a file with one bad row (an unknown SKU, a rating that is not 1-5,
a date that is not a date, an empty text, a language the assistant does not read) is refused whole, with each bad row
named, and nothing is stored. A good file is read (sentiment and aspects) and written in one transaction. Rows with
the shop's own review id replace the stored review with that id (a re-import changes nothing twice).

    report = import_reviews(engine, catalog, model, aspects, "reviews.csv", data)
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, delete, insert, select

from assistant.errors import BadInput
from assistant.reviews.aspects import AspectMap, ReviewText, analyse_reviews
from assistant.reviews.sentiment import LANGUAGES, SentimentModel
from assistant.reviews.types import ReviewImport
from assistant.security import text_problem
from assistant.storage.migrations.m0030_reviews import aspects as aspects_table
from assistant.storage.migrations.m0030_reviews import reviews as reviews_table

MAX_BYTES = 10_000_000
MAX_ROWS = 20_000
MAX_TEXT = 5_000
SHOWN_PROBLEMS = 20
# Our field -> names accepted in a file (case-insensitive; spaces, dashes and underscores ignored).
ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "product", "productsku", "productid", "item", "itemid"),
    "rating": ("rating", "stars", "starrating", "score"),
    "text": ("text", "review", "reviewtext", "body", "reviewbody", "comment"),
    "date": ("date", "reviewdate", "reviewedon", "reviewedat", "createdat", "submittedat"),
    "language": ("language", "lang", "locale"),
    "external_id": ("reviewid", "id", "externalid"),
}
REQUIRED = ("sku", "rating", "text", "date", "language")


class BadReviewFile(BadInput):
    """A review file refused whole; `problems` names each bad row ("row 4: unknown SKU 'X-1'")."""

    def __init__(self, filename: str, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = f"; and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(f"{filename}: nothing was imported, {len(problems)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class ReviewRow:
    line: int
    sku: str
    rating: int
    text: str
    date: str
    language: str
    external_id: str | None


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def read_rows(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's records as text fields (CSV with a header, a JSON list of objects, or JSON Lines)."""
    if not data or not data.strip():
        raise BadInput(f"{filename}: the file is empty")
    if len(data) > MAX_BYTES:
        raise BadInput(
            f"{filename}: {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit; split the file"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{filename}: not UTF-8 text ({exc.reason})") from exc
    lower = filename.lower()
    if lower.endswith(".csv"):
        try:
            records = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise BadInput(f"{filename}: not a readable CSV file ({exc})") from exc
    elif lower.endswith((".json", ".jsonl", ".ndjson")):
        records = _json_records(filename, text, lower.endswith(".json"))
    else:
        raise BadInput(f"{filename}: reviews come as .csv, .json or .jsonl")
    if not records:
        raise BadInput(f"{filename}: no reviews in the file")
    if len(records) > MAX_ROWS:
        raise BadInput(f"{filename}: {len(records):,} reviews is over the {MAX_ROWS:,} limit; split the file")
    return records


def _json_records(filename: str, text: str, whole: bool) -> list[dict]:
    try:
        if whole:
            loaded = json.loads(text)
            loaded = loaded.get("reviews", loaded) if isinstance(loaded, dict) else loaded
        else:
            loaded = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise BadInput(f"{filename}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
        raise BadInput(f'{filename}: JSON reviews are a list of objects (or {{"reviews": [...]}})')
    return [{str(k): "" if v is None else str(v) for k, v in r.items()} for r in loaded]


def _columns(filename: str, records: list[dict[str, str]]) -> dict[str, str]:
    """Our field -> the file's column, by the aliases (the first alias present wins)."""
    present = {_key(c): c for c in records[0] if c is not None}
    found = {}
    for ours, names in ALIASES.items():
        column = next((present[a] for a in names if a in present), None)
        if column is not None:
            found[ours] = column
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        have = ", ".join(present.values()) or "none"
        raise BadInput(f"{filename}: missing column(s) {', '.join(missing)} (the file has {have})")
    return found


def _date(value: str) -> str | None:
    value = value.strip()
    for parse in (date.fromisoformat, lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")).date()):
        try:
            return parse(value).isoformat()
        except ValueError:
            continue
    return None


def _rating(value: str) -> int | None:
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 5 else None


def validate(filename: str, records: list[dict[str, str]], known_skus: set[str]) -> list[ReviewRow]:
    """The rows as typed reviews, or `BadReviewFile` naming every bad row (the header is line 1 of a CSV)."""
    cols = _columns(filename, records)
    rows, problems = [], []
    today = date.today().isoformat()
    ext_seen: dict[str, int] = {}
    for n, record in enumerate(records, start=2 if filename.lower().endswith(".csv") else 1):
        value = {f: (record.get(column) or "").strip() for f, column in cols.items()}
        get = value.get
        sku, text, lang = get("sku", ""), get("text", ""), get("language", "").lower()[:2]
        ext = get("external_id") or None
        rating, day = _rating(get("rating", "")), _date(get("date", ""))
        bad = []
        if sku not in known_skus:
            bad.append(f"unknown SKU {sku!r}" if sku else "no SKU")
        if rating is None:
            bad.append(f"rating {get('rating', '')!r} is not a whole number from 1 to 5")
        problem = text_problem(text)
        if not text:
            bad.append("empty text")
        elif problem:
            bad.append(f"text {problem}")
        elif len(text) > MAX_TEXT:
            bad.append(f"text of {len(text):,} characters (at most {MAX_TEXT:,})")
        if day is None:
            bad.append(f"date {get('date', '')!r} is not a date (YYYY-MM-DD)")
        elif day > today:
            bad.append(f"date {day} is in the future")
        if lang not in LANGUAGES:
            bad.append(
                f"language {get('language', '')!r} is not one the assistant reads ({', '.join(LANGUAGES)})"
            )
        if ext is not None and ext in ext_seen:
            bad.append(f"review id {ext!r} also on row {ext_seen[ext]}")
        if bad:
            problems.append(f"row {n}: " + ", ".join(bad))
            continue
        if ext is not None:
            ext_seen[ext] = n
        rows.append(ReviewRow(n, sku, int(rating), text, str(day), lang, ext))
    if problems:
        raise BadReviewFile(filename, problems)
    return rows


def import_reviews(
    engine: Engine, catalog, model: SentimentModel, aspects: AspectMap, filename: str, data: bytes
) -> ReviewImport:
    """Check, read and store one file of reviews in one transaction (see the module docstring)."""
    rows = validate(filename, read_rows(filename, data), {p.sku for p in catalog})
    category = {p.sku: p.category for p in catalog}
    analyses = analyse_reviews(
        model, aspects, [ReviewText(r.text, r.language, category[r.sku]) for r in rows]
    )
    batch = f"{datetime.now().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    external = [r.external_id for r in rows if r.external_id]
    with engine.begin() as conn:
        replaced = 0
        for start in range(0, len(external), 500):
            chunk = external[start : start + 500]
            old = [
                i
                for (i,) in conn.execute(
                    select(reviews_table.c.id).where(reviews_table.c.external_id.in_(chunk))
                )
            ]
            if old:
                conn.execute(delete(aspects_table).where(aspects_table.c.review_id.in_(old)))
                conn.execute(delete(reviews_table).where(reviews_table.c.id.in_(old)))
                replaced += len(old)
        values = [
            {
                "sku": r.sku, "rating": r.rating, "text": r.text, "reviewed_on": r.date, "language": r.language,
                "polarity": a.polarity, "score": a.score, "batch": batch, "external_id": r.external_id,
            }
            for r, a in zip(rows, analyses, strict=True)
        ]  # fmt: skip
        ids = (
            conn.execute(
                insert(reviews_table).returning(reviews_table.c.id, sort_by_parameter_order=True), values
            )
            .scalars()
            .all()
        )
        mentions = [
            {"review_id": rid, "sku": r.sku, "aspect": m.aspect, "polarity": m.polarity, "score": m.score,
             "sentence": m.sentence}
            for rid, r, a in zip(ids, rows, analyses, strict=True)
            for m in a.aspects
        ]  # fmt: skip
        if mentions:
            conn.execute(insert(aspects_table), mentions)
    return ReviewImport(
        batch=batch,
        rows=len(rows),
        new=len(rows) - replaced,
        replaced=replaced,
        aspects=len(mentions),
        skus=len({r.sku for r in rows}),
    )
