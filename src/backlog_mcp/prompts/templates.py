"""The prompt templates: Markdown files shipped inside the package, filled by name.

Placeholders are `{name}` for a known set of names. Only those names are replaced, in one pass,
so the JSON examples and Jira markup (`{code}`) in the templates stay as written and a value that
itself contains `{issueKey}` is never expanded again. `str.format` would trip over every brace.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources

__all__ = ["PLACEHOLDER", "TEMPLATE_NAMES", "fill", "load_template", "tools_called"]

TEMPLATE_NAMES = ("backlog_issue_summary", "backlog_to_jira_migration")
# A bare camelCase word in braces; `fill` replaces only the names it is given, so `{code}` stays.
PLACEHOLDER = re.compile(r"\{([a-z][A-Za-z]*)\}")
# A tool the template tells the agent to call, always written as code: `backlog_get_issue`.
_TOOL_NAME = re.compile(r"`(backlog_[a-z_]+)`")
_PACKAGE = "backlog_mcp.prompts"


@functools.cache
def load_template(name: str) -> str:
    """The text of `<name>.md` from this package (read once per process).

    Raises:
        FileNotFoundError: when the package was built without its Markdown files.
    """
    if name not in TEMPLATE_NAMES:
        raise ValueError(f"unknown prompt template {name!r}")
    return resources.files(_PACKAGE).joinpath(f"{name}.md").read_text(encoding="utf-8")


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with each `{name}` in `values` replaced by its value; other braces left alone."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def tools_called(name: str) -> frozenset[str]:
    """The tools the template `name` tells the agent to call, read from its text."""
    return frozenset(_TOOL_NAME.findall(load_template(name)))
