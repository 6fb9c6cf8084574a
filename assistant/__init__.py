"""The assistant: the application API (`Assistant`, written against `AssistantAPI`) and the types its callers see.

Front ends (the HTTP layer in `assistant.http`, the Gradio pages in `ui`) use only these names.
"""

from assistant.api import Assistant, AssistantAPI, ChatAPI, CopyOptions
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
    NotFound,
    NotTrained,
    RateLimited,
    Unauthorized,
    Unavailable,
)
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
)

__all__ = [
    "Assistant",
    "AssistantAPI",
    "AssistantError",
    "BadInput",
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
    "Forbidden",
    "HandoffTicket",
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
    "Settings",
    "TokenEvent",
    "ToolCallEvent",
    "ToolCallRecord",
    "TurnEvent",
    "Unauthorized",
    "Unavailable",
    "UploadResult",
]
