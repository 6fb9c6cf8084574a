"""Document metadata every chunk carries: language and visibility, and the folder manifests that set them.

Visibility is ``public`` (customers may see it) or ``internal`` (for the shop's staff). Campaign briefs and uploads
are internal by default, everything else (policies, pages, the catalog) public. Language is the document's own
(ISO 639-1); a file is in one language unless it says otherwise.

Each may be set, most specific first, by the document itself (Markdown front matter, a JSONL record's field), by a
``kb.yaml`` manifest in the document's folder or any folder above it up to the ingested root::

    defaults:                 # every document in this folder and below
      visibility: internal
    files:                    # glob patterns relative to this folder; later entries win
      "faq-*.md": {visibility: public}
      "de/*": {language: de}

then, for the language only, by the page (``<html lang>``) and its path (a ``de/`` folder, ``returns.de.md``), and
finally by detection from the text.
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.errors import LoaderError
from retrieval.language import detect_language, known_language
from retrieval.types import VISIBILITIES, Document

MANIFEST_NAME = "kb.yaml"
INTERNAL_FOLDERS = frozenset({"campaigns", "campaign", "uploads", "upload", "internal"})
MANIFEST_KEYS = ("language", "visibility", "doc_type")
_DETECT_CHARS = 20_000  # enough text to call a file's language; the rest adds time, not certainty


def _read_manifest(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LoaderError(path.name, f"cannot read the folder manifest: {exc}") from exc
    if not isinstance(data, dict):
        raise LoaderError(path.name, "the folder manifest must be a mapping with 'defaults' and/or 'files'")
    return data


def manifest_overrides(path: Path, root: Path) -> dict[str, str]:
    """Metadata the ``kb.yaml`` manifests between `root` and `path`'s folder set for `path` (inner folders win)."""
    path, root = Path(path), Path(root)
    try:
        rel_parts = path.relative_to(root).parts[:-1]
    except ValueError:
        rel_parts = ()
    folders = [root] + [root.joinpath(*rel_parts[: i + 1]) for i in range(len(rel_parts))]
    out: dict[str, str] = {}
    for folder in folders:
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            continue
        data = _read_manifest(manifest)
        rel = path.relative_to(folder).as_posix()
        entries = [data.get("defaults") or {}]
        entries += [
            v or {} for pattern, v in (data.get("files") or {}).items() if fnmatch.fnmatch(rel, pattern)
        ]
        for entry in entries:
            if not isinstance(entry, dict):
                raise LoaderError(manifest.name, f"entries must be mappings, got {entry!r}")
            out.update({k: str(v).strip() for k, v in entry.items() if k in MANIFEST_KEYS and v is not None})
    return out


def default_visibility(source: str, doc_type: str, root: Path | None = None) -> str:
    """internal for campaign briefs and anything under an uploads/internal folder; public otherwise."""
    folders = {p.lower() for p in Path(source).parts[:-1]}
    if root is not None:
        folders.add(Path(root).name.lower())
    return "internal" if doc_type == "campaign" or folders & INTERNAL_FOLDERS else "public"


def path_language(source: str) -> str:
    """A language the path names: a folder called ``de`` or a name like ``returns.de.md``; "" when none."""
    parts = Path(source).parts
    for folder in reversed(parts[:-1]):
        if known_language(folder.lower()):
            return folder.lower()
    pieces = parts[-1].split(".") if parts else []
    if len(pieces) >= 3 and known_language(pieces[-2].lower()):
        return pieces[-2].lower()
    return ""


def _doc_text(docs: list[Document]) -> str:
    parts: list[str] = []
    size = 0
    for d in docs:
        for b in d.blocks:
            parts.append(b.text)
            size += len(b.text)
            if size > _DETECT_CHARS:
                return "\n".join(parts)
    return "\n".join(parts)


def finalize(
    docs: list[Document], source: str, overrides: dict[str, str], root: Path | None = None
) -> list[Document]:
    """The documents with ``language`` and ``visibility`` set in their metadata, most specific source first (and the
    manifest's ``doc_type``, when it gives one)."""
    detected = ""
    out = []
    for doc in docs:
        meta = dict(doc.metadata)
        doc_type = overrides.get("doc_type") or doc.doc_type
        visibility = (
            meta.get("visibility")
            or overrides.get("visibility")
            or default_visibility(source, doc_type, root)
        )
        if visibility not in VISIBILITIES:
            raise LoaderError(source, f"visibility must be public or internal, not {visibility!r}")
        page_language = meta.pop("page_language", "")
        language = meta.get("language") or overrides.get("language") or page_language or path_language(source)
        if not language:
            detected = detected or detect_language(_doc_text(docs), languages=None)
            language = detected
        meta.update(visibility=visibility, language=str(language).lower())
        out.append(replace(doc, doc_type=doc_type, metadata=meta))
    return out
