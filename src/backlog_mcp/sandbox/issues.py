"""The issues' routes: lists and counts, one issue, its comments, attachment list and shared files."""

from __future__ import annotations

import random

from starlette.requests import Request

from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.model import JSON, IssueRecord
from backlog_mcp.sandbox.pinned import (
    CUSTOM_STATUS_ISSUE,
    HOSTILE_SUMMARY_ISSUE,
    MAIN_PROJECT,
    MANY_COMMENTS_ISSUE,
    PARENT_ISSUE,
    UNASSIGNED_ISSUE,
)
from backlog_mcp.sandbox.query import Params, page_comments, select_issues
from backlog_mcp.sandbox.site import Route, Site, WriteRoute, path_int

__all__ = ["RelatedLinks", "related_links", "routes", "write_routes"]

_CLOSED_STATUS_ID = 4
# Pinned links (tests name them), then a few drawn at random within each project.
_PINNED_LINKS = (
    (PARENT_ISSUE, CUSTOM_STATUS_ISSUE),
    (PARENT_ISSUE, HOSTILE_SUMMARY_ISSUE),
    (MANY_COMMENTS_ISSUE, f"{MAIN_PROJECT}-12"),
)
_RANDOM_LINKS_PER_PROJECT = 4
_SEED = 9


RelatedLinks = dict[int, list[int]]
"""Issue ID → the IDs of the issues related to it (both directions), ascending."""


def related_links(space: DemoSpace) -> RelatedLinks:
    """Backlog's "related issues" links: undirected, so each is listed on both of its issues."""
    rng = random.Random(_SEED)
    ids = {issue.key: issue.id for issue in space.issues}
    pairs = {(ids[one], ids[other]) for one, other in _PINNED_LINKS}
    # The unassigned issue stays without links: "none" has to be seen somewhere.
    isolated = space.issue(UNASSIGNED_ISSUE)
    for project in space.projects:
        candidates = [i.id for i in space.issues if i.json["projectId"] == project.id and i is not isolated]
        for _ in range(_RANDOM_LINKS_PER_PROJECT if len(candidates) > 1 else 0):
            first, second = rng.sample(candidates, 2)
            pairs.add((first, second))
    links: RelatedLinks = {}
    for first, second in pairs:
        links.setdefault(first, []).append(second)
        links.setdefault(second, []).append(first)
    return {issue_id: sorted(set(related)) for issue_id, related in links.items()}


def routes(site: Site) -> list[Route]:
    return _Issues(site).routes()


def write_routes(site: Site) -> list[WriteRoute]:
    """Add and update issues, add and edit comments: in memory (`issue_writes`)."""
    from backlog_mcp.sandbox.issue_writes import IssueWrites  # imports the app, which imports this

    return IssueWrites(site).routes()


class _Issues:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space
        self._custom_field_types = {
            int(f["id"]): int(f["typeId"]) for p in site.space.projects for f in p.custom_fields
        }

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
            (("issues", "{issue}", "relatedIssues"), lambda r, a: self._related(a)),
        ]

    def _related(self, args: dict[str, str]) -> list[JSON]:
        issue = self.site.issue(args)
        related = self.space.area(related_links).get(issue.id, [])
        found = (self.space.issue(str(issue_id)) for issue_id in related)
        return [{**other.json, "type": "RELATES"} for other in found if other is not None]

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
        selected = select_issues(self.space.issues, params, self._custom_field_types)
        expand = request.query_params.getlist("expand[]")
        return [self._issue_json(issue, expand) for issue in selected[offset : offset + count]]

    def issue_count(self, request: Request, args: dict[str, str]) -> JSON:
        params = Params(request.query_params)
        params.offset(), params.count()  # validated like the list, though they change nothing
        return {"count": len(select_issues(self.space.issues, params, self._custom_field_types))}

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
