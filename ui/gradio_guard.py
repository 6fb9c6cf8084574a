"""What a mounted Gradio app is asked before it answers: no anonymous file hosting, no unknown functions, no upload
name the file system cannot hold. Gradio answers these with a stored file, a 500 and a traceback, or a 500.

`GradioGuard` is pure ASGI and sits between the mount and the Gradio app (`guard_mounted`), so it sees every request
the app would: POSTs to `gradio_api/upload` (refused where the page has no upload, the customer chat; upload names
capped where it has), to `gradio_api/queue/join` (the function index must be one of the page's), and to
`gradio_api/{call,run,api}/<name>` (the name must be one the page publishes; ours publish none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.routing import Mount

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# A file name longer than this is refused (file systems hold 255 bytes; Gradio adds a folder and keeps the name).
MAX_UPLOAD_NAME_CHARS = 200
MAX_JOIN_BODY_BYTES = 1_000_000
_FILENAME = re.compile(rb'filename\*?="?([^"\r\n;]*)')


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class GradioGuard:
    """Pure ASGI in front of one Gradio app (`blocks` is its Blocks); `uploads` says whether the page takes files."""

    def __init__(self, app: Any, blocks: Any, *, uploads: bool):
        self.app = app
        self.blocks = blocks
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or "/gradio_api/" not in scope["path"]:
            await self.app(scope, receive, send)
            return
        tail = scope["path"].split("/gradio_api/", 1)[1].strip("/")
        try:
            if tail == "upload":
                if not self.uploads:
                    raise _Refused(404, "this page takes no uploads")
                receive = _names_checked(receive)
            elif tail.split("/")[0] in ("call", "run", "api"):
                name = tail.split("/")[1] if "/" in tail else ""
                if name not in self._api_names():
                    raise _Refused(404, f"no function named {name[:80]!r} on this page")
            elif tail == "queue/join":
                receive = await self._join_checked(receive)
            await self.app(scope, receive, send)
        except _Refused as exc:
            await JSONResponse({"error": exc.message}, status_code=exc.status)(scope, receive, send)

    def _api_names(self) -> set[str]:
        return {str(fn.api_name) for fn in self.blocks.fns.values() if getattr(fn, "api_name", None)}

    async def _join_checked(self, receive: Receive) -> Receive:
        """Read the (small, JSON) body, check its function index, and replay it."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_JOIN_BODY_BYTES:
                raise _Refused(413, "request body too large")
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            fn_index = json.loads(body or b"{}").get("fn_index")
        except (ValueError, AttributeError):
            raise _Refused(400, "request body is not a JSON object") from None
        if not isinstance(fn_index, int) or isinstance(fn_index, bool) or fn_index not in self.blocks.fns:
            raise _Refused(404, "no such function on this page (fn_index)")
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        return replay


def _names_checked(receive: Receive) -> Receive:
    """A receive that refuses a multipart body naming a file longer than MAX_UPLOAD_NAME_CHARS (a 500 otherwise)."""
    carried = b""

    async def checked() -> Message:
        nonlocal carried
        message = await receive()
        if message["type"] == "http.request":
            window = carried + message.get("body", b"")
            for found in _FILENAME.finditer(window):
                if len(found.group(1)) > MAX_UPLOAD_NAME_CHARS:
                    from starlette.exceptions import HTTPException

                    raise HTTPException(400, f"file name longer than {MAX_UPLOAD_NAME_CHARS} characters")
            carried = window[-(MAX_UPLOAD_NAME_CHARS + 64) :]
        return message

    return checked


def guard_mounted(app: FastAPI, path: str, blocks: Any, *, uploads: bool) -> None:
    """Put a `GradioGuard` between the mount at `path` and its Gradio app."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == path:
            route.app = GradioGuard(route.app, blocks, uploads=uploads)
            return
    raise LookupError(f"no app mounted at {path}")
