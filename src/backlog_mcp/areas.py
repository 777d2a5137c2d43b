"""The registry of Backlog areas: the one list every layer reads its areas from.

An area (issues, wiki, git, …) is a column through the layers, each a module of the area's name:

    backlog/<area>.py   its payload models and endpoint methods (an `EndpointGroup` on the client)
    render/<area>.py    its Markdown
    tools/<area>.py     its thin handlers and its one `TOOLSET`
    sandbox/<area>.py   its demo data and `routes(site)`

A layer without anything for an area (the export calls no endpoint of its own) has no module for
it. Adding a tool to an area touches only that area's modules and its tests; adding an area adds
its name here.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Literal

__all__ = ["AREAS", "Layer", "area_modules"]

# The order is the order of `tools/list` and of `backlog-mcp tools`: the everyday areas first.
AREAS: tuple[str, ...] = (
    "space",
    "issues",
    "projects",
    "attachments",
    "export",
    "documents",
    "wiki",
    "git",
    "notifications",
    "files",
)

Layer = Literal["backlog", "render", "tools", "sandbox"]


def area_modules(layer: Layer) -> list[ModuleType]:
    """The modules `backlog_mcp.<layer>.<area>` that exist, in the order of `AREAS`."""
    names = (f"backlog_mcp.{layer}.{area}" for area in AREAS)
    return [import_module(name) for name in names if find_spec(name) is not None]
