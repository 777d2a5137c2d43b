"""What every area's sandbox routes share: the demo space, the fault knobs, lookups and downloads.

An area's sandbox module defines `routes(site) -> list[Route]`; `Endpoints` gathers them from the
area registry. A path pattern is a tuple of segments, `{name}` a placeholder (`{name*}`, last only, takes the
rest of the path, slashes included); where a literal and a
placeholder both match (`users/myself`, `users/{userId}`), the pattern with more literals wins, so
no area has to care about the order of another's routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from backlog_mcp.areas import area_modules
from backlog_mcp.sandbox.bodies import FileBody
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.model import IssueRecord, ProjectRecord
from backlog_mcp.sandbox.ratelimit import RateLimiter

__all__ = [
    "Endpoints",
    "Handler",
    "Route",
    "SimulatedDisconnectError",
    "Site",
    "WriteRoute",
    "content_disposition",
    "path_int",
]

Handler = Callable[[Request, dict[str, str]], Any]
"""Returns JSON-ready data, or a ready `Response` (downloads)."""
Route = tuple[tuple[str, ...], Handler]
WriteRoute = tuple[str, tuple[str, ...], Handler]
"""`(method, pattern, handler)`: an area module may declare them in an optional `write_routes(site)`;
the handler may be async (it reads the form body)."""


class SimulatedDisconnectError(Exception):
    """Raised mid-stream to cut a download short (`Faults.truncate_attachment_ids`)."""


class Site:
    """The demo space and the knobs a handler reads, with the lookups most routes start with."""

    def __init__(self, space: DemoSpace, faults: Faults, limiter: RateLimiter) -> None:
        self.space = space
        self.faults = faults
        self.limiter = limiter

    def project(self, args: dict[str, str]) -> ProjectRecord:
        project = self.space.project(args["project"])
        if project is None:
            raise not_found("project")
        return project

    def issue(self, args: dict[str, str]) -> IssueRecord:
        issue = self.space.issue(args["issue"])
        if issue is None:
            raise not_found("issue")
        return issue

    def download(self, request: Request, file_id: int, name: str, body: FileBody) -> Response:
        """A file's body as Backlog streams it, with the download faults applied (keyed by `file_id`)."""
        if file_id in self.faults.fail_attachment_ids:
            raise ApiError(500, "Internal Server Error.")
        truncate = file_id in self.faults.truncate_attachment_ids
        if self.faults.truncate_next_downloads > 0:
            self.faults.truncate_next_downloads -= 1
            truncate = True
        headers = {"Content-Length": str(body.size), "Content-Disposition": content_disposition(name)}
        return StreamingResponse(
            _stream(request, body, truncate, self.faults),
            headers=headers,
            media_type="application/octet-stream",
        )


class Endpoints:
    """Every area's routes (reads, and the writes some areas accept), gathered once from the area registry."""

    def __init__(self, space: DemoSpace, faults: Faults, limiter: RateLimiter) -> None:
        self.site = Site(space, faults, limiter)
        self.limiter = limiter
        self.routes: list[Route] = [
            route for module in area_modules("sandbox") for route in module.routes(self.site)
        ]
        self.write_routes: list[WriteRoute] = [
            route
            for module in area_modules("sandbox")
            if hasattr(module, "write_routes")
            for route in module.write_routes(self.site)
        ]

    def resolve(self, path: str, method: str = "GET") -> tuple[Handler, dict[str, str]] | None:
        """`path` is what follows `/api/v2/`; a trailing slash leaves an empty segment: no match."""
        segments = path.split("/")
        routes = (
            self.routes
            if method in ("GET", "HEAD")
            else [(pattern, handler) for verb, pattern, handler in self.write_routes if verb == method]
        )
        best: tuple[int, Handler, dict[str, str]] | None = None
        for pattern, handler in routes:
            args = _match(pattern, segments)
            literals = sum(1 for part in pattern if not part.startswith("{"))
            if args is not None and (best is None or literals > best[0]):
                best = (literals, handler, args)
        return None if best is None else (best[1], best[2])


def content_disposition(name: str) -> str:
    """RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name, percent-encoded."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _stream(request: Request, body: FileBody, truncate: bool, faults: Faults) -> AsyncIterator[bytes]:
    cut_at = body.size // 2 if truncate else body.size
    sent = 0
    for chunk in body.chunks():
        if faults.download_chunk_delay_seconds > 0:
            await asyncio.sleep(faults.download_chunk_delay_seconds)
        # A client that read enough and hung up (a capped preview) must not be written to:
        # asyncio would log a warning for every chunk sent into the closed socket.
        if await request.is_disconnected():
            return
        if sent + len(chunk) > cut_at:
            yield chunk[: cut_at - sent]
            raise SimulatedDisconnectError("download truncated on purpose")
        sent += len(chunk)
        yield chunk


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if pattern and pattern[-1].endswith("*}"):  # `{path*}`: the rest of the path, slashes and all
        head = len(pattern) - 1
        if len(segments) <= head:
            return None
        found = _match(pattern[:head], segments[:head])
        if found is not None:
            found[pattern[-1][1:-2]] = "/".join(segments[head:])
        return found
    if len(pattern) != len(segments):
        return None
    args: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            if not actual:
                return None
            args[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return args


def path_int(value: str, name: str) -> int:
    """A numeric path segment, refused as Backlog refuses it."""
    if not (value.isascii() and value.isdigit()):
        raise invalid(name, f"{name} must be an integer.")
    return int(value)
