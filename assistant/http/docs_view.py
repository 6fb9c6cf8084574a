"""Shop documents rendered for people at /docs/<path>, the target of every citation link.

Which file a path names, and whether the caller may open it, is `assistant.visibility`'s business (the application
API's `open_document`); this module only renders. Headings get the same slugs the retrieval loaders give chunk anchors (`retrieval.loaders.slugify`), so
``/docs/policies/returns.md#return-window`` lands on the cited section. Documents are shop content, but uploads come
from people: HTML goes through a maintained sanitiser (`nh3`, Ammonia's allow-list: no scripts, styles, event
handlers, forms or `javascript:` links however encoded) and a strict Content-Security-Policy goes with every page.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import nh3
from bs4 import BeautifulSoup
from fastapi.responses import FileResponse, HTMLResponse, Response

from assistant.safe_markdown import render_markdown
from retrieval import slugify

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font:16px/1.55 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1d2521}}
:target{{background:#fff6c8}} pre{{white-space:pre-wrap;background:#f4f6f5;padding:1rem;border-radius:8px}}
article{{overflow-x:auto}} table{{border-collapse:collapse;font-size:14px}} td,th{{border:1px solid #ccd;padding:.3rem .5rem}} nav a{{color:#0b6e4f}}</style>
</head><body><nav><a href="/">Home</a> / {crumb}</nav><article>{body}</article></body></html>"""


def _markdown(text: str) -> str:
    return render_markdown(text, heading_ids=True)  # raw HTML in Markdown is not passed through


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Ammonia's default tags and attributes, plus the headings' ids (citations link to sections by them).
_ALLOWED_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, **{h: {"id"} for h in HEADINGS}}
_URL_SCHEMES = {"http", "https", "mailto"}


def _clean_html(text: str) -> tuple[str, str]:
    """(title, sanitised body): headings get their slugs first, then the maintained sanitiser decides what stays."""
    soup = BeautifulSoup(text, "html.parser")
    for heading in soup.find_all(list(HEADINGS)):
        if not heading.get("id"):
            heading["id"] = slugify(heading.get_text(" ", strip=True))
    title = soup.title.get_text(strip=True) if soup.title else ""
    body = soup.body or soup
    raw = "".join(str(child) for child in body.children if getattr(child, "name", None) != "head")
    clean = nh3.clean(
        raw,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return title, clean


def render(file: Path, path: str, *, private: bool = False) -> Response:
    """The document as an HTML page (Markdown, HTML, JSON, text) or as itself (PDF). A `private` (internal) one
    must not be kept by shared caches."""
    suffix = file.suffix.lower()
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    if private:
        headers["Cache-Control"] = "private, no-store"
    if suffix == ".pdf":
        return FileResponse(file, media_type="application/pdf", headers=headers)
    text = file.read_text(encoding="utf-8", errors="replace")
    title = file.name
    if suffix in {".md", ".markdown"}:
        body = _markdown(text)
    elif suffix in {".html", ".htm"}:
        found, body = _clean_html(text)
        title = found or title
    elif suffix == ".csv":
        body = _csv_table(text)
    elif suffix == ".json":
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
        body = f"<pre>{html.escape(text)}</pre>"
    else:
        body = f"<pre>{html.escape(text)}</pre>"
    page = _PAGE.format(title=html.escape(title), crumb=html.escape(path), body=body)
    return HTMLResponse(page, headers=headers)


CSV_ROWS_SHOWN = 5000


def _csv_table(text: str) -> str:
    """A CSV file as a table whose rows carry their first cell (a SKU, an id) as the anchor citations link to:
    `/docs/catalog.csv#FTW-001` lands on that product's row."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in header), "</tr></thead><tbody>"]
    shown = 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if shown == CSV_ROWS_SHOWN:
            out.append(f'<tr><td colspan="{len(header) or 1}">... more rows in the file</td></tr>')
            break
        anchor = html.escape(row[0].strip(), quote=True) if row else ""
        cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
        out.append(f'<tr id="{anchor}">{cells}</tr>' if anchor else f"<tr>{cells}</tr>")
        shown += 1
    out.append("</tbody></table>")
    return "".join(out)
