"""The filters of `backlog_get_issue_list` and `backlog_count_issues`: their argument types, the
custom-field filter objects, and their translation into Backlog's `GET /issues` parameters."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, WithJsonSchema, model_validator

from backlog_mcp.aio import gather
from backlog_mcp.backlog.issues import IssueEndpoints, IssueFilter
from backlog_mcp.backlog.params import ParamValue
from backlog_mcp.errors import BacklogInvalidRequestError
from backlog_mcp.quote import echo
from backlog_mcp.render.text import call_text
from backlog_mcp.tools.args import (
    BACKLOG_ID_MAX,
    ID_LIST_SCHEMA,
    check_date,
    custom_field_object,
    json_list,
    lenient_ids,
    nfkc,
    parse_issue_key,
    project_refs,
    within,
)
from backlog_mcp.tools.state import AppState

__all__ = [
    "CustomFieldFilter",
    "CustomFieldsArg",
    "ResolutionIds",
    "build_filter",
    "custom_field_hint",
    "echoed",
]

_RESOLUTION = within(0, "a list of resolution IDs, whole numbers of 0 or more (0 is Fixed)")


def _resolutions_in_range(ids: list[int] | None) -> list[int] | None:
    for given in ids or ():
        _RESOLUTION(given)
    return ids


# Backlog's resolution IDs start at 0 (対応済み / Fixed), which the general ID list refuses.
ResolutionIds = Annotated[
    list[int] | None,
    BeforeValidator(lenient_ids),
    AfterValidator(_resolutions_in_range),
    WithJsonSchema(ID_LIST_SCHEMA),
]

_KEYS = ("id", "value", "min", "max", "itemIds")


class CustomFieldFilter(BaseModel):
    """One custom-field condition: exactly one of a text `value`, a `min`/`max` range (numbers or
    yyyy-MM-dd dates), or list `itemIds` — one object type with optional keys, not a union."""

    model_config = ConfigDict(frozen=True)

    id: int
    value: str | None = None
    min: str | None = None
    max: str | None = None
    itemIds: tuple[int, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any) -> Any:
        read = custom_field_object(data, _KEYS)
        for bound in ("min", "max"):
            if bound in read:
                read[bound] = _bound(read[bound], bound)
        if isinstance(read.get("value"), int | float) and not isinstance(read["value"], bool):
            read["value"] = str(read["value"])
        return read

    @model_validator(mode="after")
    def _one_kind(self) -> CustomFieldFilter:
        within(1, "a custom field ID from backlog_get_custom_fields")(self.id)
        kinds = [
            name
            for name, given in (
                ("value", self.value is not None),
                ("min/max", self.min is not None or self.max is not None),
                ("itemIds", self.itemIds is not None),
            )
            if given
        ]
        if len(kinds) != 1:
            got = " and ".join(kinds) if kinds else "none"
            raise ValueError(
                f"(id {self.id}) takes exactly one of value (text), min/max (number or yyyy-MM-dd) "
                f"or itemIds (list items); got {got}"
            )
        if self.value is not None and not self.value.strip():
            raise ValueError(f"(id {self.id}) value is empty")
        if self.itemIds is not None and (
            not self.itemIds or any(not 1 <= i <= BACKLOG_ID_MAX for i in self.itemIds)
        ):
            raise ValueError(f"(id {self.id}) itemIds takes item IDs from backlog_get_custom_fields")
        return self

    def params(self) -> dict[str, ParamValue]:
        """Backlog's parameters for this condition (`customField_{id}`, `_min`/`_max`, `[i]`).

        List items go in the indexed form (`customField_5[0]=1&customField_5[1]=2`), as Nulab's
        own client sends them: Backlog does not apply the bracket-array form to these parameters.
        """
        name = f"customField_{self.id}"
        if self.value is not None:
            return {name: self.value.strip()}
        if self.itemIds is not None:
            return {f"{name}[{index}]": str(item) for index, item in enumerate(self.itemIds)}
        bounds = {f"{name}_min": self.min, f"{name}_max": self.max}
        return {k: v for k, v in bounds.items() if v is not None}

    def echoed(self) -> dict[str, Any]:
        """As the caller would write it again, for the next-page call and the filters echo."""
        return self.model_dump(exclude_none=True, mode="json")


def _bound(value: object, which: str) -> str:
    """A range bound as Backlog takes it: a number's digits, or a date as yyyy-MM-dd."""
    if isinstance(value, bool):
        raise ValueError(f"{which} must be a number or a yyyy-MM-dd date (got {echo(value)})")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{which} must be a finite number (got {echo(value)})")
        return f"{value:g}" if value.is_integer() else repr(value)
    refusal = f"{which} must be a number or a yyyy-MM-dd date (got {echo(value)})"
    if isinstance(value, str):
        text = nfkc(value)
        try:
            number = float(text)
        except ValueError:
            try:
                return check_date(text) or text
            except ValueError:
                raise ValueError(refusal) from None
        if math.isfinite(number):
            return text
    raise ValueError(refusal)


# Advertised by hand: one flat object type (no $ref, no anyOf), with the keys a model needs.
_CUSTOM_FIELDS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "value": {"type": "string"},
            "min": {"type": "string"},
            "max": {"type": "string"},
            "itemIds": ID_LIST_SCHEMA,
        },
        "required": ["id"],
    },
}
CustomFieldsArg = Annotated[
    list[CustomFieldFilter] | None, BeforeValidator(json_list), WithJsonSchema(_CUSTOM_FIELDS_SCHEMA)
]


def _issue_refs(value: object) -> object:
    """Parent issues by ID or by key (`DEMO-1`): the lists show keys, Backlog filters by ID."""
    items = lenient_ids(value)
    if not isinstance(items, list):
        return items
    read: list[int | str] = []
    for item in items:
        if isinstance(item, str) and not item.isdigit():
            key = parse_issue_key(item)
            if key is None:
                raise ValueError(f"takes issue IDs or keys like DEMO-1 (got {echo(item)})")
            read.append(key)
        elif isinstance(item, str | int) and not isinstance(item, bool):
            read.append(within(1, "an issue ID or key")(int(item)) or 0)
        else:
            raise ValueError(f"takes issue IDs or keys like DEMO-1 (got {echo(item)})")
    return read


# Advertised as IDs (what Backlog takes); a key given instead is looked up before sending.
ParentIssuesArg = Annotated[
    list[int | str] | None, BeforeValidator(_issue_refs), WithJsonSchema(ID_LIST_SCHEMA)
]


async def build_filter(state: AppState, args: dict[str, Any]) -> IssueFilter:
    """The `IssueFilter` for a call's given arguments (project keys resolved to IDs)."""
    project_ids: tuple[int, ...] = ()
    if args.get("projectIdOrKey") is not None:
        refs = project_refs(args["projectIdOrKey"])
        project_ids = await gather(*(state.resolver.project_id(ref) for ref in refs))
    elif state.scope.active:  # no project named: the allowed ones, never the whole space
        project_ids = tuple(await state.scope.allowed_ids())
        if not project_ids:
            raise ToolError(
                f"None of the projects in BACKLOG_PROJECTS ({state.scope.listed}) is visible to this "
                "Backlog user, so there are no issues to list."
            )
    keyword = (args.get("keyword") or "").strip()
    extra: dict[str, ParamValue] = {}
    for condition in args.get("customFields") or ():
        extra.update(condition.params())

    def ids(name: str) -> tuple[int, ...]:
        return tuple(args.get(name) or ())

    parents = args.get("parentIssueId") or ()
    issues = IssueEndpoints(state.api)
    # One lookup per key, all at once; a key that is not an issue is reported as such.
    keyed = await gather(*(issues.get_issue(ref) for ref in parents if isinstance(ref, str)))
    parent_ids = tuple(ref for ref in parents if isinstance(ref, int)) + tuple(i.id for i in keyed)

    return IssueFilter(
        projectId=project_ids,
        statusId=ids("statusId"),
        priorityId=ids("priorityId"),
        assigneeId=ids("assigneeId"),
        categoryId=ids("categoryId"),
        milestoneId=ids("milestoneId"),
        issueTypeId=ids("issueTypeId"),
        createdUserId=ids("createdUserId"),
        resolutionId=ids("resolutionId"),
        versionId=ids("versionId"),
        parentIssueId=parent_ids,
        parentChild=args.get("parentChild") or None,
        attachment=args.get("attachment"),
        hasDueDate=args.get("hasDueDate"),
        keyword=keyword or None,
        createdSince=args.get("createdSince"),
        createdUntil=args.get("createdUntil"),
        updatedSince=args.get("updatedSince"),
        updatedUntil=args.get("updatedUntil"),
        dueDateSince=args.get("dueDateSince"),
        dueDateUntil=args.get("dueDateUntil"),
        startDateSince=args.get("startDateSince"),
        startDateUntil=args.get("startDateUntil"),
        extra=extra,
    )


@asynccontextmanager
async def custom_field_hint(arguments: dict[str, Any]) -> AsyncIterator[None]:
    """Backlog's refusal of a custom-field filter, with where to find the right IDs."""
    try:
        yield
    except BacklogInvalidRequestError as exc:
        if not arguments.get("customFields") or "customField" not in str(exc):
            raise
        project = arguments.get("projectIdOrKey")
        lists = (
            call_text("backlog_get_custom_fields", {"projectIdOrKey": project_refs(project)[0]})
            if project
            else "backlog_get_custom_fields with the project's key"
        )
        raise ToolError(f"{exc} The custom fields, their types and item IDs: {lists}.") from None


def echoed(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments as JSON a caller can send again (custom-field conditions as plain objects)."""
    if "customFields" not in arguments:
        return arguments
    return {**arguments, "customFields": [c.echoed() for c in arguments["customFields"]]}
