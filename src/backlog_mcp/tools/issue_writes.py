"""Issue writes: `backlog_add_issue` and `backlog_update_issue`.

Every ID is checked against the lists of the issue's project (cached) before anything is sent, and
a wrong one is refused naming the tool that lists the right ones. A dry run reads what it needs to
show the plan (the current issue, the names of what the IDs refer to) and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator

from backlog_mcp.aio import gather
from backlog_mcp.backlog.issue_writes import IssueWrite, IssueWriteEndpoints
from backlog_mcp.backlog.issues import Issue, IssueEndpoints, IssueFilter
from backlog_mcp.backlog.projects import Project
from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.quote import clip, echo
from backlog_mcp.render.issue_writes import (
    changed_fields,
    issue_fields,
)
from backlog_mcp.render.text import EMPTY, call_text, one_line, plural
from backlog_mcp.tools.args import (
    DateArg,
    IdList,
    IssueRef,
    OptionalIssueRef,
    ProjectRef,
    backlog_id,
    check_date,
    issue_ref,
    one_project,
    within,
)
from backlog_mcp.tools.errors import lister_hint
from backlog_mcp.tools.issue_write_plan import (
    Given,
    audited,
    fields_of,
    ordered,
    plan_write,
    reported_value,
    shown_value,
    without_unchanged,
)
from backlog_mcp.tools.issue_write_refs import (
    CustomFieldsSetArg,
    load_lists,
)
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.uploads import AttachFilesArg, files_change, local_files, upload_files
from backlog_mcp.tools.writes import Change, DryRunArg, WritePlan, WriteResult, perform

__all__ = ["backlog_add_issue", "backlog_update_issue"]

_MAX_HOURS = 99_999_999.99


def _hours(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= _MAX_HOURS:
        raise ValueError(f"must be hours, 0 or more (got {echo(value)})")
    return value


IssueTypeId = Annotated[int, AfterValidator(backlog_id("backlog_get_issue_types"))]
NewIssueTypeId = Annotated[int | None, AfterValidator(backlog_id("backlog_get_issue_types"))]
PriorityId = Annotated[int | None, AfterValidator(backlog_id("backlog_get_priorities"))]
StatusId = Annotated[int | None, AfterValidator(backlog_id("backlog_get_statuses"))]
ResolutionId = Annotated[
    int | None, AfterValidator(within(0, "a resolution ID from backlog_get_resolutions (0 is Fixed)"))
]
AssigneeId = Annotated[int | None, AfterValidator(backlog_id("backlog_get_users"))]
# On an update 0 unassigns: Backlog clears the assignee on an empty value.
NewAssigneeId = Annotated[
    int | None, AfterValidator(within(0, "a user ID from backlog_get_users, or 0 to unassign"))
]
Hours = Annotated[float | None, AfterValidator(_hours)]


def _date_or_clear(value: str | None) -> str | None:
    return "" if value is not None and not value.strip() else check_date(value)


ClearableDate = Annotated[str | None, AfterValidator(_date_or_clear)]


async def _posted_comment(state: AppState, key: str, text: str) -> tuple[Change, int | None]:
    """The comment an update posted, by its ID and link when the newest comment is it (and the ID).

    The update is done by then: a failure to read it back is not the write's, and is not raised.
    """
    shown = clip(one_line(text))
    try:
        newest = await IssueEndpoints(state.api).get_comments(key, count=1, order="desc")
    except BacklogError:
        return Change("comment", shown), None
    if not newest or (newest[0].content or "").strip() != text.strip():
        return Change("comment", shown), None
    comment_id = newest[0].id
    link = f"{state.render.issue_url(key)}#comment-{comment_id}"
    return Change("comment", f"ID {comment_id}, {link}: {shown}"), comment_id


async def _parent(state: AppState, ref: str | None, project: Project) -> Issue | None:
    if ref is None:
        return None
    try:
        parent = await IssueEndpoints(state.api).get_issue(issue_ref(ref))
    except BacklogNotFoundError as exc:
        raise ToolError(f"parentIssueIdOrKey: {exc} {lister_hint(str(exc))}") from None
    if parent.parent_issue_id is not None:  # Backlog nests one level: a child has no children
        raise ToolError(
            f"parentIssueIdOrKey {parent.issue_key} is itself a child issue; a parent must be an issue "
            "without a parent."
        )
    if parent.project_id is not None and parent.project_id != project.id:
        raise ToolError(
            f"parentIssueIdOrKey {parent.issue_key} is in another project; a parent must be an issue of "
            f"{project.project_key}."
        )
    return parent


async def backlog_add_issue(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    summary: str,
    issueTypeId: IssueTypeId,
    priorityId: PriorityId = None,
    description: str | None = None,
    assigneeId: AssigneeId = None,
    parentIssueIdOrKey: OptionalIssueRef = None,
    startDate: DateArg = None,
    dueDate: DateArg = None,
    estimatedHours: Hours = None,
    actualHours: Hours = None,
    categoryId: IdList = None,
    milestoneId: IdList = None,
    versionId: IdList = None,
    customFields: CustomFieldsSetArg = None,
    notifiedUserId: IdList = None,
    attachFiles: AttachFilesArg = None,
    dryRun: DryRunArg = False,
) -> str:
    """Add an issue (dates yyyy-MM-dd)."""
    state = app_state(ctx)
    files = local_files(state, attachFiles)
    project = await state.resolver.project(one_project(projectIdOrKey))
    given = Given(
        summary=summary, issueTypeId=issueTypeId, priorityId=priorityId, description=description,
        assigneeId=assigneeId, startDate=startDate, dueDate=dueDate, estimatedHours=estimatedHours,
        actualHours=actualHours, categoryId=categoryId, milestoneId=milestoneId, versionId=versionId,
        customFields=customFields, notifiedUserId=notifiedUserId,
    )  # fmt: skip
    lists, parent = await gather(
        load_lists(state, project, given.lists_needed(adding=True)),
        _parent(state, parentIssueIdOrKey, project),
    )
    write, shown = plan_write(Given(**{**fields_of(given), "parent": parent}), lists, None)
    changes = [Change(name, shown_value(shown[name])) for name in ordered(shown)]
    if (attached := files_change(files)) is not None:
        changes.append(attached)
    key = project.project_key
    search = call_text("backlog_get_issue_list", {"projectIdOrKey": key, "keyword": write.summary})
    check = f"look for it with {search} before adding it again"
    plan = WritePlan("backlog_add_issue", f"Add issue to {key}", key, tuple(changes), audited(write, files))

    async def send() -> WriteResult:
        ids = await upload_files(state, attachFiles)
        to_send = IssueWrite(**{**fields_of(write), "attachmentId": tuple(ids)})
        added = await IssueWriteEndpoints(state.api).add_issue(project.id, to_send, check=check)
        state.resolver.remember_issues([added])
        after = issue_fields(added, state.render, parent_key=parent.issue_key if parent else None)
        reported = [
            Change(name, reported_value(name, value)) for name, value in after.items() if value != EMPTY
        ]
        link = state.render.issue_url(added.issue_key)
        return WriteResult(f"Added {added.issue_key}", link, tuple(reported), added.id)

    return await perform(state, plan, dry_run=dryRun, send=send)


async def backlog_update_issue(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    summary: str | None = None,
    issueTypeId: NewIssueTypeId = None,
    priorityId: PriorityId = None,
    description: str | None = None,
    assigneeId: NewAssigneeId = None,
    parentIssueIdOrKey: OptionalIssueRef = None,
    startDate: ClearableDate = None,
    dueDate: ClearableDate = None,
    estimatedHours: Hours = None,
    actualHours: Hours = None,
    categoryId: IdList = None,
    milestoneId: IdList = None,
    versionId: IdList = None,
    customFields: CustomFieldsSetArg = None,
    notifiedUserId: IdList = None,
    attachFiles: AttachFilesArg = None,
    statusId: StatusId = None,
    resolutionId: ResolutionId = None,
    comment: str | None = None,
    dryRun: DryRunArg = False,
) -> str:
    """Change an issue; [] or "" clears, assigneeId 0 unassigns."""
    state = app_state(ctx)
    files = local_files(state, attachFiles)
    issues = IssueEndpoints(state.api)
    current = await issues.get_issue(issue_ref(issueIdOrKey))
    key = current.issue_key
    project = await state.resolver.project(current.project_id or key.rsplit("-", 1)[0])
    given = Given(
        summary=summary, issueTypeId=issueTypeId, priorityId=priorityId, description=description,
        assigneeId=assigneeId, startDate=startDate, dueDate=dueDate, estimatedHours=estimatedHours,
        actualHours=actualHours, categoryId=categoryId, milestoneId=milestoneId, versionId=versionId,
        customFields=customFields, notifiedUserId=notifiedUserId, statusId=statusId,
        resolutionId=resolutionId, comment=comment,
    )  # fmt: skip
    parent_ids = [current.parent_issue_id] if current.parent_issue_id else []
    lists, parent, parent_keys = await gather(
        load_lists(state, project, given.lists_needed(adding=False)),
        _parent(state, parentIssueIdOrKey, project),
        state.resolver.issue_keys(parent_ids),
    )
    if parent is not None and parent.id == current.id:
        raise ToolError(f"parentIssueIdOrKey is {key} itself; an issue cannot be its own parent.")
    if parent is not None and parent.id != current.parent_issue_id:
        children = await issues.count_issues(IssueFilter(parentIssueId=(current.id,)))
        if children:
            raise ToolError(
                f"{key} has {plural(children, 'child issue')}, so it cannot become a child itself "
                "(Backlog nests one level)."
            )
    write, shown = plan_write(Given(**{**fields_of(given), "parent": parent}), lists, current)
    if not shown and not files:
        raise ToolError(
            f"Nothing to change: give {key} at least one field to set, a comment, or attachFiles."
        )
    before_key = parent_keys.get(current.parent_issue_id or 0)
    before = issue_fields(current, state.render, parent_key=before_key)
    write, shown = without_unchanged(write, shown, before)
    if not shown and not files:
        return f"Nothing to change: {key} already has these values; nothing was sent."
    changes = [
        Change.update(name, reported_value(name, before.get(name, EMPTY)), shown_value(shown[name]))
        for name in ordered(shown)
    ]
    changes = [Change(c.field, c.after) if c.field in ("comment", "notify") else c for c in changes]
    if (attached := files_change(files)) is not None:
        changes.append(attached)
    check = f"look at {call_text('backlog_get_issue', {'issueIdOrKey': key})} before sending it again"
    plan = WritePlan("backlog_update_issue", f"Update {key}", key, tuple(changes), audited(write, files))

    async def send() -> WriteResult:
        ids = await upload_files(state, attachFiles)
        to_send = IssueWrite(**{**fields_of(write), "attachmentId": tuple(ids)})
        updated = await IssueWriteEndpoints(state.api).update_issue(key, to_send, check=check)
        after_key = parent.issue_key if parent else before_key if updated.parent_issue_id else None
        after = issue_fields(updated, state.render, parent_key=after_key)
        reported = [
            Change.update(name, reported_value(name, old or EMPTY), reported_value(name, new))
            for name, old, new in changed_fields(before, after)
        ]
        comment_id = None  # what the update created, if anything: its comment
        if comment:
            posted, comment_id = await _posted_comment(state, key, comment)
            reported.append(posted)
        note = None if reported else "Backlog reports no field changed: the issue already had these values."
        return WriteResult(f"Updated {key}", state.render.issue_url(key), tuple(reported), comment_id, note)

    return await perform(state, plan, dry_run=dryRun, send=send)
