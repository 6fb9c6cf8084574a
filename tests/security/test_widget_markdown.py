"""The widget's Markdown formatter (ui/static/widget.js), fuzzed under Node: whatever a reply holds, the HTML it makes
has only the formatter's own tags and attributes, every link is an http(s) address, and nothing breaks out of an
attribute (`[x](https://h/[1])` once did)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from assistant.settings import REPO_ROOT

WIDGET = REPO_ROOT / "ui" / "static" / "widget.js"
TAGS = {
    "p",
    "br",
    "a",
    "code",
    "strong",
    "em",
    "sup",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ol",
    "ul",
    "li",
}
ATTRIBUTES = {"a": {"href", "target", "rel"}, "sup": {"class"}, "ol": {"start"}}
PIECES = [
    "[", "]", "(", ")", "x", "https://h/", "[1]", "[12]", "**", "`", "*", '"', "'", "<", ">", "&", "&quot;",
    "javascript:alert(1)", " ", "\n", "|", "1. ", "- ", "onerror=", "<img src=x>", "\u0000", "\u00000\u0000", "data:",
]  # fmt: skip
KNOWN = [
    "[x](https://h/[1])",
    '[a](https://h/"onmouseover=alert(1))',
    "[**b**](https://h/`x`)",
    "[x](javascript:1)",
]


def _render_all(texts: list[str]) -> list[str]:
    source = WIDGET.read_text(encoding="utf-8")
    start = source.index("  function esc(s)")
    end = source.index("  // ------", source.index("function renderMarkdown"))
    program = (
        'var API = "https://assistant.example";\n'
        + source[start:end]
        + "\nvar input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + "\nprocess.stdout.write(JSON.stringify(input.map(renderMarkdown)));"
    )
    done = subprocess.run(
        ["node", "-e", program],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on {tag}")
            if tag == "a" and name == "href" and not (value or "").startswith(("https://", "http://")):
                self.problems.append(f"href {value!r}")
            if value and ("<" in value or ">" in value):
                self.problems.append(f"markup in {name}: {value!r}")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_formatter_makes_only_its_own_markup() -> None:
    rng = random.Random(22)
    texts = KNOWN + ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 24))) for _ in range(3000)]
    for text, html in zip(texts, _render_all(texts), strict=True):
        audit = _Audit()
        audit.feed(html)
        audit.close()
        assert not audit.problems, (text, html, audit.problems)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_links_and_citations_still_render() -> None:
    html = _render_all(["See [returns](https://shop.example/r) [1] and **bold** `code`."])[0]
    assert '<a href="https://shop.example/r" target="_blank" rel="noopener noreferrer">returns</a>' in html
    assert (
        '<sup class="ref">[1]</sup>' in html
        and "<strong>bold</strong>" in html
        and "<code>code</code>" in html
    )
