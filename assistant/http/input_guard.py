"""What the protections check in a request before any route sees it: JSON nesting depth, strings that are not text
(lone surrogates, NUL), URLs that are not text, and credentials put where they would be logged (the query string).

Pure functions over bytes, text and the ASGI scope; `assistant.http.middleware` calls them and answers 400.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

MAX_JSON_DEPTH = 32
# Query parameters that would put a customer's credential into access logs, browser history and Referer headers.
CREDENTIAL_QUERY_PARAMS = frozenset({"customer_token", "x-customer-token", "x_customer_token"})


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than `limit` (scanned, not parsed: no recursion)."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def json_text_problem(value: Any) -> str | None:
    """Why a parsed JSON value is not text ("a string holds a lone surrogate U+D800"), or None. Iterative: the depth
    was checked before parsing, but no recursion is needed either."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = _NOT_TEXT.search(item)
            if found:
                what = "a lone surrogate" if "\ud800" <= found.group() <= "\udfff" else "a NUL character"
                return f"a string in it holds {what} (U+{ord(found.group()):04X}), which is not text"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def url_problem(scope: dict[str, Any]) -> str | None:
    """Why the request's URL is not text (servers decode invalid UTF-8 into U+FFFD and let NUL through), or None."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass")
    for part, raw in (("path", raw_path), ("query", scope.get("query_string", b"").replace(b"+", b" "))):
        try:
            text = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return f"the URL's {part} is not valid UTF-8 once percent-decoded"
        if _URL_CONTROL.search(text):
            return f"the URL's {part} contains control characters"
    return None


_URL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def credential_in_query(query_string: bytes) -> bool:
    if not query_string:
        return False
    names = {k.lower() for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
    return bool(names & CREDENTIAL_QUERY_PARAMS)
