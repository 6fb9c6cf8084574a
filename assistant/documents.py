"""Uploaded shop documents: checked (type, size, not empty), indexed, and kept in the database (`uploads` table).

The database is the copy of record, so an upload made through one app server is indexed in the shared Chroma index
and shown at `/docs/uploads/<name>` by every server. Uploads live in their own namespace: their index sources are
`uploads/<name>`, so an upload called `catalog.csv` is a document of its own and can never replace the index
entries of the shop's built-in `catalog.csv`.

The knowledge base indexes files, so each server mirrors the uploads table into a local folder (`<cache>/uploads/`)
and syncs that folder: sources come out as `uploads/<name>`, and a server that never saw a file writes it from the
database first. The application API's `upload_document` is the only writer; the HTTP endpoint and the workspace's
Documents tab both go through it.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import Engine, text

from assistant.errors import AssistantError, BadInput, NotFound

UPLOAD_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".csv", ".json")
NAMESPACE = "uploads"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class Syncable(Protocol):
    """The part of the knowledge base an upload needs: index these files (incrementally)."""

    def sync(self, paths: list[Path], **kwargs: Any) -> Any: ...


class UploadResult(BaseModel):
    """What happened to an uploaded document."""

    saved: str  # its name in the document namespace, e.g. uploads/gift-wrap.md
    bytes: int
    url: str  # where it is rendered for people (/docs/uploads/<name>)
    ingest: Any = None  # the knowledge base's sync report
    # sentences addressed to the assistant or asking readers for secrets, never quoted (`retrieval.screening`)
    withheld_sentences: int = 0


def safe_name(filename: str) -> str:
    """The upload's file name reduced to letters, digits, dot, dash and underscore; BadInput for other types."""
    name = Path(filename or "").name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    if not safe or Path(safe).suffix.lower() not in UPLOAD_SUFFIXES:
        raise BadInput(
            f"unsupported file type {Path(name).suffix or '(none)'!r}: use one of {', '.join(UPLOAD_SUFFIXES)}"
        )
    return safe


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class UploadStore:
    """Uploads in the database, mirrored into `cache_root/uploads/` for indexing and `cache_root/view/` for pages."""

    def __init__(self, engine: Engine, cache_root: Path):
        self.engine = engine
        self.cache_root = Path(cache_root)
        with _locks_guard:  # one mirror + sync at a time per folder (threads of one server share it)
            self.lock = _locks.setdefault(str(self.cache_root.resolve()), threading.Lock())

    @property
    def index_root(self) -> Path:
        """The folder the knowledge base syncs: it holds `uploads/<name>` and nothing else."""
        return self.cache_root / "index"

    def get(self, name: str) -> bytes:
        with self.engine.connect() as conn:
            data = conn.execute(text("SELECT content FROM uploads WHERE name = :n"), {"n": name}).scalar()
        if data is None:
            raise NotFound(f"no uploaded document named {name!r}")
        return bytes(data)

    def digests(self) -> dict[str, str]:
        """name -> sha256 of every upload."""
        with self.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(text("SELECT name, sha256 FROM uploads"))}

    def put(self, name: str, data: bytes) -> None:
        """Store (or replace) the upload `name`."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO uploads (name, content, bytes, sha256, uploaded_at) VALUES (:n, :c, :b, :h, :t) "
                    "ON CONFLICT (name) DO UPDATE SET content = excluded.content, bytes = excluded.bytes, "
                    "sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at"
                ),
                {
                    "n": name,
                    "c": data,
                    "b": len(data),
                    "h": _sha256(data),
                    "t": datetime.now(UTC).isoformat(),
                },
            )

    def mirror(self) -> Path:
        """Make `index_root/uploads/` hold exactly the uploads of the database; return `index_root`."""
        folder = self.index_root / NAMESPACE
        folder.mkdir(parents=True, exist_ok=True)
        wanted = self.digests()
        for path in folder.iterdir():
            if path.is_file() and path.name not in wanted:
                path.unlink()
        for name, digest in wanted.items():
            path = folder / name
            if not path.is_file() or _sha256(path.read_bytes()) != digest:
                _atomic_write(path, self.get(name))
        return self.index_root

    def view_file(self, name: str) -> Path:
        """This server's copy of the upload `name` (in the index mirror), brought up to date with the database: one
        row, not the whole set, so a page view or a citation costs one small query. `NotFound` for an unknown name
        (and a copy the database no longer holds is removed)."""
        try:
            known = safe_name(name) == name
        except BadInput:
            known = False
        if not known:
            raise NotFound(f"no uploaded document named {name!r}")
        path = self.index_root / NAMESPACE / name
        with self.engine.connect() as conn:
            digest = conn.execute(text("SELECT sha256 FROM uploads WHERE name = :n"), {"n": name}).scalar()
        if digest is None:
            path.unlink(missing_ok=True)
            raise NotFound(f"no uploaded document named {name!r}")
        if not path.is_file() or _sha256(path.read_bytes()) != digest:
            _atomic_write(path, self.get(name))
        return path


def uploads_for(settings: Any) -> UploadStore:
    """The upload store of these settings: the service's database, mirrored under `<data_dir>/upload-cache`."""
    from assistant.storage.db import get_engine

    return UploadStore(get_engine(settings.db_url), settings.data_dir / "upload-cache")


def save_and_ingest(
    kb: Syncable, uploads: UploadStore, filename: str, data: bytes, limit: int
) -> UploadResult:
    """Check an uploaded document, index it as `uploads/<name>` and store it; BadInput with the reason if it cannot
    be. It is stored only once it indexed: a file the loaders cannot read leaves the previous version in place."""
    safe = safe_name(filename)
    if len(data) > limit:
        raise BadInput(f"the file is larger than {limit} bytes")
    if not data.strip():
        raise BadInput("the file is empty")
    source = f"{NAMESPACE}/{safe}"
    with uploads.lock:
        root = uploads.mirror()
        _atomic_write(root / source, data)
        try:
            report = _ingest(kb, root, source)
        except BaseException:
            uploads.mirror()  # back to the database's version (or none) of this name
            raise
        uploads.put(safe, data)
        from retrieval import withheld_sentences  # the knowledge base has loaded retrieval already

        withheld = withheld_sentences(root / source, source, root)
    return UploadResult(
        saved=source,
        bytes=len(data),
        url=f"/docs/{source}",
        ingest=_plain(report),
        withheld_sentences=withheld,
    )


def _ingest(kb: Syncable, root: Path, source: str) -> Any:
    try:
        quiet = "progress" in inspect.signature(kb.sync).parameters  # no progress bars in a server log
        report = kb.sync([root], progress=False) if quiet else kb.sync([root])
    except AssistantError:
        raise
    except Exception as exc:
        # retrieval's own errors (a PDF it cannot read, say) carry a message meant for the uploader
        if type(exc).__module__.startswith("retrieval"):
            raise BadInput(f"could not index {source}: {exc}") from exc
        raise
    failed = [reason for name, reason in getattr(report, "failed", None) or [] if name == source]
    if failed:
        raise BadInput(f"could not index {source}: {failed[0]}")
    return report


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
