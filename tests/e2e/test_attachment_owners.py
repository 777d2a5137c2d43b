"""Attachment tools name the file's owner by exactly one argument: an issue, a wiki page, a document,
a pull request (each with attachmentId), or a shared file (its own ID, with projectIdOrKey)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mcp import Client

from tests.e2e.conftest import call, call_error

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
            "documentId must be a document's ID, 32 hexadecimal digits",
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
