"""backlog_get_comments: paging through the 263-comment issue both ways, change logs, notifications."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio

HEAD = re.compile(r"^### #(\d+) · ", re.MULTILINE)
NEXT = re.compile(r"^Next page: backlog_get_comments (\{.*\})$", re.MULTILINE)


async def _walk(client: Client, arguments: dict[str, object]) -> list[int]:
    ids: list[int] = []
    while True:
        text = await call(client, "backlog_get_comments", arguments)
        assert "of 263 in total" in text
        ids += [int(i) for i in HEAD.findall(text)]
        following = NEXT.search(text)
        if following is None:
            assert "End of comments" in text
            return ids
        arguments = json.loads(following.group(1))


@pytest.mark.parametrize("order", ["desc", "asc"])
async def test_paging_reaches_every_comment_once_in_order(client: Client, order: str) -> None:
    ids = await _walk(client, {"issueIdOrKey": "DEMO-4", "count": 100, "order": order})
    assert len(ids) == len(set(ids)) == 263
    assert ids == sorted(ids, reverse=order == "desc")


async def test_default_page_is_20_newest_first(client: Client) -> None:
    text = await call(client, "backlog_get_comments", {"issueIdOrKey": "DEMO-4"})
    ids = [int(i) for i in HEAD.findall(text)]
    assert len(ids) == 20
    assert ids == sorted(ids, reverse=True)
    assert "20 shown (newest first) of 263 in total" in text
    following = NEXT.search(text)
    assert following
    assert json.loads(following.group(1))["maxId"] == ids[-1]


async def test_change_logs_render_field_from_to(client: Client) -> None:
    text = "\n".join(
        [await call(client, "backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 100, "order": "asc"})]
    )
    assert re.search(r"^- status: .+ → .+$", text, re.MULTILINE)
    assert re.search(r"^- attachment: added .+$", text, re.MULTILINE)
    # A description edit shows what was written, not just that something was.
    assert re.search(r"^- description changed \(\+1 −0 lines\):\n  \+ 追記: .+$", text, re.MULTILINE)
    assert "Notified: " in text


async def test_min_and_max_id_bound_the_page(client: Client) -> None:
    first = await call(client, "backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 5, "order": "asc"})
    ids = [int(i) for i in HEAD.findall(first)]
    window = await call(
        client,
        "backlog_get_comments",
        {"issueIdOrKey": "DEMO-4", "minId": ids[0], "maxId": ids[4], "order": "asc"},
    )
    assert [int(i) for i in HEAD.findall(window)] == ids[1:4]
    assert "End of comments" in window


async def test_issue_without_comments_says_so(client: Client) -> None:
    text = await call(client, "backlog_get_comments", {"issueIdOrKey": "DEMO-7"})
    assert text == "No comments on DEMO-7."


@pytest.mark.parametrize(
    ("key", "count", "order"), [("DEMO-6", 5, "desc"), ("DEMO-6", 5, "asc"), ("DEMO-6", 2, "asc")]
)
async def test_the_next_page_hint_never_leads_to_an_empty_page(
    client: Client, key: str, count: int, order: str
) -> None:
    arguments: dict[str, object] = {"issueIdOrKey": key, "count": count, "order": order}
    total = int(re.findall(r"of (\d+) in total", await call(client, "backlog_get_comments", arguments))[0])
    assert total % count == 0, "the case worth testing: the last page is exactly full"
    pages = 0
    while True:
        text = await call(client, "backlog_get_comments", arguments)
        assert HEAD.findall(text), text
        pages += 1
        following = NEXT.search(text)
        if following is None:
            break
        arguments = json.loads(following.group(1))
    assert pages == total // count
