"""Attachment tools name the file's owner by exactly one argument: an issue, a wiki page, a document,
a pull request (each with attachmentId), or a shared file (its own ID, with projectIdOrKey)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx2
import pytest
from markdown_it import MarkdownIt
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.documents import HOSTILE_DOCUMENT_ID
from backlog_mcp.sandbox.files import HOSTILE_FILE_PATH
from backlog_mcp.sandbox.landmarks import WIKI_PAGE_IDS
from backlog_mcp.sandbox.wiki import HOSTILE_WIKI_ID
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error, workspace_settings

pytestmark = pytest.mark.anyio

TOOLS = ("backlog_get_attachment_content", "backlog_download_attachment")
DOC = "019a1c2e5b7d7c3f9e4a6b8c0d2e4f60"


@pytest.mark.parametrize("tool", TOOLS)
async def test_a_call_naming_no_owner_says_which_arguments_name_one(client: Client, tool: str) -> None:
    text = await call_error(client, tool, {"attachmentId": 1})
    assert "No file named" in text
    for argument in ("issueIdOrKey", "wikiId", "documentId", "pullRequest", "sharedFileId", "projectIdOrKey"):
        assert argument in text


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(
    ("owners", "named"),
    [
        ({"issueIdOrKey": "DEMO-1", "wikiId": 5}, "issueIdOrKey and wikiId"),
        ({"documentId": DOC, "pullRequest": "DEMO/web-app/1"}, "documentId and pullRequest"),
        (
            {"issueIdOrKey": "DEMO-1", "sharedFileId": 3, "projectIdOrKey": "DEMO"},
            "issueIdOrKey and sharedFileId",
        ),
    ],
)
async def test_two_owners_at_once_are_refused_naming_both(
    client: Client, tool: str, owners: dict[str, Any], named: str
) -> None:
    text = await call_error(client, tool, {**owners, "attachmentId": 1})
    assert f"{named} name different owners" in text


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"wikiId": 5}, "attachmentId is missing: wikiId names the owner"),
        ({"sharedFileId": 5}, "projectIdOrKey is missing"),
        ({"sharedFileId": 5, "projectIdOrKey": "DEMO", "attachmentId": 1}, "A shared file is its own ID"),
        (
            {"issueIdOrKey": "DEMO-1", "attachmentId": 1, "projectIdOrKey": "DEMO"},
            "projectIdOrKey goes with sharedFileId only",
        ),
        ({"sharedFileId": 5, "projectIdOrKey": "DEMO,OPS"}, "projectIdOrKey takes one project here"),
        (
            {"documentId": "not-hex", "attachmentId": 1},
            "documentId must be a document ID: 32 hexadecimal characters",
        ),
        ({"pullRequest": "DEMO/web-app", "attachmentId": 1}, 'pullRequest takes "PROJECT/repo/number"'),
        ({"pullRequest": "DEMO/web-app/0", "attachmentId": 1}, 'pullRequest takes "PROJECT/repo/number"'),
        ({"wikiId": 0, "attachmentId": 1}, "backlog_get_wiki_pages"),
    ],
)
async def test_a_missing_or_stray_part_of_the_owner_is_one_clear_sentence(
    client: Client, arguments: dict[str, Any], expected: str
) -> None:
    text = await call_error(client, "backlog_get_attachment_content", arguments)
    assert expected in text
    assert "Traceback" not in text


async def test_a_pull_request_attachment_is_read_and_a_missing_one_is_named(client: Client) -> None:
    listed = await call(
        client, "backlog_get_pull_request", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 2}
    )
    found = re.search(r"^\|(\d+)\|テスト結果\.txt\|", listed, re.MULTILINE)
    assert found, listed
    attachment_id = int(found[1])
    owner = {"pullRequest": "demo/web-app/2", "attachmentId": attachment_id}
    text = await call(client, "backlog_get_attachment_content", owner)
    assert text.startswith(f"Attachment {attachment_id} of pull request DEMO/web-app#2: ")
    missing = await call_error(client, "backlog_get_attachment_content", {**owner, "attachmentId": 1})
    assert "Attachment 1 of pull request DEMO/web-app#2 not found." in missing
    gone = await call_error(
        client, "backlog_get_attachment_content", {**owner, "pullRequest": "DEMO/web-app/99"}
    )
    assert "Pull request DEMO/web-app#99 not found." in gone
    no_repo = await call_error(
        client, "backlog_get_attachment_content", {**owner, "pullRequest": "DEMO/nope/2"}
    )
    assert "Repository DEMO/nope not found." in no_repo


# --- each owner kind, end to end: read, save (hostile names), and what a missing one says ----------


def _backlog(sandbox: SandboxServer, path: str, **params: str) -> Any:
    answer = httpx2.get(f"{sandbox.base_url}/api/v2/{path}", params={"apiKey": sandbox.api_key, **params})
    answer.raise_for_status()
    return answer.json()


def _owners(sandbox: SandboxServer) -> dict[str, tuple[dict[str, Any], str]]:
    """Each kind of owner → (the arguments naming its file with the most hostile name, that name)."""
    wiki = _backlog(sandbox, f"wikis/{HOSTILE_WIKI_ID}")["attachments"][0]
    document = _backlog(sandbox, f"documents/{HOSTILE_DOCUMENT_ID}")["attachments"][0]
    pr = _backlog(sandbox, "projects/DEMO/git/repositories/web-app/pullRequests/5")["attachments"][0]
    folder, _, name = HOSTILE_FILE_PATH.rpartition("/")
    shared = next(e for e in _backlog(sandbox, f"projects/DEMO/files/metadata{folder}") if e["name"] == name)
    return {
        "wiki": ({"wikiId": HOSTILE_WIKI_ID, "attachmentId": wiki["id"]}, wiki["name"]),
        "document": ({"documentId": HOSTILE_DOCUMENT_ID, "attachmentId": document["id"]}, document["name"]),
        "pull request": ({"pullRequest": "DEMO/web-app/5", "attachmentId": pr["id"]}, pr["name"]),
        "shared file": ({"sharedFileId": shared["id"], "projectIdOrKey": "DEMO"}, shared["name"]),
    }


KINDS = ("wiki", "document", "pull request", "shared file")


@pytest.mark.parametrize("kind", KINDS)
async def test_each_owner_kind_reads_its_file_through_the_attachment_tool(
    client: Client, sandbox: SandboxServer, kind: str
) -> None:
    arguments, _ = _owners(sandbox)[kind]
    text = await call(client, "backlog_get_attachment_content", arguments)
    first = text.splitlines()[0]
    assert first.startswith(f"{'Shared file' if kind == 'shared file' else 'Attachment'} ")
    assert "\u202e" not in text
    assert "\u200b" not in text
    # Names and bodies are someone else's text: nothing in them parses as a heading of ours.
    assert not [t for t in MarkdownIt("commonmark").parse(text) if t.type == "heading_open"]


@pytest.mark.parametrize("kind", KINDS)
async def test_each_owner_kind_saves_its_hostile_name_safely_inside_the_workspace(
    sandbox: SandboxServer, workspace: Path, kind: str
) -> None:
    arguments, name = _owners(sandbox)[kind]
    async with Client(build_server(workspace_settings(sandbox, workspace))) as client:
        text = await call(client, "backlog_download_attachment", arguments)
    saved = [p for p in workspace.rglob("*") if p.is_file()]
    assert len(saved) == 1, text
    (path,) = saved
    assert path.resolve().is_relative_to(workspace.resolve())
    assert not set(path.name) & {"\u202e", "\u202c", "\u200b", "\n", "/", "\\"}, path.name
    assert str(path) in text
    assert name not in text  # the raw name, with its control characters, is never echoed whole


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"wikiId": 99, "attachmentId": 1}, "Wiki page 99 not found."),
        ({"wikiId": WIKI_PAGE_IDS["DEMO/Home"], "attachmentId": 1},
         f"Attachment 1 of wiki page {WIKI_PAGE_IDS['DEMO/Home']} not found."),
        ({"documentId": "0" * 32, "attachmentId": 1}, f"Document {'0' * 32} not found."),
        ({"documentId": HOSTILE_DOCUMENT_ID, "attachmentId": 1},
         f"Attachment 1 of document {HOSTILE_DOCUMENT_ID} not found."),
        ({"sharedFileId": 1, "projectIdOrKey": "DEMO"}, "Shared file 1 of project DEMO not found."),
        ({"sharedFileId": 1, "projectIdOrKey": "NOPE"}, "Project NOPE not found."),
    ],
)  # fmt: skip
async def test_a_missing_owner_or_file_is_named_for_each_kind(
    client: Client, arguments: dict[str, Any], expected: str
) -> None:
    assert expected in await call_error(client, "backlog_get_attachment_content", arguments)
