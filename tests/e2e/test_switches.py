"""The switches an operator trims and renames the surface with, through a real MCP client:
BACKLOG_TOOLSETS, BACKLOG_ENABLED_TOOLS, BACKLOG_DISABLED_TOOLS and BACKLOG_TOOL_PREFIX.

A tool that is not served is neither listed nor callable, and the refusal says why; under a
prefix, everything the server sends names our tools as it serves them.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from mcp import Client
from mcp.types import TextContent, TextResourceContents

from backlog_mcp.areas import area_modules
from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from backlog_mcp.tools.registry import Toolset
from backlog_mcp.tools.toolsets import default_toolset_names, toolset_names, toolset_of, toolsets
from tests.e2e.conftest import DEFAULT_TOOL_NAMES, TOOL_NAMES, WRITE_TOOL_NAMES, call, call_error

pytestmark = pytest.mark.anyio

# Any canonical name of one of our tools, as a whole name.
CANONICAL = re.compile(
    r"(?<![A-Za-z0-9_])backlog_(?:" + "|".join(n[8:] for n in toolset_of()) + r")(?![A-Za-z0-9_])"
)


@asynccontextmanager
async def served(sandbox: SandboxServer, mode: str = "auto", **switches: str) -> AsyncIterator[Client]:
    settings = load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, timezone="Asia/Tokyo", **switches
    )
    async with Client(build_server(settings), mode=mode) as client:
        yield client


async def names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


def tools_of(*chosen: str) -> set[str]:
    return {t.name for ts in toolsets() if ts.name in chosen for t in ts.tools if not t.writes}


# --- BACKLOG_TOOLSETS ---------------------------------------------------------------------------


async def test_the_default_serves_exactly_the_default_toolsets(sandbox: SandboxServer) -> None:
    async with served(sandbox) as client:
        assert await names(client) == set(DEFAULT_TOOL_NAMES) == tools_of(*default_toolset_names())


async def test_all_serves_every_tool_of_every_area(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="all") as client:
        assert (
            await names(client) == set(TOOL_NAMES) - WRITE_TOOL_NAMES == set(toolset_of()) - WRITE_TOOL_NAMES
        )


@pytest.mark.parametrize("toolset", toolset_names())
async def test_default_mixed_with_a_toolset_serves_both(sandbox: SandboxServer, toolset: str) -> None:
    async with served(sandbox, toolsets=f"default,{toolset}") as client:
        assert await names(client) == tools_of(*default_toolset_names(), toolset)


async def test_toolsets_limit_what_is_served_and_a_left_out_tool_names_its_toolset(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, toolsets="issues,export") as client:
        assert await names(client) == tools_of("issues", "export")
        text = await call_error(client, "backlog_get_projects")
    assert text == (
        "backlog_get_projects is in the projects toolset, which BACKLOG_TOOLSETS leaves out "
        "(served: issues, export); add projects to BACKLOG_TOOLSETS, or backlog_get_projects "
        "to BACKLOG_ENABLED_TOOLS, to use it."
    )


# --- BACKLOG_ENABLED_TOOLS / BACKLOG_DISABLED_TOOLS ----------------------------------------------


async def test_enabled_tools_are_served_beside_the_toolsets(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="issues", enabled_tools="backlog_get_statuses") as client:
        assert await names(client) == tools_of("issues") | {"backlog_get_statuses"}
        assert "完了" in await call(client, "backlog_get_statuses", {"projectIdOrKey": "DEMO"})
        refused = await call_error(client, "backlog_get_users", {"projectIdOrKey": "DEMO"})
    assert refused.startswith(
        "backlog_get_users is in the projects toolset, which BACKLOG_TOOLSETS leaves out"
    )


async def test_disabled_tools_are_neither_listed_nor_callable(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="all", disabled_tools="backlog_get_priorities") as client:
        assert await names(client) == set(toolset_of()) - WRITE_TOOL_NAMES - {"backlog_get_priorities"}
        text = await call_error(client, "backlog_get_priorities")
    assert text == (
        "backlog_get_priorities is switched off by BACKLOG_DISABLED_TOOLS; "
        "remove backlog_get_priorities from it to use it."
    )


async def test_disabled_beats_enabled(sandbox: SandboxServer) -> None:
    async with served(
        sandbox,
        toolsets="issues",
        enabled_tools="backlog_get_projects",
        disabled_tools="backlog_get_projects",
    ) as client:
        assert await names(client) == tools_of("issues")
        assert "BACKLOG_DISABLED_TOOLS" in await call_error(client, "backlog_get_projects")


async def test_a_prompt_whose_tool_is_disabled_is_not_listed(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="all") as client:
        everything = {p.name for p in (await client.list_prompts()).prompts}
    async with served(sandbox, toolsets="all", disabled_tools="backlog_export_issue_context") as client:
        left = {p.name for p in (await client.list_prompts()).prompts}
    assert everything == {"backlog_issue_summary", "backlog_to_jira_migration"}
    assert left == set()  # both tell the agent to export first


async def test_the_issue_resource_goes_with_backlog_get_issue(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="projects", enabled_tools="backlog_get_issue") as client:
        assert [t.uri_template for t in (await client.list_resource_templates()).resource_templates] == [
            "backlog://issue/{issueKey}"
        ]
    async with served(sandbox, toolsets="all", disabled_tools="backlog_get_issue") as client:
        assert (await client.list_resource_templates()).resource_templates == []


# --- Unknown names ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_tool_is_one_sentence_naming_the_closest_served_tool(
    sandbox: SandboxServer, mode: str
) -> None:
    async with served(sandbox, mode, toolsets="issues") as client:
        assert await call_error(client, "backlog_get_isue") == (
            "Unknown tool 'backlog_get_isue'; the closest served tool is backlog_get_issue."
        )
        # The closest *served* one: backlog_get_projects is not served here.
        assert "backlog_get_projects" not in await call_error(client, "backlog_get_project")


# --- BACKLOG_TOOL_PREFIX ------------------------------------------------------------------------


async def test_the_prefix_replaces_backlog_in_every_listed_name_and_description(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, toolsets="all", tool_prefix="work_") as client:
        tools = (await client.list_tools()).tools
    reads = set(toolset_of()) - WRITE_TOOL_NAMES
    assert sorted(t.name for t in tools) == sorted("work_" + n.removeprefix("backlog_") for n in reads)
    listed = json.dumps([t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools])
    assert not CANONICAL.search(listed)
    count = next(t for t in tools if t.name == "work_count_issues")
    assert "work_get_issue_list" in (count.description or "")


async def test_under_a_prefix_tools_answer_and_their_next_calls_use_the_served_names(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, tool_prefix="work_") as client:
        page = await call(client, "work_get_issue_list", {"projectIdOrKey": "DEMO", "count": 5})
        issue = await call(client, "work_get_issue", {"issueIdOrKey": "DEMO-1"})
        comments = await call(client, "work_get_comments", {"issueIdOrKey": "DEMO-4", "count": 2})
        bad_filter = await call_error(
            client, "work_get_issue_list", {"projectIdOrKey": "DEMO", "statusId": "x"}
        )
    assert 'Next page: work_get_issue_list {"projectIdOrKey":"DEMO","count":5,"offset":5}' in page
    assert 'work_get_comments {"issueIdOrKey":"DEMO-1"}' in issue
    assert "Next page: work_get_comments {" in comments
    assert bad_filter.startswith("Error executing tool work_get_issue_list: ")
    assert "work_get_statuses" in bad_filter
    for text in (page, issue, comments, bad_filter):
        assert not CANONICAL.search(text)


async def test_under_a_prefix_a_canonical_name_is_refused_pointing_at_the_served_one(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, tool_prefix="work_", disabled_tools="work_get_priorities") as client:
        assert await call_error(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"}) == (
            "backlog_get_issue is served as work_get_issue here (BACKLOG_TOOL_PREFIX); call that."
        )
        assert await call_error(client, "work_get_isue") == (
            "Unknown tool 'work_get_isue'; the closest served tool is work_get_issue."
        )
        assert await call_error(client, "backlog_get_priorities") == (
            "work_get_priorities is switched off by BACKLOG_DISABLED_TOOLS; "
            "remove backlog_get_priorities from it to use it."
        )


async def test_under_a_prefix_the_prompts_resource_and_instructions_name_the_served_tools(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, toolsets="all", tool_prefix="work-") as client:
        instructions = client.instructions or ""
        prompts: list[str] = []
        for name in ("backlog_issue_summary", "backlog_to_jira_migration"):
            message = (await client.get_prompt(name, {"issueKey": "DEMO-1"})).messages[0]
            assert isinstance(message.content, TextContent)
            prompts.append(message.content.text)
        contents = (await client.read_resource("backlog://issue/DEMO-1")).contents[0]
    assert isinstance(contents, TextResourceContents)
    assert "work-get_statuses" in instructions
    assert "`work-export_issue_context`" in prompts[0]
    assert "`work-get_attachment_content`" in prompts[0]
    assert "`work-export_issue_context`" in prompts[1]
    assert 'work-get_comments {"issueIdOrKey":"DEMO-1"}' in contents.text
    for text in (instructions, *prompts, contents.text):
        assert not CANONICAL.search(text)


async def test_only_exact_names_of_our_tools_are_rewritten(sandbox: SandboxServer) -> None:
    from backlog_mcp.tools.surface import Surface

    surface = Surface(toolsets=toolset_names(), prefix="work_")
    given = (
        "backlog_get_issue_list, backlog_get_issue. xbacklog_get_issue backlog_get_issues "
        "backlog_get_wikis backlog://issue/DEMO-1 backlog_issue_summary"
    )
    assert surface.rename(given) == (
        "work_get_issue_list, work_get_issue. xbacklog_get_issue backlog_get_issues "
        "backlog_get_wikis backlog://issue/DEMO-1 backlog_issue_summary"
    )


async def test_the_default_prefix_changes_nothing(sandbox: SandboxServer) -> None:
    async with served(sandbox) as client:
        page = await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 5})
    assert "Next page: backlog_get_issue_list {" in page


async def test_under_a_prefix_a_tools_own_error_sentence_names_tools_as_served() -> None:
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.tools import Tool

    from backlog_mcp.server import BacklogMCPServer
    from backlog_mcp.tools.surface import Surface

    def refuses() -> str:
        raise ToolError("Give issueIdOrKey; backlog_get_issue_list finds one.")

    server = BacklogMCPServer(
        "t",
        tools=[Tool.from_function(refuses, name="work_get_issue")],
        surface=Surface(toolsets=toolset_names(), prefix="work_"),
    )
    async with Client(server) as client:
        assert await call_error(client, "work_get_issue") == (
            "Error executing tool work_get_issue: Give issueIdOrKey; work_get_issue_list finds one."
        )


async def test_an_answer_pointing_to_a_tool_not_served_says_so_and_how_to_serve_it(
    sandbox: SandboxServer,
) -> None:
    async with served(sandbox, toolsets="default") as client:
        result = await client.call_tool("backlog_get_activities", {"count": 100})
    blocks = [b.text for b in result.content if isinstance(b, TextContent)]
    # On a line of its own even for a client that joins the blocks with nothing between them.
    assert "".join(blocks).splitlines()[-1].startswith("Not served here: ")
    text = "\n".join(blocks)
    assert "backlog_get_wiki_page" in text  # the hint of the activity itself
    note = text.splitlines()[-1]
    assert note.startswith("Not served here: ")
    assert "backlog_get_wiki_page (wiki toolset)" in note
    assert "backlog_get_issue" not in note.replace("backlog_get_issue_list", "")  # served: not named
    async with served(sandbox, toolsets="all") as client:
        everything = await call(client, "backlog_get_activities", {"count": 100})
    assert "Not served here" not in everything


async def test_the_default_toolsets_are_exactly_the_five_the_issue_names() -> None:
    assert set(default_toolset_names()) == {"space", "issues", "projects", "attachments", "export"}


@pytest.mark.parametrize("toolset", toolsets(), ids=lambda t: t.name)
def test_each_toolset_is_named_after_the_area_module_that_holds_it(toolset: Toolset) -> None:
    modules = {m.__name__.rsplit(".", 1)[1]: m for m in area_modules("tools")}
    assert modules[toolset.name].TOOLSET is toolset


async def test_the_instructions_point_only_to_tools_that_are_served(sandbox: SandboxServer) -> None:
    async with served(sandbox, toolsets="issues") as client:
        narrow = client.instructions or ""
    async with served(sandbox) as client:
        default = client.instructions or ""
    assert "backlog_get_statuses" not in narrow
    assert "backlog_get_space" not in narrow
    assert "the exact arguments for the next page" in narrow
    assert "backlog_get_statuses" in default
    assert "backlog_get_space names you" in default
