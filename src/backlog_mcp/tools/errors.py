"""Turning failures into the text a model can act on."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["describe_validation_error"]


def _unknown(name: str, accepted: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"is not an argument of this tool{hint}; its arguments are: {', '.join(accepted)}"


def _explain(error: Any, accepted: Sequence[str]) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        return _unknown(str(error["loc"][-1]), accepted)
    got = f" (got {given!r})" if kind != "missing" else ""
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
