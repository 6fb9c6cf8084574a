"""What the workspace's part of the application API returns: stored drafts and their lines, line checks, export files,
handoff inbox items with their transcript, staff replies, and insight groups. Field names are the JSON names clients see.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

DraftStatus = Literal["draft", "approved", "rejected"]
DRAFT_STATUSES: tuple[str, ...] = ("draft", "approved", "rejected")


class DraftLine(BaseModel):
    """One line of a draft: which field and slot, its text, where it came from and the facts that back it."""

    field: str  # the channel's field: headlines, descriptions, path1, primary_text, subject, text, ...
    position: int = 1  # 1-based slot within the field
    text: str
    source: str = ""  # template | model | llm | brief | mixed | edited
    backing: list[str] = Field(default_factory=list)  # the facts (catalog, brief) the line rests on
    pin: int | None = None  # Google RSA: pinned to headline/description position N
    problems: list[str] = Field(default_factory=list)  # rules it breaks; a draft with any cannot be approved
    max_chars: int | None = None
    label: str = ""  # "Headline 3", "SMS text"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def key(self) -> str:
        """`field position`, the way a marketer names a line ("headlines 3")."""
        return f"{self.field} {self.position}"


class DraftVersion(BaseModel):
    """One saved state of a draft's lines."""

    version: int
    edited_by: str
    note: str = ""
    created_at: str
    lines: list[DraftLine] = Field(default_factory=list)


class DraftRecord(BaseModel):
    """One stored draft (one variant of a drafting request) with its current lines."""

    draft_id: int
    set_id: int
    variant: int
    angle: str = ""
    status: DraftStatus = "draft"
    version: int = 1
    channel: str
    skus: list[str] = Field(default_factory=list)
    products: dict[str, str] = Field(default_factory=dict)  # SKU -> product name, where the catalog knows it
    brief_id: str | None = None
    segment: str | None = None
    asked_by: str = ""
    session_id: str | None = None
    origin: str = "draft_copy"
    parent: str | None = None  # "draft 12, headlines 3" for a "more like this"
    final_url: str = ""
    created_at: str = ""
    updated_at: str = ""
    decided_by: str | None = None
    decided_at: str | None = None
    decision_note: str | None = None
    approved_version: int | None = None
    lines: list[DraftLine] = Field(default_factory=list)
    problems: list[str] = Field(
        default_factory=list
    )  # whole-draft rules: counts, duplicates (with line problems)
    versions: list[DraftVersion] = Field(default_factory=list)  # filled when one draft is opened

    @property
    def approvable(self) -> bool:
        return not self.problems and not any(line.problems for line in self.lines)


class LineCheck(BaseModel):
    """A line checked against the same rules as generation, before it is saved."""

    field: str
    text: str
    chars: int
    max_chars: int | None = None
    problems: list[str] = Field(default_factory=list)
    backing: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ExportFile(BaseModel):
    """A file to download: its name, type and bytes, and how many drafts went into it."""

    filename: str
    media_type: str
    content: bytes
    drafts: int = 0


class InboxMessage(BaseModel):
    """One message of a handed-off conversation: the customer's, the assistant's or the staff's."""

    role: Literal["customer", "assistant", "staff"]
    text: str
    author: str = ""
    created_at: str = ""


class InboxItem(BaseModel):
    """A handoff request as the inbox shows it: one per conversation (repeated requests are folded in)."""

    handoff_id: int
    session_id: str
    status: Literal["open", "assigned", "closed"]
    contact: str | None = None
    customer_id: str | None = None
    reasons: list[str] = Field(default_factory=list)
    created_at: str
    waiting_s: float = 0.0  # since the request, until it was closed
    assignee: str | None = None
    assigned_at: str | None = None
    closed_by: str | None = None
    closed_at: str | None = None
    replies: int = 0
    last_message: str = ""
    folded: list[int] = Field(default_factory=list)  # other handoff ids of the same conversation
    webhook_status: str | None = None
    transcript: list[InboxMessage] = Field(default_factory=list)  # filled when one item is opened


INBOX_PAGE = 50  # inbox items per page unless asked otherwise
INBOX_MAX_PAGE = 200


class InboxPage(BaseModel):
    """One page of the inbox: its items, how many items the filter holds in all, and where the next page starts."""

    items: list[InboxItem] = Field(default_factory=list)
    total: int = 0  # items matching the filter, on every page together
    offset: int = 0  # items skipped before this page
    limit: int = INBOX_PAGE
    oldest_first: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_offset(self) -> int | None:
        """The offset of the next page; None on the last one."""
        end = self.offset + len(self.items)
        return end if end < self.total else None


class StaffReply(BaseModel):
    """A staff member's reply as the customer's widget shows it."""

    reply_id: int
    text: str
    author: str = "our team"
    created_at: str


class NearDocument(BaseModel):
    """A document that came closest to a group's questions (from the searches the assistant ran)."""

    source: str
    title: str = ""
    anchor: str = ""
    score: float = 0.0
    seen: int = 1  # how many of the group's questions it came up for

    @property
    def url(self) -> str:
        return f"/docs/{self.source}" + (f"#{self.anchor}" if self.anchor else "")


class InsightGroup(BaseModel):
    """Similar questions customers could not get answered, or disliked the answer to."""

    group_id: int
    question: str  # the most typical question of the group
    asked: int
    unanswered: int = 0
    thumbs_down: int = 0
    examples: list[str] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)
    first_asked: str = ""
    last_asked: str = ""
    closest: list[NearDocument] = Field(default_factory=list)


class InsightReport(BaseModel):
    groups: list[InsightGroup] = Field(default_factory=list)
    questions: int = 0
    similarity: float = 0.0  # questions at least this similar (cosine, average linkage) share a group
