"""The one exception tree of the service. The HTTP API maps each class to a status code and a plain message."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the service reports to a caller. `message` is safe to show to that caller."""

    status_code = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(AssistantError):
    """The caller sent something malformed, empty, too large or of the wrong type."""

    status_code = 400


class InvalidChoice(BadInput):
    """A value that is not one of the known ones (a segment, a brief, a channel): the message lists the valid ones, and
    `field` names the input it concerns, so a form can show the error beside that field."""

    def __init__(self, field: str, value: object, choices: list[str], what: str | None = None):
        known = ", ".join(choices) if choices else "none yet"
        super().__init__(f"unknown {what or field} {value!r}; choose one of: {known}")
        self.field = field
        self.value = value
        self.choices = list(choices)


class NotFound(AssistantError):
    """An unknown customer, product, segment, session or document."""

    status_code = 404


class Forbidden(AssistantError):
    """The caller's role may not do this (a customer calling a marketer tool, say)."""

    status_code = 403


class Unauthorized(AssistantError):
    """Missing or wrong credentials."""

    status_code = 401


class RateLimited(AssistantError):
    """Too many requests; `retry_after` seconds tells when to come back."""

    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(AssistantError):
    """A backend (LLM server, Chroma server) is down or timed out; the caller may retry after `retry_after` s."""

    status_code = 503

    def __init__(self, message: str, retry_after: int = 10):
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(AssistantError):
    """The settings point at something that cannot work (a model folder that is missing, say). Names the setting."""

    status_code = 500


class NotConfigured(AssistantError):
    """What was asked needs a setting this service does not have yet (the shop's address for an export, say): the
    message names the setting. 409: the request was fine, the service's state is not."""

    status_code = 409


class NotTrained(AssistantError):
    """A model artifact is missing: run `mka model train` (or `make run`, which trains on first start)."""

    status_code = 503
