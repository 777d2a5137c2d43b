"""BACKLOG_PROJECTS: every kind of reference outside the allow-list is refused, lists show only
allowed projects, and a thing whose project cannot be told is refused (fail closed)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextResourceContents

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS, WIKI_PAGE_IDS
from backlog_mcp.server import build_server
from backlog_mcp.tools.registry import build_tool
from backlog_mcp.tools.scope import NEUTRAL, REFERENCES
from backlog_mcp.tools.toolsets import toolsets
from tests.e2e.conftest import call, call_error, workspace_settings

pytestmark = pytest.mark.anyio
ALLOWED = "BACKLOG_PROJECTS: DEMO"


@pytest.fixture(params=["auto", "legacy"])
async def scoped(
    request: pytest.FixtureRequest, sandbox: SandboxServer, workspace: Path
) -> AsyncIterator[Client]:
    settings = workspace_settings(sandbox, workspace, projects="demo")
    async with Client(build_server(settings), mode=request.param) as connected:
        yield connected


def _issue(sandbox: SandboxServer, project: str) -> tuple[int, str, str]:
    found = next(i for i in sandbox.space.issues if i.json["issueKey"].startswith(f"{project}-"))
    return found.id, found.json["issueKey"], found.json["summary"]


def test_every_argument_of_every_tool_is_a_checked_reference_or_declared_neutral() -> None:
    arguments = {
        (definition.name, name)
        for toolset in toolsets()
        for definition in toolset.tools
        for name in build_tool(definition).parameters["properties"]
    }
    unknown = sorted(
        f"{tool}.{name}" for tool, name in arguments if name not in REFERENCES and name not in NEUTRAL
    )
    assert unknown == []
    assert not NEUTRAL & REFERENCES.keys()


async def test_an_issue_key_outside_the_allow_list_is_refused_without_its_content(
    scoped: Client, sandbox: SandboxServer
) -> None:
    _, key, summary = _issue(sandbox, "VNAPP")
    error = await call_error(scoped, "backlog_get_issue", {"issueIdOrKey": key})
    assert ALLOWED in error
    assert summary not in error


async def test_a_numeric_issue_id_outside_the_allow_list_is_looked_up_and_refused(
    scoped: Client, sandbox: SandboxServer
) -> None:
    issue_id, key, summary = _issue(sandbox, "LEGACY")
    error = await call_error(scoped, "backlog_get_comments", {"issueIdOrKey": issue_id})
    assert ALLOWED in error
    assert key not in error
    assert summary not in error


async def test_an_issue_url_outside_the_allow_list_is_refused(scoped: Client, sandbox: SandboxServer) -> None:
    _, key, _ = _issue(sandbox, "OPS")
    url = f"{sandbox.base_url}/view/{key}"
    assert ALLOWED in await call_error(scoped, "backlog_get_related_issues", {"issueIdOrKey": url})


async def test_an_allowed_issue_by_key_and_by_numeric_id_is_served(
    scoped: Client, sandbox: SandboxServer
) -> None:
    issue_id, key, _ = _issue(sandbox, "DEMO")
    assert key in await call(scoped, "backlog_get_issue", {"issueIdOrKey": key})
    assert key in await call(scoped, "backlog_get_issue", {"issueIdOrKey": issue_id})


async def test_a_project_outside_the_allow_list_is_refused_by_key_by_id_and_in_a_list(
    scoped: Client, sandbox: SandboxServer
) -> None:
    vnapp = sandbox.space.project("VNAPP")
    assert vnapp is not None
    assert ALLOWED in await call_error(scoped, "backlog_get_statuses", {"projectIdOrKey": "VNAPP"})
    assert ALLOWED in await call_error(scoped, "backlog_get_users", {"projectIdOrKey": vnapp.id})
    assert ALLOWED in await call_error(scoped, "backlog_get_issue_list", {"projectIdOrKey": "DEMO,VNAPP"})
    assert ALLOWED in await call_error(scoped, "backlog_get_shared_files", {"projectIdOrKey": "OPS"})


async def test_wiki_pages_and_documents_are_placed_in_their_project(scoped: Client) -> None:
    assert ALLOWED in await call_error(
        scoped, "backlog_get_wiki_page", {"wikiId": WIKI_PAGE_IDS["VNAPP/Home"]}
    )
    assert "Home" in await call(scoped, "backlog_get_wiki_page", {"wikiId": WIKI_PAGE_IDS["DEMO/Home"]})
    outside = DOCUMENT_IDS["VNAPP/Hướng dẫn"]
    assert ALLOWED in await call_error(scoped, "backlog_get_document", {"documentId": outside})
    assert "設計方針" in await call(
        scoped, "backlog_get_document", {"documentId": DOCUMENT_IDS["DEMO/設計方針"]}
    )


async def test_pull_requests_and_attachments_are_placed_by_their_owner(
    scoped: Client, sandbox: SandboxServer
) -> None:
    pr = {"projectIdOrKey": "OPS", "repoIdOrName": "infra", "number": 1}
    assert ALLOWED in await call_error(scoped, "backlog_get_pull_request", pr)
    owners: list[dict[str, Any]] = [
        {"pullRequest": "OPS/infra/1", "attachmentId": 1},
        {"wikiId": WIKI_PAGE_IDS["VNAPP/Home"], "attachmentId": 1},
        {"issueIdOrKey": _issue(sandbox, "VNAPP")[1], "attachmentId": 1},
        {"sharedFileId": 1, "projectIdOrKey": "VNAPP"},
        {"documentId": DOCUMENT_IDS["VNAPP/Hướng dẫn"], "attachmentId": 1},
    ]
    for owner in owners:
        assert ALLOWED in await call_error(scoped, "backlog_get_attachment_content", owner), owner
    assert ALLOWED in await call_error(scoped, "backlog_export_issue_context", {"issueIdOrKey": "VNAPP-1"})


async def test_a_thing_that_does_not_exist_is_refused_as_not_found(scoped: Client) -> None:
    assert "not found" in await call_error(scoped, "backlog_get_wiki_page", {"wikiId": 999_999_999})
    assert "not found" in await call_error(scoped, "backlog_get_issue", {"issueIdOrKey": 999_999_999})


async def test_a_thing_whose_project_cannot_be_determined_is_refused(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(write_sandbox, workspace, projects="DEMO", max_retries=0)
    async with Client(build_server(settings)) as scoped:
        write_sandbox.faults.fail_next = 1  # the lookup of the page's project fails
        error = await call_error(scoped, "backlog_get_wiki_page", {"wikiId": WIKI_PAGE_IDS["DEMO/Home"]})
    assert "could not be determined" in error
    assert "BACKLOG_PROJECTS (DEMO)" in error


async def test_a_parent_issue_filter_outside_the_allow_list_is_refused(scoped: Client) -> None:
    error = await call_error(
        scoped, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "parentIssueId": ["OPS-1"]}
    )
    assert ALLOWED in error


async def test_the_project_list_shows_only_allowed_projects_and_how_many_were_left_out(
    scoped: Client,
) -> None:
    text = await call(scoped, "backlog_get_projects")
    assert "DEMO" in text
    for other in ("VNAPP", "OPS", "LEGACY"):
        assert other not in text
    assert "3 more left out by BACKLOG_PROJECTS (DEMO)" in text


async def test_an_issue_list_without_a_project_lists_only_allowed_projects(scoped: Client) -> None:
    text = await call(scoped, "backlog_get_issue_list", {"count": 100, "sort": "created"})
    projects = {
        line.split("|")[1].split("-")[0] for line in text.splitlines() if re.match(r"\|[A-Z]+-\d+\|", line)
    }
    assert projects == {"DEMO"}
    everywhere = await call(scoped, "backlog_count_issues")
    in_demo = await call(scoped, "backlog_count_issues", {"projectIdOrKey": "DEMO"})
    assert everywhere.split()[0] == in_demo.split()[0]


async def test_the_issue_resource_refuses_an_issue_outside_the_allow_list(scoped: Client) -> None:
    result = await scoped.read_resource("backlog://issue/DEMO-1")
    assert isinstance(result.contents[0], TextResourceContents)
    with pytest.raises(Exception, match="BACKLOG_PROJECTS"):
        await scoped.read_resource("backlog://issue/VNAPP-1")
