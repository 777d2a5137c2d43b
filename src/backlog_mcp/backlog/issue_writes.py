"""Issue writes: the form bodies of `POST /issues` and `PATCH /issues/:issueIdOrKey`, and the two
endpoints (reference §5.7b).

A field left `None` is not sent, so an update changes only what it names; an empty list is sent
as Backlog's "clear" (`categoryId[]=` with no value).
"""

from __future__ import annotations

from dataclasses import dataclass

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.issues import Issue
from backlog_mcp.backlog.params import ParamValue

__all__ = [
    "MULTI_ITEM_TYPES",
    "SINGLE_ITEM_TYPES",
    "CustomFieldWrite",
    "IssueWrite",
    "IssueWriteEndpoints",
    "hours_param",
]

SINGLE_ITEM_TYPES = (5, 8)  # single list, radio
MULTI_ITEM_TYPES = (6, 7)  # multiple list, check box
_HOURS_DECIMALS = 2  # Backlog keeps hours to two decimals


def hours_param(hours: float) -> str:
    """`2.5` → `"2.5"`, `3.0` → `"3"`: plain decimals, never an exponent."""
    return f"{hours:.{_HOURS_DECIMALS}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class CustomFieldWrite:
    """One custom field's new value; `type_id` (from the field's definition) decides the form.

    Text, text area, numeric and date fields take `value` (`""` clears); list fields take
    `item_ids` (empty clears), and check box and radio fields may add `other_value`.
    """

    id: int
    type_id: int
    value: str | None = None
    item_ids: tuple[int, ...] | None = None
    other_value: str | None = None

    def params(self) -> dict[str, ParamValue]:
        """The form fields: a multi-item field's items in the indexed form (`customField_5[0]=1`,
        `customField_5[1]=3`), the form Nulab's own JS client sends, because Backlog ignores the
        bracket-array form (`customField_5[]`) for custom fields; anything else as one value."""
        name = f"customField_{self.id}"
        params: dict[str, ParamValue] = {}
        if self.item_ids is not None:
            if not self.item_ids:
                params[name] = ""
            elif self.type_id in MULTI_ITEM_TYPES:
                params.update({f"{name}[{index}]": str(item) for index, item in enumerate(self.item_ids)})
            else:
                params[name] = str(self.item_ids[0])
        elif self.value is not None:
            params[name] = self.value
        if self.other_value is not None:
            params[f"{name}_otherValue"] = self.other_value
        return params


def _ids(name: str, ids: tuple[int, ...] | None) -> dict[str, ParamValue]:
    if ids is None:
        return {}
    # A tuple goes out as `name[]=…` pairs; an empty one would send nothing, so it is spelt out.
    return {name: ids} if ids else {f"{name}[]": ""}


@dataclass(frozen=True, slots=True)
class IssueWrite:
    """The fields of an add or an update, in Backlog's parameter names.

    `assigneeId` 0 and `parentIssueId` 0 send an empty value, which unassigns and detaches.
    `statusId`, `resolutionId` and `comment` belong to updates only (an issue is added in its
    project's first status).
    """

    summary: str | None = None
    issueTypeId: int | None = None
    priorityId: int | None = None
    description: str | None = None
    assigneeId: int | None = None
    parentIssueId: int | None = None
    startDate: str | None = None
    dueDate: str | None = None
    estimatedHours: float | None = None
    actualHours: float | None = None
    categoryId: tuple[int, ...] | None = None
    milestoneId: tuple[int, ...] | None = None
    versionId: tuple[int, ...] | None = None
    customFields: tuple[CustomFieldWrite, ...] = ()
    notifiedUserId: tuple[int, ...] = ()
    attachmentId: tuple[int, ...] = ()
    statusId: int | None = None
    resolutionId: int | None = None
    comment: str | None = None

    def form(self) -> dict[str, ParamValue]:
        """The form body; `None`s are left out (the client drops them), lists as `name[]`."""
        form: dict[str, ParamValue] = {
            "summary": self.summary,
            "issueTypeId": self.issueTypeId,
            "priorityId": self.priorityId,
            "description": self.description,
            "assigneeId": _zero_clears(self.assigneeId),
            "parentIssueId": _zero_clears(self.parentIssueId),
            "startDate": self.startDate,
            "dueDate": self.dueDate,
            "estimatedHours": None if self.estimatedHours is None else hours_param(self.estimatedHours),
            "actualHours": None if self.actualHours is None else hours_param(self.actualHours),
            "statusId": self.statusId,
            "resolutionId": self.resolutionId,
            "comment": self.comment,
        }
        form.update(_ids("categoryId", self.categoryId))
        form.update(_ids("milestoneId", self.milestoneId))
        form.update(_ids("versionId", self.versionId))
        for custom in self.customFields:
            form.update(custom.params())
        if self.notifiedUserId:
            form["notifiedUserId"] = self.notifiedUserId
        if self.attachmentId:
            form["attachmentId"] = self.attachmentId
        return {name: value for name, value in form.items() if value is not None}


def _zero_clears(value: int | None) -> int | str | None:
    return "" if value == 0 else value


class IssueWriteEndpoints(EndpointGroup):
    """`check`: how to see whether a write whose answer never came took effect (the error says it)."""

    async def add_issue(self, project_id: int, write: IssueWrite, *, check: str) -> Issue:
        form = {"projectId": project_id, **write.form()}
        return await self.client.send_form(Issue, "POST", "issues", form, what="the new issue", check=check)

    async def update_issue(self, issue: str | int, write: IssueWrite, *, check: str) -> Issue:
        path = f"issues/{segment(issue)}"
        return await self.client.send_form(
            Issue, "PATCH", path, write.form(), what=f"issue {issue}", check=check
        )
