"""The HTTP layer: the FastAPI app built from its routers (chat, marketer, pages), middleware, auth and rate limits.
It calls only the application API (`assistant.AssistantAPI`)."""

from fastapi import FastAPI

from assistant.http.app import create_app
from assistant.http.auth import Authenticator, Marketer
from assistant.http.state import AppState


def state_of(app: FastAPI) -> AppState:
    """The shared state `create_app` keeps on the app (settings, authenticator, the application API's holder)."""
    return app.state.mka


__all__ = ["AppState", "Authenticator", "Marketer", "create_app", "state_of"]
