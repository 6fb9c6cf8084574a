"""Credentials, signed customer tokens and evidence sanitising: the small pieces of security everything else calls.

- Marketer passwords are stored as PBKDF2-HMAC-SHA256 hashes in a self-describing string
  ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (written by `mka admin hash-password`), so the iteration count
  can be raised later without breaking stored hashes.
- A shop that knows who its visitor is signs the customer id for the widget:
  ``base64url(customer_id).<expiry unix seconds>.<hex hmac-sha256 of the first two parts>``.
- Every comparison of a secret goes through `hmac.compare_digest`, so timing does not reveal how much matched.
- `sanitize_evidence` neutralises chat-template tokens and role markers in retrieved text before it enters a prompt:
  a document must never be able to close the system turn and open one of its own.
- `text_problem` / `check_text` / `check_upload_text` refuse input that is not text (lone surrogates, NUL and other
  control characters, over-long lines, invalid UTF-8) before any model, tokenizer or index sees it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable

from pydantic import SecretStr

from assistant.errors import BadInput, Unauthorized

PBKDF2_ALGORITHM = "pbkdf2_sha256"
PBKDF2_ITERATIONS = (
    240_000  # >= 200k (OWASP 2023 guidance for PBKDF2-HMAC-SHA256 is 600k; this keeps logins < 0.3 s)
)
_MIN_ITERATIONS = 200_000
_SALT_BYTES = 16
MAX_PASSWORD_CHARS = (
    1024  # PBKDF2 cost grows with length only a little, but an unbounded input is never needed
)


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------------------------------------- passwords
def hash_password(password: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Hash `password` with PBKDF2-HMAC-SHA256 and a random salt; return ``pbkdf2_sha256$iters$salt$hash``."""
    if not isinstance(password, str) or not password:
        raise BadInput("the password must not be empty")
    problem = text_problem(password)
    if problem:
        raise BadInput(f"the password {problem}")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadInput(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    if iterations < _MIN_ITERATIONS:
        raise ValueError(f"iterations must be at least {_MIN_ITERATIONS}")
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{PBKDF2_ALGORITHM}${iterations}${_b64e(salt)}${_b64e(digest)}"


def verify_password(password: str, hashed: str) -> bool:
    """True when `password` matches `hashed` (as written by `hash_password`). A malformed hash never matches."""
    if not isinstance(password, str) or not isinstance(hashed, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    if text_problem(password) is not None:
        return False  # hash_password never accepted such a password, so it cannot match
    try:
        algorithm, iterations_text, salt_text, digest_text = hashed.split("$")
        iterations = int(iterations_text)
        salt, expected = _b64d(salt_text), _b64d(digest_text)
    except (ValueError, binascii.Error):
        return False
    if algorithm != PBKDF2_ALGORITHM or iterations < 1 or not salt or not expected:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, dklen=len(expected))
    return hmac.compare_digest(actual, expected)


# ----------------------------------------------------------------------------------------------- signed customer ids
def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).hexdigest()


def _secret_text(secret: str | SecretStr) -> str:
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


def sign_customer(customer_id: str, secret: str, ttl_s: int = 86400, now: float | None = None) -> str:
    """A token proving the shop vouches for `customer_id` until now + `ttl_s`: ``b64url(id).expiry.hmac``."""
    secret = _secret_text(secret)
    if not customer_id or not isinstance(customer_id, str):
        raise BadInput("the customer id must not be empty")
    if not secret:
        raise BadInput("the signing secret must not be empty")
    if ttl_s <= 0:
        raise BadInput("ttl_s must be positive")
    expiry = int((time.time() if now is None else now) + ttl_s)
    payload = f"{_b64e(customer_id.encode('utf-8'))}.{expiry}"
    return f"{payload}.{_mac(secret, payload)}"


def verify_customer_token(token: str, secret: str, now: float | None = None) -> str:
    """Return the customer id of a valid token; raise `Unauthorized` (with the reason) when bad, expired or malformed."""
    secret = _secret_text(secret)
    if not isinstance(token, str) or not token:
        raise Unauthorized("missing customer token")
    if len(token) > 4096:
        raise Unauthorized("malformed customer token: too long")
    if not token.isascii() or not token.isprintable():
        raise Unauthorized("malformed customer token: only base64url, digits and dots belong in it")
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthorized("malformed customer token: expected three dot-separated parts")
    id_part, expiry_part, mac_part = parts
    if not expiry_part.isdigit():
        raise Unauthorized("malformed customer token: the expiry is not a number")
    # Check the signature before trusting anything else in the token (including its expiry).
    expected = _mac(secret, f"{id_part}.{expiry_part}")
    if not hmac.compare_digest(expected.encode("ascii"), mac_part.encode("utf-8", "replace")):
        raise Unauthorized("invalid customer token signature")
    if int(expiry_part) < (time.time() if now is None else now):
        raise Unauthorized("the customer token has expired; ask the shop page for a new one")
    try:
        customer_id = _b64d(id_part).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("malformed customer token: the customer id is not valid base64url") from exc
    if not customer_id:
        raise Unauthorized("malformed customer token: empty customer id")
    return customer_id


# --------------------------------------------------------------------------------------------------------- API keys
def check_api_key(presented: str, keys: Iterable[SecretStr | str]) -> bool:
    """True when `presented` equals one of `keys`. Compares against every key (no early exit) in constant time."""
    if not isinstance(presented, str) or not presented:
        return False
    given = hashlib.sha256(presented.encode("utf-8", "replace")).digest()
    found = False
    for key in keys:
        # Hashing both sides first makes the comparison length-independent.
        wanted = hashlib.sha256(_secret_text(key).encode("utf-8")).digest()
        found |= hmac.compare_digest(given, wanted) and bool(_secret_text(key))
    return found


# ------------------------------------------------------------------------------------------------ evidence sanitising
# Chat-template control tokens of the common families (ChatML/SmolLM2/Qwen, Llama 2/3, Gemma, Mistral, Phi, GPT-style).
_TEMPLATE_TOKENS = re.compile(
    r"<\|[a-zA-Z0-9_]{1,40}\|>"  # <|im_start|> <|im_end|> <|eot_id|> <|start_header_id|> <|endoftext|> <|system|>
    r"|<\s*/?\s*(?:s|start_of_turn|end_of_turn|bos|eos|pad|unk)\s*>"  # <s> </s> <start_of_turn> ...
    r"|\[/?\s*(?:INST|SYS)\s*\]"  # [INST] [/INST]
    r"|<<\s*/?\s*SYS\s*>>"  # <<SYS>>
    r"|</?\s*(?:tool_call|tool_response|function_call|function|tools)\s*>",  # fake tool-call markup
    re.IGNORECASE,
)
# A line that pretends to be a new speaker: "System: ...", "### Assistant:", "[system]", "ASSISTANT >".
_ROLE_LINE = re.compile(
    r"^(?P<lead>[ \t>#*\-]*)\[?(?P<role>system|assistant|user|developer|tool|function)\]?(?P<sep>\s*[:>])",
    re.IGNORECASE | re.MULTILINE,
)
# JSON that looks like a tool call the model might copy: {"name": "...", "arguments": ...} / {"tool": ...}
_TOOL_JSON = re.compile(
    r'\{\s*"(?:name|tool|function|tool_name)"\s*:\s*"[^"]{1,80}"\s*,\s*"(?:arguments|args|parameters)"'
)


def sanitize_evidence(text: str) -> str:
    """Neutralise chat-template tokens, role markers and tool-call syntax in untrusted text (documents, tool output).

    The words stay readable (a policy that mentions "the system" keeps its meaning) but can no longer be parsed as a
    turn boundary, a speaker change or a tool call by the prompt template or by the turn loop.
    """
    if not text:
        return ""
    # Control characters other than tab/newline can hide tokens from humans reviewing a document.
    cleaned = "".join(ch for ch in text if ch in "\t\n" or (ord(ch) >= 32 and ord(ch) != 127))
    # "<|im_start|>" -> "(im_start)": still readable, no longer a token (and not another template's token either).
    cleaned = _TEMPLATE_TOKENS.sub(lambda m: "(" + re.sub(r"[<>|\[\]/\s]", "", m.group(0)) + ")", cleaned)
    cleaned = _ROLE_LINE.sub(
        lambda m: f"{m.group('lead')}({m.group('role').lower()} said){m.group('sep')}", cleaned
    )
    cleaned = _TOOL_JSON.sub(lambda m: m.group(0).replace("{", "(", 1), cleaned)
    return cleaned


def quote_evidence(text: str, max_chars: int = 4000) -> str:
    """Sanitised evidence, cut to `max_chars`, for putting between the prompt's evidence delimiters."""
    cleaned = sanitize_evidence(text)
    return cleaned if len(cleaned) <= max_chars else cleaned[: max_chars - 1] + "…"


# ------------------------------------------------------------------------------------------------ text, not bytes
# C0 controls other than tab, newline and carriage return; DEL; C1 controls. They are invisible, end strings in C code,
# and can hide tokens from a person reviewing a conversation or a document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
TEXT_UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".csv", ".html", ".htm", ".json")
LINE_LIMITED_SUFFIXES = (".md", ".markdown", ".txt", ".csv")  # HTML and JSON may be minified onto one line


def text_problem(value: str, *, max_line_chars: int | None = None) -> str | None:
    """Why `value` is not acceptable text ("contains a lone surrogate U+D800 at character 3"), or None when it is.

    Lone surrogates are not characters (valid JSON can still carry one as ``"\\ud800"``; no UTF-8 encoder accepts
    it); control characters other than tab and line breaks are not text either. Never echoes the value itself.
    """
    found = _SURROGATE.search(value)
    if found:
        return f"contains a lone surrogate U+{ord(found.group()):04X} at character {found.start()} (not text)"
    found = _CONTROL.search(value)
    if found:
        return f"contains the control character U+{ord(found.group()):04X} at character {found.start()}"
    if max_line_chars is not None:
        for number, line in enumerate(value.splitlines(), start=1):
            if len(line) > max_line_chars:
                return f"has a line of {len(line)} characters (line {number}); the limit is {max_line_chars}"
    return None


def check_text(value: str, what: str, *, max_line_chars: int | None = None) -> str:
    """`value` when it is text; BadInput naming `what` and the reason otherwise."""
    problem = text_problem(value, max_line_chars=max_line_chars)
    if problem:
        raise BadInput(f"{what} {problem}")
    return value


def check_upload_text(filename: str, data: bytes, *, max_line_chars: int) -> None:
    """BadInput unless an uploaded text document (by its suffix) is UTF-8 text with sane lines; PDFs pass through
    (their loader reads the binary format)."""
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if suffix not in TEXT_UPLOAD_SUFFIXES:
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{filename} is not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8 and upload again"
        ) from exc
    limit = max_line_chars if suffix in LINE_LIMITED_SUFFIXES else None
    check_text(text, filename, max_line_chars=limit)
