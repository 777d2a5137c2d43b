"""Argument types shared by the tools, and the lenient parsing real clients need.

Each type is advertised as one simple JSON type (union types in tool schemas broke real
clients), but accepts what models actually send. One leniency rule holds for every argument
of every tool (applied by `registry.build_tool`, so a new tool gets it too):

- `null` means "not given": the default applies, and a required argument is still required.
- A text argument takes a JSON number as its digits (`10001` for an issue ID; `10001.0` too,
  from clients that keep every number as a double); a fraction is refused.
- Keys, IDs, numbers, dates and choices are NFKC-normalised and trimmed, so full-width
  `ＤＥＭＯ-１` from a Japanese IME is `DEMO-1`; keys and the choices a schema lists as an
  `enum` ignore case (`"ASC"` is `asc`).
- Booleans are strictly `true` or `false` (JSON booleans, or those two words as text): a
  `"yes"` or a `1` is refused, and so is `true` for a number, since a guessed flag silently
  changes what a list shows.
- An ID list takes `5`, `"5,7"` or `[5, 7]`.
- An issue link is read only as an http(s) URL whose host and port are the configured
  space's (or a bare `/view/KEY` path); any other scheme, host or port is refused naming the
  space, and a link's user and password are never quoted back.

Free text (a keyword) is passed on as given.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, ValidationInfo, WithJsonSchema

from backlog_mcp.quote import clip, echo

__all__ = [
    "ID_LIST_SCHEMA",
    "SPACE",
    "Count",
    "DateArg",
    "IdList",
    "IssueRef",
    "Order",
    "ProjectRef",
    "check_date",
    "custom_field_object",
    "issue_ref",
    "json_list",
    "lenient_ids",
    "nfkc",
    "one_project",
    "parse_issue_key",
    "project_refs",
    "within",
]

# The validation-context key under which the server puts its space's host (`space.backlog.com`).
SPACE = "backlog_space"
# No real key comes near this; a longer one would only be echoed back in errors and URLs.
_MAX_KEY_CHARS = 100
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NUMERIC_ID = re.compile(r"^[1-9][0-9]{0,18}$")  # ASCII only: str.isdigit() also takes "²" and "٣"
# A scheme is letters then a colon not followed by a digit (`localhost:8080/…` is a host and port).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?![0-9])")
# Without a scheme, a value is a link when a /view/ path follows an optional host.
_HOST_AND_VIEW = re.compile(r"^(?://)?[^/\s?#]*/view/", re.IGNORECASE)
_VIEW_PATH = re.compile(r"^/(?i:view)/(?P<key>[A-Za-z][A-Za-z0-9_]*-[0-9]+)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LIST_SEPARATORS = re.compile(r"[,、\s]+")  # NFKC turns the full-width comma into ","; not 、


# What a Japanese IME may type for "-" in an issue key: the long-vowel mark (in kana mode),
# its half-width form, the minus sign and the Unicode hyphens and dashes. NFKC keeps them all.
_DASHES = str.maketrans(dict.fromkeys("ー\uff70\u2212\u2010\u2011\u2012\u2013\u2014\u2015", "-"))


BACKLOG_ID_MAX = 2**63 - 1  # Backlog's IDs are Java longs


def within(low: int, what: str) -> Callable[[int | None], int | None]:
    """A validator of a number Backlog takes: `low` to the largest it can hold, so a wrong one is
    refused before it is sent, saying it `must be <what>`; `None` (not given) passes."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= BACKLOG_ID_MAX:
            raise ValueError(f"must be {what} (got {echo(value)})")
        return value

    return check


def backlog_id(source: str) -> Callable[[int | None], int | None]:
    """A validator of an ID argument; the error names `source`, the tool that lists them."""
    return within(1, f"an ID from {source}, a whole number above 0")


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII forms, dashes as `-`, trimmed."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip()


def lenient_ids(value: object) -> object:
    """An ID list as clients send it: `[1, 2]`, `"1,2"`, `1` (full-width digits too), as a list."""
    if isinstance(value, bool):
        return value  # let validation reject it rather than read True as 1
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [part for part in _LIST_SEPARATORS.split(nfkc(value)) if part]
    if isinstance(value, list):
        return [nfkc(v) if isinstance(v, str) else v for v in value]
    return value


def json_list(value: object) -> object:
    """A list of objects, read leniently: its JSON text (some clients send an array argument so),
    or one object given bare."""
    if isinstance(value, str):
        with suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f'must be a list of objects like [{{"id": 1, "value": "text"}}] (got {echo(value)})')
    return value


def custom_field_object(data: object, keys: tuple[str, ...]) -> dict[str, Any]:
    """One object of a `customFields` list, shape-checked: a dict with a whole-number `id` and
    only `keys`; unset (null) keys dropped and `itemIds` read leniently. ValueError otherwise."""
    if not isinstance(data, dict):
        raise ValueError(f'must be an object like {{"id": 123, "value": "text"}} (got {echo(data)})')
    if isinstance(data.get("id"), bool):
        raise ValueError(f"id must be a custom field ID, a whole number (got {echo(data['id'])})")
    unknown = [k for k in data if k not in keys]
    if unknown:
        raise ValueError(f"has unknown key {echo(unknown[0])}: the keys are {', '.join(keys)}")
    read = {str(k): v for k, v in data.items() if v is not None}
    if "itemIds" in read:
        read["itemIds"] = lenient_ids(read["itemIds"])
    return read


def check_date(value: str | None) -> str | None:
    """A yyyy-MM-dd date as Backlog takes it (full-width digits read), or ValueError saying the form."""
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


_AN_ID = within(1, "a list of IDs, whole numbers above 0")


def _ids_in_range(ids: list[int] | None) -> list[int] | None:
    for given in ids or ():
        _AN_ID(given)
    return ids


# An array of integers, items declared: VS Code and OpenAI's clients refuse a tool (or the whole
# server) whose array has no `items`. The validator also reads `"1,2"` and `1`, and refuses
# anything else saying which tool lists the IDs.
ID_LIST_SCHEMA = {"type": "array", "items": {"type": "integer"}}
IdList = Annotated[
    list[int] | None,
    BeforeValidator(lenient_ids),
    AfterValidator(_ids_in_range),
    WithJsonSchema(ID_LIST_SCHEMA),
]
# The yyyy-MM-dd form is stated once in each tool's description rather than on all six date
# arguments: the schema is read on every turn, and a wrong form gets a clear error anyway.
DateArg = Annotated[str | None, AfterValidator(check_date)]
MAX_PAGE = 100  # Backlog's largest page


def _page_size(value: int) -> int:
    if not 1 <= value <= MAX_PAGE:
        raise ValueError(f"must be 1 to {MAX_PAGE} (got {echo(value)})")
    return value


# The range lives in the validator, not the schema (every list tool would carry it in every turn's
# context); a page size out of range is refused in one sentence that says it.
Count = Annotated[int, AfterValidator(_page_size)]
Order = Literal["asc", "desc"]
# A string, not a string-or-integer union: the registry reads a JSON number as its digits.
# No description on either: the names say it (issueIdOrKey, projectIdOrKey), and a description
# repeated on most tools costs ~100 tokens of every turn's context. A wrong value is told the form.
IssueRef = Annotated[str, BeforeValidator(_issue_ref_arg)]
# An optional one: a number is an issue's ID, as for IssueRef.
OptionalIssueRef = Annotated[str | None, BeforeValidator(_issue_ref_arg)]
ProjectRef = str


def parse_issue_key(value: str) -> str | None:
    """`demo-12` or ` DEMO-12 ` → `DEMO-12`; None when it is not shaped like a Backlog issue key."""
    key = nfkc(value).upper()
    return key if len(key) <= _MAX_KEY_CHARS and _ISSUE_KEY.match(key) else None


def _host_port(netloc: str) -> tuple[str, int | None] | None:
    """The lower-cased host and explicit port of `netloc`, userinfo dropped; None when unreadable."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:  # `host:PORT:80`, `host:99999`, a broken IPv6 literal
        return None
    host = (parts.hostname or "").rstrip(".")
    return (host, port) if host else None


def _in_space(link: tuple[str, int | None], scheme: str, space: str) -> bool:
    """Whether `link` (host, port) of a `scheme` URL is the configured `space` (a host[:port]).

    A missing port is the scheme's default on either side: the configured address is reached
    on it whichever scheme the link names.
    """
    configured = _host_port(space)
    if configured is None:
        return False
    default = _DEFAULT_PORTS.get(scheme)

    def port(given: int | None) -> int | None:
        return default if given is None else given

    return link[0] == configured[0] and port(link[1]) == port(configured[1])


def _shown(link: tuple[str, int | None]) -> str:
    host, port = link
    host = f"[{host}]" if ":" in host else host
    return clip(host if port is None else f"{host}:{port}")


def _view_key(text: str, space: str | None) -> str | None:
    """The issue key of a /view/ link in `text`; None when `text` is not a link at all.

    Raises:
        ValueError: a link that is not an http(s) URL of the configured space, or not an
            issue's page. The message names the configured space, never the link's userinfo.
    """
    scheme_match = _SCHEME.match(text)
    if not scheme_match and not _HOST_AND_VIEW.match(text):
        return None
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme:
        target = text
    elif text.startswith("//") or not text.startswith("/"):
        target = "//" + text.removeprefix("//")  # `other.backlog.com/view/X`: the host comes first
    else:
        target = text  # `/view/DEMO-2`: a path of the configured space
    configured = _host_port(space) if space else None
    named = _shown(configured) if configured else "the configured space"  # never its userinfo
    where = f" in {named}" if space else ""
    refusal = (
        f"is not a link to an issue{where}: give the issue key like DEMO-12, its numeric ID, "
        "or its https://…/view/ link"
    )
    parts = urlsplit(target)
    link = _host_port(parts.netloc) if parts.netloc else None
    if (scheme and scheme not in _DEFAULT_PORTS) or (parts.netloc and link is None):
        raise ValueError(refusal)
    if scheme and link is None:  # `https:///view/DEMO-2` names no space at all
        raise ValueError(refusal)
    if link is not None and space and not _in_space(link, scheme or "https", space):
        raise ValueError(
            f"is a link to an issue in another Backlog space ({_shown(link)}); this server reads "
            f"only {named}, so that issue cannot be read here"
        )
    if view := _VIEW_PATH.match(parts.path):
        return view.group("key")
    raise ValueError(refusal)


def _parse_issue_ref(value: str, space: str | None) -> str:
    """The key or ID in `value`; ValueError (saying what is accepted) when there is none.

    `space` is the configured host[:port]: a link must be an http(s) URL of that host (a bare
    `/view/KEY` path is read as one), because the same key elsewhere names a different issue
    than the one it would be read as here, and a `file:` or `mailto:` value is no issue's page.
    """
    text = nfkc(value)
    if (key := _view_key(text, space)) is not None:
        text = key
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


def one_project(value: str) -> str:
    """The one project key or ID a per-project tool takes, upper-cased.

    Raises:
        ToolError: when it is not a key or an ID, or when several are given.
    """
    refs = project_refs(value)
    if len(refs) > 1:
        raise ToolError(f"projectIdOrKey takes one project here; got {len(refs)}: {echo(value)}.")
    return refs[0]


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
