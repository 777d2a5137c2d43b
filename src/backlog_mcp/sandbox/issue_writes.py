"""Issue writes, held in memory (reference §5.7b): add and update an issue, add and edit a comment.

Updates are logged the way Backlog logs them: a comment carrying one changeLog entry per changed
field, named as Backlog's logs name them (`assigner`, `limitDate`, `component`, …), values as display
text. The key's user (the space administrator) writes everything.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.app import json_response
from backlog_mcp.sandbox.attachments import uploads
from backlog_mcp.sandbox.catalog import PRIORITIES, RESOLUTIONS, WEB_ORIGIN
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.forms import Form, named, write_clock
from backlog_mcp.sandbox.model import JSON, AttachmentFile, IssueRecord, ProjectRecord, jst_date
from backlog_mcp.sandbox.site import Site, WriteRoute, path_int

__all__ = ["IssueWrites"]

_CUSTOM = re.compile(r"^customField_(\d+)(\[\])?$")
_ISSUE_ID_BASE = 1074900000
_COMMENT_ID_BASE = 1075900000


def _entry(field: str, new: str | None, original: str | None, **info: Any) -> JSON:
    return {
        "field": field,
        "newValue": new,
        "originalValue": original,
        "attachmentInfo": info.get("attachment"),
        "attributeInfo": info.get("attribute"),
        "notificationInfo": None,
    }


def _day(value: str | None) -> str | None:
    """A stored date field (JST midnight as UTC) as the `yyyy-MM-dd` the change log shows."""
    return None if value is None else jst_date(value).isoformat()


def _hours(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


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
        form = Form.read(await request.form())
        project_id = form.required_integer("projectId")
        summary = form.required_text("summary")
        issue_type_id = form.required_integer("issueTypeId")
        priority_id = form.required_integer("priorityId")
        project = self.space.project(str(project_id))
        if project is None:
            raise invalid("projectId", f"No project {project_id}.")
        now = self.space.area(write_clock).now()
        keys = (i.json["keyId"] for i in self.space.issues if i.json["projectId"] == project.id)
        key_id = 1 + max(keys, default=0)
        issue_id = 1 + max((i.id for i in self.space.issues), default=_ISSUE_ID_BASE)
        me = self.space.myself
        data: JSON = {
            "id": issue_id,
            "projectId": project.id,
            "issueKey": f"{project.key}-{key_id}",
            "keyId": key_id,
            "issueType": _pick(project.issue_types, issue_type_id, "issueTypeId"),
            "summary": summary,
            "description": form.text("description") or "",
            "resolution": None,
            "priority": _pick(PRIORITIES, priority_id, "priorityId"),
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
            "created": now,
            "updatedUser": me,
            "updated": now,
            "customFields": [],
            "attachments": [],
            "sharedFiles": [],
            "stars": [],
        }
        issue = IssueRecord(json=data)
        self._apply(issue, project, form, now)
        self.space.add_issue(issue)
        location = f"{WEB_ORIGIN}/view/{issue.key}"
        return json_response(issue.json, status=201, headers={"Location": location})

    async def update_issue(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        issue = self.site.issue(args)
        project = self._project_of(issue)
        now = self.space.area(write_clock).now()
        changes = self._apply(issue, project, form, now)
        for name, field in (("statusId", "status"), ("resolutionId", "resolution")):
            chosen = form.integer(name)
            if chosen is not None:
                choices = project.statuses if name == "statusId" else RESOLUTIONS
                new = _pick(choices, chosen, name)
                old = issue.json[field]
                if old is None or old["id"] != new["id"]:
                    changes.append(_entry(field, new["name"], old["name"] if old else None))
                    issue.json[field] = new
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

    def _apply(self, issue: IssueRecord, project: ProjectRecord, form: Form, now: str) -> list[JSON]:
        """Sets every field the form names; returns the change log entries of what changed."""
        data = issue.json
        changes: list[JSON] = []

        def put(key: str, field: str, new: Any, shown: str | None, old_shown: str | None) -> None:
            if shown != old_shown:
                changes.append(_entry(field, shown, old_shown))
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
                new = _pick(choices, chosen, name)
                put(key, key, new, new["name"], data[key]["name"])
        if "assigneeId" in form:
            user_id = form.integer("assigneeId")
            user = None if user_id is None else self.space.user(user_id)
            if user_id is not None and user is None:
                raise invalid("assigneeId", f"No user {user_id}.")
            old = data["assignee"]
            put("assignee", "assigner", user, user["name"] if user else None, old["name"] if old else None)
        for name, key, field, choices in (
            ("categoryId[]", "category", "component", project.categories),
            ("versionId[]", "versions", "version", project.versions),
            ("milestoneId[]", "milestone", "milestone", project.versions),
        ):
            if name in form:
                items = [_pick(choices, item_id, name) for item_id in form.integers(name)]
                put(key, field, items, named(items), named(data[key]))
        for name, field in (("startDate", "startDate"), ("dueDate", "limitDate")):
            if name in form:
                day = form.day(name)
                put(name, field, day, _day(day), _day(data[name]))
        for name in ("estimatedHours", "actualHours"):
            if name in form:
                hours = form.hours(name)
                put(name, name, hours, _hours(hours), _hours(data[name]))
        if "parentIssueId" in form:
            changes.extend(self._parent(issue, form.integer("parentIssueId")))
        changes.extend(_custom_fields(data, project, form))
        changes.extend(self._attach(issue, form, now))
        return changes

    def _parent(self, issue: IssueRecord, parent_id: int | None) -> list[JSON]:
        parent = None if parent_id is None else self.space.issue(str(parent_id))
        if parent_id is not None and (parent is None or parent.json["projectId"] != issue.json["projectId"]):
            raise invalid("parentIssueId", f"No issue {parent_id} in the project.")
        old_id = issue.json["parentIssueId"]
        old = None if old_id is None else self.space.issue(str(old_id))
        if old is not None and issue.id in old.child_ids:
            old.child_ids.remove(issue.id)
        if parent is not None:
            parent.child_ids.append(issue.id)
        issue.json["parentIssueId"] = parent_id
        new_key, old_key = parent.key if parent else None, old.key if old else None
        return [] if new_key == old_key else [_entry("parentIssue", new_key, old_key)]

    def _attach(self, issue: IssueRecord, form: Form, now: str) -> list[JSON]:
        store = self.space.area(uploads)
        entries = []
        for attachment_id in form.integers("attachmentId[]"):
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
            entries.append(_entry("attachment", name, None, attachment={"id": attachment_id, "name": name}))
        return entries

    def _post_comment(
        self, issue: IssueRecord, content: str, changes: list[JSON], form: Form, now: str
    ) -> JSON:
        notified = []
        for user_id in form.integers("notifiedUserId[]"):
            user = self.space.user(user_id)
            if user is None:
                raise invalid("notifiedUserId[]", f"No user {user_id}.")
            notified.append(user)
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


def _pick(choices: list[JSON], item_id: int, name: str) -> JSON:
    found = next((item for item in choices if item["id"] == item_id), None)
    if found is None:
        raise invalid(name, f"No {name.removesuffix('[]').removesuffix('Id')} {item_id} in the project.")
    return found


def _custom_fields(data: JSON, project: ProjectRecord, form: Form) -> list[JSON]:
    definitions = {int(f["id"]): f for f in project.custom_fields}
    changes: list[JSON] = []
    for key, values in form.values.items():
        found = _CUSTOM.match(key)
        if found is None:
            continue
        field_id = int(found[1])
        definition = definitions.get(field_id)
        if definition is None:
            raise invalid(key, f"No custom field {field_id} in the project.")
        value, shown = _custom_value(definition, key, values)
        current = next((c for c in data["customFields"] if c["id"] == field_id), None)
        if current is None:
            current = {
                "id": field_id,
                "fieldTypeId": definition["typeId"],
                "name": definition["name"],
                "value": None,
            }
            data["customFields"].append(current)
        old_shown = _custom_shown(current["value"])
        current["value"] = value
        other = form.text(f"customField_{field_id}_otherValue")
        if other is not None:
            current["otherValue"] = other
        if shown != old_shown:
            attribute = {"id": field_id, "typeId": definition["typeId"]}
            changes.append(_entry(definition["name"], shown, old_shown, attribute=attribute))
    return changes


def _custom_value(definition: JSON, key: str, values: list[str]) -> tuple[Any, str | None]:
    type_id = int(definition["typeId"])
    raw = [v for v in values if v != ""]
    if not raw:
        return ([] if type_id in (6, 7) else None), None
    if type_id in (1, 2):
        return raw[-1], raw[-1]
    form = Form({key: raw})
    if type_id == 3:
        number = form.hours(key)
        return number, _hours(number)
    if type_id == 4:
        day = form.day(key)
        return day, _day(day)
    items = [_pick(definition.get("items", []), item_id, key) for item_id in form.integers(key)]
    if type_id in (5, 8):
        return items[-1], str(items[-1]["name"])
    return items, named(items)


def _custom_shown(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return named(value)
    if isinstance(value, dict):
        return str(value["name"])
    if isinstance(value, float):
        return _hours(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT15:00:00Z", value):
        return _day(value)
    return str(value)
