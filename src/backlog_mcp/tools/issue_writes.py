"""Issue writes: `backlog_add_issue` and `backlog_update_issue`.

Every ID is checked against the lists of the issue's project (cached) before anything is sent, and
a wrong one is refused naming the tool that lists the right ones. A dry run reads what it needs to
show the plan (the current issue, the names of what the IDs refer to) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator

from backlog_mcp.aio import gather
from backlog_mcp.backlog.issue_writes import IssueWrite, IssueWriteEndpoints
from backlog_mcp.backlog.issues import Issue, IssueEndpoints
from backlog_mcp.backlog.params import ParamValue
from backlog_mcp.backlog.projects import Project
from backlog_mcp.errors import BacklogError
from backlog_mcp.quote import clip, echo
from backlog_mcp.render.issue_writes import (
    FIELD_ORDER,
    changed_fields,
    hours_text,
    issue_fields,
    named,
    named_list,
    user_value,
)
from backlog_mcp.render.text import EMPTY, call_text, one_line, user_label
from backlog_mcp.tools.args import (
    DateArg,
    IdList,
    IssueRef,
    ProjectRef,
    backlog_id,
    issue_ref,
    one_project,
    within,
)
from backlog_mcp.tools.issue_write_refs import (
    CustomFieldsSetArg,
    ProjectLists,
    custom_field_writes,
    load_lists,
    pick,
    pick_all,
)
from backlog_mcp.tools.state import AppState, app_state
from backlog_mcp.tools.uploads import AttachFilesArg, LocalFile, files_change, local_files, upload_files
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


@dataclass(frozen=True, slots=True)
class _Given:
    """The fields of a call, as validated (None: not given)."""

    summary: str | None = None
    issueTypeId: int | None = None
    priorityId: int | None = None
    description: str | None = None
    assigneeId: int | None = None
    parent: Issue | None = None
    startDate: str | None = None
    dueDate: str | None = None
    estimatedHours: float | None = None
    actualHours: float | None = None
    categoryId: list[int] | None = None
    milestoneId: list[int] | None = None
    versionId: list[int] | None = None
    customFields: list[Any] | None = None
    notifiedUserId: list[int] | None = None
    statusId: int | None = None
    resolutionId: int | None = None
    comment: str | None = None

    def lists_needed(self, *, adding: bool) -> set[str]:
        wanted = {"issue_types", "custom_fields"} if adding else set()
        for name, needs in (
            ("issueTypeId", "issue_types"), ("priorityId", "priorities"), ("statusId", "statuses"),
            ("resolutionId", "resolutions"), ("categoryId", "categories"), ("milestoneId", "versions"),
            ("versionId", "versions"), ("assigneeId", "users"), ("notifiedUserId", "users"),
            ("customFields", "custom_fields"),
        ):  # fmt: skip
            if getattr(self, name) is not None:
                wanted.add(needs)
        if adding:
            wanted.add("priorities")
        return wanted


def _shown(value: str) -> str | None:
    return None if value == EMPTY else value


def _plan(given: _Given, lists: ProjectLists, current: Issue | None) -> tuple[IssueWrite, dict[str, str]]:
    """The form to send and each field's new value as shown, every ID checked against `lists`."""
    key = lists.project.project_key
    shown: dict[str, str] = {}
    write: dict[str, Any] = {}
    if given.summary is not None:
        if not given.summary.strip():
            raise ToolError("summary is empty: give the issue's title.")
        write["summary"] = given.summary.strip()
        shown["summary"] = one_line(write["summary"])
    issue_type_id = given.issueTypeId or (current.issue_type.id if current and current.issue_type else 0)
    if given.issueTypeId is not None:
        kind = pick(
            lists.issue_types,
            given.issueTypeId,
            "issueTypeId",
            "an issue type",
            "backlog_get_issue_types",
            key,
        )
        write["issueTypeId"], shown["issueType"] = kind.id, named(kind)
    if given.statusId is not None:
        status = pick(lists.statuses, given.statusId, "statusId", "a status", "backlog_get_statuses", key)
        write["statusId"], shown["status"] = status.id, named(status)
    if given.resolutionId is not None:
        resolution = pick(
            lists.resolutions,
            given.resolutionId,
            "resolutionId",
            "a resolution",
            "backlog_get_resolutions",
            key,
        )
        write["resolutionId"], shown["resolution"] = resolution.id, named(resolution)
    if given.priorityId is not None:
        priority = pick(
            lists.priorities, given.priorityId, "priorityId", "a priority", "backlog_get_priorities", key
        )
        write["priorityId"], shown["priority"] = priority.id, named(priority)
    elif current is None:
        priority = lists.normal_priority()
        write["priorityId"], shown["priority"] = priority.id, f"{named(priority)} (the default)"
    if given.assigneeId is not None:
        if given.assigneeId == 0:
            write["assigneeId"], shown["assignee"] = 0, EMPTY
        else:
            user = pick(lists.users, given.assigneeId, "assigneeId", "a member", "backlog_get_users", key)
            write["assigneeId"], shown["assignee"] = user.id, user_value(user)
    if given.parent is not None:
        write["parentIssueId"], shown["parentIssue"] = given.parent.id, given.parent.issue_key
    for name, label, what, lister, choices in (
        ("categoryId", "category", "a category", "backlog_get_categories", lists.categories),
        ("milestoneId", "milestone", "a milestone", "backlog_get_milestones", lists.versions),
        ("versionId", "version", "a version", "backlog_get_milestones", lists.versions),
    ):
        ids = getattr(given, name)
        if ids is not None:
            items = pick_all(choices, ids, name, what, lister, key)
            write[name], shown[label] = tuple(i.id for i in items), named_list(items)
    for name in ("startDate", "dueDate"):
        if getattr(given, name) is not None:
            write[name] = shown[name] = getattr(given, name)
    for name in ("estimatedHours", "actualHours"):
        if getattr(given, name) is not None:
            write[name], shown[name] = getattr(given, name), hours_text(getattr(given, name))
    if given.description is not None:
        write["description"] = shown["description"] = given.description
    if given.customFields is not None or current is None:
        custom, custom_shown = custom_field_writes(
            given.customFields or [], lists, issue_type_id, adding=current is None
        )
        write["customFields"] = tuple(custom)
        shown.update(custom_shown)
    if given.notifiedUserId:
        users = pick_all(
            lists.users, given.notifiedUserId, "notifiedUserId", "a member", "backlog_get_users", key
        )
        write["notifiedUserId"] = tuple(u.id for u in users)
        shown["notify"] = ", ".join(user_label(u) for u in users)
    if given.comment is not None:
        if not given.comment.strip():
            raise ToolError("comment is empty: leave it out, or give the comment's text.")
        write["comment"] = shown["comment"] = given.comment
    return IssueWrite(**write), shown


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


def _audited(write: IssueWrite, files: list[LocalFile]) -> dict[str, ParamValue]:
    """The form as the audit line records it: the files by name (their IDs come with the upload)."""
    return {**write.form(), "attachFiles": [f.name for f in files] or None}


def _was(name: str, value: str) -> str | None:
    """A field's value as Backlog holds it, in a report or as an update's `from`: a description
    only by its start and length (the issue shows it whole; the answer need not repeat it). A dry
    run shows the description it would send whole."""
    return _shown(clip(one_line(value)) if name == "description" else value)


def _ordered(shown: dict[str, str]) -> list[str]:
    first = [name for name in FIELD_ORDER if name in shown]
    return first + [name for name in shown if name not in first]


async def _parent(state: AppState, ref: str | None, project: Project) -> Issue | None:
    if ref is None:
        return None
    parent = await IssueEndpoints(state.api).get_issue(issue_ref(ref))
    if parent.project_id is not None and parent.project_id != project.id:
        raise ToolError(
            f"parentIssueIdOrKey {parent.issue_key} is in another project; a parent must be an issue of "
            f"{project.project_key}."
        )
    return parent


async def backlog_add_issue(
    ctx: Context[AppState, Any],
    projectIdOrKey: ProjectRef,
    summary: str,
    issueTypeId: IssueTypeId,
    priorityId: PriorityId = None,
    description: str | None = None,
    assigneeId: AssigneeId = None,
    parentIssueIdOrKey: IssueRef | None = None,
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
    given = _Given(
        summary=summary, issueTypeId=issueTypeId, priorityId=priorityId, description=description,
        assigneeId=assigneeId, startDate=startDate, dueDate=dueDate, estimatedHours=estimatedHours,
        actualHours=actualHours, categoryId=categoryId, milestoneId=milestoneId, versionId=versionId,
        customFields=customFields, notifiedUserId=notifiedUserId,
    )  # fmt: skip
    lists, parent = await gather(
        load_lists(state, project, given.lists_needed(adding=True)),
        _parent(state, parentIssueIdOrKey, project),
    )
    write, shown = _plan(_Given(**{**_fields(given), "parent": parent}), lists, None)
    changes = [Change(name, _shown(shown[name])) for name in _ordered(shown)]
    if (attached := files_change(files)) is not None:
        changes.append(attached)
    key = project.project_key
    search = call_text("backlog_get_issue_list", {"projectIdOrKey": key, "keyword": write.summary})
    check = f"look for it with {search} before adding it again"
    plan = WritePlan("backlog_add_issue", f"Add issue to {key}", key, tuple(changes), _audited(write, files))

    async def send() -> WriteResult:
        ids = await upload_files(state, attachFiles)
        to_send = IssueWrite(**{**_fields(write), "attachmentId": tuple(ids)})
        added = await IssueWriteEndpoints(state.api).add_issue(project.id, to_send, check=check)
        state.resolver.remember_issues([added])
        after = issue_fields(added, state.render, parent_key=parent.issue_key if parent else None)
        reported = [Change(name, _was(name, value)) for name, value in after.items() if value != EMPTY]
        link = state.render.issue_url(added.issue_key)
        return WriteResult(f"Added {added.issue_key}", link, tuple(reported), added.id)

    return await perform(state, plan, dry_run=dryRun, send=send)


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


async def backlog_update_issue(
    ctx: Context[AppState, Any],
    issueIdOrKey: IssueRef,
    summary: str | None = None,
    issueTypeId: NewIssueTypeId = None,
    priorityId: PriorityId = None,
    description: str | None = None,
    assigneeId: NewAssigneeId = None,
    parentIssueIdOrKey: IssueRef | None = None,
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
    statusId: StatusId = None,
    resolutionId: ResolutionId = None,
    comment: str | None = None,
    dryRun: DryRunArg = False,
) -> str:
    """Change an issue's fields; [] clears a list, assigneeId 0 unassigns."""
    state = app_state(ctx)
    files = local_files(state, attachFiles)
    issues = IssueEndpoints(state.api)
    current = await issues.get_issue(issue_ref(issueIdOrKey))
    key = current.issue_key
    project = await state.resolver.project(current.project_id or key.rsplit("-", 1)[0])
    given = _Given(
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
    write, shown = _plan(_Given(**{**_fields(given), "parent": parent}), lists, current)
    if not shown and not files:
        raise ToolError(
            f"Nothing to change: give {key} at least one field to set, a comment, or attachFiles."
        )
    before_key = parent_keys.get(current.parent_issue_id or 0)
    before = issue_fields(current, state.render, parent_key=before_key)
    changes = [
        Change.update(name, _was(name, before.get(name, EMPTY)), _shown(shown[name]))
        for name in _ordered(shown)
    ]
    changes = [Change(c.field, c.after) if c.field in ("comment", "notify") else c for c in changes]
    if (attached := files_change(files)) is not None:
        changes.append(attached)
    check = f"look at {call_text('backlog_get_issue', {'issueIdOrKey': key})} before sending it again"
    plan = WritePlan("backlog_update_issue", f"Update {key}", key, tuple(changes), _audited(write, files))

    async def send() -> WriteResult:
        ids = await upload_files(state, attachFiles)
        to_send = IssueWrite(**{**_fields(write), "attachmentId": tuple(ids)})
        updated = await IssueWriteEndpoints(state.api).update_issue(key, to_send, check=check)
        after_key = parent.issue_key if parent else before_key if updated.parent_issue_id else None
        after = issue_fields(updated, state.render, parent_key=after_key)
        reported = [
            Change.update(name, _was(name, old or EMPTY), _was(name, new))
            for name, old, new in changed_fields(before, after)
        ]
        comment_id = None  # what the update created, if anything: its comment
        if comment:
            posted, comment_id = await _posted_comment(state, key, comment)
            reported.append(posted)
        note = None if reported else "Backlog reports no field changed: the issue already had these values."
        return WriteResult(f"Updated {key}", state.render.issue_url(key), tuple(reported), comment_id, note)

    return await perform(state, plan, dry_run=dryRun, send=send)
