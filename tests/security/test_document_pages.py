"""Uploaded HTML pages go through the maintained sanitiser (nh3): no script, style, event handler, form or
`javascript:` link however it is encoded survives, and the headings keep the anchors citations link to."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.http.docs_view import _clean_html, render

ATTACKS = [
    '<a href="java&#x0A;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<style>body{display:none}</style>",
    '<div style="position:fixed;inset:0;background:#fff">covered</div>',
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example></iframe>",
    '<form action="https://evil.example"><input name=card></form>',
    "<scr<script>ipt>alert(1)</script>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<base href=https://evil.example/>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
]
FORBIDDEN = [
    "javascript:",
    "script",
    "<style",
    "style=",
    "onerror",
    "<iframe",
    "<form",
    "<input",
    "vbscript",
    "data:",
    "<base",
    "<meta",
    "xlink",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_active_survives(attack: str) -> None:
    _title, body = _clean_html(f"<html><body><h2>Returns</h2>{attack}<p>ok</p></body></html>")
    low = body.lower()
    assert not [f for f in FORBIDDEN if f in low], body
    assert '<h2 id="returns">Returns</h2>' in body and "<p>ok</p>" in body


def test_a_page_keeps_its_title_links_and_tables(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>Care</title><style>*{display:none}</style></head><body><h1>Care guide</h1>"
        '<a href="https://shop.example/care">more</a><table><tr><td>1</td></tr></table></body></html>',
        encoding="utf-8",
    )
    response = render(page, "uploads/p.html")
    text = response.body.decode()
    assert "<title>Care</title>" in text and 'id="care-guide"' in text and "<td>1</td>" in text
    assert 'href="https://shop.example/care"' in text and "display:none" not in text
