"""Ingestion keeps the shape of answers: table rows as facts named by their columns, FAQ units, list items, heading
paths, language and visibility, for Markdown, HTML and PDF alike (the real demo pages and a generated PDF)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.chunking import chunk_documents
from retrieval.loaders import load_file
from retrieval.structure import html_to_blocks, row_fact
from tests.retrieval.conftest import write_table_pdf

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _chunks(source: str, root: Path = DEMO):
    return chunk_documents(load_file(root / source, source, root), "v1")


def _by_kind(chunks, kind: str):
    return [c for c in chunks if c.metadata["kind"] == kind]


def test_row_fact_names_every_column_from_the_header() -> None:
    assert row_fact(["Method", "Notes"], ["PayPal", "charged when you place the order"]) == (
        "Method: PayPal. Notes: charged when you place the order."
    )
    # empty cells are left out, a column without a name gives its value alone, no doubled full stops
    assert row_fact(["", "Graz", "Linz"], ["Repairs", "yes.", ""]) == "Repairs. Graz: yes."


def test_markdown_table_rows_read_as_sentences_with_their_columns() -> None:
    rows = _by_kind(_chunks("policies/payment.md"), "table_row")
    paypal = next(c for c in rows if c.metadata["row_label"] == "PayPal")
    assert paypal.text == "Payment > Ways to pay: Method: PayPal. Notes: charged when you place the order."
    assert json.loads(paypal.metadata["row_fields"]) == {
        "Method": "PayPal",
        "Notes": "charged when you place the order",
    }
    assert json.loads(paypal.metadata["heading_path"]) == ["Payment", "Ways to pay"]
    assert paypal.anchor == "ways-to-pay" and paypal.metadata["doc_type"] == "policy"
    # what `make run` users saw: "Destination   Option   Delivery time   Cost [2]." - now every row names them
    delivery = _by_kind(_chunks("policies/shipping.md"), "table_row")
    assert len(delivery) == 5
    assert delivery[1].text == (
        "Shipping > Delivery options and costs: Destination: Austria, Germany. Option: Express (order by 14:00). "
        "Delivery time: 1-2 business days. Cost: 9.95 EUR."
    )
    assert all("Destination   Option" not in c.text for c in _chunks("policies/shipping.md"))


def test_faq_headings_become_question_answer_units() -> None:
    faqs = _by_kind(_chunks("policies/faq.md"), "faq")
    assert len(faqs) == 13 and len(_chunks("policies/faq.md")) == 13
    unit = next(c for c in faqs if c.metadata["question"] == "Is shipping free?")
    assert unit.metadata["answer"].startswith("Standard shipping is free on orders over 75 EUR")
    # the question is the unit's: its heading path is the section it sits in; the anchor links to the question
    assert json.loads(unit.metadata["heading_path"]) == ["Frequently asked questions", "Orders and delivery"]
    assert unit.anchor == "is-shipping-free"
    assert unit.text.startswith(
        "Frequently asked questions > Orders and delivery: Is shipping free? Standard"
    )


def test_list_items_carry_the_sentence_that_introduces_them() -> None:
    items = _by_kind(_chunks("policies/price-match-and-promotions.md"), "list_item")
    conditions = [c for c in items if c.metadata.get("lead") == "Conditions:"]
    assert len(conditions) == 4
    assert conditions[0].text == (
        "Price match and promotions > Price match promise: Conditions: The product is identical: same model, size, "
        "colour and year."
    )
    steps = [c for c in _by_kind(_chunks("policies/returns.md"), "list_item") if c.anchor == "how-to-return"]
    assert [c.metadata["position"] for c in steps] == [1, 2, 3] and all(c.metadata["ordered"] for c in steps)


def test_html_table_caption_and_section_scoping() -> None:
    chunks = _chunks("pages/store-locations.html")
    rows = _by_kind(chunks, "table_row")
    assert len(rows) == 5
    # the table follows the <section>s: it sits under the page heading and its caption, not under "Salzburg"
    assert json.loads(rows[2].metadata["heading_path"]) == ["Our stores", "Services by store"]
    assert rows[2].text == (
        "Our stores > Services by store: Service: Repair workshop. Graz: yes. Innsbruck: drop-off only. "
        "Salzburg: drop-off only."
    )
    assert rows[2].anchor == "our-stores"  # a caption is no heading of the page
    graz = next(c for c in chunks if c.anchor == "graz-flagship-and-repair-workshop")
    assert "Murkai 12" in graz.text and graz.metadata["kind"] == "prose"


def test_html_faq_forms_and_spanned_tables() -> None:
    html = """<html lang="de-AT"><body><h1>Hilfe</h1>
    <dl><dt>Kann ich per Rechnung zahlen?</dt><dd>Ja, mit Klarna.</dd><dt>Versand</dt><dd>2-4 Werktage</dd></dl>
    <details><summary>Gibt es Gutscheine?</summary><p>Ja, von 10 bis 500 EUR.</p></details>
    <p><strong>Liefern Sie in die Schweiz?</strong> Ja, in 5-8 Werktagen.</p>
    <p>Q: Do you ship on Saturdays?</p><p>A: No, on business days only.</p>
    <table><tr><th>Ziel</th><th>Art</th><th>Kosten</th></tr>
      <tr><td rowspan="2">Österreich</td><td>Standard</td><td>4,95 EUR</td></tr>
      <tr><td>Express</td><td>9,95 EUR</td></tr>
      <tr><td colspan="2">Filiale</td><td>kostenlos</td></tr></table></body></html>"""
    _, h1, lang, blocks = html_to_blocks(html)
    assert (h1, lang) == ("Hilfe", "de-AT")
    faqs = {b.fields["question"]: b.fields["answer"] for b in blocks if b.kind == "faq"}
    assert faqs == {
        "Kann ich per Rechnung zahlen?": "Ja, mit Klarna.",
        "Gibt es Gutscheine?": "Ja, von 10 bis 500 EUR.",
        "Liefern Sie in die Schweiz?": "Ja, in 5-8 Werktagen.",
        "Do you ship on Saturdays?": "No, on business days only.",
    }
    assert any(b.kind == "prose" and b.text == "Versand: 2-4 Werktage" for b in blocks)
    rows = [b.text for b in blocks if b.kind == "table_row"]
    assert rows == [
        "Ziel: Österreich. Art: Standard. Kosten: 4,95 EUR.",
        "Ziel: Österreich. Art: Express. Kosten: 9,95 EUR.",  # the row span fills the cell below
        "Ziel: Filiale. Kosten: kostenlos.",  # a spanned value is said once
    ]
    assert all(b.heading_path == ("Hilfe",) for b in blocks)


def test_pdf_headings_tables_and_questions(tmp_path: Path) -> None:
    write_table_pdf(tmp_path / "help.pdf")
    [doc] = load_file(tmp_path / "help.pdf", "policies/help.pdf")
    assert doc.title == "Payment and delivery"
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    assert [b.text for b in rows] == [
        "Payment method: PayPal. When you are charged: when you place the order. Fee: none.",
        "Payment method: Visa, Mastercard. When you are charged: when your order ships. Fee: none.",
        "Payment method: Klarna invoice. When you are charged: within 30 days of delivery. Fee: 1.50 EUR.",
    ]
    assert rows[0].heading_path == ("Payment and delivery", "Ways to pay") and rows[0].fields["page"] == 1
    [faq] = [b for b in doc.blocks if b.kind == "faq"]
    assert faq.fields["question"] == "Can I pay in instalments?"
    # two lines of one paragraph joined, and the "fi" ligature (a piece of its own in the PDF) put back in its word
    assert faq.fields["answer"].endswith("150 EUR; the first instalment is due after 30 days.")
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items] == [
        "Austria and Germany: 2-4 business days",
        "Other EU countries: 3-6 business days",
    ]
    assert items[0].heading_path == ("Payment and delivery", "Delivery") and items[0].fields["page"] == 2
    assert not any(b.text == "3" for b in doc.blocks)  # the page number is not content
    chunks = chunk_documents([doc], "v1")
    assert chunks[1].text.startswith("Payment and delivery > Ways to pay: Payment method: PayPal.")
    assert chunks[1].metadata["page"] == 1 and chunks[1].anchor == "ways-to-pay"


@pytest.mark.parametrize("source", ["policies/payment.md", "pages/about-us.html", "catalog.csv"])
def test_every_chunk_carries_kind_heading_language_and_visibility(source: str) -> None:
    for c in _chunks(source):
        assert c.metadata["kind"] in ("prose", "table_row", "faq", "list_item", "product")
        assert c.metadata["language"] == "en" and c.metadata["visibility"] == "public"
        assert isinstance(json.loads(c.metadata["heading_path"]), list)
    assert {c.metadata["kind"] for c in _chunks("catalog.csv")} == {"product"}


def test_campaign_briefs_and_uploads_are_internal(tmp_path: Path) -> None:
    [brief] = _chunks("campaigns/winter-trail-2026.yaml")[:1]
    assert brief.metadata["visibility"] == "internal"
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "notes.md").write_text("# Notes\n\nSupplier prices go up in March.\n")
    [doc] = load_file(uploads / "notes.md", "notes.md", uploads)
    assert doc.metadata["visibility"] == "internal"


def test_front_matter_and_folder_manifest_set_metadata(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "kb.yaml").write_text('files:\n  "public-*.md": {visibility: public}\n')
    (root / "campaigns" / "public-sale.md").write_text("# Sale\n\nThe winter sale starts on 27 December.\n")
    (root / "campaigns" / "brief.md").write_text("# Brief\n\nTarget lapsed customers.\n")
    (root / "note.md").write_text(
        "---\nvisibility: internal\nlanguage: de\ntitle: Notiz\n---\n# Intern\n\nText.\n"
    )
    assert (
        load_file(root / "campaigns" / "public-sale.md", "campaigns/public-sale.md", root)[0].metadata[
            "visibility"
        ]
        == "public"
    )
    assert load_file(root / "campaigns" / "brief.md", "campaigns/brief.md", root)[0].metadata[
        "visibility"
    ] == ("internal")
    [note] = load_file(root / "note.md", "note.md", root)
    assert (note.title, note.metadata["visibility"], note.metadata["language"]) == ("Notiz", "internal", "de")
    assert "visibility" not in note.blocks[0].text  # front matter is metadata, not content
