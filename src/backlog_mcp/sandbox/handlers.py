"""The `/api/v2` endpoints: a route table of path patterns and the handlers behind them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.files import FileBody
from backlog_mcp.sandbox.model import JSON, IssueRecord, ProjectRecord
from backlog_mcp.sandbox.query import Params, page_comments, select_issues
from backlog_mcp.sandbox.ratelimit import RateLimiter

__all__ = ["Endpoints", "Handler", "SimulatedDisconnectError"]

Handler = Callable[[Request, dict[str, str]], Any]
"""Returns JSON-ready data, or a ready `Response` (downloads)."""

_CLOSED_STATUS_ID = 4
_PROJECT_LISTS = {
    "users": "users",
    "statuses": "statuses",
    "issueTypes": "issue_types",
    "categories": "categories",
    "versions": "versions",
    "customFields": "custom_fields",
}


class SimulatedDisconnectError(Exception):
    """Raised mid-stream to cut a download short (`Faults.truncate_attachment_ids`)."""


class Endpoints:
    def __init__(self, space: DemoSpace, faults: Faults, limiter: RateLimiter) -> None:
        self.space = space
        self.faults = faults
        self.limiter = limiter
        self._custom_field_ids = {int(f["id"]) for p in space.projects for f in p.custom_fields}
        # Literal segments are listed before placeholders where both could match.
        self.routes: list[tuple[tuple[str, ...], Handler]] = [
            (("space",), lambda request, args: space.space),
            (("users",), lambda request, args: space.users),
            (("users", "myself"), lambda request, args: space.myself),
            (("users", "{userId}"), self.user),
            (("rateLimit",), self.rate_limit),
            (("priorities",), lambda request, args: space.priorities),
            (("resolutions",), lambda request, args: space.resolutions),
            (("statuses",), lambda request, args: space.legacy_statuses),
            (("projects",), self.projects),
            (("projects", "{project}"), lambda request, args: self._project(args).json),
            *(
                (("projects", "{project}", segment), self._project_list(attribute))
                for segment, attribute in _PROJECT_LISTS.items()
            ),
            (("issues",), self.issues),
            (("issues", "count"), self.issue_count),
            (("issues", "{issue}"), self.issue),
            (("issues", "{issue}", "comments"), self.comments),
            (("issues", "{issue}", "comments", "count"), self.comment_count),
            (("issues", "{issue}", "comments", "{commentId}"), self.comment),
            (("issues", "{issue}", "comments", "{commentId}", "notifications"), self.comment_notifications),
            (("issues", "{issue}", "attachments"), self.attachments),
            (("issues", "{issue}", "attachments", "{attachmentId}"), self.download),
            (
                ("issues", "{issue}", "sharedFiles"),
                lambda request, args: self._issue(args).json["sharedFiles"],
            ),
        ]

    def resolve(self, path: str) -> tuple[Handler, dict[str, str]] | None:
        """`path` is what follows `/api/v2/`; a trailing slash leaves an empty segment: no match."""
        segments = path.split("/")
        for pattern, handler in self.routes:
            args = _match(pattern, segments)
            if args is not None:
                return handler, args
        return None

    # --- lookups --------------------------------------------------------------------------------

    def _project(self, args: dict[str, str]) -> ProjectRecord:
        project = self.space.project(args["project"])
        if project is None:
            raise not_found("project")
        return project

    def _issue(self, args: dict[str, str]) -> IssueRecord:
        issue = self.space.issue(args["issue"])
        if issue is None:
            raise not_found("issue")
        return issue

    def _comment(self, args: dict[str, str]) -> JSON:
        issue = self._issue(args)
        comment_id = _path_int(args["commentId"], "commentId")
        comment = next((c for c in issue.comments if c["id"] == comment_id), None)
        if comment is None:
            raise not_found("comment")
        return comment

    # --- handlers -------------------------------------------------------------------------------

    def user(self, request: Request, args: dict[str, str]) -> JSON:
        user = self.space.user(_path_int(args["userId"], "userId"))
        if user is None:
            raise not_found("user")
        return user

    def rate_limit(self, request: Request, args: dict[str, str]) -> JSON:
        states = self.limiter.snapshot(self.faults.rate_limits)
        return {
            "rateLimit": {
                bucket: {"limit": state.limit, "remaining": state.remaining, "reset": state.reset}
                for bucket, state in states.items()
            }
        }

    def projects(self, request: Request, args: dict[str, str]) -> list[JSON]:
        archived = Params(request.query_params).boolean("archived")
        return [
            project.json
            for project in self.space.projects
            if archived is None or project.json["archived"] == archived
        ]

    def _project_list(self, attribute: str) -> Handler:
        return lambda request, args: getattr(self._project(args), attribute)

    def issues(self, request: Request, args: dict[str, str]) -> list[JSON]:
        params = Params(request.query_params)
        offset, count = params.offset(), params.count()
        selected = select_issues(self.space.issues, params, self._custom_field_ids)
        expand = request.query_params.getlist("expand[]")
        return [self._issue_json(issue, expand) for issue in selected[offset : offset + count]]

    def issue_count(self, request: Request, args: dict[str, str]) -> JSON:
        params = Params(request.query_params)
        params.offset(), params.count()  # validated like the list, though they change nothing
        return {"count": len(select_issues(self.space.issues, params, self._custom_field_ids))}

    def issue(self, request: Request, args: dict[str, str]) -> JSON:
        return self._issue_json(self._issue(args), request.query_params.getlist("expand[]"))

    def _issue_json(self, issue: IssueRecord, expand: list[str]) -> JSON:
        if "childIssueSummary" not in expand:
            return issue.json
        children = [self.space.issue(str(child_id)) for child_id in issue.child_ids]
        closed = sum(1 for child in children if child and child.json["status"]["id"] == _CLOSED_STATUS_ID)
        return {**issue.json, "childIssueSummary": {"total": len(children), "closed": closed}}

    def comments(self, request: Request, args: dict[str, str]) -> list[JSON]:
        return page_comments(self._issue(args).comments, Params(request.query_params))

    def comment_count(self, request: Request, args: dict[str, str]) -> JSON:
        return {"count": len(self._issue(args).comments)}

    def comment(self, request: Request, args: dict[str, str]) -> JSON:
        return self._comment(args)

    def comment_notifications(self, request: Request, args: dict[str, str]) -> list[JSON]:
        return list(self._comment(args)["notifications"])

    def attachments(self, request: Request, args: dict[str, str]) -> list[JSON]:
        return list(self._issue(args).json["attachments"])

    def download(self, request: Request, args: dict[str, str]) -> Response:
        issue = self._issue(args)
        attachment_id = _path_int(args["attachmentId"], "attachmentId")
        file = issue.files.get(attachment_id)
        if file is None:
            raise not_found("attachment")
        if attachment_id in self.faults.fail_attachment_ids:
            raise ApiError(500, "Internal Server Error.")
        truncate = attachment_id in self.faults.truncate_attachment_ids
        if self.faults.truncate_next_downloads > 0:
            self.faults.truncate_next_downloads -= 1
            truncate = True
        headers = {
            "Content-Length": str(file.body.size),
            "Content-Disposition": content_disposition(file.name),
        }
        return StreamingResponse(
            _stream(request, file.body, truncate, self.faults),
            headers=headers,
            media_type="application/octet-stream",
        )


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


def _path_int(value: str, name: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise invalid(name, f"{name} must be an integer.")
    return int(value)
