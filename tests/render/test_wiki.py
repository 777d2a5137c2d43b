"""The wiki and shared-files renderers on what the sandbox does not serve: pages whose project is
unknown, empty content, lists Backlog counts longer than it lists, and a full page of 1000 files."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backlog_mcp.backlog.files import SharedFileEntry
from backlog_mcp.backlog.wiki import WikiPage, WikiPageSummary
from backlog_mcp.render.files import render_shared_files
from backlog_mcp.render.text import RenderContext
from backlog_mcp.render.wiki import render_wiki_page, render_wiki_pages

CTX = RenderContext(zone=ZoneInfo("Asia/Tokyo"), base_url="https://demo.backlog.jp")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_page_whose_project_cannot_be_read_shows_its_project_id() -> None:
    text = render_wiki_page(WikiPage(id=7, project_id=42, name="空", content="  \n"), CTX, project=None)
    assert text.splitlines()[:2] == ["# Wiki page 7: 空", "Project: ID 42 · Tags: —"]
    assert text.endswith("## Content\n(empty)")
    assert "Attachments" not in text
    assert "Shared files" not in text


def test_a_list_shorter_than_backlogs_count_says_both() -> None:
    pages = [WikiPageSummary(id=i, name=f"p{i}", updated=WHEN) for i in (1, 2)]
    text = render_wiki_pages(pages, project="DEMO", keyword=None, total=3, ctx=CTX)
    assert text.startswith("2 wiki pages in DEMO listed by Backlog, of 3 it counts:")


def test_a_full_page_of_a_thousand_offers_a_next_page_that_may_be_empty() -> None:
    entries = [SharedFileEntry(id=i, dir="/a/", name=f"f{i}.txt", size=1, created=WHEN) for i in range(1000)]
    text = render_shared_files(
        entries,
        project="DEMO",
        folder="/a/",
        offset=0,
        more=None,
        arguments={"projectIdOrKey": "DEMO"},
        ctx=CTX,
    )
    assert text.startswith(
        "Shared files of DEMO in /a/: entries 1–1000 (Backlog gives no total for a folder):"
    )
    assert text.endswith(
        'Next page: backlog_get_shared_files {"projectIdOrKey":"DEMO","offset":1000}'
        " (this page was Backlog's largest: the next may be empty)"
    )


def test_an_entry_outside_the_folder_is_pointed_out() -> None:
    entries = [SharedFileEntry(id=1, dir="/b/", name="x.txt", size=3)]
    text = render_shared_files(
        entries, project="DEMO", folder="/a/", offset=0, more=False, arguments={}, ctx=CTX
    )
    assert "Some entries sit in another folder: /b/." in text
