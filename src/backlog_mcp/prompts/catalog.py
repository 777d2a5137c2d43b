"""The two agent prompts: their arguments, their checks, and the templates they fill."""

from __future__ import annotations

from typing import Annotated, Any

from mcp import MCPError
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.prompts.base import Message, Prompt
from mcp.types import INVALID_PARAMS, InputRequiredResult
from pydantic import Field

from backlog_mcp.prompts.arguments import (
    MAX_LANGUAGE_LENGTH,
    blank_to_none,
    jira_project_key,
    language_label,
    language_name,
    language_tag,
)
from backlog_mcp.prompts.templates import fill, load_template
from backlog_mcp.quote import echo
from backlog_mcp.tools.args import parse_issue_key

__all__ = ["build_prompts"]

IssueKeyArg = Annotated[str, Field(description="Backlog issue key, e.g. DEMO-12")]
LanguageArg = Annotated[
    str | None, Field(description="Language to write in, e.g. Vietnamese (default: the one you write in)")
]
UserGoalArg = Annotated[str | None, Field(description="What you need from the summary, e.g. 'plan the fix'")]
JiraProjectArg = Annotated[
    str | None, Field(description="Jira project key to create the issue in, e.g. PROJ (asked if omitted)")
]

_NO_GOAL = "none given: infer it from the issue, and say that you did"
_NO_JIRA_PROJECT = "<JIRA KEY>"
# With no `language`, the agent writes in the user's own language, which only it can tell.
_SUMMARY_USER_LANGUAGE = "the language the user writes to you in"
_JIRA_USER_LANGUAGE = "the user's language"
_JIRA_USER_LANGUAGE_NOTE = (
    "not given: use the language the user writes to you in, name it wherever "
    f'"{_JIRA_USER_LANGUAGE}" appears below, and put its ISO 639-1 code (`vi`, `ja`, `en`) for '
    "`<lang>` and the same in capitals for `<LANG>`"
)


class CheckedPrompt(Prompt):
    """A prompt whose missing or unknown arguments come back as a readable INVALID_PARAMS error.

    The SDK reports a missing argument as a plain ValueError, which a client on the current
    protocol sees only as "Internal server error", and masks an unexpected one entirely.
    """

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = arguments or {}
        names = [argument.name for argument in self.arguments or ()]
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise MCPError(
                INVALID_PARAMS,
                f"{self.name} does not take {', '.join(unknown)}; its arguments are {', '.join(names)}.",
            )
        missing = [a for a in self.arguments or () if a.required and given.get(a.name) is None]
        if missing:
            needed = "; ".join(f"{a.name} ({a.description})" if a.description else a.name for a in missing)
            raise MCPError(INVALID_PARAMS, f"{self.name} needs {needed}.")
        return await super().render(arguments, context)


def _issue_key(value: str) -> str:
    key = parse_issue_key(value)
    if key is None:
        raise MCPError(
            INVALID_PARAMS, f"issueKey must be a Backlog issue key like DEMO-12; got {echo(value)}."
        )
    return key


def _language(value: str | None) -> str | None:
    given = blank_to_none(value)
    if given is None:
        return None
    name = language_name(given)
    if name is None:
        raise MCPError(
            INVALID_PARAMS,
            f"language must be a language name or code on one line, at most {MAX_LANGUAGE_LENGTH} "
            f"characters, like Vietnamese, English or ja; got {echo(value)}.",
        )
    return name


def _jira_project(value: str | None) -> str | None:
    given = blank_to_none(value)
    if given is None:
        return None
    key = jira_project_key(given)
    if key is None:
        raise MCPError(
            INVALID_PARAMS,
            f"jiraProjectKey must be a Jira project key: letters, digits or _, starting with a letter, "
            f"like PROJ; got {echo(value)}.",
        )
    return key


async def backlog_issue_summary(
    issueKey: IssueKeyArg, userGoal: UserGoalArg = None, language: LanguageArg = None
) -> str:
    """Export an issue's full context, then write an implementation-ready summary with confidence marked."""
    values = {
        "issueKey": _issue_key(issueKey),
        "userGoal": blank_to_none(userGoal) or _NO_GOAL,
        "language": _language(language) or _SUMMARY_USER_LANGUAGE,
    }
    return fill(load_template("backlog_issue_summary"), values)


async def backlog_to_jira_migration(
    issueKey: IssueKeyArg, jiraProjectKey: JiraProjectArg = None, language: LanguageArg = None
) -> str:
    """Export an issue, translate and analyse it, then file it in Jira with its files (needs Jira tools)."""
    chosen = _language(language)
    project = _jira_project(jiraProjectKey)
    values = {
        "issueKey": _issue_key(issueKey),
        "jiraProjectKey": project or _NO_JIRA_PROJECT,
        "jiraProjectNote": (
            "given by the user"
            if project
            else f"not given: ask the user which project to use, and put its key wherever "
            f"`{_NO_JIRA_PROJECT}` appears below"
        ),
        "language": chosen or _JIRA_USER_LANGUAGE,
        "languageNote": "given by the user" if chosen else _JIRA_USER_LANGUAGE_NOTE,
        "languageTag": language_tag(chosen) if chosen else "<lang>",
        "languageLabel": language_label(chosen) if chosen else "<LANG>",
    }
    return fill(load_template("backlog_to_jira_migration"), values)


def build_prompts() -> list[Prompt]:
    """Both prompts, with their templates read now so a wheel without them fails at start-up."""
    definitions = (
        (backlog_issue_summary, "Summarize a Backlog issue"),
        (backlog_to_jira_migration, "Migrate a Backlog issue to Jira"),
    )
    prompts: list[Prompt] = []
    for fn, title in definitions:
        load_template(fn.__name__)
        prompts.append(CheckedPrompt.from_function(fn, title=title))
    return prompts
