"""The README stays true: its tables name exactly what the code serves and reads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.serve_http import HttpSettings
from backlog_mcp.server import build_server
from backlog_mcp.tools.toolsets import toolset_names, toolsets

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.anyio
async def test_tools_tables_list_exactly_every_tool_of_every_area() -> None:
    documented = re.findall(r"^\| `(backlog_\w+)` \|", _section("Tools"), re.MULTILINE)
    settings = load_settings(
        base_url="https://x.backlog.com", api_key="k" * 20, toolsets="all", read_only=False
    )
    async with Client(build_server(settings)) as client:
        served = [t.name for t in (await client.list_tools()).tools]
    assert sorted(documented) == sorted(served)


def _toolset_subsections() -> dict[str, str]:
    """Each `### `<toolset>`` subsection of Tools, by toolset name (placeholders of areas to come
    have no subsection yet)."""
    parts = re.split(r"^### `(\w+)`.*$", _section("Tools"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_each_tool_is_documented_under_its_toolsets_subsection() -> None:
    subsections = _toolset_subsections()
    assert set(subsections) == set(toolset_names())
    for toolset in toolsets():
        documented = re.findall(r"^\| `(backlog_\w+)` \|", subsections[toolset.name], re.MULTILINE)
        assert sorted(documented) == sorted(t.name for t in toolset.tools), toolset.name


def test_each_toolset_heading_says_whether_it_is_served_by_default() -> None:
    headings = dict(
        re.findall(r"^### `(\w+)` \((served by default|served when chosen)\)$", README, re.MULTILINE)
    )
    assert headings == {
        t.name: "served by default" if t.default else "served when chosen" for t in toolsets()
    }


def test_configuration_table_lists_exactly_the_settings() -> None:
    documented = set(re.findall(r"^\| `(BACKLOG_\w+)` \|", _section("Configuration"), re.MULTILINE))
    settings = {f"BACKLOG_{name.upper()}" for name in Settings.model_fields}
    assert documented == settings


def test_http_settings_table_lists_exactly_the_mcp_settings() -> None:
    documented = set(re.findall(r"^\| `(MCP_\w+)` \|", _section("Serving over HTTP"), re.MULTILINE))
    assert documented == {f"MCP_{name.upper()}" for name in HttpSettings.model_fields}


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command in _section("Try it: two commands")


def _tree_names() -> set[str]:
    tree = _section("Development").split("```", 2)[1]
    return set(re.findall(r"[\w.]+/|\w+\.py", tree))


def test_development_tree_names_every_module_and_folder_of_the_package() -> None:
    package = ROOT / "src" / "backlog_mcp"
    folders = {f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.name for p in package.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert folders | modules <= _tree_names()


def test_development_tree_names_every_top_level_folder_of_the_repository() -> None:
    # What git tracks, so caches and virtual environments (ignored or not) do not count.
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    folders = {f"{path.split('/', 1)[0]}/" for path in tracked if "/" in path}
    assert {".ci/", "src/", "tests/"} <= folders
    assert folders <= _tree_names()
