"""The git area's routes: repositories, pull requests (list, count, one), their comments and files."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.git_data import GitData, PullRequestRecord, RepositoryRecord, build
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.query import Params, page_comments
from backlog_mcp.sandbox.site import Route, Site, WriteRoute, path_int

__all__ = ["routes", "write_routes"]

_REPO = ("projects", "{project}", "git", "repositories", "{repo}")
_PR = (*_REPO, "pullRequests", "{number}")

# Filter parameter → the pull request's field it matches (an object's `id`, or null).
_FILTERS = {
    "statusId[]": "status",
    "assigneeId[]": "assignee",
    "issueId[]": "issue",
    "createdUserId[]": "createdUser",
}


def routes(site: Site) -> list[Route]:
    return _Git(site).routes()


def write_routes(site: Site) -> list[WriteRoute]:
    """Add a pull request comment, in memory (`git_writes`), found by the reads' own lookup."""
    from backlog_mcp.sandbox.git_writes import GitWrites  # imports the app, which imports this

    return GitWrites(site, _Git(site).pull_request).routes()


class _Git:
    def __init__(self, site: Site) -> None:
        self.site = site

    @property
    def data(self) -> GitData:
        return self.site.space.area(build)

    def routes(self) -> list[Route]:
        return [
            (("projects", "{project}", "git", "repositories"), self.repositories),
            (_REPO, lambda r, a: self.repository(a).json),
            ((*_REPO, "pullRequests"), self.pull_requests),
            ((*_REPO, "pullRequests", "count"), lambda r, a: {"count": len(self.selected(r, a))}),
            (_PR, lambda r, a: self.pull_request_json(self.pull_request(a))),
            ((*_PR, "comments"), self.comments),
            ((*_PR, "comments", "count"), lambda r, a: {"count": len(self.pull_request(a).comments)}),
            ((*_PR, "attachments"), lambda r, a: list(self.pull_request(a).json["attachments"])),
            ((*_PR, "attachments", "{attachmentId}"), self.download),
        ]

    def repositories(self, request: Request, args: dict[str, str]) -> list[JSON]:
        project = self.site.project(args)
        if not project.json["useGit"]:
            return []
        return [repo.json for repo in self.data.repositories if repo.project_key == project.key]

    def repository(self, args: dict[str, str]) -> RepositoryRecord:
        project = self.site.project(args)
        repo = self.data.repository(project, args["repo"]) if project.json["useGit"] else None
        if repo is None:
            raise not_found("repository")
        return repo

    def pull_request(self, args: dict[str, str]) -> PullRequestRecord:
        repo = self.repository(args)
        number = path_int(args["number"], "number")
        found = next((pr for pr in repo.pull_requests if pr.number == number), None)
        if found is None:
            raise not_found("pull request")
        return found

    def selected(self, request: Request, args: dict[str, str]) -> list[PullRequestRecord]:
        """The matching pull requests, newest (highest number) first; paging checked, not applied."""
        repo = self.repository(args)
        params = Params(request.query_params)
        params.offset(), params.count()
        wanted = {name: set(params.int_list(name)) for name in _FILTERS}
        return [
            pr
            for pr in reversed(repo.pull_requests)
            if all(not ids or _id_of(pr.json[_FILTERS[name]]) in ids for name, ids in wanted.items())
        ]

    def pull_requests(self, request: Request, args: dict[str, str]) -> list[JSON]:
        params = Params(request.query_params)
        offset, count = params.offset(), params.count()
        return [pr.json for pr in self.selected(request, args)[offset : offset + count]]

    def pull_request_json(self, pr: PullRequestRecord) -> JSON:
        """The single pull request embeds its issue whole, where the list gives only its ID."""
        issue = self.site.space.issue(pr.issue_key) if pr.issue_key else None
        return {**pr.json, "issue": issue.json if issue else None}

    def comments(self, request: Request, args: dict[str, str]) -> list[JSON]:
        return page_comments(self.pull_request(args).comments, Params(request.query_params))

    def download(self, request: Request, args: dict[str, str]) -> Response:
        pr = self.pull_request(args)
        attachment_id = path_int(args["attachmentId"], "attachmentId")
        file = pr.files.get(attachment_id)
        if file is None:
            raise not_found("attachment")
        return self.site.download(request, attachment_id, file[0], file[1])


def _id_of(value: object) -> int | None:
    return int(value["id"]) if isinstance(value, dict) else None
