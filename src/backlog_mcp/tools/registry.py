"""Turning tool functions into MCP tools with lean schemas.

What a client loads per tool is read by the model on every turn, so the advertised input
schema is trimmed to what carries meaning: no generated titles, no `anyOf [X, null]` for
optional arguments (each argument is one simple type; union types broke real clients), no
`default: null`. Validation runs on the pydantic model built from the signature, which still
accepts what the lenient validators allow, and refuses arguments the tool does not have.

Every tool's arguments follow the one leniency rule stated in `tools/args.py`; it is applied
here, from each argument's type, so no tool has to repeat it.
"""

from __future__ import annotations

import copy
import functools
import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

from mcp.server.mcpserver.tools import Tool
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError, PydanticKnownError

from backlog_mcp.tools.args import SPACE, nfkc

__all__ = [
    "READ_ONLY",
    "REPLACES_OWN_EXPORT",
    "WRITES_LOCAL",
    "ToolDef",
    "Toolset",
    "build_tool",
    "compact_schema",
]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
# Reads Backlog, but writes files (only inside BACKLOG_WORKSPACE): not read-only by MCP's definition.
WRITES_LOCAL = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)

# The export replaces the files of its own previous bundle of an issue (nothing else): an update,
# not only an addition, hence destructive; the same call twice leaves the same bundle.
REPLACES_OWN_EXPORT = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A handler and its human title; the name is the function's, the description its docstring.

    `writes`: it changes something in Backlog, so it is served only when BACKLOG_READ_ONLY is false.
    """

    fn: Callable[..., Any]
    title: str
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)
    writes: bool = False

    @property
    def name(self) -> str:
        return self.fn.__name__


@dataclass(frozen=True, slots=True)
class Toolset:
    """An area's tools, served together under one name of BACKLOG_TOOLSETS.

    `default`: served when the operator does not choose. Leaving a toolset out saves its share of
    tools/list, which a client loads into the model's context on every turn.
    """

    name: str
    tools: tuple[ToolDef, ...]
    default: bool = False


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a client sees: titles dropped, optional unions collapsed to their one type."""
    properties: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        variants = prop.pop("anyOf", None)
        if variants is not None:
            concrete = [v for v in variants if v.get("type") != "null"]
            if len(concrete) == 1:
                prop = {**concrete[0], **prop}
            else:
                prop["anyOf"] = variants
        # No default is said where it is "nothing" (null) or what a model assumes anyway (0, false):
        # each costs tokens in every turn's context and tells the model nothing.
        if "default" in prop and prop["default"] in (None, 0):  # 0 == False: false too
            del prop["default"]
        properties[name] = prop
    compact: dict[str, Any] = {"type": "object", "properties": properties}
    if schema.get("required"):
        compact["required"] = schema["required"]
    return compact


def _concrete(annotation: Any) -> Any:
    """`X` for `X | None`, else the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        concrete = [a for a in get_args(annotation) if a is not type(None)]
        if len(concrete) == 1:
            return concrete[0]
    return annotation


def _lenient(kind: Any, value: Any) -> Any:
    """`value` read by the leniency rule for an argument of type `kind` (see tools/args.py)."""
    if isinstance(value, str) and not _encodable(value):
        # JSON can carry a lone UTF-16 surrogate ("\ud800"); no URL or file name can.
        raise PydanticCustomError("text_encoding", "must be valid Unicode text, without lone surrogates")
    if kind is str:
        # A number given for a text argument (an issue ID from the Inspector) is its digits; a
        # client that keeps every number as a double sends `10001.0` for the same ID.
        if isinstance(value, float):
            if not value.is_integer():
                raise PydanticCustomError("text_from_fraction", "must be text, or a whole number for an ID")
            return str(int(value))
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if kind is bool:
        if isinstance(value, str) and nfkc(value).lower() in ("true", "false"):
            return nfkc(value).lower() == "true"
        if isinstance(value, bool):
            return value
        raise PydanticKnownError("bool_parsing")
    if kind is int and isinstance(value, bool):  # pydantic would read true as 1
        raise PydanticKnownError("int_type")
    if isinstance(value, str):
        value = nfkc(value)
        if get_origin(kind) is Literal:
            choices = {str(c).lower(): c for c in get_args(kind)}
            return choices.get(value.lower(), value)
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _lenient_model(arg_model: type[BaseModel], space: str | None) -> type[BaseModel]:
    """`arg_model` refusing unknown arguments, reading `null` as not given, and lenient by the rule."""
    kinds = {name: _concrete(f.annotation) for name, f in arg_model.model_fields.items()}

    def drop_nulls(cls: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # A required argument given null is then reported as required, not as "must be text";
        # an unknown one given null asks for nothing, so it is not worth refusing the call for.
        return {k: v for k, v in data.items() if v is not None}

    def lenient(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
        return _lenient(kinds[info.field_name], value) if info.field_name in kinds else value

    def model_validate(cls: type[BaseModel], /, obj: Any, **options: Any) -> BaseModel:
        # The space's host reaches the validators (an issue URL of another space is refused).
        options["context"] = {**(options.get("context") or {}), SPACE: space}
        validated: BaseModel = super(model, cls).model_validate(obj, **options)  # type: ignore[misc]
        return validated

    namespace = {
        "__module__": arg_model.__module__,
        # A misspelt argument (`status` for `statusId`) must fail, not be dropped: otherwise
        # the model reads an unfiltered list as the filtered one it asked for.
        "model_config": ConfigDict(extra="forbid"),
        "drop_nulls": model_validator(mode="before")(drop_nulls),
        "lenient": field_validator("*", mode="before")(lenient),
        "model_validate": classmethod(model_validate),
    }
    model: type[BaseModel] = type(arg_model.__name__, (arg_model,), namespace)
    return model


def build_tool(
    definition: ToolDef,
    *,
    space: str | None = None,
    name: str | None = None,
    rename: Callable[[str], str] | None = None,
) -> Tool:
    """The MCP tool for `definition`; `space` is the configured host (`space.backlog.com`).

    `name`: the name served (default: the function's); `rename`: rewrites the names of our tools
    in the description and the schema's texts to the names served.
    """
    annotations = definition.annotations.model_dump_json()  # a key: ToolAnnotations is unhashable
    made = _from_function(definition.fn, definition.title, annotations, name)
    # A copy of its own for each server: what the SDK made once is shared, and never changed.
    tool = made.model_copy(
        update={
            "fn_metadata": made.fn_metadata.model_copy(),
            "parameters": compact_schema(copy.deepcopy(made.parameters)),
        }
    )
    if rename is not None:
        tool.description = rename(tool.description)
        schema = json.dumps(tool.parameters, ensure_ascii=False)
        if rename(schema) != schema:  # an argument's description names another tool
            tool.parameters = json.loads(rename(schema))
    tool.fn_metadata.arg_model = _lenient_model(made.fn_metadata.arg_model, space)  # type: ignore[assignment]
    tool.fn = _scoped(definition.fn, tool.context_kwarg)
    return tool


# Pydantic's models and schemas of one server's ~30 tools cost ~50 ms, paid again by every server
# built (each test's; with per-user credentials, each user's) if not kept: they depend on the
# function and its space only.
@functools.lru_cache(maxsize=512)
def _from_function(fn: Callable[..., Any], title: str, annotations: str, name: str | None) -> Tool:
    return Tool.from_function(
        fn,
        name=name,
        title=title,
        annotations=ToolAnnotations.model_validate_json(annotations),
        structured_output=False,
    )


def _scoped(fn: Callable[..., Any], context_kwarg: str | None) -> Callable[..., Any]:
    """`fn`, run only after BACKLOG_PROJECTS allows what its validated arguments name."""
    assert context_kwarg is not None, f"{fn.__name__} takes the context: its state holds the allow-list"

    @functools.wraps(fn)
    async def scoped(**kwargs: Any) -> Any:
        from backlog_mcp.tools.state import app_state  # the state imports the tools' helpers

        state = app_state(kwargs[context_kwarg])
        await state.scope.check(state, {k: v for k, v in kwargs.items() if k != context_kwarg})
        return await fn(**kwargs)

    return scoped
