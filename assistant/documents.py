"""Uploaded shop documents: checked (type, size, not empty), saved under `<data_dir>/uploads`, indexed at once.

The application API's `upload_document` is the only caller; the HTTP endpoint and the workspace's Documents tab both
go through it.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from assistant.errors import AssistantError, BadInput

UPLOAD_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".csv", ".json")


class Syncable(Protocol):
    """The part of the knowledge base an upload needs: index these files (incrementally)."""

    def sync(self, paths: list[Path], **kwargs: Any) -> Any: ...


class UploadResult(BaseModel):
    """What happened to an uploaded document."""

    saved: str  # the file name it was saved under
    bytes: int
    url: str  # where it is rendered for people (/docs/<name>)
    ingest: Any = None  # the knowledge base's sync report


def safe_name(filename: str) -> str:
    """The upload's file name reduced to letters, digits, dot, dash and underscore; BadInput for other types."""
    name = Path(filename or "").name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    if not safe or Path(safe).suffix.lower() not in UPLOAD_SUFFIXES:
        raise BadInput(
            f"unsupported file type {Path(name).suffix or '(none)'!r}: use one of {', '.join(UPLOAD_SUFFIXES)}"
        )
    return safe


def save_and_ingest(kb: Syncable, uploads: Path, filename: str, data: bytes, limit: int) -> UploadResult:
    """Check an uploaded document, save it under `uploads` and index it; BadInput with the reason if it cannot be."""
    safe = safe_name(filename)
    if len(data) > limit:
        raise BadInput(f"the file is larger than {limit} bytes")
    if not data.strip():
        raise BadInput("the file is empty")
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / safe
    target.write_bytes(data)
    report = _ingest(kb, target)
    return UploadResult(saved=safe, bytes=len(data), url=f"/docs/{safe}", ingest=_plain(report))


def _ingest(kb: Syncable, path: Path) -> Any:
    try:
        quiet = "progress" in inspect.signature(kb.sync).parameters  # no progress bars in a server log
        report = kb.sync([path], progress=False) if quiet else kb.sync([path])
    except AssistantError:
        raise
    except Exception as exc:
        # retrieval's own errors (a PDF it cannot read, say) carry a message meant for the uploader
        if type(exc).__module__.startswith("retrieval"):
            raise BadInput(f"could not index {path.name}: {exc}") from exc
        raise
    failed = getattr(report, "failed", None) or []
    if failed:
        path.unlink(
            missing_ok=True
        )  # an unreadable upload is not kept as if it were part of the shop's documents
        raise BadInput(f"could not index {path.name}: {failed[0][1]}")
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
