"""The application API: the one front door. The HTTP layer (`assistant.http`) and the Gradio pages (`ui`) call only
these methods, and every one of them checks the role policy for its caller (tools through `Policy.run`, other actions
through `Policy.require`), whichever door the call came through.

    app = Assistant.from_settings(settings)                # cheap; models load on first use
    reply = app.turn("can I return worn boots?", Caller(role="customer"))
    app.call_tool(Caller(role="marketer"), "list_segments", {})

`AssistantAPI` is the protocol the front ends are written against (and their test fakes implement).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from assistant.conversation.agent import Agent
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller, CitationEvent, CitationOut, DoneEvent, Reply, TurnEvent
from assistant.conversation.router import Router
from assistant.conversation.turn import Answerer
from assistant.documents import UploadResult, UploadStore, save_and_ingest
from assistant.errors import BadInput, NotFound, NotTrained
from assistant.security import check_text, check_upload_text
from assistant.services import Services, default_loaders
from assistant.settings import Settings
from assistant.storage.store import ConversationStore
from assistant.visibility import DocumentShelf, ShelvedDocument, may_see
from assistant.workspace.api import WorkspaceAPI, WorkspaceMethods
from assistant.workspace.inbox import handoff_sender
from assistant.workspace.results_api import ResultsAPI, ResultsMethods

log = logging.getLogger(__name__)


class BriefInfo(BaseModel):
    """A campaign brief as the drafting form shows it."""

    name: str = ""
    segments: list[str] = Field(default_factory=list)
    missing_segments: list[str] = Field(default_factory=list)  # named by the brief, absent from this shop
    products: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


class CopyOptions(BaseModel):
    """What a marketer can pick when drafting copy: channels with their field limits, campaign briefs, the shop's
    segments (None before segmentation is trained), its products (SKU -> name) and its currency."""

    channels: dict[str, dict[str, int]]
    briefs: list[str]
    brief_info: dict[str, BriefInfo] = Field(default_factory=dict)
    segments: list[str] | None = None
    products: dict[str, str] = Field(default_factory=dict)
    currency: str = ""


@runtime_checkable
class ChatAPI(Protocol):
    def stream_turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Iterator[TurnEvent]:
        """The turn's events as they happen; the last is a `DoneEvent` with the stored `Reply`."""
        ...

    def turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Reply:
        """One whole turn."""
        ...


@runtime_checkable
class AssistantAPI(ChatAPI, WorkspaceAPI, ResultsAPI, Protocol):
    """Everything a front end may ask of the assistant."""

    def warm_up(self) -> None:
        """Load the models now (a server calls this before taking traffic)."""
        ...

    def call_tool(self, caller: Caller, name: str, arguments: dict[str, Any]) -> Any:
        """Run one tool for `caller` through the policy; `Forbidden` if the caller may not."""
        ...

    def upload_document(self, caller: Caller, filename: str, data: bytes) -> UploadResult:
        """Save and index a shop document (marketers)."""
        ...

    def open_document(self, caller: Caller, path: str) -> ShelvedDocument:
        """The document file `path` names, if `caller` may read it (`assistant.visibility`); NotFound otherwise."""
        ...

    def add_feedback(
        self, caller: Caller, session_id: str, turn_id: int, rating: int, comment: str | None = None
    ) -> None:
        """Thumbs up (1) or down (-1) on one turn."""
        ...

    def request_handoff(
        self, caller: Caller, session_id: str, contact: str | None = None, reason: str | None = None
    ) -> int:
        """Queue the conversation for a person; the handoff's id."""
        ...

    def open_handoffs(self, caller: Caller) -> list[dict[str, Any]]:
        """The handoffs waiting for a person (marketers)."""
        ...

    def segment_plot(self, caller: Caller) -> Path:
        """The segment plot drawn at training time (marketers)."""
        ...

    def copy_options(self, caller: Caller) -> CopyOptions:
        """Channels and campaign briefs for drafting copy (marketers)."""
        ...


class Assistant(WorkspaceMethods, ResultsMethods):
    """The application API over the turn loop, the tools, the store and the knowledge base. Thread-safe."""

    def __init__(
        self,
        settings: Settings,
        store: ConversationStore,
        *,
        services: Services | None = None,
        policy: Policy | None = None,
        router: Router | None = None,
        answerer: Answerer | None = None,
        agent: ChatAPI | None = None,
    ):
        self.settings = settings
        self.store = store
        if services is None:
            services = Services({})
            services.add_loaders(default_loaders(settings, services))
        services.setdefault("settings", settings)
        services.setdefault("store", store)
        services.setdefault("engine", store.engine)
        self.services = services
        self.policy = policy or Policy()
        self.install_workspace()  # drafts and the handoff inbox (assistant.workspace)
        self.agent = agent or Agent(settings, store, services, self.policy, router=router, answerer=answerer)

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """The assistant for these settings: database opened (migrations applied), everything else lazy."""
        return cls(settings, ConversationStore.from_url(settings.db_url))

    def warm_up(self) -> None:
        warm = getattr(self.agent, "warm_up", None)
        if callable(warm):
            warm()

    def still_warming(self) -> bool:
        """Whether warming goes on in the background after `warm_up` (the help pages read ahead)."""
        busy = getattr(self.agent, "still_warming", None)
        return bool(busy()) if callable(busy) else False

    # -- chat -------------------------------------------------------------------------------------------------------
    def stream_turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Iterator[TurnEvent]:
        self.policy.require(caller, "chat")
        if isinstance(message, str):  # whatever door it came through, no model or tokenizer sees non-text
            check_text(message, "the message")
        events = self.agent.stream_turn(message, caller, session_id, turn_key=turn_key)
        return self._visible_citations(caller, events)

    def _visible_citations(self, caller: Caller, events: Iterator[TurnEvent]) -> Iterator[TurnEvent]:
        """The turn's events without citations of documents `caller` may not open (and no links to missing ones).

        Search already keeps internal documents from customers; this is the last check before anything leaves."""
        uploads = self._uploads()
        shelf = self._shelf(uploads)
        checked: dict[int, CitationOut | None] = {}

        def allowed(citation: CitationOut) -> CitationOut | None:
            if citation.n not in checked:
                self._refresh_upload(uploads, citation.source or "")
                checked[citation.n] = self._citation_for(caller, shelf, citation)
            return checked[citation.n]

        for event in events:
            if isinstance(event, CitationEvent):
                kept = allowed(event.citation)
                if kept is not None:
                    yield CitationEvent(citation=kept)
            elif isinstance(event, DoneEvent):
                citations = [c for c in (allowed(c) for c in event.reply.citations) if c is not None]
                yield DoneEvent(reply=event.reply.model_copy(update={"citations": citations}))
            else:
                yield event

    @staticmethod
    def _citation_for(caller: Caller, shelf: DocumentShelf, citation: CitationOut) -> CitationOut | None:
        try:
            doc = shelf.find(citation.url.removeprefix("/docs/") if citation.url else citation.source)
        except NotFound:
            return citation.model_copy(update={"url": None})  # evidence without a page: no dead link
        if may_see(caller, doc.visibility):
            return citation
        log.warning("dropped a citation of internal document %s from a %s's reply", doc.source, caller.role)
        return None

    def turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Reply:
        reply = None
        for event in self.stream_turn(message, caller, session_id, turn_key=turn_key):
            if isinstance(event, DoneEvent):
                reply = event.reply
        if reply is None:  # a turn loop that ends without its DoneEvent is a bug, not the caller's problem
            raise RuntimeError("the turn ended without a reply")
        return reply

    # -- tools and documents ----------------------------------------------------------------------------------------
    def call_tool(self, caller: Caller, name: str, arguments: dict[str, Any]) -> Any:
        _, result = self.policy.run(caller, name, arguments, self.services)
        return result

    def upload_document(self, caller: Caller, filename: str, data: bytes) -> UploadResult:
        self.policy.require(caller, "upload_document")
        check_upload_text(filename or "", data, max_line_chars=self.settings.limits.max_upload_line_chars)
        uploads = self._uploads()
        return save_and_ingest(
            self.services["kb"], uploads, filename, data, self.settings.limits.max_upload_bytes
        )

    def open_document(self, caller: Caller, path: str) -> ShelvedDocument:
        uploads = self._uploads()
        self._refresh_upload(uploads, path)
        return self._shelf(uploads).open(caller, path)

    @staticmethod
    def _refresh_upload(uploads: UploadStore, path: str) -> None:
        """Uploads live in the database, shared by every app server: an upload made on another one gets its copy here
        before its page is shown or cited (an unknown one stays unknown: the shelf answers 404)."""
        clean = path.split("#", 1)[0].strip("/")
        if clean.startswith("uploads/"):
            with contextlib.suppress(NotFound), uploads.lock:
                uploads.view_file(clean.removeprefix("uploads/"))

    def _uploads(self) -> UploadStore:
        return UploadStore(self.store.engine, self.settings.data_dir / "upload-cache")

    def _shelf(self, uploads: UploadStore) -> DocumentShelf:
        # The index's metadata once it is open (the server opens it at start-up); a page view never loads models, and
        # until then the path rule decides (see assistant.visibility).
        kb = self.services.get("kb") if self.services.loaded("kb") else None
        return DocumentShelf([self.settings.demo_dir, uploads.index_root], kb)

    # -- feedback and handoffs --------------------------------------------------------------------------------------
    def add_feedback(
        self, caller: Caller, session_id: str, turn_id: int, rating: int, comment: str | None = None
    ) -> None:
        self.policy.require(caller, "feedback")
        if rating not in (1, -1):
            raise BadInput("rating must be 1 (thumbs up) or -1 (thumbs down)")
        if comment is not None:
            check_text(comment, "the comment")
        self.store.require_session(
            session_id, caller.role, caller.customer_id
        )  # only on one's own conversation
        self.store.add_feedback(session_id, turn_id, rating, comment)

    def request_handoff(
        self, caller: Caller, session_id: str, contact: str | None = None, reason: str | None = None
    ) -> int:
        """One handoff per conversation: an open one is joined (the contact added), never duplicated; and never
        without a way to reach the customer (`BadInput` without contact details for an anonymous customer)."""
        self.policy.require(caller, "handoff")
        for value, what in ((contact, "the contact"), (reason, "the reason")):
            if value is not None:
                check_text(value, what)
        contact = (contact or "").strip() or caller.contact or None
        # the conversation is the caller's (an unknown one is a 404) before anything else is decided
        self.store.require_session(session_id, caller.role, caller.customer_id)
        if contact is None and not caller.customer_id:
            raise BadInput(
                "a handoff needs a way to reach you: give a contact (an email address or a phone number)"
            )
        if contact is not None and not _looks_like_contact(contact):
            raise BadInput("the contact should be an email address or a phone number")
        return self.handoff_inbox.request(
            session_id,
            contact,
            (reason or "").strip() or "asked to talk to a person",
            handoff_sender(session_id, caller.customer_id, caller.client),
        )

    def open_handoffs(self, caller: Caller) -> list[dict[str, Any]]:
        self.policy.require(caller, "list_handoffs")
        return self.store.list_handoffs(status="open")

    # -- the marketer's workspace -----------------------------------------------------------------------------------
    def segment_plot(self, caller: Caller) -> Path:
        self.policy.require(caller, "segment_plot")
        from assistant.commerce.models import published_dir

        path = published_dir(self.settings.artifacts_dir) / "segments.png"  # written with the published set
        if not path.is_file():
            raise NotTrained(
                "no segment plot yet: train the models with `mka model train` (or start with `make run`)"
            )
        return path

    def copy_options(self, caller: Caller) -> CopyOptions:
        self.policy.require(caller, "copy_options")
        from collections import Counter

        from assistant.workspace.targets import missing_brief_segments, segment_names
        from generation import BadBrief, channel_specs, load_brief

        channels = {
            name: {f.name: f.max_chars for f in spec.fields} for name, spec in channel_specs().items()
        }
        folder = self.settings.demo_dir / "campaigns"
        segments = segment_names(self.services)
        info = {}
        for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            try:
                brief = load_brief(path)
            except BadBrief:
                continue  # a broken brief file is refused when it is picked, with the file and field named
            info[path.stem] = BriefInfo(
                name=brief.name,
                segments=brief.segments,
                missing_segments=missing_brief_segments(brief.segments, segments),
                products=brief.products,
                channels=list(brief.channels),
            )
        catalog = self.services.get("catalog")
        products = {p.sku: p.name for p in catalog} if catalog is not None else {}
        currencies = Counter(p.currency for p in catalog) if catalog is not None else Counter()
        return CopyOptions(
            channels=channels,
            briefs=sorted(info),
            brief_info=info,
            segments=segments,
            products=products,
            currency=currencies.most_common(1)[0][0] if currencies else "",
        )


def _looks_like_contact(contact: str) -> bool:
    """An email address (something@something.tld) or a phone number (at least 6 digits); staff must be able to use it."""
    if "@" in contact:
        local, _, domain = contact.rpartition("@")
        return bool(local) and "." in domain.strip(".") and " " not in domain
    return sum(ch.isdigit() for ch in contact) >= 6
