"""Loaders: one file in, `Document`s out. CSV/JSON catalogs, Markdown, HTML, PDF and plain text.

Each loader raises `LoaderError(source, reason)` for a file it cannot read, so that a sync can report the file and
skip it without touching what the index already holds for that source.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrieval.errors import LoaderError
from retrieval.types import Document

CATALOG_REQUIRED = ("sku", "name", "category", "price")
CATALOG_LIST_COLUMNS = ("sizes", "colours", "materials", "compatible_with")
SUPPORTED_SUFFIXES = (
    ".csv",
    ".json",
    ".jsonl",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".pdf",
    ".txt",
    ".yaml",
    ".yml",
)

_HEADING_MD = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def slugify(text: str) -> str:
    """GitHub-style heading slug: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\s-]", "", text.strip().lower())
    return re.sub(r"[\s_]+", "-", slug).strip("-")


def guess_doc_type(source: str) -> str:
    """product | policy | campaign | page | other, from the path (folder names first, then the file kind)."""
    parts = [p.lower() for p in Path(source).parts]
    name = parts[-1] if parts else ""
    folders = set(parts[:-1])
    if folders & {"policies", "policy", "faq", "legal"}:
        return "policy"
    if folders & {"campaigns", "campaign", "promotions"}:
        return "campaign"
    if folders & {"pages", "page", "site"}:
        return "page"
    if name.startswith(("catalog", "products")):
        return "product"
    if name.endswith((".html", ".htm")):
        return "page"
    return "other"


def _read_text(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoaderError(source, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        # utf-8-sig: a BOM from spreadsheet exports is not part of the first column's name
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoaderError(source, f"not valid UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc


# --- catalog -------------------------------------------------------------------------------------------------


def _split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split("|") if v.strip()]


def _product_document(row: dict[str, Any], source: str, line: int) -> Document:
    def field_(name: str) -> str:
        value = row.get(name)
        return "" if value is None else str(value).strip()

    sku = field_("sku")
    if not sku:
        raise LoaderError(source, f"record {line}: empty sku")
    try:
        price = float(field_("price"))
    except ValueError as exc:
        raise LoaderError(
            source, f"record {line} (sku {sku}): price {row.get('price')!r} is not a number"
        ) from exc
    stock_raw = field_("stock")
    try:
        stock = int(float(stock_raw)) if stock_raw else 0
    except ValueError as exc:
        raise LoaderError(source, f"record {line} (sku {sku}): stock {stock_raw!r} is not a number") from exc
    currency = field_("currency") or "EUR"
    name = field_("name")
    meta: dict[str, Any] = {
        "sku": sku,
        "category": field_("category"),
        "price": price,
        "currency": currency,
        "stock": stock,
        "in_stock": stock > 0,
    }
    if field_("subcategory"):
        meta["subcategory"] = field_("subcategory")
    lines = [
        f"{name} (SKU {sku})",
        f"Category: {meta['category']}" + (f" / {meta['subcategory']}" if "subcategory" in meta else ""),
    ]
    lines.append(f"Price: {price:.2f} {currency}")
    lines.append(f"In stock: {stock}" if stock > 0 else "Out of stock")
    for col in CATALOG_LIST_COLUMNS:
        values = _split_list(row.get(col))
        if values:
            meta[col] = ", ".join(values)  # Chroma metadata holds scalars only
            lines.append(f"{col.replace('_', ' ').capitalize()}: {', '.join(values)}")
    if field_("weight_g"):
        lines.append(f"Weight: {field_('weight_g')} g")
    if field_("description"):
        lines.append(field_("description"))
    return Document(
        source=source,
        title=name or sku,
        doc_type="product",
        sections=[([], "\n".join(lines))],
        anchor=sku,
        metadata=meta,
    )


def _check_columns(columns: list[str] | None, source: str) -> None:
    missing = [c for c in CATALOG_REQUIRED if c not in (columns or [])]
    if missing:
        raise LoaderError(
            source, f"missing column(s) {', '.join(missing)} (has: {', '.join(columns or []) or 'none'})"
        )


def load_catalog_csv(path: Path, source: str) -> list[Document]:
    """One `Document` per product row; the row's fields become metadata (price float, stock int, in_stock bool)."""
    text = _read_text(path, source)
    try:
        reader = csv.DictReader(io.StringIO(text))
        columns = [c.strip() for c in reader.fieldnames or []]
        _check_columns(columns, source)
        rows = []
        for row in reader:
            rows.append({(k or "").strip(): v for k, v in row.items()})
    except csv.Error as exc:
        raise LoaderError(source, f"malformed CSV: {exc}") from exc
    docs = [_product_document(row, source, i + 2) for i, row in enumerate(rows)]
    _check_unique_skus(docs, source)
    return docs


def load_catalog_json(path: Path, source: str) -> list[Document]:
    """A JSON list of product objects (or {"products": [...]}) with the same fields as the CSV catalog."""
    try:
        data = json.loads(_read_text(path, source))
    except json.JSONDecodeError as exc:
        raise LoaderError(source, f"invalid JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("products", data.get("items"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise LoaderError(source, 'expected a list of product objects (or {"products": [...]})')
    if data:
        _check_columns(sorted(set().union(*[r.keys() for r in data])), source)
    for i, r in enumerate(data):
        missing = [c for c in CATALOG_REQUIRED if c not in r]
        if missing:
            raise LoaderError(source, f"record {i + 1}: missing field(s) {', '.join(missing)}")
    docs = [_product_document(r, source, i + 1) for i, r in enumerate(data)]
    _check_unique_skus(docs, source)
    return docs


def _check_unique_skus(docs: list[Document], source: str) -> None:
    seen: set[str] = set()
    for d in docs:
        if d.anchor in seen:
            raise LoaderError(source, f"duplicate sku {d.anchor}")
        seen.add(d.anchor)


# --- structured text ------------------------------------------------------------------------------------------


def _sections_from_headings(blocks: list[tuple[int, str] | str]) -> tuple[str, list[tuple[list[str], str]]]:
    """Turn a flat list of (level, heading) and text blocks into (title, [(heading path, text)])."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[list[str], str]] = []
    buf: list[str] = []
    title = ""

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            sections.append(([h for _, h in path], text))
        buf.clear()

    for block in blocks:
        if isinstance(block, tuple):
            flush()
            level, heading = block
            if not title and level == 1:
                title = heading
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, heading))
        else:
            buf.append(block)
    flush()
    if not title and path:
        title = path[0][1]
    return title, sections


def load_markdown(path: Path, source: str) -> list[Document]:
    """Sections split at ATX headings (``#`` .. ``######``); fenced code is never read as a heading."""
    text = _read_text(path, source)
    blocks: list[tuple[int, str] | str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING_MD.match(line)
        if m:
            blocks.append((len(m.group(1)), m.group(2).strip()))
        else:
            blocks.append(line)
    title, sections = _sections_from_headings(blocks)
    return [_doc(source, title or Path(source).stem, sections)]


def load_html(path: Path, source: str) -> list[Document]:
    """Visible text of the page, split at h1-h6; scripts, styles and navigation are dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path, source), "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "template", "svg"]):
        tag.decompose()
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    blocks: list[tuple[int, str] | str] = []
    block_tags = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dt", "dd", "pre", "blockquote"]
    for el in body.find_all(block_tags):
        # nested blocks (a <p> inside an <li>) are read once, by the outermost block
        if el.find_parent(block_tags):
            continue
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append((int(el.name[1]), text))
        else:
            blocks.append(("- " if el.name == "li" else "") + text)
    title, sections = _sections_from_headings(blocks)
    return [_doc(source, page_title or title or Path(source).stem, sections)]


def load_pdf(path: Path, source: str) -> list[Document]:
    """Text of every page (pypdf); one section per page, headed "Page N"."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoaderError(source, f"cannot read PDF: {exc}") from exc
    except (
        Exception
    ) as exc:  # pypdf raises assorted errors on damaged files; any of them means "skip this file"
        raise LoaderError(source, f"cannot read PDF ({type(exc).__name__}): {exc}") from exc
    sections = [([f"Page {i + 1}"], text) for i, text in enumerate(pages) if text]
    if not sections:
        raise LoaderError(source, "PDF has no extractable text (scanned images are not supported)")
    return [_doc(source, str(meta_title).strip() or Path(source).stem, sections)]


def load_text(path: Path, source: str) -> list[Document]:
    """Plain text (also YAML campaign files, read as text): one section."""
    text = _read_text(path, source).strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    title = Path(source).stem.replace("_", " ").replace("-", " ")
    if first.lower().startswith(("name:", "title:")):
        title = first.split(":", 1)[1].strip().strip("'\"") or title
    return [_doc(source, title, [([], text)] if text else [])]


def _doc(source: str, title: str, sections: list[tuple[list[str], str]]) -> Document:
    return Document(source=source, title=title, doc_type=guess_doc_type(source), sections=sections)


def load_records_jsonl(path: Path, source: str) -> list[Document]:
    """One JSON object per line, one `Document` each (FAQ exports, Q&A dumps): ``text`` is required; ``id`` (the
    anchor), ``title`` and ``doc_type`` are optional; other scalar fields become metadata."""
    docs: list[Document] = []
    seen: set[str] = set()
    for n, line in enumerate(_read_text(path, source).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoaderError(source, f"line {n}: invalid JSON: {exc.msg}") from exc
        if not isinstance(rec, dict) or not str(rec.get("text") or "").strip():
            raise LoaderError(source, f"line {n}: expected an object with a non-empty 'text'")
        anchor = str(rec.get("id", n))
        if anchor in seen:
            raise LoaderError(source, f"line {n}: duplicate id {anchor}")
        seen.add(anchor)
        doc_type = str(rec.get("doc_type") or guess_doc_type(source))
        meta = {
            k: v
            for k, v in rec.items()
            if k not in ("text", "id", "title", "doc_type") and isinstance(v, str | int | float | bool)
        }
        title = str(rec.get("title") or f"{Path(source).stem} {anchor}")
        docs.append(
            Document(source, title, doc_type, [([], str(rec["text"]).strip())], anchor=anchor, metadata=meta)
        )
    return docs


def _loader_for(path: Path) -> Callable[[Path, str], list[Document]] | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_catalog_csv
    if suffix == ".json":
        return load_catalog_json
    if suffix == ".jsonl":
        return load_records_jsonl
    if suffix in (".md", ".markdown"):
        return load_markdown
    if suffix in (".html", ".htm"):
        return load_html
    if suffix == ".pdf":
        return load_pdf
    if suffix in (".txt", ".yaml", ".yml"):
        return load_text
    return None


def is_supported(path: Path) -> bool:
    """Files a folder sync picks up: known suffixes; hidden files and READMEs (notes about the data) are skipped."""
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not path.name.startswith(".")
        and not path.name.upper().startswith("README")
    )


def load_file(path: Path, source: str) -> list[Document]:
    """Read one file into documents, choosing the loader by suffix. Raises `LoaderError` for anything unreadable."""
    loader = _loader_for(path)
    if loader is None:
        raise LoaderError(source, f"unsupported file type {path.suffix or '(none)'}")
    return loader(path, source)
