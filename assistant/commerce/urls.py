"""The shop's web addresses: the catalog's product URLs and the shop's base address (`MKA_SHOP_URL`) they hang under.

A catalog row's `url` is either a path on the shop's own site (``/products/talus-mid-waterproof-hiking-boot-mens``),
which needs the shop's base address to become a link, or an absolute ``http(s)://`` URL (a product page on another
host, a campaign landing page), used as it is. Exports need absolute URLs: `absolute_url` makes one or raises
`NotConfigured` naming the setting, never a made-up host.

One rule for every reader (the catalog, the settings, the exports), so a value accepted on import is one an export can
use.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from assistant.errors import BadInput, NotConfigured

SHOP_URL_SETTING = "MKA_SHOP_URL"
# Domains reserved for examples (RFC 2606): a URL on one of them can never be a shop's page. Earlier versions stored
# https://shop.example.com/products/<sku> as every draft's final URL; such a value means "no URL given".
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "", "'": ""})
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`{|}]")


def url_problem(value: str) -> str | None:
    """Why `value` cannot be a product's URL (None when it can): a path on the shop's site starting with one "/", or
    an absolute http(s) URL with a host; no spaces, control characters or characters a URL must escape."""
    if _UNSAFE.search(value):
        return "has a space, a control character or a character a URL must escape"
    if value.startswith("/"):
        if value.startswith("//"):
            return "starts with '//' (a host without a scheme): write https://host/path or a path like /products/x"
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        return "is neither a path on the shop's site (/products/...) nor an http(s):// URL"
    if not parts.hostname:
        return "has no host"
    return None


def shop_base_problem(value: str) -> str | None:
    """Why `value` cannot be the shop's base address (None when it can): an absolute http(s) URL with a host and
    neither a query nor a fragment (product paths are appended to it)."""
    problem = url_problem(value)
    if problem is None and value.startswith("/"):
        problem = "is a path; the shop's address needs a scheme and a host (https://www.my-shop.at)"
    if problem is None and (urlsplit(value).query or urlsplit(value).fragment):
        problem = "has a query or a fragment; product paths are appended to it"
    return problem


def is_placeholder(url: str) -> bool:
    """Whether `url` points at a domain reserved for examples (so it is no shop's page)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in _EXAMPLE_DOMAINS)


def absolute_url(url: str, shop_url: str | None, *, what: str = "the product") -> str:
    """`url` as an absolute link: an absolute URL as it is, a path under `shop_url`. `NotConfigured` when a path has
    no shop address to hang under, or when there is no URL at all; `BadInput` when `url` is no URL."""
    if not url or is_placeholder(url):
        raise NotConfigured(
            f"{what} has no page URL: give it one in the catalog's url column (/products/... or https://...)"
        )
    problem = url_problem(url)
    if problem:
        raise BadInput(f"{what}'s page URL {url!r} {problem}")
    if not url.startswith("/"):
        return url
    if not shop_url:
        raise NotConfigured(
            f"the shop's web address is not set, so {what}'s page {url} has no host: set {SHOP_URL_SETTING} "
            "(e.g. https://www.my-shop.at) and export again"
        )
    return shop_url.rstrip("/") + url


def slug(text: str) -> str:
    """A URL path segment from a name: lower case ASCII words joined by hyphens (umlauts spelled out, apostrophes
    dropped), as the demo catalog's /products/<slug> paths are made."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
