"""The `backlog://issue/{issueKey}` resource template through a real MCP client."""

from __future__ import annotations

import pytest
from mcp import Client, MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, TextResourceContents

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio


async def _read(client: Client, uri: str) -> TextResourceContents:
    result = await client.read_resource(uri)
    assert len(result.contents) == 1
    contents = result.contents[0]
    assert isinstance(contents, TextResourceContents)
    return contents


async def _error(client: Client, uri: str) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    return caught.value


async def test_templates_list_shows_the_issue_template_tidily(client: Client) -> None:
    templates = (await client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["backlog://issue/{issueKey}"]
    template = templates[0]
    assert template.name == "backlog_issue"
    assert template.title == "Backlog issue"
    assert template.description == "One issue as Markdown: fields, custom fields, description, attachments."
    assert template.mime_type == "text/markdown"
    assert (await client.list_resources()).resources == []


async def test_reading_an_issue_gives_markdown(client: Client) -> None:
    contents = await _read(client, "backlog://issue/DEMO-1")
    assert contents.mime_type == "text/markdown"
    assert contents.uri == "backlog://issue/DEMO-1"
    assert contents.text.startswith("# DEMO-1 ")
    assert "## Description" in contents.text


async def test_the_resource_reads_exactly_like_the_tool(client: Client) -> None:
    contents = await _read(client, "backlog://issue/DEMO-1")
    assert contents.text == await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"})


async def test_a_child_issue_names_its_parent(client: Client) -> None:
    contents = await _read(client, "backlog://issue/DEMO-2")
    assert contents.text.startswith("# DEMO-2 ")
    assert "Parent: DEMO-1" in contents.text


async def test_a_lower_case_key_is_accepted(client: Client) -> None:
    contents = await _read(client, "backlog://issue/demo-7")
    assert contents.text.startswith("# DEMO-7 ")


async def test_an_unknown_issue_is_not_found_with_its_key(client: Client) -> None:
    error = await _error(client, "backlog://issue/DEMO-9999")
    assert error.error.code == INVALID_PARAMS
    assert error.error.message == "Issue DEMO-9999 not found. Backlog said: No issue."


@pytest.mark.parametrize("key", ["nope", "12345", "DEMO-0"])
async def test_a_malformed_key_is_not_found_with_an_example(client: Client, key: str) -> None:
    error = await _error(client, f"backlog://issue/{key}")
    assert error.error.code == INVALID_PARAMS
    assert error.error.message == f"{key!r} is not a Backlog issue key: use one like backlog://issue/DEMO-12."


async def test_other_backlog_failures_are_one_clear_sentence(sandbox: SandboxServer) -> None:
    wrong = "wrong-key-0f1e2d3c4b5a"
    settings = load_settings(base_url=sandbox.base_url, api_key=wrong)
    async with Client(build_server(settings)) as client:
        error = await _error(client, "backlog://issue/DEMO-1")
    assert error.error.code == INTERNAL_ERROR
    assert error.error.message.startswith("Backlog rejected the API key (HTTP 401): check BACKLOG_API_KEY")
    assert wrong not in error.error.message
    assert "Traceback" not in error.error.message
