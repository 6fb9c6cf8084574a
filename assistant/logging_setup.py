"""Logging with personal data redacted: emails, phone numbers and card-like numbers never reach a log line.

`configure_logging(settings)` installs one stderr handler on the root logger with `RedactingFilter`, and puts the same
filter on the handlers uvicorn installs, so access logs and tracebacks are redacted too. The filter rewrites the
record's final message (after %-formatting), its exception text and its stack text.

What counts as personal data is a deliberately wide net: a 10-15 digit run (a unix timestamp, say) is redacted as a
possible phone number. Losing a harmless number in a log is cheaper than keeping a customer's phone number.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+")
# 13-19 digits, alone or in groups separated by single spaces or dashes (4-4-4-4, 4-6-5 Amex, ...).
CARD = re.compile(r"(?<![\w.])\d(?:[ \-]?\d){12,18}(?![\w])")
# Phone numbers: optional +country, optional (area), then 2+ groups of digits separated by space, dot or dash.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,5}(?:[\s.\-]\d{2,5}){1,4}(?![\w])"
    r"|(?<![\w+])\+?\d{10,15}(?![\w])"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")  # ISO dates look like short phone numbers; keep them readable


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if _DATE.match(text) and digits <= 8:
        return text
    # Fewer than 9 digits is more likely a quantity, a price, a date or an order number than a phone number.
    if digits >= 9 or (text.startswith("+") and digits >= 7):
        return "[phone]"
    return text


def redact(text: str) -> str:
    """Replace emails with ``[email]``, card-like numbers with ``[card]`` and phone numbers with ``[phone]``."""
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = CARD.sub("[card]", text)
    return PHONE.sub(_phone, text)


class RedactingFilter(logging.Filter):
    """Redacts every record passing through it (message, arguments, exception and stack text). Never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OUR_HANDLER = "_mka_handler"


def _add_filter(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())


def configure_logging(settings: Any = None, *, level: str | int | None = None) -> None:
    """Log to stderr with redaction; idempotent. The level comes from `level`, `settings.log_level`, else INFO."""
    level = level or getattr(settings, "log_level", None) or "INFO"
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, _OUR_HANDLER, False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        setattr(handler, _OUR_HANDLER, True)
        root.addHandler(handler)
    install_redaction()


def install_redaction() -> None:
    """Put `RedactingFilter` on every handler of the root logger and of uvicorn's loggers (call after they exist)."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "gradio"):
        for handler in logging.getLogger(name).handlers:
            _add_filter(handler)
