"""Who may see which shop document: the one rule behind the `/docs/<path>` pages, document search and citation links.

Every document is ``public`` (customers may read it) or ``internal`` (the shop's staff only). The document's own
metadata decides: retrieval stores a ``visibility`` on every chunk (from front matter or a ``kb.yaml`` manifest).
Where a document does not say (an index built before that metadata existed, a file not indexed yet), retrieval's
own default decides (`retrieval.default_visibility`): campaign briefs and anything under an ``uploads``,
``internal`` or ``campaigns`` folder are internal, everything else (policies, pages, the catalog) public. An unknown
value counts as internal.

Marketers see everything; customers, identified or not, only public documents. Callers ask `may_see` (or
`visible_hits` for search results and `DocumentShelf.open` for a page); nothing else decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.conversation.reply import Caller
from assistant.errors import NotFound
from assistant.security import text_problem

log = logging.getLogger(__name__)

Visibility = Literal["public", "internal"]
PUBLIC: Visibility = "public"
INTERNAL: Visibility = "internal"
VISIBILITIES = (PUBLIC, INTERNAL)
SEES_INTERNAL = frozenset({"marketer"})


def visibility_of(
    source: str, metadata: Mapping[str, Any] | None = None, root: str | Path | None = None
) -> Visibility:
    """The visibility of the document `source` (a path relative to its `root` folder) with this metadata."""
    from retrieval import default_visibility

    meta = metadata or {}
    declared = meta.get("visibility")
    if declared:
        return declared if declared in VISIBILITIES else INTERNAL  # a value nobody defined never opens a door
    root = root or meta.get("root")  # every indexed chunk records the folder it was ingested from
    doc_type = str(meta.get("doc_type") or "")
    return (
        INTERNAL if default_visibility(source, doc_type, Path(root) if root else None) == INTERNAL else PUBLIC
    )


def may_see(caller: Caller | str, visibility: str) -> bool:
    """True when `caller` (or a role name) may read a document of this visibility."""
    role = caller if isinstance(caller, str) else caller.role
    return visibility == PUBLIC or role in SEES_INTERNAL


def hit_is_visible(caller: Caller | str, hit: Any) -> bool:
    """True when `caller` may see a search hit (anything with `source` and `metadata`)."""
    return may_see(caller, visibility_of(hit.source, getattr(hit, "metadata", None)))


def visible_hits(caller: Caller | str, hits: Iterable[Any]) -> list[Any]:
    return [h for h in hits if hit_is_visible(caller, h)]


def search_filters(caller: Caller | str) -> dict[str, Any]:
    """Filters to pass to the knowledge base's search so that it returns only what `caller` may see.

    Empty for marketers. The index filters on the chunks' own ``visibility``; `visible_hits` applies the rule to the
    results again, so a search that forgot the filter still shows a customer nothing internal.
    """
    role = caller if isinstance(caller, str) else caller.role
    if role in SEES_INTERNAL:
        return {}
    return {"visibility": PUBLIC}


def _inside(root: Path, relative: str) -> tuple[Path, Path] | None:
    """(resolved root, resolved file) when `relative` names a file inside `root` (symlinks resolved first)."""
    try:
        base = root.resolve()
        candidate = (base / relative).resolve()
        if candidate.is_relative_to(base) and candidate.is_file():
            return base, candidate
    except (OSError, ValueError):  # a name too long for the file system, say: no such document
        pass
    return None


def is_shop_document(source: str) -> bool:
    """Whether a file is a shop document at all: what a folder sync indexes (`retrieval.is_supported`), so never a
    hidden folder's file (``.assistant/capabilities.yaml``), a README (notes about the data) or a folder manifest."""
    from retrieval import is_supported

    path = Path(source)
    return not any(part.startswith(".") for part in path.parts) and is_supported(path)


@dataclass(frozen=True)
class ShelvedDocument:
    """A document file found under one of the shelf's folders, with the visibility the rule gave it."""

    path: Path
    source: str
    root: Path
    visibility: Visibility


class DocumentShelf:
    """The document files people may open at `/docs/<path>`: those under `roots`, each as visible as the rule says.

    `kb` (optional, anything with `sources()` like `retrieval.KnowledgeBase`) supplies the indexed metadata, so that a
    page is exactly as visible as the search results that cite it.
    """

    def __init__(self, roots: list[Path], kb: Any | None = None):
        self.roots = [Path(r) for r in roots]
        self.kb = kb
        self._sources: list[Any] | None = None  # read once per shelf (one page view, one turn)

    def find(self, path: str) -> ShelvedDocument:
        """The document `path` names (``#anchor`` ignored); NotFound for anything else, ``..`` escapes included."""
        clean = path.split("#", 1)[0].strip("/")
        if clean and text_problem(clean) is None and len(clean) <= 1024:
            for root in self.roots:
                found = _inside(root, clean)
                if found is not None:
                    base, candidate = found
                    source = candidate.relative_to(base).as_posix()
                    if not is_shop_document(source):
                        break
                    meta = self._indexed_metadata(source, base)
                    return ShelvedDocument(candidate, source, base, visibility_of(source, meta, base))
        raise NotFound(f"no document named {path!r}")

    def open(self, caller: Caller, path: str) -> ShelvedDocument:
        """The document for `caller`; NotFound (never 'forbidden': that would confirm it exists) when not theirs."""
        doc = self.find(path)
        if not may_see(caller, doc.visibility):
            raise NotFound(f"no document named {path!r}")
        return doc

    def _indexed_metadata(self, source: str, root: Path) -> dict[str, Any] | None:
        sources = getattr(self.kb, "sources", None)
        if sources is None:
            return None
        try:
            infos = sources()
        except Exception:  # an index that is down must not take the pages with it: the path rule still holds
            log.warning(
                "cannot read the index's sources; /docs pages fall back to the path rule", exc_info=True
            )
            return None
        mine = {r.resolve() for r in self.roots}
        elsewhere = None
        for info in infos:
            if info.source != source:
                continue
            indexed_at = Path(info.root).resolve() if info.root else None
            if indexed_at is None or indexed_at == root:
                # the file's visibility as its chunks carry it; an older manifest without it: the indexed doc_type
                return {"doc_type": info.doc_type, "visibility": info.visibility or None}
            if indexed_at not in mine and source.startswith("uploads/"):
                # indexed by another app server from its own mirror of the shared uploads: the same document
                elsewhere = {"doc_type": info.doc_type, "visibility": info.visibility or None}
        return elsewhere
