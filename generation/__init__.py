"""The generation layer: the `LLM` seam and its backends, grounded answering, output guards, ad-copy drafting.

Light to import: the backends (torch, httpx) load only when `get_llm` builds one.
"""

from generation.backends import get_llm, resolve_backend
from generation.brief import (
    BriefResolution,
    CampaignBrief,
    ProductFacts,
    brief_words,
    campaign_words,
    find_brief,
    load_brief,
    load_briefs,
    resolve_brief,
)
from generation.case import read_case
from generation.case_answer import CaseAnswer, answer_case
from generation.claims import ClaimBook, extract_claims, mentions_claim, stem
from generation.composer import compose, read_ahead, the_ask
from generation.config import LLMSettings
from generation.copywriter import (
    CopyRequest,
    CopyResult,
    Draft,
    Rules,
    channel_specs,
    draft_copy,
    get_channel,
    validate_draft,
)
from generation.csv_cells import CsvDictWriter, csv_writer, safe_cell
from generation.errors import (
    BackendBusy,
    BackendError,
    BackendUnavailable,
    BadBrief,
    CopyValidationError,
    GenerationError,
    ModelLoadError,
)
from generation.export import (
    META_LAYOUT,
    RSA_LAYOUT,
    ImportLayout,
    import_layout,
    rsa_slots,
    to_csv,
    to_json,
)
from generation.figures import extract_facts, supports
from generation.grounding import GroundedAnswer, resolve_mode, stream_answer
from generation.guard import GuardResult, check_claims
from generation.guard import check as check_figures
from generation.lead import LEAD_MIN, points_back, support_beside
from generation.llm import LLM, ChatResult, ToolCall
from generation.places import with_countries
from generation.question import (
    asks_question,
    kind_probe,
    named_entities,
    only_fillers,
    opens_with_question_word,
    question_type,
    split_questions,
    strip_fillers,
)
from generation.shop_points import ShopPoints, load_shop_points
from generation.terms import english_terms, terms, topics
from generation.toolcalls import MalformedToolCall

__all__ = [
    "LEAD_MIN",
    "points_back",
    "support_beside",
    "with_countries",
    "compose",
    "the_ask",
    "CsvDictWriter",
    "csv_writer",
    "safe_cell",
    "LLM",
    "CaseAnswer",
    "answer_case",
    "BackendBusy",
    "BackendError",
    "BackendUnavailable",
    "BadBrief",
    "BriefResolution",
    "CampaignBrief",
    "ChatResult",
    "CopyRequest",
    "CopyResult",
    "CopyValidationError",
    "Draft",
    "GenerationError",
    "GroundedAnswer",
    "GuardResult",
    "LLMSettings",
    "MalformedToolCall",
    "ModelLoadError",
    "ProductFacts",
    "Rules",
    "ToolCall",
    "channel_specs",
    "check_claims",
    "check_figures",
    "topics",
    "read_case",
    "extract_facts",
    "supports",
    "draft_copy",
    "english_terms",
    "terms",
    "find_brief",
    "load_shop_points",
    "ShopPoints",
    "get_channel",
    "get_llm",
    "load_brief",
    "kind_probe",
    "read_ahead",
    "only_fillers",
    "load_briefs",
    "named_entities",
    "resolve_backend",
    "resolve_brief",
    "resolve_mode",
    "question_type",
    "split_questions",
    "asks_question",
    "opens_with_question_word",
    "strip_fillers",
    "stream_answer",
    "to_csv",
    "to_json",
    "META_LAYOUT",
    "RSA_LAYOUT",
    "ImportLayout",
    "import_layout",
    "rsa_slots",
    "validate_draft",
    "ClaimBook",
    "extract_claims",
    "mentions_claim",
    "stem",
    "brief_words",
    "campaign_words",
]
