"""Turning failures into the text a model can act on."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["ECHO_MAX_CHARS", "clip", "describe_validation_error", "echo"]

# What a model sent is quoted back so it can see its mistake; a 100,000-character keyword quoted
# whole would only fill its context.
ECHO_MAX_CHARS = 80


def clip(text: str) -> str:
    """`text` as is when short, else its start and its full length."""
    if len(text) <= ECHO_MAX_CHARS:
        return text
    return _cut(text, f"{len(text)} characters")


def echo(value: object) -> str:
    """`value` as the caller wrote it, cut to about ECHO_MAX_CHARS with the full length said: every
    error that quotes what was given quotes it through this.

    Text keeps its quotes (`'open'`); anything else is spelt as JSON, since the caller sent JSON
    (`null`, `true`, `[1, null]`, not Python's `None` and `True`).
    """
    try:
        text = repr(value) if isinstance(value, str) else _as_json(value)
    except ValueError:  # an int past Python's 4,300-digit conversion limit
        return "a number too long to show"
    if len(text) <= ECHO_MAX_CHARS:
        return text
    return _cut(
        text, f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters as text"
    )


def _as_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except TypeError:  # not a JSON value (a server-side default, say): Python's spelling will do
        return repr(value)
    except ValueError as exc:
        if "circular" in str(exc).lower() or isinstance(value, float):
            return repr(value)
        raise


def _cut(text: str, size: str) -> str:
    tail = f"… ({size})"
    return text[: ECHO_MAX_CHARS - len(tail)] + tail


# An ID-list filter given a name (`statusId: "未対応"`) is told which tool lists its IDs.
ID_SOURCES = {
    "statusId": "backlog_get_statuses",
    "priorityId": "backlog_get_priorities",
    "assigneeId": "backlog_get_users",
    "categoryId": "backlog_get_categories",
    "milestoneId": "backlog_get_milestones",
    "issueTypeId": "backlog_get_issue_types",
}


def _unknown(name: str, accepted: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"is not an argument of this tool{hint}; its arguments are: {', '.join(accepted)}"


def _explain(error: Any, accepted: Sequence[str]) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        return _unknown(str(error["loc"][-1]), accepted)
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
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        name = loc[0] + "".join(f"[{p}]" for p in loc[1:]) if loc else "arguments"
        parts.append(f"{name} {_explain(error, accepted)}")
    return "Invalid arguments: " + "; ".join(parts) + "."
