"""Custom fields on issue writes (`customField_{id}`, `customField_{id}[n]`, `_otherValue`), set and
refused as Backlog does, and the change-log entries shared by every issue write."""

from __future__ import annotations

import re
from typing import Any

from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.forms import Form, named
from backlog_mcp.sandbox.model import JSON, ProjectRecord, jst_date

__all__ = ["change", "check_required", "custom_field_changes", "day_text", "hours_text", "pick"]

_CUSTOM = re.compile(r"^customField_(\d+)(\[\])?$")
_OTHER = re.compile(r"^customField_(\d+)_otherValue$")
_SINGLE_ITEM_TYPES, _MANY_ITEM_TYPES, _LIST_TYPES = (5, 8), (6, 7), (5, 6, 7, 8)


def change(field: str, new: str | None, original: str | None, **info: Any) -> JSON:
    """One `changeLog` entry, values as display text, as Backlog logs them."""
    return {
        "field": field,
        "newValue": new,
        "originalValue": original,
        "attachmentInfo": info.get("attachment"),
        "attributeInfo": info.get("attribute"),
        "notificationInfo": None,
    }


def day_text(value: str | None) -> str | None:
    """A stored date field (JST midnight as UTC) as the `yyyy-MM-dd` the change log shows."""
    return None if value is None else jst_date(value).isoformat()


def hours_text(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def pick(choices: list[JSON], item_id: int, name: str, where: str = "the project") -> JSON:
    found = next((item for item in choices if item["id"] == item_id), None)
    if found is None:
        noun = "item" if name.startswith("customField_") else name.removesuffix("[]").removesuffix("Id")
        raise invalid(name, f"No {noun} {item_id} in {where}.")
    return found


def is_custom_parameter(name: str) -> bool:
    return bool(_CUSTOM.match(name) or _OTHER.match(name))


def _applies(definition: JSON, issue_type_id: int) -> bool:
    types = definition.get("applicableIssueTypes") or []
    return not types or issue_type_id in types


def check_required(project: ProjectRecord, issue_type_id: int, form: Form, current: list[JSON]) -> None:
    """A required field that applies to the issue type must have a value: given in the form, or
    (on an update) already set and not cleared by it."""
    for definition in project.custom_fields:
        if not definition.get("required") or not _applies(definition, issue_type_id):
            continue
        field_id = int(definition["id"])
        names = (f"customField_{field_id}", f"customField_{field_id}[]")
        given = [value for name in names for value in form.values.get(name, [])]
        has = next((c["value"] not in (None, [], "") for c in current if c["id"] == field_id), False)
        present = any(name in form for name in names)
        if (present and not any(v.strip() for v in given)) or (not present and not has):
            raise invalid(f"customField_{field_id}", f"{definition['name']} is required.")


def custom_field_changes(data: JSON, project: ProjectRecord, form: Form) -> list[JSON]:
    """Sets the custom fields the form names on the issue `data`; returns the change-log entries."""
    definitions = {int(f["id"]): f for f in project.custom_fields}
    issue_type_id = int(data["issueType"]["id"])
    changes: list[JSON] = []
    for key in form.values:
        other = _OTHER.match(key)
        if other and int(other[1]) not in definitions:
            raise invalid(key, f"No custom field {other[1]} in the project.")
        if other and not definitions[int(other[1])].get("allowInput"):
            raise invalid(key, f"{definitions[int(other[1])]['name']} takes no other value.")
    for key, values in form.values.items():
        found = _CUSTOM.match(key)
        if found is None:
            continue
        field_id = int(found[1])
        definition = definitions.get(field_id)
        if definition is None:
            raise invalid(key, f"No custom field {field_id} in the project.")
        if not _applies(definition, issue_type_id):
            raise invalid(key, f"{definition['name']} does not apply to the issue type.")
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
        other_text = form.text(f"customField_{field_id}_otherValue")
        if other_text is not None:
            current["otherValue"] = other_text
        if shown != old_shown:
            attribute = {"id": field_id, "typeId": definition["typeId"]}
            changes.append(change(definition["name"], shown, old_shown, attribute=attribute))
    return changes


def _custom_value(definition: JSON, key: str, values: list[str]) -> tuple[Any, str | None]:
    type_id = int(definition["typeId"])
    raw = [v for v in values if v != ""]
    if not raw:
        return ([] if type_id in _MANY_ITEM_TYPES else None), None
    if type_id in (1, 2):
        return raw[-1], raw[-1]
    form = Form({key: raw})
    if type_id == 3:
        number = form.hours(key)
        low, high = definition.get("min"), definition.get("max")
        if number is not None and low is not None and number < low:
            raise invalid(key, f"{definition['name']} must be {low:g} or more.")
        if number is not None and high is not None and number > high:
            raise invalid(key, f"{definition['name']} must be {high:g} or less.")
        return number, hours_text(number)
    if type_id == 4:
        day = form.day(key)
        return day, day_text(day)
    if type_id not in _LIST_TYPES:
        raise invalid(key, "Unknown custom field type.")
    ids = form.integers(key)
    if type_id in _SINGLE_ITEM_TYPES and len(set(ids)) > 1:
        raise invalid(key, f"{definition['name']} takes one item.")
    choices = definition.get("items", [])
    items = [pick(choices, item_id, key, str(definition["name"])) for item_id in dict.fromkeys(ids)]
    if type_id in _SINGLE_ITEM_TYPES:
        return items[0], str(items[0]["name"])
    return items, named(items)


def _custom_shown(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return named(value)
    if isinstance(value, dict):
        return str(value["name"])
    if isinstance(value, float):
        return hours_text(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT15:00:00Z", value):
        return day_text(value)
    return str(value)
