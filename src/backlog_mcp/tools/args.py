"""Argument types shared by the tools, and the lenient parsing real clients need.

Each type is advertised as one simple JSON type (union types in tool schemas broke real
clients), but accepts what models actually send. One leniency rule holds for every argument
of every tool (applied by `registry.build_tool`, so a new tool gets it too):

- `null` means "not given": the default applies, and a required argument is still required.
- A text argument takes a JSON number as its digits (`10001` for an issue ID).
- Keys, IDs, numbers, dates and choices are NFKC-normalised and trimmed, so full-width
  `ＤＥＭＯ-１` from a Japanese IME is `DEMO-1`; keys and the choices a schema lists as an
  `enum` ignore case (`"ASC"` is `asc`).
- Booleans are strictly `true` or `false` (JSON booleans, or those two words as text): a
  `"yes"` or a `1` is refused, and so is `true` for a number, since a guessed flag silently
  changes what a list shows.
- An ID list takes `5`, `"5,7"` or `[5, 7]`.

Free text (a keyword) is passed on as given.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from backlog_mcp.tools.errors import clip, echo

__all__ = [
    "SPACE",
    "Count",
    "DateArg",
    "IdList",
    "IssueRef",
    "Order",
    "ProjectRef",
    "issue_ref",
    "nfkc",
    "parse_issue_key",
    "project_refs",
]

# The validation-context key under which the server puts its space's host (`space.backlog.com`).
SPACE = "backlog_space"
# No real key comes near this; a longer one would only be echoed back in errors and URLs.
_MAX_KEY_CHARS = 100
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NUMERIC_ID = re.compile(r"^[1-9][0-9]{0,18}$")  # ASCII only: str.isdigit() also takes "²" and "٣"
_VIEW_URL = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://)?(?P<host>[^/\s?#]*)/(?i:view)/"
    r"(?P<key>[A-Za-z][A-Za-z0-9_]*-[0-9]+)(?:[?#]\S*)?$"
)
_LIST_SEPARATORS = re.compile(r"[,、\s]+")  # NFKC turns the full-width comma into ","; not 、


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII forms, trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _lenient_ids(value: object) -> object:
    if isinstance(value, bool):
        return value  # let validation reject it rather than read True as 1
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [part for part in _LIST_SEPARATORS.split(nfkc(value)) if part]
    if isinstance(value, list):
        return [nfkc(v) if isinstance(v, str) else v for v in value]
    return value


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    text = nfkc(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(f"must be a date as yyyy-MM-dd, e.g. 2026-01-31 (got {echo(value)})")


def _issue_ref_arg(value: object, info: ValidationInfo) -> object:
    if not isinstance(value, str):
        return value  # the str type refuses it with its own message
    space = (info.context or {}).get(SPACE)
    return _parse_issue_ref(value, space if isinstance(space, str) else None)


IdList = Annotated[list[int] | None, BeforeValidator(_lenient_ids)]
# The yyyy-MM-dd form is stated once in each tool's description rather than on all six date
# arguments: the schema is read on every turn, and a wrong form gets a clear error anyway.
DateArg = Annotated[str | None, AfterValidator(_check_date)]
MAX_PAGE = 100  # Backlog's largest page
Count = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Order = Literal["asc", "desc"]
# A string, not a string-or-integer union: the registry reads a JSON number as its digits.
IssueRef = Annotated[str, BeforeValidator(_issue_ref_arg), Field(description="Key like PROJ-1, or ID")]
ProjectRef = Annotated[str, Field(description="Project key or ID")]


def parse_issue_key(value: str) -> str | None:
    """`demo-12` or ` DEMO-12 ` → `DEMO-12`; None when it is not shaped like a Backlog issue key."""
    key = nfkc(value).upper()
    return key if len(key) <= _MAX_KEY_CHARS and _ISSUE_KEY.match(key) else None


def _same_space(host: str, space: str) -> bool:
    def bare(netloc: str) -> str:
        netloc = netloc.lower().rsplit("@", 1)[-1]
        return netloc.removesuffix(":443").removesuffix(":80")

    return bare(host) == bare(space)


def _parse_issue_ref(value: str, space: str | None) -> str:
    """The key or ID in `value`; ValueError (saying what is accepted) when there is none.

    `space` is the configured host: a /view/ URL of any other host is refused, because the
    same key there names a different issue than the one it would be read as here.
    """
    text = nfkc(value)
    if match := _VIEW_URL.match(text):
        host = match.group("host")
        if space and host and not _same_space(host, space):
            raise ValueError(
                f"is a link to an issue in another Backlog space ({clip(host)}); this server reads "
                f"only {space}, so that issue cannot be read here"
            )
        text = match.group("key")
    if _NUMERIC_ID.match(text):
        return text
    if key := parse_issue_key(text):
        return key
    raise ValueError(f"must be an issue key like DEMO-12 or a numeric issue ID (got {echo(value)})")


def issue_ref(value: str) -> str:
    """An issue key or numeric ID from what a model may send: `demo-12`, ` DEMO-12 `, a /view/ URL.

    The `IssueRef` type has already refused URLs of other spaces; this takes what it let through.

    Raises:
        ToolError: when it is neither.
    """
    try:
        return _parse_issue_ref(value, None)
    except ValueError as exc:
        raise ToolError(f"issueIdOrKey {exc}.") from None


def project_refs(value: str) -> list[str]:
    """Comma-separated project keys or IDs, upper-cased, duplicates dropped.

    Raises:
        ToolError: when one is neither a key nor an ID.
    """
    refs: list[str] = []
    for part in _LIST_SEPARATORS.split(nfkc(value)):
        if not part:
            continue
        ref = part.upper()
        if len(ref) > _MAX_KEY_CHARS or not (_NUMERIC_ID.match(ref) or _PROJECT_KEY.match(ref)):
            raise ToolError(
                "projectIdOrKey takes project keys (like DEMO) or numeric IDs, comma-separated; "
                f"got {echo(part)}."
            )
        if ref not in refs:
            refs.append(ref)
    if not refs:
        raise ToolError("projectIdOrKey is empty: give a project key like DEMO or a numeric project ID.")
    return refs
