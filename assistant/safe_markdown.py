"""The one safe Markdown renderer on the server side: reply text and shop documents become HTML with markdown-it's
"js-default" preset (CommonMark plus tables and strikethrough, raw HTML never passed through, `javascript:`/`data:`
links refused by its link validator). The /docs pages and the workspace's inbox transcripts both render with it, so
staff read a reply formatted as the customer saw it, and nothing in a reply or a document becomes markup of its own.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from retrieval import slugify


def render_markdown(text: str, *, heading_ids: bool = False) -> str:
    """`text` (Markdown) as safe HTML. With `heading_ids`, headings get the slugs retrieval gives chunk anchors, so a
    citation's ``#anchor`` lands on its section."""
    md = MarkdownIt("js-default")  # html=False: "<script>" in the text stays text
    tokens = md.parse(text or "")
    if heading_ids:
        for index, token in enumerate(tokens):
            if token.type == "heading_open" and index + 1 < len(tokens):
                token.attrSet("id", slugify(tokens[index + 1].content))
    return md.renderer.render(tokens, md.options, {})
