"""Where a citation link takes a person: a product cited from a catalog opens its product page
(``/docs/products/<SKU>``, with the reply's sentence that cited it, so the page can highlight the evidence); every
other document opens on its cited section (``/docs/<source>#<anchor>``).

One rule for every door: the HTTP API rewrites the citations it sends (SSE events, the final Reply) and the Gradio
pages link their sources with the same function, so the widget, /chat and the workspace agree.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from assistant.conversation.reply import CitationOut, Reply

PRODUCTS_PATH = "/docs/products/"
DEFAULT_CATALOG = "catalog.csv"  # the shop's catalog at the root of its documents
CATALOG_SUFFIXES = (".csv",)  # a catalog's rows carry the SKU as their anchor (retrieval's CSV loader)
MAX_CITE_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKS = re.compile(r"\s*\[\d{1,2}\]")
# Line-start marks are matched within their line ([ \t], not \s): \s would run across every following empty line from
# each line start, quadratic on a text of many newlines (tests/security/test_regex_budget.py).
_MARKDOWN = re.compile(r"\*\*|__|`|^[ \t]*(?:[-*•]|\d+[.)])[ \t]+|^[ \t]*#+[ \t]*|\|", re.M)


def product_sku(citation: CitationOut) -> str | None:
    """The SKU a citation names when it cites a catalog row, else None."""
    source = citation.source.lower()
    if source.endswith(CATALOG_SUFFIXES) and citation.anchor and "/" not in citation.anchor:
        return citation.anchor
    return None


def cited_sentence(text: str, n: int) -> str:
    """The sentence of `text` that carries the mark ``[n]``, as plain text (no marks, no Markdown); '' if none."""
    mark = f"[{n}]"
    for sentence in _SENTENCE_END.split(_MARKDOWN.sub("", text or "")):
        if mark in sentence:
            return _MARKS.sub("", sentence).strip()[:MAX_CITE_CHARS]
    return ""


def document_url(citation: CitationOut) -> str:
    """The rendered document at its cited section (the citation's own URL when it has one)."""
    if citation.url and not citation.url.startswith(PRODUCTS_PATH):
        return citation.url
    return f"/docs/{citation.source.lstrip('/')}" + (f"#{citation.anchor}" if citation.anchor else "")


def citation_link(citation: CitationOut, reply_text: str = "") -> str:
    """Where the citation's link goes; `reply_text` (the reply that cites it) names the sentence to highlight."""
    sku = product_sku(citation)
    if sku is None:
        return document_url(citation)
    query: dict[str, str] = {}
    if citation.source.lstrip("/") != DEFAULT_CATALOG:
        query["source"] = citation.source.lstrip("/")
    sentence = cited_sentence(reply_text, citation.n)
    if sentence:
        query["cite"] = sentence
    return (
        PRODUCTS_PATH
        + quote(sku, safe="")
        + (f"?{urlencode(query)}" if query else "")
        + ("#cited" if sentence else "")
    )


def linked(citation: CitationOut, reply_text: str = "") -> CitationOut:
    """The citation with its `url` set by `citation_link`."""
    return citation.model_copy(update={"url": citation_link(citation, reply_text)})


def with_links(reply: Reply) -> Reply:
    """The reply with every citation's `url` set by `citation_link` (the stored reply is left as it was)."""
    if not reply.citations:
        return reply
    return reply.model_copy(update={"citations": [linked(c, reply.text) for c in reply.citations]})
