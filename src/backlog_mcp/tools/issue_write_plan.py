"""An issue write's plan: the form to send and each field as shown, every ID checked first, and an
update less the fields that already hold the value given."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.issue_writes import IssueWrite
from backlog_mcp.backlog.issues import Issue
from backlog_mcp.backlog.params import ParamValue
from backlog_mcp.quote import clip
from backlog_mcp.render.issue_writes import FIELD_ORDER, hours_text, named, named_list, user_value
from backlog_mcp.render.text import EMPTY, one_line, user_label
from backlog_mcp.tools.issue_write_refs import ProjectLists, custom_field_writes, pick, pick_all
from backlog_mcp.tools.uploads import LocalFile

__all__ = [
    "Given",
    "audited",
    "fields_of",
    "ordered",
    "plan_write",
    "reported_value",
    "shown_value",
    "without_unchanged",
]


@dataclass(frozen=True, slots=True)
class Given:
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


def shown_value(value: str) -> str | None:
    return None if value == EMPTY else value


def plan_write(given: Given, lists: ProjectLists, current: Issue | None) -> tuple[IssueWrite, dict[str, str]]:
    """The form to send and each field's new value as shown, every ID checked against `lists`."""
    key = lists.project.project_key
    shown: dict[str, str] = {}
    write: dict[str, Any] = {}
    if given.summary is not None:
        if not given.summary.strip():
            raise ToolError("summary is empty: give the issue's title.")
        if len(given.summary.strip().splitlines()) > 1:  # Unicode's line breaks too (U+2028, U+0085)
            raise ToolError("summary must be one line: put the rest in description.")
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
        if getattr(given, name) is not None:  # "" clears it (updates only)
            write[name], shown[name] = getattr(given, name), getattr(given, name) or EMPTY
    for name in ("estimatedHours", "actualHours"):
        if getattr(given, name) is not None:  # Backlog keeps two decimals: shown as it will be kept
            hours = round(getattr(given, name), 2)
            write[name], shown[name] = hours, hours_text(hours)
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


# A shown field's parameter in the form (custom fields are matched by their label).
_PARAMETER = {
    "summary": "summary", "issueType": "issueTypeId", "status": "statusId", "resolution": "resolutionId",
    "priority": "priorityId", "assignee": "assigneeId", "parentIssue": "parentIssueId",
    "category": "categoryId", "milestone": "milestoneId", "version": "versionId",
    "startDate": "startDate", "dueDate": "dueDate", "estimatedHours": "estimatedHours",
    "actualHours": "actualHours", "description": "description",
}  # fmt: skip


def without_unchanged(
    write: IssueWrite, shown: dict[str, str], before: dict[str, str]
) -> tuple[IssueWrite, dict[str, str]]:
    """The update less the fields that already hold the value given: neither shown nor sent, so
    a dry run lists exactly what would change, and a call that changes nothing sends nothing."""
    same = {name for name, value in shown.items() if name in before and before[name] == value}
    if not same:
        return write, shown
    cleared: dict[str, Any] = {_PARAMETER[name]: None for name in same if name in _PARAMETER}
    custom = tuple(
        c for c in write.customFields if not any(name.endswith(f"(custom field {c.id})") for name in same)
    )
    kept = {name: value for name, value in shown.items() if name not in same}
    return dataclasses.replace(write, **cleared, customFields=custom), kept


def audited(write: IssueWrite, files: list[LocalFile]) -> dict[str, ParamValue]:
    """The form as the audit line records it: the files by name (their IDs come with the upload)."""
    return {**write.form(), "attachFiles": [f.name for f in files] or None}


def reported_value(name: str, value: str) -> str | None:
    """A field's value as Backlog holds it, in a report or as an update's `from`: a description
    only by its start and length (the issue shows it whole; the answer need not repeat it). A dry
    run shows the description it would send whole."""
    return shown_value(clip(one_line(value)) if name == "description" else value)


def ordered(shown: dict[str, str]) -> list[str]:
    first = [name for name in FIELD_ORDER if name in shown]
    return first + [name for name in shown if name not in first]


def fields_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}
