"""The issues' routes: lists and counts, one issue, its comments, attachment list and shared files."""

from __future__ import annotations

from starlette.requests import Request

from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.model import JSON, IssueRecord
from backlog_mcp.sandbox.query import Params, page_comments, select_issues
from backlog_mcp.sandbox.site import Route, Site, path_int

__all__ = ["routes"]

_CLOSED_STATUS_ID = 4


def routes(site: Site) -> list[Route]:
    return _Issues(site).routes()


class _Issues:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space
        self._custom_field_ids = {int(f["id"]) for p in site.space.projects for f in p.custom_fields}

    def routes(self) -> list[Route]:
        site = self.site
        return [
            (("issues",), self.issues),
            (("issues", "count"), self.issue_count),
            (("issues", "{issue}"), self.issue),
            (("issues", "{issue}", "comments"), self.comments),
            (("issues", "{issue}", "comments", "count"), lambda r, a: {"count": len(site.issue(a).comments)}),
            (("issues", "{issue}", "comments", "{commentId}"), lambda r, a: self._comment(a)),
            (
                ("issues", "{issue}", "comments", "{commentId}", "notifications"),
                lambda r, a: list(self._comment(a)["notifications"]),
            ),
            (("issues", "{issue}", "attachments"), lambda r, a: list(site.issue(a).json["attachments"])),
            (("issues", "{issue}", "sharedFiles"), lambda r, a: site.issue(a).json["sharedFiles"]),
        ]

    def _comment(self, args: dict[str, str]) -> JSON:
        issue = self.site.issue(args)
        comment_id = path_int(args["commentId"], "commentId")
        comment = next((c for c in issue.comments if c["id"] == comment_id), None)
        if comment is None:
            raise not_found("comment")
        return comment

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
        return self._issue_json(self.site.issue(args), request.query_params.getlist("expand[]"))

    def comments(self, request: Request, args: dict[str, str]) -> list[JSON]:
        return page_comments(self.site.issue(args).comments, Params(request.query_params))

    def _issue_json(self, issue: IssueRecord, expand: list[str]) -> JSON:
        if "childIssueSummary" not in expand:
            return issue.json
        children = [self.space.issue(str(child_id)) for child_id in issue.child_ids]
        closed = sum(1 for child in children if child and child.json["status"]["id"] == _CLOSED_STATUS_ID)
        return {**issue.json, "childIssueSummary": {"total": len(children), "closed": closed}}
