"""Git tools: repositories, pull requests, one pull request, its comments. Thin: parse → client → render."""

from __future__ import annotations

import re
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.git import GitEndpoints, PullRequestFilter, PullRequestRef, RepoRef
from backlog_mcp.backlog.issues import IssueEndpoints
from backlog_mcp.errors import BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.render.comments import render_comments
from backlog_mcp.render.git import (
    COMMENTS_TOOL,
    pull_request_url,
    render_pull_request,
    render_pull_requests,
    render_repositories,
)
from backlog_mcp.render.text import call_text, one_line, user_label
from backlog_mcp.tools.args import (
    MAX_PAGE,
    Count,
    IdList,
    OptionalIssueRef,
    Order,
    ProjectRef,
    issue_ref,
    lenient_ids,
    nfkc,
    one_project,
    within,
)
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.writes import WRITE_ADDS, Change, DryRunArg, WritePlan, WriteResult, perform

__all__ = ["TOOLSET", "pull_request_ref"]

_STATUSES = {1: "open", 2: "closed", 3: "merged"}
_MAX_REPO_CHARS = 100
_PULL_REQUEST = re.compile(r"^(?P<project>[^/#\s]+)/(?P<repo>[^/#\s]+)[/#](?P<number>[0-9]+)$")

# Backlog names repositories with letters, digits, `-`, `_` and `.`: anything else names none.
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+")


def _repository(value: str) -> str:
    name = nfkc(value).strip()
    if not _REPOSITORY.fullmatch(name) or name in (".", ".."):
        raise ValueError(
            f"must be a repository name (letters, digits, -, _ and .) or ID from "
            f"backlog_get_git_repositories (got {echo(value)})"
        )
    return name


RepoArg = Annotated[str, AfterValidator(_repository), Field(description="Repository name or ID")]
NumberArg = Annotated[int, AfterValidator(within(1, "a pull request number, 1 or more"))]
_STATUS_BY_NAME = {name: status_id for status_id, name in _STATUSES.items()}


def _status_names(value: object) -> object:
    """`open`, `closed`, `merged` as their IDs; any other word is refused naming the three."""
    items = lenient_ids(value)
    if not isinstance(items, list):
        return items
    read: list[object] = []
    for item in items:
        if isinstance(item, str) and not item.isdigit():
            if item.lower() not in _STATUS_BY_NAME:
                raise ValueError(f"must be 1 open, 2 closed or 3 merged, by ID or name (got {echo(item)})")
            item = _STATUS_BY_NAME[item.lower()]
        read.append(item)
    return read


StatusArg = Annotated[IdList, BeforeValidator(_status_names), Field(description="1 open, 2 closed, 3 merged")]
OffsetArg = Annotated[int, AfterValidator(within(0, "0 or more, as an offset into the list"))]
_comment_id = within(0, "a comment ID, a whole number of 0 or more")
CommentIdArg = Annotated[int | None, AfterValidator(_comment_id)]


def _repo_name(value: str) -> str:
    """A repository's name or ID as given (names are case-sensitive), trimmed."""
    name = value.strip()
    if not name or len(name) > _MAX_REPO_CHARS or "/" in name:
        raise ToolError(
            "repoIdOrName takes one repository's name (like web-app) or numeric ID: "
            f"backlog_get_git_repositories lists them; got {echo(value)}."
        )
    return name


def _pull(project: str, repo: str, number: int) -> PullRequestRef:
    return PullRequestRef(one_project(project), _repo_name(repo), number)


def pull_request_ref(value: str) -> PullRequestRef:
    """A pull request named as `"PROJECT/repo/number"` (`DEMO/web-app/3`; `DEMO/web-app#3` too).

    Raises:
        ToolError: when `value` is not of that form.
    """
    found = _PULL_REQUEST.match(nfkc(value))
    if found is None or int(found["number"]) < 1 or not _REPOSITORY.fullmatch(found["repo"]):
        raise ToolError(
            'pullRequest takes "PROJECT/repo/number", like "DEMO/web-app/3" (project key, repository '
            f"name, pull request number); got {echo(value)}."
        )
    return _pull(found["project"], found["repo"], int(found["number"]))


async def backlog_get_git_repositories(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's Git repositories: name, ID, URLs, last push."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    repositories = await GitEndpoints(state.api).get_repositories(project)
    return render_repositories(repositories, project=project, ctx=state.render)


def _statuses(ids: list[int] | None) -> tuple[int, ...]:
    for given in ids or ():
        if given not in _STATUSES:
            raise ToolError(f"statusId takes 1 (open), 2 (closed) or 3 (merged); got {echo(given)}.")
    return tuple(ids or ())


async def _issue_id(state: AppState, value: str) -> int:
    """The numeric ID Backlog's `issueId[]` filter takes, for a key or an ID."""
    ref = issue_ref(value)
    if ref.isdigit():
        return int(ref)
    issue = await IssueEndpoints(state.api).get_issue(ref)
    state.resolver.remember_issues([issue])
    return issue.id


async def backlog_get_pull_requests(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    repoIdOrName: RepoArg,
    statusId: StatusArg = None,
    assigneeId: IdList = None,
    createdUserId: IdList = None,
    issueIdOrKey: OptionalIssueRef = None,
    count: Count = 20,
    offset: OffsetArg = 0,
) -> str:
    """A repository's pull requests, newest first, with total and next page."""
    state = app_state(ctx)
    repo = RepoRef(one_project(projectIdOrKey), _repo_name(repoIdOrName))
    statuses = _statuses(statusId)
    issue_ids = (await _issue_id(state, issueIdOrKey),) if issueIdOrKey is not None else ()
    filters = PullRequestFilter(
        statusId=statuses,
        assigneeId=tuple(assigneeId or ()),
        issueId=issue_ids,
        createdUserId=tuple(createdUserId or ()),
    )
    git = GitEndpoints(state.api)
    prs, total = await gather(
        git.get_pull_requests(repo, filters, offset=offset, count=count),
        git.count_pull_requests(repo, filters),
    )
    keys = await state.resolver.issue_keys({pr.issue.id for pr in prs if pr.issue})
    given = {
        "projectIdOrKey": repo.project,
        "repoIdOrName": repo.repo,
        "statusId": list(statuses) or None,
        "assigneeId": assigneeId or None,
        "createdUserId": createdUserId or None,
        "issueIdOrKey": issue_ref(issueIdOrKey) if issueIdOrKey is not None else None,
        "count": count if count != 20 else None,
    }
    arguments = {k: v for k, v in given.items() if v is not None}
    return render_pull_requests(
        prs,
        repo=str(repo),
        total=total,
        offset=offset,
        arguments=arguments,
        issue_keys=keys,
        ctx=state.render,
    )


async def backlog_get_pull_request(
    ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef, repoIdOrName: RepoArg, number: NumberArg
) -> str:
    """One pull request: branches, status, issue, attachments, description."""
    state = app_state(ctx)
    ref = _pull(projectIdOrKey, repoIdOrName, number)
    git = GitEndpoints(state.api)

    async def comment_count() -> int | None:
        # Both fail for a missing pull request: the pull request's own error is the one to report.
        try:
            return await git.count_comments(ref)
        except BacklogNotFoundError:
            return None

    pr, comments = await gather(git.get_pull_request(ref), comment_count())
    return render_pull_request(pr, ref, state.render, comment_count=comments)


async def backlog_get_pull_request_comments(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    repoIdOrName: RepoArg,
    number: NumberArg,
    count: Count = 20,
    minId: CommentIdArg = None,
    maxId: CommentIdArg = None,
    order: Order = "desc",
) -> str:
    """A pull request's comments with change logs, paged by ID."""
    state = app_state(ctx)
    ref = _pull(projectIdOrKey, repoIdOrName, number)
    git = GitEndpoints(state.api)
    # One more than asked, as backlog_get_comments does: whether a next page exists is then known.
    probe = min(count + 1, MAX_PAGE)
    page, total = await gather(
        git.get_comments(ref, count=probe, order=order, min_id=minId, max_id=maxId), git.count_comments(ref)
    )
    comments = page[:count]
    if probe > count:
        more = len(page) > count
    else:  # a full page of 100: more unless it reached the total from the start
        more = len(page) == count and not (minId is None and maxId is None and count >= total)
    arguments = {
        "projectIdOrKey": ref.project, "repoIdOrName": ref.repo, "number": ref.number,
        "count": count, "order": order, "minId": minId, "maxId": maxId,
    }  # fmt: skip
    return render_comments(
        comments,
        issue_key=str(ref),
        total=total,
        more=more,
        order=order,
        arguments=arguments,
        ctx=state.render,
        tool=COMMENTS_TOOL,
    )


def _content(value: str) -> str:
    if not value.strip():
        raise ValueError("must be the comment's text, not empty")
    return value


async def backlog_add_pull_request_comment(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    repoIdOrName: RepoArg,
    number: NumberArg,
    content: Annotated[str, AfterValidator(_content)],
    notifiedUserId: IdList = None,
    dryRun: DryRunArg = False,
) -> str:
    """Comment on a pull request."""
    state = app_state(ctx)
    ref = _pull(projectIdOrKey, repoIdOrName, number)
    git = GitEndpoints(state.api)
    wanted = list(dict.fromkeys(notifiedUserId or ()))
    pr, members = await gather(git.get_pull_request(ref), state.resolver.users(ref.project))
    by_id = {user.id: user for user in members}
    unknown = [user_id for user_id in wanted if user_id not in by_id]
    if unknown:
        users = call_text("backlog_get_users", {"projectIdOrKey": ref.project})
        raise ToolError(
            f"notifiedUserId {', '.join(map(str, unknown))}: not a member of project {ref.project}; "
            f"{users} lists its members with their IDs."
        )
    changes = [Change("content", content)]
    if wanted:
        changes.append(Change("notify", ", ".join(f"{user_label(by_id[i])} (ID {i})" for i in wanted)))
    arguments = {"projectIdOrKey": ref.project, "repoIdOrName": ref.repo, "number": ref.number}
    check = f"look at {call_text(COMMENTS_TOOL, {**arguments, 'order': 'desc'})} before sending it again"
    plan = WritePlan(
        tool="backlog_add_pull_request_comment",
        action=f"Add comment to pull request {ref} · {one_line(pr.summary)}",
        target=str(ref),
        changes=tuple(changes),
        sent={"content": content, "notifiedUserId": wanted or None},
    )

    async def send() -> WriteResult:
        comment = await git.add_comment(ref, content, wanted, check=check)
        notified = [user_label(n.user) for n in comment.notifications if n.user is not None]
        return WriteResult(
            heading=f"Added comment {comment.id} to pull request {ref}",
            link=f"{pull_request_url(ref, state.render)}#comment-{comment.id}",
            changes=(Change("notified", ", ".join(notified)),) if notified else (),
            created_id=comment.id,
        )

    return await perform(state, plan, dry_run=dryRun, send=send)


TOOLSET = Toolset(
    "git",
    (
        ToolDef(backlog_get_git_repositories, "List Git repositories"),
        ToolDef(backlog_get_pull_requests, "List pull requests"),
        ToolDef(backlog_get_pull_request, "Get pull request"),
        ToolDef(backlog_get_pull_request_comments, "Get pull request comments"),
        ToolDef(
            backlog_add_pull_request_comment, "Add pull request comment", annotations=WRITE_ADDS, writes=True
        ),
    ),
    default=False,
)
