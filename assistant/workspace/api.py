"""The workspace's part of the application API: stored drafts (list, open, check and edit lines, approve, reject, more
like this), exports of what is approved, the handoff inbox, staff replies for the customer's widget, insights, and one segment's recommendations.

`Assistant` inherits `WorkspaceMethods`; `AssistantAPI` includes the `WorkspaceAPI` protocol. Every method checks the
role policy first (`Policy.require`, actions in `assistant.conversation.policy.ACTIONS`).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from assistant.conversation.reply import Caller
from assistant.errors import InvalidChoice, NotFound
from assistant.storage.drafts import DraftStore
from assistant.storage.inbox import InboxStore
from assistant.storage.insights import failed_questions
from assistant.tools.results import SegmentRecommendations
from assistant.workspace.drafts import UNSET, DraftBook
from assistant.workspace.exports import FORMATS, export_file
from assistant.workspace.inbox import Inbox
from assistant.workspace.insights import insight_report, insights_csv
from assistant.workspace.landing import placements
from assistant.workspace.targets import brief_ids
from assistant.workspace.types import (
    DraftRecord,
    ExportFile,
    InboxItem,
    InsightReport,
    LineCheck,
    StaffReply,
)


def who(caller: Caller) -> str:
    """The name a record keeps for the caller: the marketer's login, else the role."""
    return caller.user or caller.role


@runtime_checkable
class WorkspaceAPI(Protocol):
    """What the marketer's workspace (and a help desk) may ask of the assistant."""

    def list_drafts(
        self,
        caller: Caller,
        brief_id: str | None = None,
        channel: str | None = None,
        status: str | None = None,
    ) -> list[DraftRecord]:
        """Stored drafts, newest first; `brief_id` "none" lists drafts without a brief."""
        ...

    def get_draft(self, caller: Caller, draft_id: int) -> DraftRecord:
        """One draft with its lines checked against today's rules and all its versions."""
        ...

    def draft_variants(self, caller: Caller, draft_id: int) -> list[DraftRecord]:
        """All variants drafted together with this one, side by side."""
        ...

    def check_draft_line(self, caller: Caller, draft_id: int, field: str, text: str) -> LineCheck:
        """Check a line under the draft's rules without saving it."""
        ...

    def edit_draft_line(
        self,
        caller: Caller,
        draft_id: int,
        field: str,
        position: int,
        text: str,
        pin: Any = UNSET,
        seen_version: int | None = None,
    ) -> DraftRecord:
        """Save a changed, added (position = count + 1) or removed (empty text) line as the next version."""
        ...

    def decide_draft(
        self, caller: Caller, draft_id: int, status: str, note: str | None = None
    ) -> DraftRecord:
        """Approve, reject or send back to draft; approving a draft whose lines break a rule is refused."""
        ...

    def more_like_this(
        self, caller: Caller, draft_id: int, field: str, position: int, variants: int = 2
    ) -> list[DraftRecord]:
        """Draft again from one line: new stored drafts whose lines are closest to it."""
        ...

    def export_drafts(self, caller: Caller, brief_id: str, channel: str | None = None) -> ExportFile:
        """The approved drafts of a brief ("none": without one) as the channel's import file, or all channels (ZIP)."""
        ...

    def inbox(self, caller: Caller, status: str = "open") -> list[InboxItem]:
        """Handoff requests: "open", "assigned", "closed" or "all"."""
        ...

    def inbox_item(self, caller: Caller, handoff_id: int) -> InboxItem:
        """One request with the conversation's transcript."""
        ...

    def assign_handoff(self, caller: Caller, handoff_id: int, assignee: str | None = None) -> InboxItem:
        """Give a request to a person (the caller when `assignee` is None)."""
        ...

    def reply_handoff(self, caller: Caller, handoff_id: int, text: str) -> StaffReply:
        """Answer the customer; their widget shows it on its next poll or reload."""
        ...

    def close_handoff(self, caller: Caller, handoff_id: int) -> InboxItem:
        """Mark a request as dealt with."""
        ...

    def staff_replies(self, caller: Caller, session_id: str, after: int = 0) -> list[StaffReply]:
        """The staff's replies in the caller's own conversation (the widget polls this)."""
        ...

    def insights(self, caller: Caller) -> InsightReport:
        """Unanswered and thumbs-down customer questions, grouped by similarity."""
        ...

    def insights_csv(self, caller: Caller) -> ExportFile:
        """The insights as a CSV file."""
        ...

    def segment_view(self, caller: Caller, segment: str, k: int = 10) -> SegmentRecommendations:
        """One segment's top recommendations with reasons, and what it buys beside the whole shop."""
        ...


class WorkspaceMethods:
    """The `WorkspaceAPI` methods of `Assistant` (which provides `settings`, `store`, `services`, `policy`)."""

    settings: Any
    store: Any
    services: Any
    policy: Any

    def install_workspace(self) -> None:
        """Put the draft book and the inbox among the services (the draft_copy and request_handoff tools use them)."""
        engine = self.store.engine
        self.services.setdefault("drafts", DraftBook(DraftStore(engine), self.services))
        self.services.setdefault("inbox", Inbox.from_settings(InboxStore(engine, self.store), self.settings))

    @property
    def draft_book(self) -> DraftBook:
        return self.services["drafts"]

    @property
    def handoff_inbox(self) -> Inbox:
        return self.services["inbox"]

    # -- drafts -----------------------------------------------------------------------------------------------------
    def list_drafts(
        self,
        caller: Caller,
        brief_id: str | None = None,
        channel: str | None = None,
        status: str | None = None,
    ) -> list[DraftRecord]:
        self.policy.require(caller, "list_drafts")
        return self.draft_book.list(brief_id=brief_id, channel=channel, status=status)

    def get_draft(self, caller: Caller, draft_id: int) -> DraftRecord:
        self.policy.require(caller, "list_drafts")
        return self.draft_book.open(draft_id)

    def draft_variants(self, caller: Caller, draft_id: int) -> list[DraftRecord]:
        self.policy.require(caller, "list_drafts")
        return self.draft_book.variants(draft_id)

    def check_draft_line(self, caller: Caller, draft_id: int, field: str, text: str) -> LineCheck:
        self.policy.require(caller, "edit_draft")
        return self.draft_book.check_line(draft_id, field, text)

    def edit_draft_line(
        self,
        caller: Caller,
        draft_id: int,
        field: str,
        position: int,
        text: str,
        pin: Any = UNSET,
        seen_version: int | None = None,
    ) -> DraftRecord:
        self.policy.require(caller, "edit_draft")
        return self.draft_book.edit_line(
            draft_id, field, position, text, editor=who(caller), pin=pin, seen_version=seen_version
        )

    def decide_draft(
        self, caller: Caller, draft_id: int, status: str, note: str | None = None
    ) -> DraftRecord:
        self.policy.require(caller, "decide_draft")
        return self.draft_book.decide(draft_id, status, by=who(caller), note=note)

    def more_like_this(
        self, caller: Caller, draft_id: int, field: str, position: int, variants: int = 2
    ) -> list[DraftRecord]:
        self.policy.require(caller, "more_like_this")
        self.policy.check(caller, "draft_copy", {})  # drafting again is drafting: the tool's own door too
        return self.draft_book.more_like_this(
            draft_id, field, position, asked_by=who(caller), variants=variants
        )

    def export_drafts(self, caller: Caller, brief_id: str, channel: str | None = None) -> ExportFile:
        self.policy.require(caller, "export_drafts")
        from generation import BadBrief, find_brief

        if channel is not None and channel not in FORMATS:
            raise InvalidChoice("channel", channel, list(FORMATS))
        no_brief = brief_id in ("", "none")
        campaigns = self.settings.demo_dir / "campaigns"
        if not no_brief and brief_id not in brief_ids(campaigns):
            raise InvalidChoice("brief_id", brief_id, ["none", *brief_ids(campaigns)], what="campaign brief")
        records = self.draft_book.list(
            brief_id="none" if no_brief else brief_id, channel=channel, status="approved"
        )
        label = "no-brief" if no_brief else brief_id
        if not records:
            where = f" on {channel}" if channel else ""
            raise NotFound(f"no approved drafts for {label}{where} yet: approve drafts in the Copy tab first")
        campaign, brief_name = "Drafts without a brief", None
        if not no_brief:
            try:
                campaign = brief_name = find_brief(campaigns, brief_id).name
            except BadBrief:
                campaign = brief_name = brief_id
        where = placements(
            records,
            campaign,
            brief_name,
            catalog=self.services.get("catalog"),
            shop_url=self.settings.shop_url,
        )
        return export_file(records, label, campaign, channel, where)

    # -- the handoff inbox ------------------------------------------------------------------------------------------
    def inbox(self, caller: Caller, status: str = "open") -> list[InboxItem]:
        self.policy.require(caller, "work_handoffs")
        return self.handoff_inbox.store.items(status)

    def inbox_item(self, caller: Caller, handoff_id: int) -> InboxItem:
        self.policy.require(caller, "work_handoffs")
        return self.handoff_inbox.store.item(handoff_id)

    def assign_handoff(self, caller: Caller, handoff_id: int, assignee: str | None = None) -> InboxItem:
        self.policy.require(caller, "work_handoffs")
        return self.handoff_inbox.store.assign(handoff_id, who(caller) if assignee is None else assignee)

    def reply_handoff(self, caller: Caller, handoff_id: int, text: str) -> StaffReply:
        self.policy.require(caller, "work_handoffs")
        return self.handoff_inbox.store.reply(handoff_id, who(caller), text)

    def close_handoff(self, caller: Caller, handoff_id: int) -> InboxItem:
        self.policy.require(caller, "work_handoffs")
        return self.handoff_inbox.store.close(handoff_id, who(caller))

    def staff_replies(self, caller: Caller, session_id: str, after: int = 0) -> list[StaffReply]:
        self.policy.require(caller, "read_staff_replies")
        if caller.role == "customer":  # only the customer whose conversation it is
            self.store.require_session(session_id, caller.role, caller.customer_id)
        else:
            self.store.get_session(session_id)
        return self.handoff_inbox.store.replies(session_id, after)

    # -- insights ---------------------------------------------------------------------------------------------------
    def insights(self, caller: Caller) -> InsightReport:
        self.policy.require(caller, "insights")
        questions = failed_questions(self.store.engine)
        if not questions:
            return InsightReport()
        return insight_report(questions, self.services["embedder"])

    def insights_csv(self, caller: Caller) -> ExportFile:
        report = self.insights(caller)
        return ExportFile(
            filename="unanswered-questions.csv",
            media_type="text/csv; charset=utf-8",
            content=insights_csv(report).encode("utf-8"),
            drafts=0,
        )

    # -- segments ---------------------------------------------------------------------------------------------------
    def segment_view(self, caller: Caller, segment: str, k: int = 10) -> SegmentRecommendations:
        self.policy.require(caller, "segment_view")
        # the tool's own door too (marketers only); an unknown segment is NotFound with the known names
        return self.policy.run(
            caller, "segment_recommendations", {"segment": segment, "k": k}, self.services
        )[1]
