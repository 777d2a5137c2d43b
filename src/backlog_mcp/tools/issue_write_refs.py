"""What an issue write refers to, checked before anything is sent: each ID against the list of the
issue's project (cached by the resolver), a wrong one refused naming the tool that lists the right
ones; and the custom-field values of `customFields`, shaped by each field's type."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema, model_validator

from backlog_mcp.aio import gather
from backlog_mcp.backlog.issue_writes import MULTI_ITEM_TYPES, SINGLE_ITEM_TYPES, CustomFieldWrite
from backlog_mcp.backlog.issues import CustomField
from backlog_mcp.backlog.models import Priority, Resolution, User
from backlog_mcp.backlog.projects import Category, IssueType, Project, Status, Version
from backlog_mcp.quote import echo
from backlog_mcp.render.issue_writes import custom_label
from backlog_mcp.render.text import EMPTY, call_text, one_line
from backlog_mcp.tools.args import (
    ID_LIST_SCHEMA,
    check_date,
    custom_field_object,
    json_list,
    nfkc,
    within,
)
from backlog_mcp.tools.state import AppState

__all__ = [
    "CustomFieldSet",
    "CustomFieldsSetArg",
    "ProjectLists",
    "custom_field_writes",
    "load_lists",
    "pick",
]

T = TypeVar("T")
_LIST_TYPES = SINGLE_ITEM_TYPES + MULTI_ITEM_TYPES
_NORMAL_PRIORITY_NAMES = ("normal", "中", "bình thường")
_NORMAL_PRIORITY_ID = 3  # Backlog's fixed set: 2 High, 3 Normal, 4 Low


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


ItemT = TypeVar("ItemT", bound=_Identified)


@dataclass(frozen=True, slots=True)
class ProjectLists:
    """The lists a write's IDs are checked against; `None` where the call needs none."""

    project: Project
    issue_types: list[IssueType] | None = None
    priorities: list[Priority] | None = None
    statuses: list[Status] | None = None
    resolutions: list[Resolution] | None = None
    categories: list[Category] | None = None
    versions: list[Version] | None = None
    users: list[User] | None = None
    custom_fields: list[CustomField] | None = None

    def normal_priority(self) -> Priority:
        priorities = self.priorities or []
        for priority in priorities:
            if priority.name.strip().casefold() in _NORMAL_PRIORITY_NAMES:
                return priority
        by_id = next((p for p in priorities if p.id == _NORMAL_PRIORITY_ID), None)
        if by_id is not None:
            return by_id
        if not priorities:
            raise ToolError("Backlog lists no priorities: give priorityId (see backlog_get_priorities).")
        return priorities[len(priorities) // 2]


async def load_lists(state: AppState, project: Project, wanted: set[str]) -> ProjectLists:
    """The lists named in `wanted` (field names of `ProjectLists`), all fetched at once."""
    resolver = state.resolver
    key = project.project_key
    loaders: dict[str, Callable[[], Awaitable[Any]]] = {
        "issue_types": lambda: resolver.issue_types(key),
        "priorities": resolver.priorities,
        "statuses": lambda: resolver.statuses(key),
        "resolutions": resolver.resolutions,
        "categories": lambda: resolver.categories(key),
        "versions": lambda: resolver.versions(key),
        "users": lambda: resolver.users(key),
        "custom_fields": lambda: resolver.custom_fields(key),
    }
    names = [name for name in loaders if name in wanted]
    found = await gather(*(loaders[name]() for name in names))
    return ProjectLists(project, **dict(zip(names, found, strict=True)))


def pick(
    items: Sequence[ItemT] | None, wanted: int, argument: str, what: str, lister: str, project: str
) -> ItemT:
    """The item of `items` with ID `wanted`, or a ToolError naming `lister`, the tool that lists them."""
    found = next((item for item in items or () if item.id == wanted), None)
    if found is None:
        arguments = (
            {}
            if lister in ("backlog_get_priorities", "backlog_get_resolutions")
            else {"projectIdOrKey": project}
        )
        where = "" if not arguments else f" in {project}"
        raise ToolError(
            f"{argument} {wanted} is not {what}{where}; the valid IDs: {call_text(lister, arguments)}."
        )
    return found


def pick_all(
    items: Sequence[ItemT] | None, wanted: Sequence[int], argument: str, what: str, lister: str, project: str
) -> list[ItemT]:
    return [pick(items, item, argument, what, lister, project) for item in dict.fromkeys(wanted)]


# -- customFields ---------------------------------------------------------------------------------

_KEYS = ("id", "value", "itemIds")


class CustomFieldSet(BaseModel):
    """One custom field's new value: `value` for text, numeric and date fields (`""` clears), or
    `itemIds` for list fields (`[]` clears)."""

    model_config = ConfigDict(frozen=True)

    id: int
    value: str | None = None
    itemIds: tuple[int, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any) -> Any:
        read = custom_field_object(data, _KEYS)
        value = read.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"value must be a finite number (got {echo(value)})")
            read["value"] = f"{value:g}" if isinstance(value, float) and value.is_integer() else str(value)
        if isinstance(read.get("id"), str):  # full-width digits, as every other ID takes them
            read["id"] = nfkc(read["id"]).strip()
        return read

    @model_validator(mode="after")
    def _one_kind(self) -> CustomFieldSet:
        within(1, "a custom field ID from backlog_get_custom_fields")(self.id)
        if (self.value is None) == (self.itemIds is None):
            raise ValueError(
                f"(id {self.id}) takes exactly one of value (text, number, yyyy-MM-dd) "
                "or itemIds (list items)"
            )
        for item in self.itemIds or ():
            within(1, f"(id {self.id}) an item ID from backlog_get_custom_fields")(item)
        return self


# Advertised by hand: one flat object type (no $ref, no anyOf), with the keys a model needs.
_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "value": {"type": "string"}, "itemIds": ID_LIST_SCHEMA},
        "required": ["id"],
    },
}
CustomFieldsSetArg = Annotated[
    list[CustomFieldSet] | None, BeforeValidator(json_list), WithJsonSchema(_SCHEMA)
]

_TEXT, _TEXT_AREA, _NUMERIC, _DATE = 1, 2, 3, 4


def custom_field_writes(
    given: Sequence[CustomFieldSet], lists: ProjectLists, issue_type_id: int, *, adding: bool
) -> tuple[list[CustomFieldWrite], dict[str, str]]:
    """The writes of `customFields`, checked against the project's definitions, and each field's
    new value as shown (by `custom_label`). A required field that applies to the issue type must
    be given when `adding`, and may never be cleared."""
    project = lists.project.project_key
    lister = call_text("backlog_get_custom_fields", {"projectIdOrKey": project})
    definitions = {f.id: f for f in lists.custom_fields or ()}
    writes: list[CustomFieldWrite] = []
    shown: dict[str, str] = {}
    seen: set[int] = set()
    for field in given:
        definition = definitions.get(field.id)
        if definition is None:
            raise ToolError(
                f"customFields: {field.id} is not a custom field of {project}; the fields: {lister}."
            )
        if field.id in seen:
            raise ToolError(
                f"customFields names {one_line(definition.name)} (id {field.id}) twice; give it once."
            )
        seen.add(field.id)
        name = one_line(definition.name)
        if definition.applicable_issue_types and issue_type_id not in definition.applicable_issue_types:
            raise ToolError(
                f"customFields: {name} (id {field.id}) does not apply to this issue type; see {lister}."
            )
        type_id = definition.type_id or _TEXT
        label = custom_label(definition.name, definition.id)
        if type_id in _LIST_TYPES:
            if field.itemIds is None:
                raise ToolError(
                    f"customFields: {name} (id {field.id}) is a list: give itemIds from {lister}."
                )
            if type_id in SINGLE_ITEM_TYPES and len(set(field.itemIds)) > 1:
                raise ToolError(
                    f"customFields: {name} (id {field.id}) takes one item, not {len(field.itemIds)}."
                )
            items = {item.id: item for item in definition.items}
            unknown = [item for item in field.itemIds if item not in items]
            if unknown:
                raise ToolError(
                    f"customFields: {unknown[0]} is not an item of {name} (id {field.id}); "
                    f"the items: {lister}."
                )
            writes.append(CustomFieldWrite(field.id, type_id, item_ids=tuple(dict.fromkeys(field.itemIds))))
            shown[label] = ", ".join(one_line(items[i].name) for i in dict.fromkeys(field.itemIds)) or EMPTY
            continue
        if field.value is None:
            raise ToolError(f"customFields: {name} (id {field.id}) takes a value, not itemIds.")
        value = _typed_value(field.value, type_id, name, field.id, definition)
        writes.append(CustomFieldWrite(field.id, type_id, value=value))
        shown[label] = one_line(value) or EMPTY
    for definition in lists.custom_fields or ():
        applies = not definition.applicable_issue_types or issue_type_id in definition.applicable_issue_types
        if not (definition.required and applies):
            continue
        label = custom_label(definition.name, definition.id)
        if shown.get(label, EMPTY if adding else None) == EMPTY:
            raise ToolError(
                f"customFields: {one_line(definition.name)} (id {definition.id}) is required for this "
                f"issue type; give its value (see {lister})."
            )
    return writes, shown


def _typed_value(text: str, type_id: int, name: str, field_id: int, definition: CustomField) -> str:
    value = text.strip() if type_id != _TEXT_AREA else text
    if not value.strip():
        return ""
    if type_id == _NUMERIC:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ToolError(f"customFields: {name} (id {field_id}) takes a number (got {echo(text)}).")
        low, high = definition.min, definition.max
        if isinstance(low, int | float) and number < low:
            raise ToolError(f"customFields: {name} (id {field_id}) takes {low:g} or more (got {echo(text)}).")
        if isinstance(high, int | float) and number > high:
            raise ToolError(
                f"customFields: {name} (id {field_id}) takes {high:g} or less (got {echo(text)})."
            )
        # Sent and shown as Backlog shows it back (`13.0`, `１３` → `13`), so a dry run says what
        # will be stored, and giving the value it already has changes nothing.
        return f"{number:.10f}".rstrip("0").rstrip(".")
    if type_id == _DATE:
        try:
            return check_date(value) or value
        except ValueError as exc:
            raise ToolError(f"customFields: {name} (id {field_id}) {exc}.") from None
    return value
