"""Loaders: every format, and bad files reported with file and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.errors import LoaderError
from retrieval.loaders import guess_doc_type, load_file, slugify
from tests.retrieval.conftest import CATALOG, RETURNS_MD, SHIPPING_HTML, write_pdf


def test_catalog_csv_one_document_per_product_with_typed_metadata(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text(CATALOG)
    docs = load_file(tmp_path / "catalog.csv", "catalog.csv")
    assert [d.anchor for d in docs] == ["TR-001", "TR-002", "JK-010", "BP-020"]
    tr = docs[0]
    assert tr.doc_type == "product" and tr.title == "Trail Runner GTX"
    assert tr.metadata["price"] == pytest.approx(129.90) and isinstance(tr.metadata["price"], float)
    assert tr.metadata["stock"] == 12 and isinstance(tr.metadata["stock"], int)
    assert tr.metadata["in_stock"] is True and docs[1].metadata["in_stock"] is False
    assert (
        tr.metadata["sku"] == "TR-001"
        and tr.metadata["category"] == "shoes"
        and tr.metadata["currency"] == "EUR"
    )
    text = tr.sections[0][1]
    assert "black, red" in text and "Waterproof trail running shoe" in text and "129.90 EUR" in text


def test_catalog_json(tmp_path: Path) -> None:
    items = [
        {
            "sku": "A1",
            "name": "Mug",
            "category": "home",
            "price": "7.5",
            "stock": 0,
            "colours": ["red", "blue"],
        }
    ]
    (tmp_path / "products.json").write_text(json.dumps({"products": items}))
    [doc] = load_file(tmp_path / "products.json", "products.json")
    assert doc.anchor == "A1" and doc.metadata["price"] == 7.5 and doc.metadata["in_stock"] is False
    assert "red, blue" in doc.sections[0][1]


def test_jsonl_records(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "q1", "text": "Yes, it fits.", "asin": "B01"}),
        "",
        json.dumps({"id": "q2", "text": "No."}),
    ]
    (tmp_path / "faq.jsonl").write_text("\n".join(lines))
    docs = load_file(tmp_path / "faq.jsonl", "faq.jsonl")
    assert [d.anchor for d in docs] == ["q1", "q2"]
    # every document also carries its language and visibility (one language per file unless a record says so)
    assert docs[0].metadata == {"asin": "B01", "language": "en", "visibility": "public"}


def test_markdown_sections_keep_heading_path(tmp_path: Path) -> None:
    md = RETURNS_MD + "\n```\n# not a heading\n```\n"
    (tmp_path / "r.md").write_text(md)
    [doc] = load_file(tmp_path / "r.md", "policies/r.md")
    assert doc.title == "Returns and refunds" and doc.doc_type == "policy"
    paths = [tuple(h) for h, _ in doc.sections]
    assert paths == [
        ("Returns and refunds",),
        ("Returns and refunds", "Refunds"),
        ("Returns and refunds", "Exchanges"),
    ]
    assert "# not a heading" in doc.sections[-1][1]


def test_html_drops_scripts_and_navigation(tmp_path: Path) -> None:
    (tmp_path / "s.html").write_text(SHIPPING_HTML)
    [doc] = load_file(tmp_path / "s.html", "pages/s.html")
    everything = " ".join(t for _, t in doc.sections)
    assert doc.title == "Shipping" and doc.doc_type == "page"
    assert (
        "secret-script-text" not in everything
        and "Home | Shop" not in everything
        and "color:red" not in everything
    )
    by_heading = {h[-1]: t for h, t in doc.sections}
    assert "free for orders over 50 EUR" in by_heading["Costs"]
    assert "Germany: 1-2 working days" in by_heading["Delivery times"]


def test_pdf_and_text(tmp_path: Path) -> None:
    write_pdf(tmp_path / "warranty.pdf", "Warranty lasts two years on all boots.")
    [doc] = load_file(tmp_path / "warranty.pdf", "policies/warranty.pdf")
    assert doc.sections[0][0] == ["Page 1"] and "two years" in doc.sections[0][1]
    (tmp_path / "note.txt").write_text("Open Monday to Friday.\n")
    [txt] = load_file(tmp_path / "note.txt", "note.txt")
    assert txt.sections == [([], "Open Monday to Friday.")] and txt.doc_type == "other"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.pdf", b"%PDF-1.4\n this is not really a pdf", "PDF"),
        ("catalog.csv", b"sku,name,price\nA,Mug,3\n", "missing column(s) category"),
        ("catalog.csv", b"sku,name,category,price\nA,Mug,home,cheap\n", "not a number"),
        ("latin1.md", "# Caf\u00e9 cr\u00e8me".encode("latin-1"), "UTF-8"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("data.xlsx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_files_raise_loader_error_with_source_and_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LoaderError) as info:
        load_file(tmp_path / name, f"sub/{name}")
    assert info.value.source == f"sub/{name}" and reason in info.value.reason


def test_doc_type_and_slug() -> None:
    assert guess_doc_type("policies/returns.md") == "policy"
    assert guess_doc_type("campaigns/autumn.yaml") == "campaign"
    assert guess_doc_type("pages/about.html") == "page"
    assert guess_doc_type("catalog.csv") == "product"
    assert guess_doc_type("notes.txt") == "other"
    assert slugify("Returns & Refunds (EU)") == "returns-refunds-eu"


def test_folder_sync_skips_hidden_files_and_readmes(tmp_path: Path) -> None:
    from retrieval.loaders import is_supported

    assert is_supported(tmp_path / "policies" / "returns.md")
    assert not is_supported(tmp_path / "README.md") and not is_supported(tmp_path / ".draft.md")
    assert not is_supported(tmp_path / "image.png")
