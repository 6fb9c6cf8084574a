"""Exceptions of the generation layer. `assistant/` maps them onto its own tree (e.g. BackendUnavailable -> 503).

`generation/` never imports `assistant/`, so it cannot raise `assistant.errors` classes itself.
"""

from __future__ import annotations


class GenerationError(Exception):
    """Base of every error raised by `generation/`. `message` is safe to show to a caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ModelLoadError(GenerationError):
    """The configured model cannot be found or loaded. The message names the setting to change."""

    def __init__(self, message: str, setting: str = "MKA_LLM__MODEL"):
        super().__init__(f"{message} (check the setting {setting})")
        self.setting = setting


class BackendUnavailable(GenerationError):
    """An LLM server is down, refused the connection, answered 5xx or timed out (the API maps this to 503).

    `retry_after` (seconds) is set when the backend knows when to come back; None lets the API pick its default."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class BackendBusy(BackendUnavailable):
    """The local model's queue is full (`MKA_LLM__MAX_QUEUE` requests wait): 503 with Retry-After, nothing lost."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)


class BackendError(GenerationError):
    """An LLM server rejected the request (4xx) or answered something that is not a chat completion."""


class BadBrief(GenerationError):
    """A campaign brief or a copy request is malformed (unknown channel, bad YAML, missing fields). Maps to 400."""


class CopyValidationError(GenerationError):
    """Drafts could not be made valid, even from templates; nothing broken is returned."""
