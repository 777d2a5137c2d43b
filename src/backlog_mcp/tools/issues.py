"""Issue tools: list, count, one issue, its comments and its attachments. Thin: parse → client → render."""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.issues import Issue, IssueEndpoints, IssueFilter, IssuePage, RelatedIssue
from backlog_mcp.errors import BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.render.comments import render_comments
from backlog_mcp.render.issue_links import render_custom_fields, render_related_issues, render_resolutions
from backlog_mcp.render.issues import (
    render_attachments,
    render_issue,
    render_issue_count,
    render_issue_list,
)
from backlog_mcp.tools.args import (
    MAX_PAGE,
    Count,
    DateArg,
    IdList,
    IssueRef,
    Order,
    ProjectRef,
    issue_ref,
    one_project,
    within,
)
from backlog_mcp.tools.comment_writes import COMMENT_WRITE_TOOLS
from backlog_mcp.tools.issue_filters import (
    CustomFieldsArg,
    ParentIssuesArg,
    ResolutionIds,
    build_filter,
    custom_field_hint,
    echoed,
)
from backlog_mcp.tools.issue_writes import backlog_add_issue, backlog_update_issue
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.writes import WRITE_ADDS, WRITE_UPDATES

__all__ = ["TOOLSET", "issue_markdown"]

SORT_KEYS = (
    "issueType", "category", "version", "milestone", "summary", "status", "priority", "attachment",
    "sharedFile", "created", "createdUser", "updated", "updatedUser", "assignee", "startDate", "dueDate",
    "estimatedHours", "actualHours", "childIssue",
)  # fmt: skip
_CUSTOM_SORT = re.compile(r"^customfield_(\d+)$")


_comment_id = within(0, "a comment ID, a whole number of 0 or more")
_offset = within(0, "0 or more, as an offset into the list")


def _parent_child(value: int) -> int:
    if not 0 <= value <= 4:
        raise ValueError(f"must be 0 to 4 (got {echo(value)})")
    return value


ProjectsArg = Annotated[str | None, Field(description="Project keys or IDs, comma-separated")]
KeywordArg = str | None
ParentChildArg = Annotated[
    int,
    # The range lives in the validator, not the schema: the description already says it.
    AfterValidator(_parent_child),
    Field(description="0 all|1 not child|2 child|3 standalone|4 parent"),
]


_SORT_BY_FOLDED = {key.casefold(): key for key in SORT_KEYS}


def _check_sort(sort: str | None) -> str | None:
    """Backlog's sort key, its case forgiven as every choice's is (`duedate` → `dueDate`)."""
    if sort is None:
        return None
    folded = sort.strip().casefold()
    if folded in _SORT_BY_FOLDED:
        return _SORT_BY_FOLDED[folded]
    if custom := _CUSTOM_SORT.match(folded):
        return f"customField_{custom[1]}"
    raise ToolError(f"sort must be one of {', '.join(SORT_KEYS)} or customField_<id>; got {echo(sort)}.")


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments the caller set (ctx and Nones dropped), to echo back in next-page calls."""
    return {k: v for k, v in arguments.items() if k != "ctx" and v is not None}


async def backlog_get_issue_list(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectsArg = None,
    statusId: IdList = None,
    priorityId: IdList = None,
    assigneeId: IdList = None,
    categoryId: IdList = None,
    milestoneId: IdList = None,
    issueTypeId: IdList = None,
    keyword: KeywordArg = None,
    parentChild: ParentChildArg = 0,
    createdSince: DateArg = None,
    createdUntil: DateArg = None,
    updatedSince: DateArg = None,
    updatedUntil: DateArg = None,
    dueDateSince: DateArg = None,
    dueDateUntil: DateArg = None,
    startDateSince: DateArg = None,
    startDateUntil: DateArg = None,
    hasDueDate: bool | None = None,
    attachment: bool | None = None,
    createdUserId: IdList = None,
    resolutionId: ResolutionIds = None,
    versionId: IdList = None,
    parentIssueId: ParentIssuesArg = None,
    customFields: CustomFieldsArg = None,
    count: Count = 20,
    offset: Annotated[int, AfterValidator(_offset)] = 0,
    sort: str | None = None,
    order: Order = "desc",
) -> str:
    """Issues matching filters (dates yyyy-MM-dd)."""
    arguments = _given(locals())
    state = app_state(ctx)
    issues_api = IssueEndpoints(state.api)
    filters = await build_filter(state, arguments)
    page = IssuePage(offset=offset, count=count, sort=_check_sort(sort), order=order)
    async with custom_field_hint(arguments):
        issues, total = await gather(issues_api.get_issues(filters, page), issues_api.count_issues(filters))
    state.resolver.remember_issues(issues)
    parents = {i.parent_issue_id for i in issues if i.parent_issue_id} - {i.id for i in issues}
    parent_keys = await state.resolver.issue_keys(parents)
    defaults = {"parentChild": 0, "offset": 0, "order": "desc"}
    shown = echoed({k: v for k, v in arguments.items() if defaults.get(k, object()) != v})
    return render_issue_list(
        issues, total=total, offset=offset, arguments=shown, ctx=state.render, parent_keys=parent_keys
    )


async def backlog_count_issues(ctx: Context[Accounts, Any], **given: Any) -> str:
    """Count issues; same filters as backlog_get_issue_list."""
    arguments = _given(given)
    state = app_state(ctx)
    filters = await build_filter(state, arguments)
    async with custom_field_hint(arguments):
        total = await IssueEndpoints(state.api).count_issues(filters)
    # What filtered: parentChild 0 and a blank keyword filter nothing, so they are not echoed.
    shown = {
        k: v for k, v in arguments.items()
        if (k != "parentChild" or v) and not (isinstance(v, str) and not v.strip())
    }  # fmt: skip
    return render_issue_count(total, echoed(shown))


async def issue_markdown(state: AppState, issue_id_or_key: str) -> str:
    """One issue as `backlog_get_issue` shows it, its parent named by key, its comments counted.

    Shared with the `backlog://issue/{issueKey}` resource, so both always read the same.

    Raises:
        BacklogError: any failure reading the issue or its parent.
    """
    issues_api = IssueEndpoints(state.api)

    async def comment_count() -> int | None:
        # Both requests fail for a missing issue, in whichever order they come back: the issue's
        # own error ("Issue X not found") is the one to report, never the count's.
        try:
            return await issues_api.count_comments(issue_id_or_key)
        except BacklogNotFoundError:
            return None

    issue, comments = await gather(issues_api.get_issue(issue_id_or_key), comment_count())
    state.resolver.remember_issues([issue])
    parent_key = None
    if issue.parent_issue_id:
        parent_key = (await state.resolver.issue_keys([issue.parent_issue_id])).get(issue.parent_issue_id)
    return render_issue(issue, state.render, parent_key=parent_key, comment_count=comments)


async def backlog_get_issue(ctx: Context[Accounts, Any], issueIdOrKey: IssueRef) -> str:
    """One issue in full, with its description and attachments."""
    return await issue_markdown(app_state(ctx), issue_ref(issueIdOrKey))


async def backlog_get_comments(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    count: Count = 20,
    order: Order = "desc",
    minId: Annotated[int | None, AfterValidator(_comment_id)] = None,
    maxId: Annotated[int | None, AfterValidator(_comment_id)] = None,
) -> str:
    """An issue's comments with change logs, paged by ID."""
    state = app_state(ctx)
    issues_api = IssueEndpoints(state.api)
    key = issue_ref(issueIdOrKey)
    # One more than asked, where Backlog's page allows it: then whether a next page exists is
    # known rather than guessed, and the next-page call never leads to an empty page.
    probe = min(count + 1, MAX_PAGE)
    page, total = await gather(
        issues_api.get_comments(key, count=probe, order=order, min_id=minId, max_id=maxId),
        issues_api.count_comments(key),
    )
    comments = page[:count]
    if probe > count:
        more = len(page) > count
    else:  # a full page of 100: more unless it reached the total from the start
        more = len(page) == count and not (minId is None and maxId is None and count >= total)
    arguments = {"issueIdOrKey": key, "count": count, "order": order, "minId": minId, "maxId": maxId}
    return render_comments(
        comments, issue_key=key, total=total, more=more, order=order, arguments=arguments, ctx=state.render
    )


async def backlog_get_attachments(ctx: Context[Accounts, Any], issueIdOrKey: IssueRef) -> str:
    """An issue's attachments with their IDs."""
    state = app_state(ctx)
    key = issue_ref(issueIdOrKey)
    attachments = await IssueEndpoints(state.api).get_attachments(key)
    return render_attachments(attachments, state.render, issue_key=key)


async def backlog_get_related_issues(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    count: Count = 20,
    offset: Annotated[int, AfterValidator(_offset)] = 0,
) -> str:
    """An issue's parent, children and related issues."""
    state = app_state(ctx)
    issues_api = IssueEndpoints(state.api)
    key = issue_ref(issueIdOrKey)
    page = IssuePage(offset=offset, count=count, sort="created", order="asc")

    async def related() -> list[RelatedIssue]:
        # Fails too for a missing issue: the issue's own error is the one to report.
        try:
            return await issues_api.get_related_issues(key)
        except BacklogNotFoundError:
            return []

    async def children(issue_id: int) -> tuple[list[Issue], int]:
        by_parent = IssueFilter(parentIssueId=(issue_id,))
        return await gather(issues_api.get_issues(by_parent, page), issues_api.count_issues(by_parent))

    async def parent_of(issue: Issue) -> Issue | None:
        if not issue.parent_issue_id:
            return None
        try:
            return await issues_api.get_issue(issue.parent_issue_id)
        except BacklogNotFoundError:
            return None

    if key.isdigit():  # the ID is known: the children are asked for with the issue
        issue, linked, (kids, total) = await gather(issues_api.get_issue(key), related(), children(int(key)))
        parent = await parent_of(issue)
    else:
        issue, linked = await gather(issues_api.get_issue(key), related())
        (kids, total), parent = await gather(children(issue.id), parent_of(issue))
    state.resolver.remember_issues([issue, *kids, *linked, *([parent] if parent else [])])
    return render_related_issues(
        issue,
        parent=parent,
        children=kids,
        total=total,
        offset=offset,
        related=linked,
        arguments={"issueIdOrKey": key, "count": count},
        ctx=state.render,
    )


async def backlog_get_custom_fields(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's custom fields and list item IDs (for customFields)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    fields, types = await gather(
        IssueEndpoints(state.api).get_custom_fields(project), state.resolver.issue_types(project)
    )
    return render_custom_fields(fields, project=project, issue_types=types)


async def backlog_get_resolutions(ctx: Context[Accounts, Any]) -> str:
    """Resolution IDs and names (for resolutionId)."""
    return render_resolutions(await app_state(ctx).resolver.resolutions())


# The count takes exactly the list's filters: its signature (and so its schema) is the list's
# without the paging arguments, so the two can never drift apart.
_PAGING = ("count", "offset", "sort", "order")
_LIST_SIGNATURE = inspect.signature(backlog_get_issue_list, eval_str=True)
backlog_count_issues.__signature__ = _LIST_SIGNATURE.replace(  # type: ignore[attr-defined]
    parameters=[p for name, p in _LIST_SIGNATURE.parameters.items() if name not in _PAGING]
)

TOOLSET = Toolset(
    "issues",
    (
        ToolDef(backlog_get_issue_list, "List issues"),
        ToolDef(backlog_count_issues, "Count issues"),
        ToolDef(backlog_get_issue, "Get issue"),
        ToolDef(backlog_get_comments, "Get issue comments"),
        ToolDef(backlog_get_attachments, "List issue attachments"),
        ToolDef(backlog_get_related_issues, "Get related issues"),
        ToolDef(backlog_get_custom_fields, "List custom fields"),
        ToolDef(backlog_get_resolutions, "List resolutions"),
        ToolDef(backlog_add_issue, "Add issue", annotations=WRITE_ADDS, writes=True),
        ToolDef(backlog_update_issue, "Update issue", annotations=WRITE_UPDATES, writes=True),
        *COMMENT_WRITE_TOOLS,
    ),
    default=True,
)
