"""Issue writes, held in memory (reference §5.7b): add and update an issue, add and edit a comment.

Updates are logged the way Backlog logs them: a comment carrying one changeLog entry per changed
field, named as Backlog's logs name them (`assigner`, `limitDate`, `component`, …), values as display
text. The key's user (the space administrator) writes everything.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.app import json_response
from backlog_mcp.sandbox.attachments import uploads
from backlog_mcp.sandbox.catalog import PRIORITIES, RESOLUTIONS, WEB_ORIGIN
from backlog_mcp.sandbox.custom_field_writes import (
    change,
    check_required,
    custom_field_changes,
    day_text,
    hours_text,
    is_custom_parameter,
    pick,
)
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.forms import Form, named, write_clock
from backlog_mcp.sandbox.model import JSON, AttachmentFile, IssueRecord, ProjectRecord
from backlog_mcp.sandbox.site import Site, WriteRoute, path_int

__all__ = ["IssueWrites"]

_ISSUE_ID_BASE = 1074900000
_COMMENT_ID_BASE = 1075900000
# Backlog ignores the bracket-array form for custom fields (Nulab's JS client sends `[0]`, `[1]`
# for that reason): such a value is dropped without an error, so a client sending it sees nothing set.
_BRACKETED_CUSTOM = re.compile(r"^customField_\d+\[\]$")
_ISSUE_FIELDS = frozenset(
    {
        "summary", "description", "issueTypeId", "priorityId", "assigneeId", "parentIssueId",
        "startDate", "dueDate", "estimatedHours", "actualHours", "categoryId[]", "versionId[]",
        "milestoneId[]", "notifiedUserId[]", "attachmentId[]",
    }
)  # fmt: skip
_ADD_FIELDS = _ISSUE_FIELDS | {"projectId"}
_UPDATE_FIELDS = _ISSUE_FIELDS | {"statusId", "resolutionId", "comment"}


async def _issue_form(request: Request, allowed: frozenset[str]) -> Form:
    """The form of an add or update; a parameter Backlog does not know is refused (400)."""
    data = await request.form()
    form = Form.read(FormData([(k, v) for k, v in data.multi_items() if not _BRACKETED_CUSTOM.match(k)]))
    for name in form.values:
        if name not in allowed and not is_custom_parameter(name):
            raise invalid(name, "Unknown parameter.")
    return form


class IssueWrites:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space

    def routes(self) -> list[WriteRoute]:
        return [
            ("POST", ("issues",), self.add_issue),
            ("PATCH", ("issues", "{issue}"), self.update_issue),
            ("POST", ("issues", "{issue}", "comments"), self.add_comment),
            ("PATCH", ("issues", "{issue}", "comments", "{commentId}"), self.edit_comment),
        ]

    async def add_issue(self, request: Request, args: dict[str, str]) -> Response:
        form = await _issue_form(request, _ADD_FIELDS)
        project_id = form.required_integer("projectId")
        summary = form.required_text("summary")
        issue_type_id = form.required_integer("issueTypeId")
        priority_id = form.required_integer("priorityId")
        project = self.space.project(str(project_id))
        if project is None:
            raise invalid("projectId", f"No project {project_id}.")
        issue_type = pick(project.issue_types, issue_type_id, "issueTypeId")
        priority = pick(PRIORITIES, priority_id, "priorityId", "the space")
        check_required(project, issue_type_id, form, [])
        self._notified(form)
        keys = (i.json["keyId"] for i in self.space.issues if i.json["projectId"] == project.id)
        key_id = 1 + max(keys, default=0)
        issue_id = 1 + max((i.id for i in self.space.issues), default=_ISSUE_ID_BASE)
        me = self.space.myself
        data: JSON = {
            "id": issue_id,
            "projectId": project.id,
            "issueKey": f"{project.key}-{key_id}",
            "keyId": key_id,
            "issueType": issue_type,
            "summary": summary,
            "description": form.text("description") or "",
            "resolution": None,
            "priority": priority,
            "status": project.statuses[0],
            "assignee": None,
            "category": [],
            "versions": [],
            "milestone": [],
            "startDate": None,
            "dueDate": None,
            "estimatedHours": None,
            "actualHours": None,
            "parentIssueId": None,
            "createdUser": me,
            "created": None,
            "updatedUser": me,
            "updated": None,
            "customFields": [],
            "attachments": [],
            "sharedFiles": [],
            "stars": [],
        }
        issue = IssueRecord(json=data)
        self._apply(IssueRecord(json=copy.deepcopy(data)), project, form, "", commit=False)
        now = self.space.area(write_clock).now()
        data["created"] = data["updated"] = now
        self._apply(issue, project, form, now, commit=True)
        self.space.add_issue(issue)
        location = f"{WEB_ORIGIN}/view/{issue.key}"
        return json_response(issue.json, status=201, headers={"Location": location})

    async def update_issue(self, request: Request, args: dict[str, str]) -> JSON:
        form = await _issue_form(request, _UPDATE_FIELDS)
        issue = self.site.issue(args)
        project = self._project_of(issue)
        issue_type_id = form.integer("issueTypeId") or int(issue.json["issueType"]["id"])
        check_required(project, issue_type_id, form, issue.json["customFields"])
        self._notified(form)
        # A refused update leaves the issue as it was: every field is first set on a copy.
        trial = IssueRecord(json=copy.deepcopy(issue.json))
        self._apply(trial, project, form, "", commit=False)
        now = self.space.area(write_clock).now()
        changes = self._apply(issue, project, form, now, commit=True)
        comment = form.text("comment")
        if changes or comment:
            self._post_comment(issue, comment or "", changes, form, now)
        issue.json["updatedUser"] = self.space.myself
        issue.json["updated"] = now
        return issue.json

    async def add_comment(self, request: Request, args: dict[str, str]) -> Response:
        form = Form.read(await request.form())
        issue = self.site.issue(args)
        content = form.required_text("content")
        now = self.space.area(write_clock).now()
        changes = self._attach(issue, form, now)
        comment = self._post_comment(issue, content, changes, form, now)
        issue.json["updatedUser"] = self.space.myself
        issue.json["updated"] = now
        location = f"{WEB_ORIGIN}/view/{issue.key}#comment-{comment['id']}"
        return json_response(comment, status=201, headers={"Location": location})

    async def edit_comment(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        issue = self.site.issue(args)
        comment_id = path_int(args["commentId"], "commentId")
        comment = next((c for c in issue.comments if c["id"] == comment_id), None)
        if comment is None:
            raise not_found("comment")
        content = form.required_text("content")
        if comment["createdUser"]["id"] != self.space.myself["id"]:
            raise ApiError(403, "You do not have permission to edit this comment.")
        comment["content"] = content
        comment["updated"] = self.space.area(write_clock).now()
        return comment

    def _project_of(self, issue: IssueRecord) -> ProjectRecord:
        project = self.space.project(str(issue.json["projectId"]))
        if project is None:  # every issue belongs to a project of the space
            raise not_found("project")
        return project

    def _apply(
        self, issue: IssueRecord, project: ProjectRecord, form: Form, now: str, *, commit: bool
    ) -> list[JSON]:
        """Sets every field the form names; returns the change log entries of what changed.

        Without `commit`, only `issue` (a copy) is changed: the parent's children and the uploads
        are checked, not touched.
        """
        data = issue.json
        changes: list[JSON] = []

        def put(key: str, field: str, new: Any, shown: str | None, old_shown: str | None) -> None:
            if shown != old_shown:
                changes.append(change(field, shown, old_shown))
            data[key] = new

        if "summary" in form:
            summary = form.required_text("summary")
            put("summary", "summary", summary, summary, data["summary"])
        if "description" in form:
            text = form.text("description") or ""
            put("description", "description", text, text or None, data["description"] or None)
        for name, key, choices in (
            ("issueTypeId", "issueType", project.issue_types),
            ("priorityId", "priority", PRIORITIES),
        ):
            chosen = form.integer(name)
            if chosen is not None:
                new = pick(choices, chosen, name, "the project" if choices is not PRIORITIES else "the space")
                put(key, key, new, new["name"], data[key]["name"])
        if "assigneeId" in form:
            user_id = form.integer("assigneeId")
            user = None if user_id is None else self._member(project, user_id, "assigneeId")
            old = data["assignee"]
            put("assignee", "assigner", user, user["name"] if user else None, old["name"] if old else None)
        for name, key, field, choices in (
            ("categoryId[]", "category", "component", project.categories),
            ("versionId[]", "versions", "version", project.versions),
            ("milestoneId[]", "milestone", "milestone", project.versions),
        ):
            if name in form:
                items = [pick(choices, item_id, name) for item_id in dict.fromkeys(form.integers(name))]
                put(key, field, items, named(items), named(data[key]))
        for name, field in (("startDate", "startDate"), ("dueDate", "limitDate")):
            if name in form:
                day = form.day(name)
                put(name, field, day, day_text(day), day_text(data[name]))
        for name in ("estimatedHours", "actualHours"):
            if name in form:
                hours = form.hours(name)
                put(name, name, hours, hours_text(hours), hours_text(data[name]))
        if "parentIssueId" in form:
            changes.extend(self._parent(issue, project, form.integer("parentIssueId"), commit=commit))
        changes.extend(custom_field_changes(data, project, form))
        if "statusId" in form:
            status = pick(project.statuses, form.required_integer("statusId"), "statusId")
            put("status", "status", status, status["name"], data["status"]["name"])
        if "resolutionId" in form:
            chosen = form.integer("resolutionId")
            resolution = None if chosen is None else pick(RESOLUTIONS, chosen, "resolutionId", "the space")
            old = data["resolution"]
            shown = resolution["name"] if resolution else None
            put("resolution", "resolution", resolution, shown, old["name"] if old else None)
        changes.extend(self._attach(issue, form, now, commit=commit))
        return changes

    def _member(self, project: ProjectRecord, user_id: int, name: str) -> JSON:
        user = next((u for u in project.users if u["id"] == user_id), None)
        if user is None:
            raise invalid(name, f"No user {user_id} in the project.")
        return user

    def _notified(self, form: Form) -> list[JSON]:
        notified = []
        for user_id in form.integers("notifiedUserId[]"):
            user = self.space.user(user_id)
            if user is None:
                raise invalid("notifiedUserId[]", f"No user {user_id}.")
            notified.append(user)
        return notified

    def _parent_of(
        self, issue: IssueRecord, project: ProjectRecord, parent_id: int | None
    ) -> IssueRecord | None:
        if parent_id is None:
            return None
        if not project.json.get("subtaskingEnabled"):
            raise invalid("parentIssueId", "Subtasking is not enabled in the project.")
        parent = self.space.issue(str(parent_id))
        if parent is None or parent.json["projectId"] != issue.json["projectId"]:
            raise invalid("parentIssueId", f"No issue {parent_id} in the project.")
        if parent.id == issue.id:
            raise invalid("parentIssueId", "An issue cannot be its own parent.")
        if parent.json["parentIssueId"] is not None:
            raise invalid("parentIssueId", f"{parent.key} is a child issue and cannot be a parent.")
        if issue.child_ids and parent.id != issue.json["parentIssueId"]:
            raise invalid("parentIssueId", f"{issue.key} has child issues and cannot be a child.")
        return parent

    def _parent(
        self, issue: IssueRecord, project: ProjectRecord, parent_id: int | None, *, commit: bool
    ) -> list[JSON]:
        parent = self._parent_of(issue, project, parent_id)
        old_id = issue.json["parentIssueId"]
        old = None if old_id is None else self.space.issue(str(old_id))
        issue.json["parentIssueId"] = parent_id
        new_key, old_key = parent.key if parent else None, old.key if old else None
        if not commit:
            return []
        if old is not None and issue.id in old.child_ids:
            old.child_ids.remove(issue.id)
        if parent is not None:
            parent.child_ids.append(issue.id)
        return [] if new_key == old_key else [change("parentIssue", new_key, old_key)]

    def _attach(self, issue: IssueRecord, form: Form, now: str, *, commit: bool = True) -> list[JSON]:
        store = self.space.area(uploads)
        entries = []
        for attachment_id in form.integers("attachmentId[]"):
            if not commit:
                if attachment_id not in store.pending:
                    store.take(attachment_id)  # refused as the real take refuses it
                continue
            name, body = store.take(attachment_id)
            meta: JSON = {
                "id": attachment_id,
                "name": name,
                "size": body.size,
                "createdUser": self.space.myself,
                "created": now,
            }
            issue.files[attachment_id] = AttachmentFile(issue_id=issue.id, meta=meta, body=body)
            issue.json["attachments"].append(meta)
            entries.append(change("attachment", name, None, attachment={"id": attachment_id, "name": name}))
        return entries

    def _post_comment(
        self, issue: IssueRecord, content: str, changes: list[JSON], form: Form, now: str
    ) -> JSON:
        notified = self._notified(form)
        comment_id = 1 + max(
            (c["id"] for i in self.space.issues for c in i.comments), default=_COMMENT_ID_BASE
        )
        comment: JSON = {
            "id": comment_id,
            "projectId": issue.json["projectId"],
            "issueId": issue.id,
            "content": content,
            "changeLog": changes,
            "createdUser": self.space.myself,
            "created": now,
            "updated": now,
            "stars": [],
            "notifications": [
                {
                    "id": comment_id * 10 + n,
                    "alreadyRead": False,
                    "reason": 2,
                    "user": user,
                    "resourceAlreadyRead": False,
                }
                for n, user in enumerate(notified)
            ],
        }
        issue.comments.append(comment)
        return comment
