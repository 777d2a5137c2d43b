"""Turning failures into the text a model can act on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from backlog_mcp.quote import clip, echo

__all__ = ["ID_SOURCES", "describe_validation_error", "lister_hint"]

# An ID-list filter given a name (`statusId: "未対応"`) is told which tool lists its IDs.
ID_SOURCES = {
    "statusId": "backlog_get_statuses",
    "priorityId": "backlog_get_priorities",
    "assigneeId": "backlog_get_users",
    "categoryId": "backlog_get_categories",
    "milestoneId": "backlog_get_milestones",
    "issueTypeId": "backlog_get_issue_types",
    "createdUserId": "backlog_get_users",
    "resolutionId": "backlog_get_resolutions",
    "versionId": "backlog_get_milestones",
}


# What a not-found names first → the tool that lists the right ones.
_LISTERS = (
    ("Project ", "backlog_get_projects lists the projects you can see"),
    ("Issue ", "backlog_get_issue_list finds issues"),
    ("Wiki page ", "backlog_get_wiki_pages lists a project's pages"),
    ("Document ", "backlog_get_document_tree lists a project's documents"),
    ("Repository ", "backlog_get_git_repositories lists a project's repositories"),
    ("Pull request ", "backlog_get_pull_requests lists a repository's pull requests"),
)


def lister_hint(message: str) -> str | None:
    """For a not-found that names no tool already, the sentence naming the tool that lists the
    valid ones: a wrong ID is answered with where to find a right one."""
    if "backlog_" in message:
        return None
    thing = re.sub(r"^[A-Za-z]+: ", "", message)  # past an argument's name (`parentIssueIdOrKey: Issue …`)
    return next((f"{hint}." for prefix, hint in _LISTERS if thing.startswith(prefix)), None)


_MAX_PROBLEMS = 5  # a call with a thousand bad arguments is told about a few, and how many more


def _unknowns(names: Sequence[str], accepted: Sequence[str]) -> str:
    """All unknown names in one clause, the tool's arguments listed once."""
    arguments = f"its arguments are: {', '.join(accepted)}"
    if len(names) == 1:
        close = difflib.get_close_matches(names[0], accepted, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"{clip(names[0])} is not an argument of this tool{hint}; {arguments}"
    shown = ", ".join(clip(name) for name in names[:_MAX_PROBLEMS])
    more = f" and {len(names) - _MAX_PROBLEMS} more" if len(names) > _MAX_PROBLEMS else ""
    return f"{shown}{more} are not arguments of this tool; {arguments}"


def _explain(error: Any, accepted: Sequence[str]) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    got = f" (got {echo(given)})" if kind != "missing" else ""
    if kind == "missing":
        return "is required"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}{got}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}{got}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}{got}"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}{got}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        source = ID_SOURCES.get(str(error["loc"][0]))
        if source and isinstance(given, str):
            return f"takes numeric IDs, not names{got}: {source} lists them with their IDs"
        return f"must be a whole number{got}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false{got}"
    if kind in ("string_type",):
        return f"must be text{got}"
    if kind in ("list_type",):
        return f'must be a list of integer IDs like [1, 2] (or "1,2"){got}'
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}{got}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']}{got}"


def describe_validation_error(exc: ValidationError, accepted: Sequence[str] = ()) -> str:
    """`Invalid arguments: count must be at most 100 (got 500); statusId[1] must be a whole number…`.

    `accepted` is the tool's argument names, offered when an unknown one was given.
    """
    errors = [e for e in exc.errors() if e["type"] != "extra_forbidden"]
    unknown = [str(e["loc"][-1]) for e in exc.errors() if e["type"] == "extra_forbidden"]
    parts = [_unknowns(unknown, accepted)] if unknown else []
    for error in errors[:_MAX_PROBLEMS]:
        loc = [str(p) for p in error["loc"]]
        name = loc[0] + "".join(f"[{p}]" for p in loc[1:]) if loc else "arguments"
        parts.append(f"{clip(name)} {_explain(error, accepted)}")
    if len(errors) > _MAX_PROBLEMS:
        parts.append(f"and {len(errors) - _MAX_PROBLEMS} more problems")
    return "Invalid arguments: " + "; ".join(parts) + "."
