"""One leniency rule for every argument of every tool (tools/args.py), through a real MCP client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(sandbox: SandboxServer, tmp_path: Path) -> Settings:
    """The conftest's settings, writing into a workspace of the test's own."""
    return load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, timezone="Asia/Tokyo", workspace=tmp_path / "ws"
    )


@pytest.fixture
def facts(sandbox: SandboxServer) -> dict[str, int]:
    issue = sandbox.space.issue("DEMO-1")
    assert issue is not None
    return {
        "issue_id": issue.json["id"],
        "project_id": issue.json["projectId"],
        "attachment_id": issue.json["attachments"][0]["id"],
    }


def _required(facts: dict[str, int]) -> dict[str, Any]:
    return {"issueIdOrKey": "DEMO-1", "projectIdOrKey": "DEMO", "attachmentId": facts["attachment_id"]}


_ONE_OF = {
    "backlog_get_attachment_content": {"issueIdOrKey", "attachmentId"},
    "backlog_download_attachment": {"issueIdOrKey", "attachmentId"},
}


async def test_null_for_any_optional_argument_of_any_tool_means_not_given(
    client: Client, facts: dict[str, int]
) -> None:
    tools = (await client.list_tools()).tools
    checked = 0
    for tool in tools:
        # The attachment tools need one owner of several; the issue is the one given here.
        required = set(tool.input_schema.get("required", [])) | _ONE_OF.get(tool.name, set())
        arguments = {
            name: _required(facts)[name] if name in required else None
            for name in tool.input_schema["properties"]
        }
        await call(client, tool.name, arguments)
        checked += len(arguments) - len(required)
    assert checked >= 80  # the optional arguments of every tool (88 today) were each sent as null


async def test_null_for_an_argument_the_tool_does_not_have_asks_for_nothing(client: Client) -> None:
    # Clients that send every parameter of an older schema as null still get their answer.
    text = await call(
        client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "count": None, "offset": None}
    )
    assert "DEMO" in text


async def test_null_for_a_required_argument_is_reported_as_required(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": None})
    assert text == "Error executing tool backlog_get_issue: Invalid arguments: issueIdOrKey is required."


async def test_issue_and_project_ids_given_as_json_numbers_are_read(
    client: Client, facts: dict[str, int]
) -> None:
    issue = await call(client, "backlog_get_issue", {"issueIdOrKey": facts["issue_id"]})
    assert issue.startswith("# DEMO-1 ")
    statuses = await call(client, "backlog_get_statuses", {"projectIdOrKey": facts["project_id"]})
    assert "statusId" in statuses or "|ID|" in statuses
    listed = await call(client, "backlog_get_issue_list", {"projectIdOrKey": facts["project_id"], "count": 1})
    assert "DEMO-" in listed


async def test_an_id_sent_as_a_whole_float_is_read_and_a_fraction_is_refused_in_a_sentence(
    client: Client, facts: dict[str, int]
) -> None:
    # Clients that keep every JSON number as a double send 10001 as 10001.0.
    issue = await call(client, "backlog_get_issue", {"issueIdOrKey": float(facts["issue_id"])})
    assert issue.startswith("# DEMO-1 ")
    statuses = await call(client, "backlog_get_statuses", {"projectIdOrKey": float(facts["project_id"])})
    assert "statusId" in statuses or "|ID|" in statuses
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": facts["issue_id"] + 0.5})
    fraction = f"{facts['issue_id']}.5"
    assert text.endswith(f"issueIdOrKey must be text, or a whole number for an ID (got {fraction}).")


async def test_errors_quote_json_null_true_and_false_as_the_caller_spelt_them(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": True})
    assert "issueIdOrKey must be text (got true)" in text
    text = await call_error(client, "backlog_get_issue_list", {"statusId": [1, None]})
    assert "(got null)" in text
    text = await call_error(client, "backlog_get_projects", {"archived": [False]})
    assert "archived must be true or false (got [false])" in text
    assert "None" not in text + await call_error(client, "backlog_get_issue_list", {"statusId": [None]})


async def test_ids_are_advertised_as_plain_strings_their_names_explain(client: Client) -> None:
    seen = 0
    for tool in (await client.list_tools()).tools:
        for name in ("issueIdOrKey", "projectIdOrKey"):
            prop = tool.input_schema["properties"].get(name)
            if prop is not None:
                seen += 1
                assert prop["type"] == "string", tool.name
                assert "anyOf" not in prop
    assert seen >= 15


async def test_an_issue_url_of_another_space_is_refused_naming_the_configured_space(
    client: Client, sandbox: SandboxServer
) -> None:
    host = sandbox.base_url.removeprefix("http://")
    for tool in ("backlog_get_issue", "backlog_get_comments", "backlog_get_attachments"):
        text = await call_error(client, tool, {"issueIdOrKey": "https://other.backlog.com/view/DEMO-2"})
        assert "an issue in another Backlog space (other.backlog.com)" in text
        assert f"this server reads only {host}" in text


@pytest.mark.parametrize(
    "link",
    [
        "file:///view/DEMO-2",
        "https:///view/DEMO-2",
        "mailto:/view/DEMO-2",
        "javascript:/view/DEMO-2",
        "http://{host}:80/view/DEMO-2",  # a second port: no browser would open it
        "https://{host}/projects/DEMO",
    ],
)
async def test_a_value_with_a_scheme_is_read_only_as_an_http_link_to_an_issue_of_the_configured_space(
    client: Client, sandbox: SandboxServer, link: str
) -> None:
    host = sandbox.base_url.removeprefix("http://")
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": link.format(host=host)})
    assert text.endswith(
        f"Invalid arguments: issueIdOrKey is not a link to an issue in {host}: give the issue key like "
        "DEMO-12, its numeric ID, or its https://…/view/ link."
    )


async def test_a_link_to_another_space_never_echoes_the_password_it_carries(
    client: Client, sandbox: SandboxServer
) -> None:
    host = sandbox.base_url.removeprefix("http://")
    text = await call_error(
        client, "backlog_get_comments", {"issueIdOrKey": "https://u:hunter2@other.backlog.com/view/DEMO-2"}
    )
    assert "an issue in another Backlog space (other.backlog.com); this server reads only " + host in text
    assert "hunter2" not in text
    assert "u:" not in text


async def test_a_link_to_the_configured_space_is_read_whatever_its_spelling(
    client: Client, sandbox: SandboxServer
) -> None:
    host = sandbox.base_url.removeprefix("http://")
    for link in (f"HTTP://{host.upper()}/VIEW/demo-7", f"//{host}/view/DEMO-7?x=1", "/view/DEMO-7"):
        text = await call(client, "backlog_get_issue", {"issueIdOrKey": link})
        assert text.startswith("# DEMO-7 "), link


async def test_an_issue_url_of_the_configured_space_is_read(client: Client, sandbox: SandboxServer) -> None:
    text = await call(
        client, "backlog_get_issue", {"issueIdOrKey": f"{sandbox.base_url}/view/DEMO-7#comment-1"}
    )
    assert text.startswith("# DEMO-7 ")


async def test_full_width_keys_ids_and_numbers_from_a_japanese_ime_are_read(client: Client) -> None:
    issue = await call(client, "backlog_get_issue", {"issueIdOrKey": "ＤＥＭＯ－１"})
    assert issue.startswith("# DEMO-1 ")
    # The dash as a kana-mode IME types it (ー), the minus sign, and a Unicode hyphen.
    for dash in ("ー", "−", "‐"):
        issue = await call(client, "backlog_get_issue", {"issueIdOrKey": f"ＤＥＭＯ{dash}１"})
        assert issue.startswith("# DEMO-1 ")
    listed = await call(
        client,
        "backlog_get_issue_list",
        {
            "projectIdOrKey": "ＤＥＭＯ",
            "count": "２",
            "statusId": "１，２，３，４",
            "createdSince": "２０００-０１-０１",
        },
    )
    assert listed.startswith("Issues 1–2 of ")
    comments = await call(client, "backlog_get_comments", {"issueIdOrKey": "ｄｅｍｏ-４", "count": "３"})
    assert "DEMO-4" in comments


async def test_choices_ignore_case_but_booleans_are_strictly_true_or_false(client: Client) -> None:
    ascending = await call(
        client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "order": "ASC", "count": 1}
    )
    assert '"order":"asc"' in ascending  # the next-page call says it as the schema does
    for vague in ("yes", "1", 1, "on"):
        text = await call_error(client, "backlog_get_projects", {"archived": vague})
        assert f"archived must be true or false (got {vague!r})" in text
    text = await call_error(client, "backlog_get_issue_list", {"count": True})
    assert "count must be a whole number (got true)" in text  # JSON, as it was sent
    archived = await call(client, "backlog_get_projects", {"archived": "TRUE"})
    assert "|LEGACY|" in archived
    assert "|DEMO|" not in archived


@pytest.mark.parametrize(
    ("argument", "lister"),
    [
        ("statusId", "backlog_get_statuses"),
        ("priorityId", "backlog_get_priorities"),
        ("assigneeId", "backlog_get_users"),
        ("categoryId", "backlog_get_categories"),
        ("milestoneId", "backlog_get_milestones"),
        ("issueTypeId", "backlog_get_issue_types"),
    ],
)
async def test_an_id_filter_given_a_name_says_which_tool_lists_its_ids(
    client: Client, argument: str, lister: str
) -> None:
    text = await call_error(client, "backlog_count_issues", {argument: "未対応"})
    assert f"{argument}[0] takes numeric IDs, not names (got '未対応'): {lister} lists them" in text


NOTES = 1076000008  # DEMO-1's notes.txt
HUGE = 10**4000  # 4,001 digits: Python's int conversion limit is 4,300


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("backlog_get_issue_list", {"sort": "x" * 100_000}),
        ("backlog_get_issue_list", {"createdSince": "x" * 100_000}),
        ("backlog_get_issue_list", {"projectIdOrKey": "a/" * 50_000}),
        ("backlog_get_issue_list", {"order": "x" * 100_000}),
        ("backlog_get_issue", {"issueIdOrKey": "x" * 100_000}),
        ("backlog_get_users", {"projectIdOrKey": "DEMO," + "X" * 100_000}),
        ("backlog_get_issue_list", {"statusId": ["x" * 100_000]}),
        ("backlog_get_issue_list", {"count": 10**200}),
        ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "x" * 100_000: 1}),
        ("backlog_get_issue_list", {f"unknown{n}": n for n in range(1000)}),
        ("backlog_export_issue_context", {"issueIdOrKey": "DEMO-1", "outputDir": "../" + "ア" * 100_000}),
        ("backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": HUGE}),
        ("backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": NOTES, "offset": HUGE}),
        ("backlog_get_comments", {"issueIdOrKey": "DEMO-1", "minId": HUGE}),
        ("backlog_get_issue_list", {"offset": 10**400}),
        ("backlog_count_issues", {"milestoneId": [10**400]}),
    ],
)
async def test_a_huge_argument_is_not_echoed_back_whole(
    client: Client, tool: str, arguments: dict[str, Any]
) -> None:
    text = await call_error(client, tool, arguments)
    assert len(text) < 600, text[:300]
    assert "characters" in text or "got" in text or "995 more" in text


async def test_a_huge_keyword_is_not_echoed_back_whole_in_a_count_either(client: Client) -> None:
    text = await call(client, "backlog_count_issues", {"keyword": "9" * 3000})
    assert len(text) < 300
    assert "3000 characters" in text


async def test_text_with_a_lone_surrogate_is_refused_in_a_sentence_not_a_crash(client: Client) -> None:
    # JSON can carry "\ud800"; no URL or file name can, and it used to end in the masked crash text.
    for tool, arguments in [
        ("backlog_get_issue_list", {"keyword": "\ud800"}),
        ("backlog_export_issue_context", {"issueIdOrKey": "DEMO-1", "outputDir": "a\udfff"}),
    ]:
        text = await call_error(client, tool, arguments)
        assert "must be valid Unicode text, without lone surrogates" in text


async def test_a_huge_user_keyword_is_quoted_back_capped(client: Client) -> None:
    text = await call(client, "backlog_get_users", {"projectIdOrKey": "DEMO", "keyword": "ｘ" * 100_000})
    assert text.startswith("No users in DEMO matching 'ｘｘ")
    assert "… (100000 characters)'" in text
    assert len(text) < 300


async def test_servers_of_two_spaces_in_one_process_each_take_only_their_own_issue_links(
    sandbox: SandboxServer,
) -> None:
    # The tools' argument models are built once per process and space (tools/registry.py): a server
    # built later for another space must not change what an earlier one accepts.
    port = sandbox.base_url.rsplit(":", 1)[1]
    hosts = (f"127.0.0.1:{port}", f"localhost:{port}")
    servers = [
        build_server(load_settings(base_url=f"http://{host}", api_key=sandbox.api_key, timezone="Asia/Tokyo"))
        for host in hosts
    ]
    for server, own, other in zip(servers, hosts, reversed(hosts), strict=True):
        async with Client(server) as connected:
            assert "DEMO-2" in await call(
                connected, "backlog_get_issue", {"issueIdOrKey": f"http://{own}/view/DEMO-2"}
            )
            text = await call_error(
                connected, "backlog_get_issue", {"issueIdOrKey": f"http://{other}/view/DEMO-2"}
            )
            assert f"an issue in another Backlog space ({other}); this server reads only {own}" in text
