"""Untrusted text through a real renderer: what a person cannot see does not reach the model,
and emoji written with a zero-width joiner reach it whole."""

from __future__ import annotations

import re

import httpx2
import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.documents import HOSTILE_DOCUMENT_ID
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT, HOSTILE_COMMENT_ISSUE
from backlog_mcp.sandbox.wiki import HOSTILE_WIKI_ID
from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio

# Everything the rule removes, the zero-width joiner aside (it is judged by where it stands).
_REMOVED = re.compile("[\u200b\u200c\u2060\ufeff\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]")


async def test_a_comment_keeps_its_emoji_sequences_and_loses_every_invisible_character(
    client: Client,
) -> None:
    assert "👩\u200d💻" in HOSTILE_COMMENT
    assert "結\u200d合\u200c文\u2060字\ufeff列" in HOSTILE_COMMENT
    text = await call(
        client, "backlog_get_comments", {"issueIdOrKey": HOSTILE_COMMENT_ISSUE, "count": 1, "order": "asc"}
    )
    assert "\n絵文字:👩\u200d💻 👨\u200d👩\u200d👧 ❤\ufe0f\u200d🔥 結合文字列終\n" in text
    assert "\n隠し文字:evil 見えない\n" in text
    assert not _REMOVED.search(text)
    # Every joiner left stands inside an emoji sequence.
    assert text.count("\u200d") == 4


# One call per renderer that reads the sandbox's hostile text of its area, with the Backlog path
# that serves that text: the raw payload must carry invisible characters (or the test proves
# nothing), and the answer none.
_SWEEP = [
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-8"}, "issues/DEMO-8"),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 100},
     "issues?projectId[]=10001&count=100"),
    ("backlog_get_related_issues", {"issueIdOrKey": "DEMO-1"}, "issues/DEMO-1/relatedIssues"),
    ("backlog_get_comments", {"issueIdOrKey": HOSTILE_COMMENT_ISSUE, "order": "asc"},
     f"issues/{HOSTILE_COMMENT_ISSUE}/comments?order=asc"),
    ("backlog_get_activities", {"count": 100}, "space/activities?count=100"),
    ("backlog_get_document", {"documentId": HOSTILE_DOCUMENT_ID}, f"documents/{HOSTILE_DOCUMENT_ID}"),
    ("backlog_get_document_tree", {"projectIdOrKey": "DEMO"}, "documents/tree?projectIdOrKey=DEMO"),
    ("backlog_get_documents", {"projectIdOrKey": "DEMO", "count": 100},
     "documents?projectId[]=10001&offset=0&count=100"),
    ("backlog_get_wiki_page", {"wikiId": HOSTILE_WIKI_ID}, f"wikis/{HOSTILE_WIKI_ID}"),
    ("backlog_get_wiki_pages", {"projectIdOrKey": "DEMO"}, "wikis?projectIdOrKey=DEMO"),
    ("backlog_get_pull_request", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 5},
     "projects/DEMO/git/repositories/web-app/pullRequests/5"),
    ("backlog_get_pull_requests", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app"},
     "projects/DEMO/git/repositories/web-app/pullRequests"),
    ("backlog_get_pull_request_comments", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 5},
     "projects/DEMO/git/repositories/web-app/pullRequests/5/comments"),
    ("backlog_get_notifications", {"count": 100}, "notifications?count=100"),
    ("backlog_get_watchings", {"count": 100}, "users/myself"),
    ("backlog_get_shared_files", {"projectIdOrKey": "DEMO", "path": "/docs"},
     "projects/DEMO/files/metadata/docs"),
]  # fmt: skip


@pytest.mark.parametrize(("tool", "arguments", "raw"), _SWEEP, ids=[case[0] for case in _SWEEP])
async def test_every_renderer_drops_what_a_person_cannot_see(
    client: Client, sandbox: SandboxServer, tool: str, arguments: dict[str, object], raw: str
) -> None:
    if raw == "users/myself":  # the watchings of the key's user
        me = httpx2.get(f"{sandbox.base_url}/api/v2/users/myself", params={"apiKey": sandbox.api_key}).json()
        raw = f"users/{me['id']}/watchings?count=100"
    path, _, query = raw.partition("?")
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    params = (*((name, value) for name, _, value in pairs), ("apiKey", sandbox.api_key))
    payload = httpx2.get(f"{sandbox.base_url}/api/v2/{path}", params=params).text
    assert _REMOVED.search(payload), f"no hostile text in {raw}"
    text = await call(client, tool, arguments)
    assert not _REMOVED.search(text), tool
