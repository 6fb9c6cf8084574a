"""Password hashing, signed customer tokens and API-key checks (assistant.security)."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from pydantic import SecretStr

from assistant import security
from assistant.errors import BadInput, Unauthorized
from assistant.security import (
    check_api_key,
    hash_password,
    sign_customer,
    verify_customer_token,
    verify_password,
)


@pytest.fixture(scope="module")
def hashed() -> str:
    return hash_password("correct horse battery staple")


def test_hash_is_self_describing_salted_and_slow(hashed):
    algorithm, iterations, salt, digest = hashed.split("$")
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) >= 200_000
    assert len(salt) >= 16 and len(digest) >= 40
    # A fresh random salt every time: the same password never hashes to the same string.
    assert hash_password("correct horse battery staple") != hashed
    assert "correct horse" not in hashed


def test_verify_password(hashed):
    assert verify_password("correct horse battery staple", hashed)
    assert not verify_password("correct horse battery stapl", hashed)
    assert not verify_password("", hashed)
    assert not verify_password("x" * 5000, hashed)


@pytest.mark.parametrize(
    "bad",
    ["", "plain-text-password", "md5$1$aa$bb", "pbkdf2_sha256$x$aa$bb", "pbkdf2_sha256$1000$$", "a$b$c"],
)
def test_malformed_hash_never_matches(bad):
    assert verify_password("plain-text-password", bad) is False


def test_verify_uses_constant_time_compare(hashed, monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    verify_password("nope", hashed)
    assert calls, "verify_password must compare digests with hmac.compare_digest"


def test_empty_password_refused():
    with pytest.raises(BadInput):
        hash_password("")


def test_customer_token_round_trip_and_format():
    token = sign_customer("C-12345 ü", "s3cret", ttl_s=60, now=1_000_000)
    id_part, expiry, mac = token.split(".")
    assert expiry == "1000060"
    expected = hmac.new(b"s3cret", f"{id_part}.{expiry}".encode(), hashlib.sha256).hexdigest()
    assert mac == expected
    assert verify_customer_token(token, "s3cret", now=1_000_059) == "C-12345 ü"


def test_customer_token_expired():
    token = sign_customer("C1", "s3cret", ttl_s=60, now=1_000_000)
    with pytest.raises(Unauthorized, match="expired"):
        verify_customer_token(token, "s3cret", now=1_000_061)


def test_customer_token_default_clock():
    token = sign_customer("C1", "s3cret", ttl_s=5)
    assert verify_customer_token(token, "s3cret") == "C1"
    with pytest.raises(Unauthorized, match="expired"):
        verify_customer_token(token, "s3cret", now=time.time() + 10)


def test_customer_token_wrong_secret_or_tampered():
    token = sign_customer("C1", "s3cret", ttl_s=60, now=1_000_000)
    with pytest.raises(Unauthorized, match="signature"):
        verify_customer_token(token, "other", now=1_000_000)
    id_part, expiry, mac = token.split(".")
    forged_id = sign_customer("C2", "s3cret", ttl_s=60, now=1_000_000).split(".")[0]
    with pytest.raises(Unauthorized, match="signature"):
        verify_customer_token(f"{forged_id}.{expiry}.{mac}", "s3cret", now=1_000_000)
    with pytest.raises(Unauthorized, match="signature"):  # extending the expiry breaks the signature
        verify_customer_token(f"{id_part}.{int(expiry) + 10_000}.{mac}", "s3cret", now=1_000_000)


@pytest.mark.parametrize("bad", ["", "abc", "a.b", "a.b.c.d", "QzE.notanumber.ff", "x" * 5000, "QzE.-5.ff"])
def test_customer_token_malformed(bad):
    with pytest.raises(Unauthorized):
        verify_customer_token(bad, "s3cret", now=0)


def test_api_key_check():
    keys = [SecretStr("key-one"), SecretStr("key-two")]
    assert check_api_key("key-two", keys)
    assert not check_api_key("key-three", keys)
    assert not check_api_key("", keys)
    assert not check_api_key("key-one", [])
    assert not check_api_key("", [SecretStr("")])  # an empty configured key never opens the door


def test_api_key_check_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    check_api_key("key-one", [SecretStr("key-one"), SecretStr("key-two"), SecretStr("key-3")])
    assert len(calls) == 3, "every key is compared (no early exit) with hmac.compare_digest"
