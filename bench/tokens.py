"""Output tokens (o200k_base): each tool's Markdown vs the pretty JSON of the same Backlog payloads.

Nulab's official server answers with `JSON.stringify(payload, null, 2)`; that is the comparison.
Budgets from the foundation issue: an issue list <= 1/7, comments <= 1/3, one issue <= 1/2 of
the JSON's tokens, and <= 125 tokens per tool for the whole `tools/list`.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2

from bench._session import Session, session
from bench._tokens import count

# (tool, arguments, Backlog path, query, budget as a fraction of the JSON's tokens)
CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str]], float | None]] = [
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 20}, "issues",
     [("projectId[]", "{DEMO}"), ("count", "20")], 1 / 7),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 100}, "issues",
     [("projectId[]", "{DEMO}"), ("count", "100")], 1 / 7),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 20}, "issues/DEMO-4/comments",
     [("count", "20")], 1 / 3),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 100}, "issues/DEMO-4/comments",
     [("count", "100")], 1 / 3),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}, "issues/DEMO-1", [], 1 / 2),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-6"}, "issues/DEMO-6", [], 1 / 2),
    ("backlog_get_projects", {}, "projects", [], None),
    ("backlog_get_users", {"projectIdOrKey": "DEMO"}, "projects/DEMO/users", [], None),
    ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}, "projects/DEMO/statuses", [], None),
    ("backlog_get_issue_types", {"projectIdOrKey": "DEMO"}, "projects/DEMO/issueTypes", [], None),
    ("backlog_get_categories", {"projectIdOrKey": "DEMO"}, "projects/DEMO/categories", [], None),
    ("backlog_get_milestones", {"projectIdOrKey": "DEMO", "archived": True}, "projects/DEMO/versions", [],
     None),
    ("backlog_get_priorities", {}, "priorities", [], None),
    ("backlog_get_attachments", {"issueIdOrKey": "DEMO-1"}, "issues/DEMO-1/attachments", [], None),
]  # fmt: skip


def pretty(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)


async def run(s: Session) -> bool:
    ok = True
    async with httpx2.AsyncClient(base_url=f"{s.sandbox.base_url}/api/v2/") as http:

        async def raw(path: str, query: list[tuple[str, str]]) -> Any:
            response = await http.get(path, params=[*query, ("apiKey", s.sandbox.api_key)])
            response.raise_for_status()
            return response.json()

        demo_id = str((await raw("projects/DEMO", []))["id"])
        print(f"{'tool':<26} {'arguments':<44} {'ours':>6} {'JSON':>7} {'ratio':>6}  budget")
        for tool, arguments, path, query, budget in CASES:
            ours = count(await s.text(tool, arguments))
            theirs = count(pretty(await raw(path, [(k, v.replace("{DEMO}", demo_id)) for k, v in query])))
            ratio = ours / theirs
            verdict = "" if budget is None else (f"<= {budget:.3f} " + ("ok" if ratio <= budget else "OVER"))
            ok &= budget is None or ratio <= budget
            args = json.dumps(arguments, ensure_ascii=False)
            print(f"{tool:<26} {args:<44} {ours:>6} {theirs:>7} {ratio:>6.3f}  {verdict}")
    listed = await s.client.list_tools()
    tools = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed.tools]
    total = count(json.dumps({"tools": tools}, ensure_ascii=False, separators=(",", ":")))
    per_tool = total / len(tools)
    ok &= per_tool <= 125
    print(f"\ntools/list: {total} tokens for {len(tools)} tools = {per_tool:.0f} per tool (budget <= 125)")
    for entry in tools:
        size = count(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
        print(f"  {entry['name']:<26} {size:>5}")
    return ok


async def main() -> None:
    async with session() as s:
        ok = await run(s)
    print("\nall budgets met" if ok else "\nSOME BUDGETS MISSED")


if __name__ == "__main__":
    anyio.run(main)
