"""Reading an ad platform's performance report (CSV) into checked rows: which layout it is, where its header is, and
whether every row's figures make sense. Matching rows to drafts is `results_match`; storing them is
`assistant.storage.results`.

The layouts (`report_layouts.yaml`) are data: the columns of Google Ads' and Meta Ads Manager's report downloads, each
with the page it was checked against. A file is read whole before anything is stored, and every problem is reported
with its row number, so a bad file loses nothing and says what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, HttpUrl

from assistant.errors import BadInput

LAYOUTS = Path(__file__).with_name("report_layouts.yaml")
MAX_ROWS = 20_000  # an ad-level report of a shop's campaigns is hundreds of rows; more is the wrong file
HEADER_SEARCH_ROWS = 10  # Google's download puts a title and a date-range row above the header
MAX_PROBLEMS = 20  # problems listed in one error message (the count says how many more)
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")  # 1234, 1,234, 12.50 (English number format)
_NONE = {"", "--", "-", " --"}  # how the platforms write "nothing" in a metric cell


class Source(BaseModel):
    url: HttpUrl
    says: str


class ReportField(BaseModel):
    """One field: the header names it goes by (vendor's spelling first), or a pattern for a header with a value in it."""

    names: list[str] = Field(default_factory=list)
    pattern: str | None = None
    label: str = ""  # how an error names a pattern field ("Amount spent (EUR)")


class ReportLayout(BaseModel):
    """One platform's report download: its fields, the required ones, how a row finds its draft, and the sources."""

    key: str
    platform: str
    tool: str
    channel: str
    sources: list[Source] = Field(min_length=1)
    verified: str
    match: str
    fields: dict[str, ReportField]
    required: list[str]

    def columns(self, header: list[str]) -> dict[str, int] | None:
        """Field -> column index for a header row (for "headlines": none; see `headline_columns`), or None when a
        required field is missing."""
        found = {}
        normal = [fold(h) for h in header]
        for name, spec in self.fields.items():
            if spec.pattern:
                continue
            wanted = {fold(n) for n in spec.names}
            index = next((i for i, h in enumerate(normal) if h in wanted), None)
            if index is not None:
                found[name] = index
        for name, spec in self.fields.items():
            if spec.pattern and name != "headlines":
                index = next((i for i, h in enumerate(normal) if re.match(spec.pattern, h)), None)
                if index is not None:
                    found[name] = index
        return found if all(r in found for r in self.required) else None

    def missing(self, header: list[str]) -> list[str]:
        normal = {fold(h) for h in header}
        out = []
        for name in self.required:
            spec = self.fields[name]
            hit = (
                any(re.match(spec.pattern, h) for h in normal)
                if spec.pattern
                else bool({fold(n) for n in spec.names} & normal)
            )
            if not hit:
                out.append(spec.names[0] if spec.names else spec.label or name)
        return out

    def headline_columns(self, header: list[str]) -> list[int]:
        spec = self.fields.get("headlines")
        if spec is None or not spec.pattern:
            return []
        numbered = [
            (int(m.group(1)), i) for i, h in enumerate(header) if (m := re.match(spec.pattern, fold(h)))
        ]
        return [i for _, i in sorted(numbered)]


def fold(name: str) -> str:
    """A header as compared: lower case, spaces folded, a byte-order mark and quotes dropped."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


@cache
def report_layouts() -> dict[str, ReportLayout]:
    """Every report layout of `report_layouts.yaml`, validated."""
    raw = yaml.safe_load(LAYOUTS.read_text(encoding="utf-8"))
    layouts = {key: ReportLayout(key=key, **value) for key, value in raw.items()}
    for layout in layouts.values():
        unknown = set(layout.required) - set(layout.fields)
        if unknown:
            raise ValueError(f"{LAYOUTS.name}: {layout.key} requires undeclared fields {sorted(unknown)}")
    return layouts


@dataclass
class ReportRow:
    """One data row of a report, its figures checked."""

    line: int
    campaign: str
    impressions: int
    clicks: int
    conversions: float
    cost: float
    ad_group: str = ""
    ad_name: str = ""
    headlines: list[str] = field(default_factory=list)
    currency: str = ""
    period_start: str | None = None
    period_end: str | None = None


@dataclass
class Report:
    """A whole report: its layout and rows (none of them bad)."""

    layout: ReportLayout
    rows: list[ReportRow]


def decode(data: bytes) -> str:
    """The file's text: UTF-16 with a byte-order mark (Google's "Excel CSV" download), else UTF-8."""
    if not data.strip():
        raise BadInput("the report is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"the report is not valid UTF-16 text ({exc.reason} at byte {exc.start})"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"the report is not UTF-8 text (byte {exc.start}): download it as CSV from the ad platform"
        ) from None


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    try:
        for row in reader:
            out.append((reader.line_num, row))
            if len(out) > MAX_ROWS + HEADER_SEARCH_ROWS + 50:
                raise BadInput(
                    f"the report has more than {MAX_ROWS:,} rows: export one campaign or period at a time"
                )
    except csv.Error as exc:
        raise BadInput(f"the report is not a readable CSV file (line {reader.line_num}: {exc})") from None
    return out


def _delimiters(text: str) -> list[str]:
    """The delimiters to try, the sniffed one first (Google writes tabs in its "Excel CSV", commas otherwise)."""
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:
        sniffed = ","
    return list(dict.fromkeys([sniffed, ",", "\t", ";"]))


def _find_header(records: list[tuple[int, list[str]]]) -> tuple[int, ReportLayout, dict[str, int]]:
    layouts = report_layouts()
    for index, (_, row) in enumerate(records[:HEADER_SEARCH_ROWS]):
        for layout in layouts.values():
            columns = layout.columns(row)
            if columns is not None:
                return index, layout, columns
    header = next((row for _, row in records if any(c.strip() for c in row)), [])
    missing = "; ".join(
        f"a {lay.platform} report needs {', '.join(lay.missing(header))}"
        for lay in sorted(layouts.values(), key=lambda lay: len(lay.missing(header)))
    )
    found = ", ".join(h for h in header[:12] if h) or "none"
    raise BadInput(f"this is not an ad report this import reads ({missing}; found: {found})")


def _number(cell: str, what: str, *, whole: bool) -> float:
    text = cell.strip().replace("\u00a0", "")
    if text in _NONE:
        return 0
    if text.startswith("-") and _NUMBER.match(text[1:]):
        raise ValueError(f"{what} is negative ({cell.strip()})")
    if not _NUMBER.match(text):
        raise ValueError(f"{what} {cell.strip()!r} is not a number (English format: 1,234.50)")
    value = float(text.replace(",", ""))
    if whole and value != int(value):
        raise ValueError(f"{what} {cell.strip()!r} is not a whole number")
    return value


def _date(cell: str, what: str) -> str | None:
    """A report's date as ISO (YYYY-MM-DD): Meta writes ISO, Google's "Day" column ISO or "Dec 1, 2026"."""
    if not cell or cell in _NONE:
        return None
    for form in ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(cell, form).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{what} {cell!r} is not a date (2026-12-01 or Dec 1, 2026)")


def _row(columns: dict[str, int], heads: list[int], money: str, line: int, cells: list[str]) -> ReportRow:
    """One data row, checked; `money` is the currency the header names ("Amount spent (EUR)"), if any."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    impressions = int(_number(cell("impressions"), "impressions", whole=True))
    clicks = int(_number(cell("clicks"), "clicks", whole=True))
    conversions = _number(cell("conversions"), "conversions", whole=False)
    cost = _number(cell("cost"), "cost", whole=False)
    if clicks > impressions:
        raise ValueError(f"{clicks:,} clicks but only {impressions:,} impressions")
    if conversions > clicks:
        raise ValueError(
            f"{conversions:g} conversions from {clicks:,} clicks: report conversions counted once per click "
            "(the conversion action's 'One' count) so that a rate per click means something"
        )
    if not cell("campaign"):
        raise ValueError("the campaign name is empty")
    currency = cell("currency").upper() or money
    day = _date(cell("day"), "day")
    start = _date(cell("period_start"), "reporting start") or day
    end = _date(cell("period_end"), "reporting end") or day
    if start and end and start > end:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    return ReportRow(
        line=line,
        campaign=cell("campaign"),
        ad_group=cell("ad_group") or cell("ad_set"),
        ad_name=cell("ad_name"),
        headlines=[cells[i].strip() for i in heads if i < len(cells) and cells[i].strip() not in _NONE],
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
        cost=cost,
        currency=currency,
        period_start=start,
        period_end=end,
    )


def problems_message(what: str, problems: list[str]) -> str:
    more = len(problems) - MAX_PROBLEMS
    listed = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
    return f"{what}: {listed}. Nothing was imported."


def read_report(data: bytes) -> Report:
    """The checked rows of a report file; `BadInput` naming every bad row (and nothing kept) otherwise."""
    text = decode(data)
    problem: BadInput | None = None
    for delimiter in _delimiters(text):  # the first reading whose header is a report's wins
        try:
            records = _records(text, delimiter)
            start, layout, columns = _find_header(records)
            break
        except BadInput as exc:
            problem = problem or exc
    else:
        raise problem or BadInput("the report has no header row")
    header = records[start][1]
    heads = layout.headline_columns(header)
    currency = ""
    if "cost" in columns and layout.fields["cost"].pattern:
        match = re.match(layout.fields["cost"].pattern, fold(header[columns["cost"]]))
        currency = match.group(1).upper() if match and match.groups() else ""
    rows, problems = [], []
    for line, cells in records[start + 1 :]:
        if not any(c.strip() for c in cells) or any(
            c.strip().lower().startswith("total:") for c in cells[:3]
        ):
            continue  # blank lines and Google's "Total: Account" rows
        try:
            row = _row(columns, heads, currency, line, cells)
        except ValueError as exc:
            problems.append(f"row {line}: {exc}")
            continue
        rows.append(row)
    if problems:
        raise BadInput(
            problems_message(f"{len(problems)} bad row(s) in the {layout.platform} report", problems)
        )
    if not rows:
        raise BadInput(f"the {layout.platform} report has a header but no data rows")
    if len(rows) > MAX_ROWS:
        raise BadInput(f"the report has more than {MAX_ROWS:,} rows: export one campaign or period at a time")
    return Report(layout=layout, rows=rows)
