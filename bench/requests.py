"""Upstream requests per tool call, first and repeated in one server process.

Repeated calls should cost less: project keys are resolved once per process, reference data
(statuses, users, categories, …) is cached for BACKLOG_CACHE_TTL_SECONDS. Then the writes: the
requests of a dry run (reads only) and of the real call (reads, and the writes it sends), each on
a fresh sandbox; and what BACKLOG_PROJECTS adds to a call that names a thing by a numeric ID.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO,OPS", "statusId": [1, 2]}),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "parentChild": 2}),  # parents off the page
    ("backlog_count_issues", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-2"}),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4"}),
    ("backlog_get_attachments", {"issueIdOrKey": "DEMO-1"}),
    ("backlog_get_projects", {}),
    ("backlog_get_users", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_issue_types", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_categories", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_milestones", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_priorities", {}),
    ("backlog_get_space", {}),
    ("backlog_get_activities", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_related_issues", {"issueIdOrKey": "DEMO-1"}),
    ("backlog_get_custom_fields", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_resolutions", {}),
    ("backlog_get_document_tree", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_documents", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_document", {"documentId": "019a1c2e5b7d7c3f9e4a6b8c0d2e4f61"}),
    ("backlog_get_wiki_pages", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_wiki_page", {"wikiId": 2001001}),
    ("backlog_get_shared_files", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_git_repositories", {"projectIdOrKey": "DEMO"}),
    ("backlog_get_pull_requests", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app"}),
    ("backlog_get_pull_request", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 2}),
    (
        "backlog_get_pull_request_comments",
        {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 2},
    ),
    ("backlog_get_notifications", {}),
    ("backlog_get_watchings", {}),
]


async def main() -> None:
    with SandboxServer() as sandbox:
        config = load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, toolsets="all")
        print(f"{'tool':<34} {'arguments':<50} first repeated")
        for tool, arguments in CALLS:
            counts = []
            async with Client(build_server(config)) as client:  # a fresh process-worth of caches
                for _ in range(2):
                    sandbox.reset_requests()
                    result = await client.call_tool(tool, arguments)
                    assert not result.is_error, result.content
                    counts.append(len(sandbox.requests))
            print(f"{tool:<34} {str(arguments)[:50]:<50} {counts[0]:>5} {counts[1]:>8}")


WRITES: list[tuple[str, dict[str, Any]]] = [
    ("backlog_add_issue", {"projectIdOrKey": "DEMO", "summary": "計測", "issueTypeId": 1073790101}),
    ("backlog_update_issue", {"issueIdOrKey": "DEMO-3", "statusId": 2, "comment": "進めます"}),
    ("backlog_add_comment", {"issueIdOrKey": "DEMO-3", "content": "計測"}),
    ("backlog_watch_issue", {"issueIdOrKey": "DEMO-3", "watch": True}),
    ("backlog_add_wiki_page", {"projectIdOrKey": "DEMO", "name": "計測", "content": "本文"}),
    ("backlog_update_wiki_page", {"wikiId": 2001001, "content": "本文"}),
    ("backlog_add_document", {"projectIdOrKey": "DEMO", "title": "計測", "content": "本文"}),
    (
        "backlog_add_pull_request_comment",
        {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 2, "content": "計測"},
    ),
    ("backlog_mark_notifications_read", {}),
]
SCOPED: list[tuple[str, dict[str, Any]]] = [
    ("backlog_get_issue", {"issueIdOrKey": 1074000054}),
    ("backlog_get_wiki_page", {"wikiId": 2001001}),
    ("backlog_get_document", {"documentId": "019a1c2e5b7d7c3f9e4a6b8c0d2e4f61"}),
]


async def writes() -> None:
    print(f"\n{'write tool':<34} dry run  real (of which writes)")
    for tool, arguments in WRITES:
        counts = []
        for dry_run in (True, False):
            with SandboxServer() as sandbox:  # writes change the data: a fresh sandbox each
                config = load_settings(
                    base_url=sandbox.base_url, api_key=sandbox.api_key, toolsets="all", read_only=False
                )
                async with Client(build_server(config)) as client:
                    result = await client.call_tool(tool, {**arguments, "dryRun": dry_run})
                    assert not result.is_error, result.content
                sent = [r for r in sandbox.requests if r.method not in ("GET", "HEAD")]
                counts.append((len(sandbox.requests), len(sent)))
        (dry, dry_writes), (real, real_writes) = counts
        assert dry_writes == 0, f"{tool}'s dry run sent a write"
        print(f"{tool:<34} {dry:>7}  {real:>4} ({real_writes})")


async def scoped() -> None:
    print(f"\n{'BACKLOG_PROJECTS=DEMO':<34} {'arguments':<50} first repeated (without the allow-list)")
    with SandboxServer() as sandbox:
        for tool, arguments in SCOPED:
            counts = []
            for projects in ("DEMO", ""):
                config = load_settings(
                    base_url=sandbox.base_url, api_key=sandbox.api_key, toolsets="all", projects=projects
                )
                async with Client(build_server(config)) as client:
                    for _ in range(2):
                        sandbox.reset_requests()
                        assert not (await client.call_tool(tool, arguments)).is_error
                        counts.append(len(sandbox.requests))
            shown = f"{tool:<34} {str(arguments)[:50]:<50} {counts[0]:>5} {counts[1]:>8}"
            print(f"{shown} ({counts[2]}, {counts[3]})")


async def everything() -> None:
    await main()
    await writes()
    await scoped()


if __name__ == "__main__":
    anyio.run(everything)
