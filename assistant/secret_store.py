"""The service's own secrets: generated on first start, kept in the data directory (mode 0600), never a default.

`ensure_secrets(settings)` fills every secret `settings` leaves unset (`session_secret` signs the marketer's login
cookie, `widget_secret` the shop's customer tokens) from ``<data_dir>/secrets.json``, generating the file with
`secrets.token_urlsafe` the first time. A value given in the environment (``MKA_SESSION_SECRET``,
``MKA_WIDGET_SECRET``) or in `mka.toml` wins and is never written to the file. `rotate_secrets` replaces the stored
values (`mka admin rotate-secrets`).

Several processes may start at once on one data directory: the file is created with a hard link from a private
temporary file, so exactly one of them writes it and the others read what it wrote.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from assistant.errors import ConfigError
from assistant.settings import Settings

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.json"
# setting name -> environment variable that overrides the stored value
SECRET_SETTINGS: dict[str, str] = {
    "session_secret": "MKA_SESSION_SECRET",
    "widget_secret": "MKA_WIDGET_SECRET",
}
MIN_SECRET_CHARS = 16
TOKEN_BYTES = 32  # token_urlsafe(32): 43 characters, 256 bits
# Values that were defaults in the source once: anyone can forge with them, so they are refused wherever they come from.
KNOWN_PUBLIC_VALUES = frozenset({"change-me-demo-session-secret", "change-me-demo-widget-secret"})


@dataclass
class SecretsReport:
    """Where each secret of a running service came from."""

    path: Path
    generated: list[str] = field(default_factory=list)  # written to `path` just now
    stored: list[str] = field(default_factory=list)  # read from `path`
    configured: list[str] = field(default_factory=list)  # given by the environment or mka.toml

    def describe(self) -> str:
        """One line for the start-up output: which secrets came from where (never their values)."""
        parts = []
        if self.generated:
            parts.append(f"generated {', '.join(self.generated)} into {self.path} (mode 0600)")
        if self.stored:
            parts.append(f"{', '.join(self.stored)} from {self.path}")
        if self.configured:
            parts.append(", ".join(f"{n} from {SECRET_SETTINGS[n]}" for n in self.configured))
        return "secrets: " + "; ".join(parts)


def secrets_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / SECRETS_FILE


def check_secret(name: str, value: str) -> None:
    """ConfigError (naming the variable) for a secret anyone could guess: empty, short or a published default."""
    variable = SECRET_SETTINGS.get(name, name)
    if value in KNOWN_PUBLIC_VALUES:
        raise ConfigError(
            f"{variable} is the old published demo value: anyone can forge with it. Unset it (a random one is "
            f"generated into the data directory) or set your own, e.g. "
            f"python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{variable} is {len(value)} characters long; use at least {MIN_SECRET_CHARS} random characters "
            f"(or unset it to have one generated)"
        )


def _new_values(names: Iterable[str]) -> dict[str, str]:
    return {name: secrets.token_urlsafe(TOKEN_BYTES) for name in names}


def _write_private(path: Path, data: dict[str, str], *, replace: bool) -> bool:
    """Write `data` to `path` readable by the owner only. Without `replace`, only when `path` does not exist yet
    (False when another process won the race). The file never exists with looser permissions, not even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**data, "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # atomic create-if-absent
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _read(path: Path) -> dict[str, str]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); setting it to 0600", path, mode)
        path.chmod(0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the secrets file {path}: {exc}; fix or delete it") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"the secrets file {path} is not a JSON object; fix or delete it")
    return {k: v for k, v in data.items() if k in SECRET_SETTINGS and isinstance(v, str)}


def _load_or_create(path: Path) -> tuple[dict[str, str], list[str]]:
    """The stored secrets, with any missing ones generated and stored now; also the names generated."""
    try:
        stored = _read(path) if path.exists() else {}
        missing = [n for n in SECRET_SETTINGS if not stored.get(n)]
        if not missing:
            return stored, []
        if not stored and _write_private(path, _new_values(SECRET_SETTINGS), replace=False):
            return _read(path), list(SECRET_SETTINGS)
        if not stored:  # another process created it between our check and our write
            return _load_or_create(path)
        _write_private(path, {**stored, **_new_values(missing)}, replace=True)
        return _read(path), missing
    except OSError as exc:
        raise ConfigError(
            f"cannot keep the service's secrets in {path} ({exc.strerror or exc}): make MKA_DATA_DIR writable, "
            f"or set {' and '.join(SECRET_SETTINGS.values())}"
        ) from exc


def ensure_secrets(settings: Settings) -> SecretsReport:
    """Give every unset secret of `settings` its stored (or newly generated) value; check the configured ones."""
    path = secrets_path(settings)
    report = SecretsReport(path=path)
    unset = [n for n in SECRET_SETTINGS if getattr(settings, n) is None]
    for name in SECRET_SETTINGS:
        if name not in unset:
            check_secret(name, getattr(settings, name).get_secret_value())
            report.configured.append(name)
    if not unset:
        return report
    stored, generated = _load_or_create(path)
    for name in unset:
        check_secret(name, stored[name])
        setattr(settings, name, SecretStr(stored[name]))
        (report.generated if name in generated else report.stored).append(name)
    return report


def rotate_secrets(settings: Settings, names: Iterable[str] | None = None) -> tuple[Path, list[str]]:
    """Replace the stored values of `names` (default: all) with new random ones; (the file, the names rotated)."""
    names = list(names or SECRET_SETTINGS)
    unknown = [n for n in names if n not in SECRET_SETTINGS]
    if unknown:
        raise ConfigError(f"unknown secret(s) {', '.join(unknown)}: choose from {', '.join(SECRET_SETTINGS)}")
    path = secrets_path(settings)
    stored, _ = _load_or_create(path)
    try:
        _write_private(path, {**stored, **_new_values(names)}, replace=True)
    except OSError as exc:
        raise ConfigError(f"cannot write the secrets file {path}: {exc.strerror or exc}") from exc
    return path, names
