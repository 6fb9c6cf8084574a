"""The assistant: the application API (`Assistant`, written against `AssistantAPI`) and the types its callers see.

Front ends (the HTTP layer in `assistant.http`, the Gradio pages in `ui`) use only these names.
"""

from assistant.api import Assistant, AssistantAPI, BriefInfo, ChatAPI, CopyOptions
from assistant.citation_links import citation_link  # a product page or a section
from assistant.conversation.reply import (
    Caller,
    CitationEvent,
    CitationOut,
    DoneEvent,
    Reply,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
    TurnEvent,
)
from assistant.documents import UploadResult
from assistant.errors import (
    AssistantError,
    BadInput,
    ConfigError,
    Forbidden,
    InvalidChoice,
    NotFound,
    NotTrained,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from assistant.safe_markdown import render_markdown  # the one server-side Markdown renderer (docs, inbox)
from assistant.settings import Settings
from assistant.tools.results import (
    CopyDrafts,
    CustomerSummary,
    DocSearch,
    HandoffTicket,
    ProductInfo,
    ProductSearch,
    Recommendations,
    SegmentDetail,
    SegmentList,
    SegmentMembers,
    SegmentRecommendations,
)
from assistant.workspace.api import WorkspaceAPI
from assistant.workspace.types import (
    DraftLine,
    DraftRecord,
    DraftVersion,
    ExportFile,
    InboxItem,
    InboxMessage,
    InboxPage,
    InsightGroup,
    InsightReport,
    LineCheck,
    NearDocument,
    StaffReply,
)
from generation import csv_writer  # every CSV the pages write neutralises formulas (generation/csv_cells.py)

__all__ = [
    "Assistant",
    "AssistantAPI",
    "AssistantError",
    "BadInput",
    "BriefInfo",
    "Caller",
    "ChatAPI",
    "CitationEvent",
    "CitationOut",
    "ConfigError",
    "CopyDrafts",
    "CopyOptions",
    "CustomerSummary",
    "DocSearch",
    "DoneEvent",
    "DraftLine",
    "DraftRecord",
    "DraftVersion",
    "ExportFile",
    "Forbidden",
    "HandoffTicket",
    "InboxItem",
    "InboxMessage",
    "InboxPage",
    "InsightGroup",
    "InsightReport",
    "InvalidChoice",
    "LineCheck",
    "NearDocument",
    "NotFound",
    "NotTrained",
    "ProductInfo",
    "ProductSearch",
    "RateLimited",
    "Recommendations",
    "Reply",
    "SegmentDetail",
    "SegmentList",
    "SegmentMembers",
    "SegmentRecommendations",
    "Settings",
    "StaffReply",
    "TokenEvent",
    "ToolCallEvent",
    "ToolCallRecord",
    "TurnEvent",
    "Unauthorized",
    "Unavailable",
    "citation_link",
    "render_markdown",
    "UploadResult",
    "WorkspaceAPI",
    "csv_writer",
]
