"""The two agent prompts through a real MCP client: listed with their arguments, rendered, checked."""

from __future__ import annotations

import itertools
import logging
import re

import pytest
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS, TextContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.server import build_server
from backlog_mcp.tools.toolsets import toolset_names, toolset_of
from tests.e2e.conftest import TOOL_NAMES

pytestmark = pytest.mark.anyio

SUMMARY = "backlog_issue_summary"
JIRA = "backlog_to_jira_migration"


async def _text(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, TextContent)
    return message.content.text


async def _error(client: Client, name: str, arguments: dict[str, str]) -> str:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt(name, arguments)
    assert caught.value.error.code == INVALID_PARAMS
    return caught.value.error.message


async def test_prompts_list_shows_both_with_titles_and_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {SUMMARY, JIRA}
    expected = {
        SUMMARY: [("issueKey", True), ("userGoal", False), ("language", False)],
        JIRA: [("issueKey", True), ("jiraProjectKey", False), ("language", False)],
    }
    for name, arguments in expected.items():
        prompt = prompts[name]
        assert prompt.title
        assert prompt.description
        assert [(a.name, a.required) for a in prompt.arguments or []] == arguments
        assert all(a.description for a in prompt.arguments or [])


async def test_summary_fills_the_key_and_defaults_to_the_users_language(client: Client) -> None:
    text = await _text(client, SUMMARY, {"issueKey": "demo-1"})
    assert text.startswith("# Summarize Backlog issue DEMO-1\n")
    assert '`backlog_export_issue_context` with `{"issueIdOrKey": "DEMO-1"}`' in text
    assert "Write in: the language the user writes to you in" in text
    assert "Vietnamese" not in text
    assert "none given: infer it" in text
    assert "{issueKey}" not in text
    assert "{language}" not in text


async def test_vietnamese_is_one_argument_away(client: Client) -> None:
    text = await _text(client, SUMMARY, {"issueKey": "DEMO-1", "language": "Vietnamese"})
    assert "Write in: Vietnamese" in text


async def test_summary_carries_the_goal_and_language_given(client: Client) -> None:
    goal = "Plan the fix for the {upload} timeout"
    text = await _text(client, SUMMARY, {"issueKey": "DEMO-2", "userGoal": goal, "language": "English"})
    assert f"The user's goal: {goal}" in text
    assert "Write in: English" in text
    assert "Vietnamese" not in text


async def test_blank_optional_arguments_count_as_not_given(client: Client) -> None:
    text = await _text(client, SUMMARY, {"issueKey": "DEMO-1", "userGoal": " ", "language": ""})
    assert "Write in: the language the user writes to you in" in text
    assert "none given: infer it" in text


async def test_jira_migration_names_files_labels_and_the_project(client: Client) -> None:
    text = await _text(client, JIRA, {"issueKey": "DEMO-1", "jiraProjectKey": "proj", "language": "English"})
    assert text.startswith("# Migrate Backlog issue DEMO-1 to Jira\n")
    assert "- Jira project: `PROJ` (given by the user)" in text
    assert "project = PROJ AND" in text
    for name in (
        "backlog-DEMO-1-raw.md",
        "backlog-DEMO-1-translation-en.md",
        "backlog-DEMO-1-analysis-en.md",
        "backlog-DEMO-1-manifest.json",
        "backlog-DEMO-1-attachment-<attachmentId>-<original name>",
    ):
        assert name in text
    for label in ("[RAW] Backlog DEMO-1", "[EN] DEMO-1", "[ANALYSIS] DEMO-1", "[Backlog DEMO-1]"):
        assert label in text
    assert "{code}" in text  # Jira wiki markup survives the filling


async def test_jira_migration_defaults_to_the_users_language_and_asks_for_the_project(
    client: Client,
) -> None:
    text = await _text(client, JIRA, {"issueKey": "DEMO-1"})
    assert "Translation and analysis language: the user's language (not given: use the language" in text
    assert "backlog-DEMO-1-translation-<lang>.md" in text
    assert "[<LANG>] DEMO-1" in text
    assert "Vietnamese" not in text
    assert "not given: ask the user which project to use" in text
    assert "project = <JIRA KEY> AND" in text


async def test_jira_migration_saves_its_files_beside_the_bundle_not_inside_it(client: Client) -> None:
    text = await _text(client, JIRA, {"issueKey": "DEMO-1", "language": "ja"})
    save_step = text.split("\n5. ", 1)[1].split("\n6. ", 1)[0]
    assert "`<workspace>/DEMO-1-jira/`, beside the bundle\n   folder and never inside it" in save_step
    assert "replaces the files it wrote in\n   `<workspace>/DEMO-1/` and keeps any others" in save_step
    assert "and everything in it" not in save_step
    assert "`backlog-DEMO-1-translation-ja.md`" in save_step


def _served(toolsets: str, settings: Settings) -> Client:
    served = load_settings(base_url=settings.base_url, api_key="k" * 20, toolsets=toolsets)
    return Client(build_server(served))


ISSUE_RESOURCE = "backlog://issue/{issueKey}"


@pytest.mark.parametrize(
    ("toolsets", "prompts", "templates"),
    [
        ("issues,projects,attachments", [], [ISSUE_RESOURCE]),
        ("export", [JIRA], []),  # the summary also calls backlog_get_issue and the content tool
        ("export,issues", [JIRA], [ISSUE_RESOURCE]),
        ("export,issues,attachments", [SUMMARY, JIRA], [ISSUE_RESOURCE]),
        ("projects", [], []),
    ],
)
async def test_prompts_and_the_issue_resource_are_hidden_without_the_tools_they_need(
    settings: Settings, toolsets: str, prompts: list[str], templates: list[str]
) -> None:
    async with _served(toolsets, settings) as client:
        listed = sorted(p.name for p in (await client.list_prompts()).prompts)
        uris = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    assert listed == sorted(prompts)
    assert uris == templates


async def test_a_prompt_is_listed_exactly_when_every_tool_its_text_calls_is_served(
    settings: Settings,
) -> None:
    everything = ",".join(toolset_names())
    async with _served(everything, settings) as client:
        texts = {name: await _text(client, name, {"issueKey": "DEMO-1"}) for name in (SUMMARY, JIRA)}
    calls = {name: set(re.findall(r"\bbacklog_[a-z_]+\b", text)) for name, text in texts.items()}
    assert calls[SUMMARY] >= {"backlog_export_issue_context", "backlog_get_attachment_content"}
    assert set().union(*calls.values()) <= set(TOOL_NAMES)  # every name in a prompt is a real tool
    # Every combination of the toolsets the prompts draw on (the others cannot change the answer).
    drawn_on = sorted({toolset_of()[tool] for tool in set().union(*calls.values())})
    for size in range(len(drawn_on) + 1):
        for chosen in itertools.combinations(drawn_on, size):
            async with _served(",".join(chosen) or everything, settings) as client:
                tools = {t.name for t in (await client.list_tools()).tools}
                listed = {p.name for p in (await client.list_prompts()).prompts}
            assert listed == {name for name, needed in calls.items() if needed <= tools}, chosen


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        (
            SUMMARY,
            {"issueKey": "not a key"},
            "issueKey must be a Backlog issue key like DEMO-12; got 'not a key'.",
        ),
        (SUMMARY, {"issueKey": "42"}, "issueKey must be a Backlog issue key like DEMO-12; got '42'."),
        (SUMMARY, {}, "backlog_issue_summary needs issueKey (Backlog issue key, e.g. DEMO-12)."),
        (
            SUMMARY,
            {"issueKey": "DEMO-1", "issueIdOrKey": "DEMO-1"},
            "backlog_issue_summary does not take issueIdOrKey; "
            "its arguments are issueKey, userGoal, language.",
        ),
        (SUMMARY, {"issueKey": "DEMO-1", "language": "x" * 41}, "language must be a language name or code"),
        (
            JIRA,
            {"issueKey": "DEMO-1", "jiraProjectKey": "my project"},
            "jiraProjectKey must be a Jira project key",
        ),
        (
            JIRA,
            {"issueKey": "DEMO-1", "language": "English\nNow ignore"},
            "language must be a language name or code on one line",
        ),
    ],
)
async def test_bad_arguments_give_a_readable_invalid_params_error(
    client: Client, name: str, arguments: dict[str, str], expected: str
) -> None:
    message = await _error(client, name, arguments)
    assert message.startswith(expected)
    assert "Internal server error" not in message
    assert "Error rendering prompt" not in message


async def test_a_bad_argument_is_not_logged_as_a_server_error(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await _error(client, SUMMARY, {"issueKey": "nope"})
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unknown_prompt_names_the_ones_that_exist(client: Client) -> None:
    message = await _error(client, "backlog_summarise", {"issueKey": "DEMO-1"})
    assert message == (
        "Unknown prompt 'backlog_summarise'; available: backlog_issue_summary, backlog_to_jira_migration."
    )


async def test_a_prompt_asked_for_while_its_toolset_is_off_says_none_is_served(settings: Settings) -> None:
    async with _served("issues", settings) as client:
        message = await _error(client, SUMMARY, {"issueKey": "DEMO-1"})
    assert message == f"Unknown prompt {SUMMARY!r}; none is served (BACKLOG_TOOLSETS)."


async def test_an_unknown_prompt_name_is_quoted_back_capped(client: Client) -> None:
    message = await _error(client, "x" * 100_000, {"issueKey": "DEMO-1"})
    assert len(message) < 400
    assert "100000 characters" in message


async def test_a_huge_issue_key_is_quoted_back_capped(client: Client) -> None:
    message = await _error(client, SUMMARY, {"issueKey": "x" * 100_000})
    assert len(message) < 400
