"""Argument types shared by the tools, and the lenient parsing real clients need.

Each type is advertised as one simple JSON type (union types in tool schemas broke real
clients), but accepts what models actually send: `5`, `"5,7"` or `[5, 7]` for an ID list.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, Field

__all__ = [
    "Count",
    "DateArg",
    "IdList",
    "IssueRef",
    "Order",
    "ProjectRef",
    "issue_ref",
    "parse_issue_key",
    "project_refs",
]

_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_VIEW_URL = re.compile(r"/view/([A-Za-z][A-Za-z0-9_]*-[0-9]+)")


def _lenient_ids(value: object) -> object:
    if isinstance(value, bool):
        return value  # let validation reject it rather than read True as 1
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\s]+", value) if part.strip()]
    return value


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(f"must be a date as yyyy-MM-dd, e.g. 2026-01-31 (got {value!r})")


IdList = Annotated[list[int] | None, BeforeValidator(_lenient_ids)]
# The yyyy-MM-dd form is stated once in each tool's description rather than on all six date
# arguments: the schema is read on every turn, and a wrong form gets a clear error anyway.
DateArg = Annotated[str | None, AfterValidator(_check_date)]
MAX_PAGE = 100  # Backlog's largest page
Count = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Order = Literal["asc", "desc"]
IssueRef = Annotated[str, Field(description="Key like PROJ-1, or ID")]
ProjectRef = Annotated[str, Field(description="Project key or ID")]


def parse_issue_key(value: str) -> str | None:
    """`demo-12` or ` DEMO-12 ` → `DEMO-12`; None when it is not shaped like a Backlog issue key."""
    key = value.strip().upper()
    return key if _ISSUE_KEY.match(key) else None


def issue_ref(value: str) -> str:
    """An issue key or numeric ID from what a model may send: `demo-12`, ` DEMO-12 `, a /view/ URL.

    Raises:
        ToolError: when it is neither.
    """
    text = value.strip()
    if match := _VIEW_URL.search(text):
        text = match.group(1)
    if text.isdigit() and int(text) > 0:
        return text
    if key := parse_issue_key(text):
        return key
    raise ToolError(f"issueIdOrKey must be an issue key like DEMO-12 or a numeric issue ID; got {value!r}.")


def project_refs(value: str) -> list[str]:
    """Comma-separated project keys or IDs, upper-cased, duplicates dropped.

    Raises:
        ToolError: when one is neither a key nor an ID.
    """
    refs: list[str] = []
    for part in re.split(r"[,\s]+", value.strip()):
        if not part:
            continue
        ref = part.upper()
        if not (ref.isdigit() or _PROJECT_KEY.match(ref)):
            raise ToolError(
                "projectIdOrKey takes project keys (like DEMO) or numeric IDs, comma-separated; "
                f"got {part!r}."
            )
        if ref not in refs:
            refs.append(ref)
    if not refs:
        raise ToolError("projectIdOrKey is empty: give a project key like DEMO or a numeric project ID.")
    return refs
