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
from retrieval.metadata import MANIFEST_NAME, finalize, manifest_overrides
from retrieval.screening import WITHHELD_KEY, screen_documents
from retrieval.structure import html_to_blocks
from retrieval.types import Block, Document

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

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# keys of front matter (and of a folder's kb.yaml rules) that set document metadata
DOCUMENT_KEYS = ("title", "language", "visibility", "doc_type")


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a Markdown file that opens with a ``---`` YAML block; ({}, text) otherwise."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoaderError(source, f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise LoaderError(source, "front matter must be a mapping of keys to values")
    if "lang" in data and "language" not in data:
        data["language"] = data.pop("lang")
    if "type" in data and "doc_type" not in data:
        data["doc_type"] = data.pop("type")
    return {k: str(v).strip() for k, v in data.items() if k in DOCUMENT_KEYS and v is not None}, text[
        m.end() :
    ]


def load_markdown(path: Path, source: str) -> list[Document]:
    """Markdown (CommonMark with tables) read for its structure: headings, table rows, FAQ units, list items.

    Optional YAML front matter sets ``title``, ``language``, ``visibility`` and ``doc_type``.
    """
    from markdown_it import MarkdownIt

    front, body = split_front_matter(_read_text(path, source), source)
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(body)
    _, h1, _, blocks = html_to_blocks(f"<body>{html}</body>")
    return [_doc(source, front.get("title") or h1 or Path(source).stem, blocks, front)]


def load_html(path: Path, source: str) -> list[Document]:
    """Visible text of the page read for its structure (split at h1-h6; tables, FAQ, lists kept as units); scripts,
    styles and navigation are dropped. ``<html lang>`` gives the document's language."""
    page_title, h1, lang, blocks = html_to_blocks(_read_text(path, source))
    meta = {"page_language": lang.split("-")[0].lower()} if lang else {}
    return [_doc(source, page_title or h1 or Path(source).stem, blocks, meta)]


def load_pdf(path: Path, source: str) -> list[Document]:
    """A PDF read for its layout (pypdf): larger or bold lines are headings, aligned columns are tables."""
    from retrieval.pdf import pdf_blocks

    title, blocks = pdf_blocks(path, source)
    return [_doc(source, title or Path(source).stem, blocks)]


def load_text(path: Path, source: str) -> list[Document]:
    """Plain text (also YAML campaign files, read as text): one section."""
    text = _read_text(path, source).strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    title = Path(source).stem.replace("_", " ").replace("-", " ")
    if first.lower().startswith(("name:", "title:")):
        title = first.split(":", 1)[1].strip().strip("'\"") or title
    return [_doc(source, title, [([], text)] if text else [])]


def _doc(
    source: str,
    title: str,
    content: list[tuple[list[str], str]] | list[Block],
    meta: dict[str, Any] | None = None,
) -> Document:
    meta = dict(meta or {})
    doc_type = meta.pop("doc_type", "") or guess_doc_type(source)
    meta.pop("title", None)
    if content and isinstance(content[0], Block):
        return Document(source=source, title=title, doc_type=doc_type, blocks=list(content), metadata=meta)
    return Document(source=source, title=title, doc_type=doc_type, sections=list(content), metadata=meta)


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
    """Files a folder sync picks up: known suffixes; hidden files, READMEs (notes about the data) and folder
    manifests (``kb.yaml``) are skipped."""
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not path.name.startswith(".")
        and not path.name.upper().startswith("README")
        and path.name != MANIFEST_NAME
    )


def load_file(path: Path, source: str, root: Path | None = None) -> list[Document]:
    """Read one file into documents, choosing the loader by suffix, with ``language`` and ``visibility`` set on
    each (see `retrieval.metadata`; the ``kb.yaml`` manifests between `root` and the file apply) and the sentences
    that speak to the assistant or ask for secrets withheld (see `retrieval.screening`). Raises `LoaderError` for
    anything unreadable."""
    loader = _loader_for(path)
    if loader is None:
        raise LoaderError(source, f"unsupported file type {path.suffix or '(none)'}")
    overrides = manifest_overrides(path, root) if root is not None else {}
    return screen_documents(finalize(loader(path, source), source, overrides, root))


def withheld_sentences(path: Path, source: str, root: Path | None = None) -> int:
    """How many sentences reading this file withholds from answers (see `retrieval.screening`), to tell whoever
    uploaded it."""
    return sum(int(d.metadata.get(WITHHELD_KEY, 0)) for d in load_file(path, source, root))
