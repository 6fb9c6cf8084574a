"""Personal data never reaches a log line: emails, phone numbers, card numbers, also inside tracebacks."""

from __future__ import annotations

import io
import logging

import pytest

from assistant.logging_setup import RedactingFilter, configure_logging, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("write to jane.doe+shop@example.co.uk please", "jane.doe"),
        ("card 4111 1111 1111 1111 expires", "4111"),
        ("card 4111-1111-1111-1111", "4111"),
        ("card 378282246310005 (amex)", "378282246310005"),
        ("call +44 20 7946 0958 today", "7946"),
        ("call (555) 123-4567", "123-4567"),
        ("call 555.123.4567", "555.123"),
        ("call 5551234567", "5551234567"),
    ],
)
def test_redact_removes_personal_data(text, secret):
    out = redact(text)
    assert secret not in out
    assert "[" in out


@pytest.mark.parametrize(
    "text",
    [
        "order 536365 on 2026-11-23 at 10:57:34: 12 x 85123A at 2.55 = 30.60",
        "session 3f2a9c retrieved 5 hits in 21 ms",
        "returns accepted within 30 days",
    ],
)
def test_redact_keeps_ordinary_numbers(text):
    assert redact(text) == text


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"test.redaction.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_filter_redacts_args_and_tracebacks():
    logger, stream = _capture()
    logger.info("customer %s called from %s", "bob@example.com", "+1 555 123 4567")
    try:
        raise ValueError("bad card 4111111111111111 for bob@example.com")
    except ValueError:
        logger.exception("failed for %s", "alice@example.org")
    out = stream.getvalue()
    for secret in ("bob@example.com", "alice@example.org", "4111111111111111", "555 123 4567"):
        assert secret not in out
    assert "ValueError" in out and "Traceback" in out  # the traceback itself is kept


def test_filter_survives_bad_format_args():
    logger, stream = _capture()
    logger.info("two args %s %s", "only-one@example.com")
    assert "only-one@example.com" not in stream.getvalue()


def test_configure_logging_installs_redaction_once(settings, capfd):
    configure_logging(settings)
    configure_logging(settings)
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_mka_handler", False)]
    assert len(ours) == 1
    assert any(isinstance(f, RedactingFilter) for f in ours[0].filters)
    logging.getLogger("assistant.somewhere").warning("mail eve@example.com")
    err = capfd.readouterr().err
    for handler in ours:  # leave the root logger as we found it
        root.removeHandler(handler)
    assert "eve@example.com" not in err and "[email]" in err
