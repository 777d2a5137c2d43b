"""Query parameters as Backlog validates them, and issue / comment selection.

Multi-value parameters are read only in bracket form (`statusId[]=1&statusId[]=2`): a plain
`statusId=1` is ignored, as a strict server would, so a client that forgets the brackets notices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from starlette.datastructures import QueryParams

from backlog_mcp.sandbox.custom_fields import custom_field_predicates
from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.model import JSON, IssueRecord, jst_date

__all__ = ["ISSUE_SORT_KEYS", "Params", "page_comments", "select_issues"]

MAX_COUNT = 100
DEFAULT_COUNT = 20


class Params:
    """Typed, validated access to a request's query string."""

    def __init__(self, query: QueryParams) -> None:
        self._query = query

    def text(self, name: str) -> str | None:
        value = self._query.get(name)
        return value or None

    def int_list(self, name: str) -> list[int]:
        values = self._query.getlist(name)
        parsed = [_to_int(value) for value in values]
        if any(value is None for value in parsed):
            raise invalid(name, f"{name} must be an integer.")
        return [value for value in parsed if value is not None]

    def integer(self, name: str) -> int | None:
        if name not in self._query:
            return None
        value = _to_int(self._query[name])
        if value is None:
            raise invalid(name, f"{name} must be an integer.")
        return value

    def count(self) -> int:
        count = self.integer("count")
        if count is None:
            return DEFAULT_COUNT
        if not 1 <= count <= MAX_COUNT:
            raise invalid("count", f"count must be between 1 and {MAX_COUNT}.")
        return count

    def offset(self) -> int:
        offset = self.integer("offset") or 0
        if offset < 0:
            raise invalid("offset", "offset must be 0 or more.")
        return offset

    def descending(self) -> bool:
        order = self._query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("order", "order must be asc or desc.")
        return order == "desc"

    def boolean(self, name: str) -> bool | None:
        if name not in self._query:
            return None
        value = self._query[name]
        if value not in ("true", "false"):
            raise invalid(name, f"{name} must be true or false.")
        return value == "true"

    def items(self) -> list[tuple[str, str]]:
        """Every name and value, repeated names repeated: for parameters named by data."""
        return list(self._query.multi_items())

    def day(self, name: str) -> date | None:
        if name not in self._query:
            return None
        try:
            return datetime.strptime(self._query[name], "%Y-%m-%d").date()
        except ValueError:
            raise invalid(name, f"{name} must be a date in yyyy-MM-dd format.") from None


def _to_int(value: str) -> int | None:
    stripped = value.removeprefix("-")
    return int(value) if stripped.isascii() and stripped.isdigit() else None


# --- issues -------------------------------------------------------------------------------------

SortValue = str | int | float | None


def _ids(field: str) -> Callable[[JSON], set[int]]:
    def values(issue: JSON) -> set[int]:
        value = issue[field]
        if isinstance(value, list):
            return {int(item["id"]) for item in value}
        if isinstance(value, dict):
            return {int(value["id"])}
        return set() if value is None else {int(value)}

    return values


_ID_FILTERS: dict[str, Callable[[JSON], set[int]]] = {
    "projectId[]": _ids("projectId"),
    "issueTypeId[]": _ids("issueType"),
    "categoryId[]": _ids("category"),
    "versionId[]": _ids("versions"),
    "milestoneId[]": _ids("milestone"),
    "statusId[]": _ids("status"),
    "priorityId[]": _ids("priority"),
    "assigneeId[]": _ids("assignee"),
    "createdUserId[]": _ids("createdUser"),
    "resolutionId[]": _ids("resolution"),
    "id[]": _ids("id"),
    "parentIssueId[]": _ids("parentIssueId"),
}

# parameter → (issue field, True for a lower bound); bounds are inclusive JST calendar days.
_DATE_FILTERS = {
    "createdSince": ("created", True),
    "createdUntil": ("created", False),
    "updatedSince": ("updated", True),
    "updatedUntil": ("updated", False),
    "startDateSince": ("startDate", True),
    "startDateUntil": ("startDate", False),
    "dueDateSince": ("dueDate", True),
    "dueDateUntil": ("dueDate", False),
}

_PARENT_CHILD: dict[int, Callable[[IssueRecord], bool]] = {
    0: lambda issue: True,
    1: lambda issue: issue.json["parentIssueId"] is None,
    2: lambda issue: issue.json["parentIssueId"] is not None,
    3: lambda issue: issue.json["parentIssueId"] is None and not issue.child_ids,
    4: lambda issue: bool(issue.child_ids),
}


def _first_name(field: str) -> Callable[[IssueRecord], SortValue]:
    return lambda issue: issue.json[field][0]["name"] if issue.json[field] else None


def _user_name(field: str) -> Callable[[IssueRecord], SortValue]:
    return lambda issue: issue.json[field]["name"] if issue.json[field] else None


def _plain(field: str) -> Callable[[IssueRecord], SortValue]:
    return lambda issue: issue.json[field]


ISSUE_SORT_KEYS: dict[str, Callable[[IssueRecord], SortValue]] = {
    "issueType": lambda issue: issue.json["issueType"]["displayOrder"],
    "category": _first_name("category"),
    "version": _first_name("versions"),
    "milestone": _first_name("milestone"),
    "summary": _plain("summary"),
    "status": lambda issue: issue.json["status"]["displayOrder"],
    # Ranked so that descending puts 高 (id 2) first: lower id = higher priority.
    "priority": lambda issue: -issue.json["priority"]["id"],
    "attachment": lambda issue: len(issue.json["attachments"]),
    "sharedFile": lambda issue: len(issue.json["sharedFiles"]),
    "created": _plain("created"),
    "createdUser": _user_name("createdUser"),
    "updated": _plain("updated"),
    "updatedUser": _user_name("updatedUser"),
    "assignee": _user_name("assignee"),
    "startDate": _plain("startDate"),
    "dueDate": _plain("dueDate"),
    "estimatedHours": _plain("estimatedHours"),
    "actualHours": _plain("actualHours"),
    "childIssue": lambda issue: len(issue.child_ids),
}


def _custom_field_sort(field_id: int) -> Callable[[IssueRecord], SortValue]:
    def value(issue: IssueRecord) -> SortValue:
        for field in issue.json["customFields"]:
            if field["id"] == field_id:
                return _display(field["value"])
        return None

    return value


def _display(value: Any) -> SortValue:
    if isinstance(value, list):
        return str(value[0]["name"]) if value else None
    if isinstance(value, dict):
        return str(value["name"])
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def select_issues(
    issues: Sequence[IssueRecord], params: Params, custom_field_types: Mapping[int, int]
) -> list[IssueRecord]:
    """All issues matching the filters, sorted; paging is left to the caller.

    `custom_field_types`: every custom field's ID → its type ID (1 text … 8 radio).
    """
    predicates = _predicates(params) + custom_field_predicates(params.items(), custom_field_types)
    matching = [issue for issue in issues if all(predicate(issue) for predicate in predicates)]
    return _sorted(matching, params, custom_field_types)


def _predicates(params: Params) -> list[Callable[[IssueRecord], bool]]:
    predicates: list[Callable[[IssueRecord], bool]] = []
    for name, values_of in _ID_FILTERS.items():
        wanted = set(params.int_list(name))
        if wanted:
            predicates.append(_id_predicate(wanted, values_of))
    for name, (field, lower) in _DATE_FILTERS.items():
        bound = params.day(name)
        if bound is not None:
            predicates.append(_date_predicate(field, bound, lower))
    predicates += _flag_predicates(params)
    keyword = params.text("keyword")
    if keyword:
        predicates.append(_keyword_predicate(keyword))
    return predicates


def _flag_predicates(params: Params) -> list[Callable[[IssueRecord], bool]]:
    predicates: list[Callable[[IssueRecord], bool]] = []
    parent_child = params.integer("parentChild") or 0
    if parent_child not in _PARENT_CHILD:
        raise invalid("parentChild", "parentChild must be between 0 and 4.")
    predicates.append(_PARENT_CHILD[parent_child])
    has_attachment = params.boolean("attachment")
    if has_attachment is not None:
        predicates.append(lambda issue: bool(issue.json["attachments"]) == has_attachment)
    has_shared_file = params.boolean("sharedFile")
    if has_shared_file is not None:
        predicates.append(lambda issue: bool(issue.json["sharedFiles"]) == has_shared_file)
    has_due_date = params.boolean("hasDueDate")
    if has_due_date:
        raise invalid("hasDueDate", "Only hasDueDate=false is supported.")
    if has_due_date is False:
        predicates.append(lambda issue: issue.json["dueDate"] is None)
    return predicates


def _id_predicate(wanted: set[int], values_of: Callable[[JSON], set[int]]) -> Callable[[IssueRecord], bool]:
    return lambda issue: bool(wanted & values_of(issue.json))


def _date_predicate(field: str, bound: date, lower: bool) -> Callable[[IssueRecord], bool]:
    def matches(issue: IssueRecord) -> bool:
        value = issue.json[field]
        if value is None:
            return False
        day = jst_date(value)
        return day >= bound if lower else day <= bound

    return matches


def _keyword_predicate(keyword: str) -> Callable[[IssueRecord], bool]:
    needle = keyword.casefold()

    def matches(issue: IssueRecord) -> bool:
        fields = (issue.json["summary"], issue.json["description"], issue.json["issueKey"])
        return any(needle in field.casefold() for field in fields)

    return matches


def _sort_key_function(
    params: Params, custom_fields: Mapping[int, int]
) -> Callable[[IssueRecord], SortValue]:
    sort = params.text("sort") or "updated"
    if sort in ISSUE_SORT_KEYS:
        return ISSUE_SORT_KEYS[sort]
    field_id = _to_int(sort.removeprefix("customField_")) if sort.startswith("customField_") else None
    if field_id is None or field_id not in custom_fields:
        raise invalid("sort", f"Unknown sort key: {sort}.")
    return _custom_field_sort(field_id)


def _sorted(issues: list[IssueRecord], params: Params, custom_fields: Mapping[int, int]) -> list[IssueRecord]:
    """Sort by the key, then by id in the same direction, so the order is total and stable.

    Null (missing) values count as larger than any value: last in `asc`, first in `desc`.
    """
    value_of = _sort_key_function(params, custom_fields)
    descending = params.descending()

    def sort_key(issue: IssueRecord) -> tuple[bool, Any, int]:
        value = value_of(issue)
        return (value is None, 0 if value is None else value, issue.id)

    return sorted(issues, key=sort_key, reverse=descending)


# --- comments -----------------------------------------------------------------------------------


def page_comments(comments: Sequence[JSON], params: Params) -> list[JSON]:
    """`minId`/`maxId` are exclusive bounds; the first `count` in `order` after filtering."""
    min_id = params.integer("minId")
    max_id = params.integer("maxId")
    count = params.count()
    descending = params.descending()
    selected = [
        comment
        for comment in comments
        if (min_id is None or comment["id"] > min_id) and (max_id is None or comment["id"] < max_id)
    ]
    if descending:
        selected.reverse()
    return selected[:count]
