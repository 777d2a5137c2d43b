"""The sandbox as a Starlette app: authentication, rate limits, faults, then the endpoints.

Every `/api/v2` request goes through the same steps, in this order:
latency fault → authentication (401) → throttle fault (429) → rate-limit bucket (429) →
fail fault (5xx) → route (404 `No such API.`) → handler (400 / 404 / data).
Every `/api/v2` answer carries the `X-RateLimit-*` headers of its bucket, errors included.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import CODE_AUTHENTICATION, CODE_TOO_MANY_REQUESTS, ApiError, error_body
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.ratelimit import BUCKET_LIMITS, BucketState, RateLimiter, bucket_for
from backlog_mcp.sandbox.site import Endpoints, SimulatedDisconnectError

__all__ = [
    "API_PREFIX",
    "JSON_MEDIA_TYPE",
    "SANDBOX_ACCESS_TOKEN",
    "SANDBOX_API_KEY",
    "RequestRecord",
    "create_app",
    "json_response",
    "member_access_token",
    "member_api_key",
]

SANDBOX_API_KEY = "sandbox-api-key-0123456789"
SANDBOX_ACCESS_TOKEN = "sandbox-access-token-0123456789"
API_PREFIX = "/api/v2"
JSON_MEDIA_TYPE = "application/json;charset=utf-8"
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The access token is invalid"'


def member_api_key(user_id: str) -> str:
    """The API key of the member whose login is `user_id` (`suzuki.hanako`), so a shared deployment
    with per-user keys can be tried; the administrator's is `SANDBOX_API_KEY`."""
    return f"sandbox-api-key-{user_id}"


def member_access_token(user_id: str) -> str:
    """The OAuth access token of the member whose login is `user_id`."""
    return f"sandbox-access-token-{user_id}"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the sandbox saw it; `query` never contains `apiKey`."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    raw_path: str = field(default="", compare=False)  # as sent, still percent-encoded: `path` is decoded


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


def create_app(
    space: DemoSpace,
    *,
    faults: Faults,
    log: Callable[[RequestRecord], None],
    limiter: RateLimiter | None = None,
) -> Starlette:
    """The sandbox app. `faults` is read on every request; `log` receives every request."""
    quiet_simulated_disconnects()
    api = _Api(Endpoints(space, faults, limiter or RateLimiter()), faults, _Credentials(space))
    viewer = _IssueViewer(space)
    return Starlette(
        routes=[
            Route(API_PREFIX + "/{rest:path}", api.handle, methods=_ALL_METHODS),
            Route(API_PREFIX, api.handle, methods=_ALL_METHODS),
            Route("/view/{issue_key}", viewer.page),
        ],
        middleware=[Middleware(_RequestLog, log=log)],
    )


class _Api:
    def __init__(self, endpoints: Endpoints, faults: Faults, credentials: _Credentials) -> None:
        self.endpoints = endpoints
        self.faults = faults
        self.limiter = endpoints.limiter
        self.credentials = credentials

    async def handle(self, request: Request) -> Response:
        faults = self.faults
        if faults.arrived is not None:
            faults.arrived.set()
        if faults.latency_seconds > 0:
            await asyncio.sleep(faults.latency_seconds)
        bucket = bucket_for(request.method, request.url.path)
        caller = self.credentials.caller(request)
        if isinstance(caller, Response):
            caller.headers.update(self.limiter.peek(bucket, faults.rate_limits).headers())
            return caller
        if faults.throttle_next > 0:
            faults.throttle_next -= 1
            return self._throttled(bucket)
        allowed, state = self.limiter.consume(bucket, faults.rate_limits, int(caller["id"]))
        with self.endpoints.site.space.acting_as(caller):
            response = await self._answer(request, allowed)
        response.headers.update(state.headers())
        return response

    async def _answer(self, request: Request, allowed: bool) -> Response:
        if not allowed:
            return _error(ApiError(429, "Rate limit exceeded.", CODE_TOO_MANY_REQUESTS))
        if self.faults.fail_next > 0:
            self.faults.fail_next -= 1
            return _error(ApiError(self.faults.fail_status, "Internal Server Error."))
        if self.faults.fail_next_writes > 0 and request.method not in ("GET", "HEAD"):
            self.faults.fail_next_writes -= 1
            return _error(ApiError(self.faults.fail_status, "Internal Server Error."))
        path = request.path_params.get("rest", "")
        resolved = self.endpoints.resolve(path, request.method)
        try:
            if resolved is None:
                if request.method not in ("GET", "HEAD") and self.endpoints.resolve(path) is not None:
                    raise ApiError(405, "The sandbox accepts no such write.")
                raise ApiError(404, "No such API.")
            handler, args = resolved
            result = handler(request, args)
            if inspect.isawaitable(result):  # writes read their form body
                result = await result
                if self.faults.write_answer_delay_seconds > 0:
                    await asyncio.sleep(self.faults.write_answer_delay_seconds)
        except ApiError as error:
            return _error(error)
        return result if isinstance(result, Response) else json_response(result)

    def _throttled(self, bucket: str) -> Response:
        limit = self.faults.rate_limits.get(bucket, BUCKET_LIMITS[bucket])
        reset = math.ceil(time.time() + self.faults.throttle_reset_seconds)
        state = BucketState(limit=limit, remaining=0, reset=reset)
        return _error(ApiError(429, "Rate limit exceeded.", CODE_TOO_MANY_REQUESTS), state.headers())


def _error(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    return json_response(error.body(), status=error.status, headers=headers)


class _Credentials:
    """Every member of the demo space has an API key and an access token; the administrator's are
    `SANDBOX_API_KEY` and `SANDBOX_ACCESS_TOKEN`."""

    def __init__(self, space: DemoSpace) -> None:
        admin, *members = space.users
        self.keys = {SANDBOX_API_KEY: admin} | {member_api_key(u["userId"]): u for u in members}
        self.tokens = {SANDBOX_ACCESS_TOKEN: admin} | {member_access_token(u["userId"]): u for u in members}

    def caller(self, request: Request) -> JSON | Response:
        """The user the request authenticates as, or the 401 to answer. The API key wins over a
        bearer token, as in the official clients."""
        api_key = request.query_params.get("apiKey")
        if api_key is not None:
            return self.keys.get(api_key) or _auth_error()
        authorization = request.headers.get("authorization")
        if authorization is None:
            return _auth_error()
        scheme, _, token = authorization.partition(" ")
        user = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        # OAuth failures carry no errors array, only the challenge header.
        return user or Response(b"", status_code=401, headers={"WWW-Authenticate": _INVALID_TOKEN})


def _auth_error() -> Response:
    return json_response(error_body("Authentication failure.", CODE_AUTHENTICATION), status=401)


class _IssueViewer:
    """`/view/{issueKey}`: a minimal page so issue links in tool output lead somewhere."""

    def __init__(self, space: DemoSpace) -> None:
        self.space = space

    async def page(self, request: Request) -> Response:
        key = request.path_params["issue_key"]
        issue = self.space.issue(key)
        if issue is None:
            return HTMLResponse(
                f"<!doctype html><title>Not found</title><p>No issue {html.escape(key)}.", 404
            )
        data = issue.json
        title = html.escape(f"[{data['issueKey']}] {data['summary']}")
        facts = (
            f"{html.escape(data['status']['name'])} · {html.escape(data['issueType']['name'])} · "
            f"{html.escape(data['assignee']['name'] if data['assignee'] else 'unassigned')}"
        )
        body = (
            f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>{title} | Backlog sandbox</title>'
            f"<h1>{title}</h1><p>{facts}</p><pre>{html.escape(data['description'])}</pre></html>"
        )
        return HTMLResponse(body)


class _RequestLog:
    """Reports each request once its status is known, before the status line is sent.

    Recording before sending means a client that has its answer always finds the record.
    """

    def __init__(self, app: ASGIApp, log: Callable[[RequestRecord], None]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self.log(_record(scope, status))

        async def send_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                record(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        except BaseException:
            record(500)
            raise


def _record(scope: Scope, status: int) -> RequestRecord:
    raw_query = bytes(scope.get("query_string", b"")).decode("latin-1")
    query = tuple((k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True) if k != "apiKey")
    raw_path = bytes(scope.get("raw_path") or b"").decode("latin-1")
    return RequestRecord(
        method=str(scope["method"]), path=str(scope["path"]), query=query, status=status, raw_path=raw_path
    )


class _DropSimulatedDisconnects(logging.Filter):
    """uvicorn logs any exception escaping the app; a deliberate truncation is not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _is_simulated(record.exc_info[1]))


def _is_simulated(error: BaseException | None) -> bool:
    if isinstance(error, SimulatedDisconnectError):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_is_simulated(inner) for inner in error.exceptions)
    return False


_disconnect_filter = _DropSimulatedDisconnects()


def quiet_simulated_disconnects() -> None:
    """Idempotent: filters uvicorn's error log once per process."""
    uvicorn_error = logging.getLogger("uvicorn.error")
    if _disconnect_filter not in uvicorn_error.filters:
        uvicorn_error.addFilter(_disconnect_filter)
