"""HTTP plumbing of the service: errors as JSON, the body size limit."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class ApiError(Exception):
    """A refusal with its HTTP status, message and where in the request."""

    def __init__(self, status: int, message: str, location: str | None = None, **extra):
        self.status, self.message, self.location, self.extra = status, message, location, extra


class SafeJSONResponse(JSONResponse):
    """JSON, UTF-8; a lone surrogate echoed from a request is escaped
    (`\\ud800`) instead of failing the response."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


class BodyLimit:
    """Refuse (413) a body larger than `limit` bytes, from its
    Content-Length or while it streams in, before anything parses it."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"error": {"message": f"the request body is larger than the limit of {self.limit:,} bytes"}}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(BaseException):
    """Raised from `receive`: a BaseException, so that the framework's
    body parsing (which turns any Exception into a 400) lets it through
    to `BodyLimit`."""


def location_of(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
