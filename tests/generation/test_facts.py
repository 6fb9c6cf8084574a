"""Tables and rule sentences read into typed facts: small synthetic pages of a made-up shop (Markdown and HTML), not
only the demo shop's."""

from __future__ import annotations

from datetime import time

import pytest

from generation.facts import (
    price_of,
    read_cutoff,
    read_opening_hours,
    read_rules,
    read_tables,
    span_of,
    weekday_name,
)
from generation.units import Unit, evidence_units
from retrieval.structure import html_to_blocks

DELIVERY_MD = """## Delivery prices

| Region | Service | Transit | Price |
|---|---|---|---|
| France, Belgium | Colissimo | 2 to 3 working days | €5.90, free from €60 |
| Rest of the EU | Colissimo | 4-7 working days | €12.00 |
| Switzerland | Courier | 3-5 days | 25 CHF |
"""

CHART_HTML = """<html><body><h2>Ski gloves</h2>
<table><thead><tr><th>Glove size</th><th>Hand width (cm)</th><th>Hand length (cm)</th></tr></thead>
<tbody><tr><td>6</td><td>15-16</td><td>16-17</td></tr>
<tr><td>7</td><td>17-18</td><td>17-18</td></tr>
<tr><td>8</td><td>19-20</td><td>18-19</td></tr></tbody></table></body></html>"""


def html_section(html: str) -> dict:
    """An HTML page's table as the knowledge base hands it to an answer: one section of table_row units."""
    _, _, _, blocks = html_to_blocks(html)
    rows = [b for b in blocks if b.kind == "table_row"]
    units = [{"kind": "table_row", "text": b.text, "fields": b.fields["row_fields"]} for b in rows]
    return {"kind": "section", "heading": " > ".join(rows[0].heading_path), "units": units, "text": ""}


@pytest.mark.parametrize(
    "cell, price, threshold",
    [
        ("€5.90, free from €60", 5.90, 60.0),
        ("4,95 EUR, versandkostenfrei ab 75 EUR Bestellwert", 4.95, 75.0),
        ("6,90 €, gratuit dès 49 €", 6.90, 49.0),
        ("12.00 EUR", 12.0, None),
        ("25 CHF", 25.0, None),
        ("free", 0.0, None),
    ],
)
def test_a_price_cell_is_a_price_and_the_order_value_it_is_free_from(cell, price, threshold):
    found, free_from = price_of(cell)
    assert found is not None and found.amount == pytest.approx(price)
    assert (free_from.amount if free_from else None) == threshold


def test_a_cell_without_money_has_no_price():
    assert price_of("ready in 2 hours") == (None, None)


@pytest.mark.parametrize(
    "cell, column, low, high, unit",
    [
        ("2 to 3 working days", "", 2, 3, "business_days"),
        ("3-6 Werktage", "", 3, 6, "business_days"),
        ("88-94", "Chest (cm)", 88, 94, "cm"),
        ("26,5", "Foot length (cm)", 26.5, 26.5, "cm"),
    ],
)
def test_a_range_cell_keeps_its_bounds_and_unit(cell, column, low, high, unit):
    span = span_of(cell, column)
    assert span is not None and (span.low, span.high, span.unit) == (low, high, unit)


def test_a_price_is_no_range():
    assert span_of("€5.90, free from €60") is None


def test_markdown_table_rows_become_facts_keyed_by_their_first_cell():
    (table,) = read_tables(evidence_units([{"text": DELIVERY_MD, "title": "Delivery"}]))
    assert table.key_column == "Region"
    assert [r.key for r in table.rows] == ["France, Belgium", "Rest of the EU", "Switzerland"]
    assert table.rows[1].cells["Transit"] == "4-7 working days"
    assert table.range_columns() == ["Transit"]


def test_html_table_rows_become_a_chart_of_ranges():
    (table,) = read_tables(evidence_units([html_section(CHART_HTML)]))
    assert table.heading == "Ski gloves"
    assert table.range_columns() == ["Hand width (cm)", "Hand length (cm)"]
    assert [(r.key, s.low, s.high) for r, s in table.spans("Hand width (cm)")][0] == ("6", 15, 16)


@pytest.mark.parametrize(
    "sentence, at",
    [
        ("Orders received before 13:30 on a working day are dispatched the same day.", time(13, 30)),
        ("Bestellungen, die an einem Werktag vor 12:00 Uhr eingehen, gehen am selben Tag raus.", time(12, 0)),
        ("Les commandes passées un jour ouvré avant 15h00 partent le jour même.", time(15, 0)),
    ],
)
def test_a_dispatch_cut_off_is_read_in_several_languages(sentence, at):
    cutoff = read_cutoff(Unit(1, sentence, "Dispatch"))
    assert cutoff is not None and cutoff.at == at


def test_a_time_without_business_days_is_no_cut_off():
    assert read_cutoff(Unit(1, "Our hotline answers before 18:00.", "Contact")) is None


def test_the_sentence_after_a_cut_off_about_business_days_travels_with_it():
    units = [
        Unit(1, "Orders placed before 14:00 on a business day leave the same day.", "Dispatch"),
        Unit(1, "Later orders leave on the next business day.", "Dispatch"),
        Unit(1, "Tracking arrives by e-mail.", "Dispatch"),
    ]
    (cutoff,), _ = read_rules(units)
    assert cutoff.text.endswith("Later orders leave on the next business day.")


def test_opening_hours_per_weekday_under_the_heading_they_belong_to():
    hours = read_opening_hours(Unit(1, "Open Tuesday to Friday 09:30-18:00, Saturday 10:00-16:00.", "Lyon"))
    assert hours is not None and hours.subject == "Lyon"
    assert 0 not in hours.days and 6 not in hours.days
    assert hours.days[3] == (time(9, 30), time(18, 0)) and hours.days[5] == (time(10, 0), time(16, 0))


def test_german_opening_hours():
    hours = read_opening_hours(Unit(1, "Montag bis Freitag 10:00-19:00, Samstag 09:00-18:00.", "Graz"))
    assert hours is not None and sorted(hours.days) == [0, 1, 2, 3, 4, 5]


def test_weekday_names_in_the_customers_language():
    assert weekday_name(0, "de") == "Montag" and weekday_name(5, "fr") == "samedi"
