"""The packaged templates: present, filled only where meant, and identical to the docs copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from backlog_mcp.prompts.templates import PLACEHOLDER, TEMPLATE_NAMES, fill, load_template

DOCS = Path(__file__).resolve().parents[2] / "docs" / "prompts"

# Every `{name}` each template uses, and the ones the renderer fills. `{code}` is Jira wiki markup.
PLACEHOLDERS = {
    "backlog_issue_summary": {"issueKey", "userGoal", "language"},
    "backlog_to_jira_migration": {
        "issueKey",
        "jiraProjectKey",
        "jiraProjectNote",
        "language",
        "languageNote",
        "languageTag",
        "languageLabel",
        "code",
    },
}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_docs_copy_equals_the_packaged_template(name: str) -> None:
    assert (DOCS / f"{name}.md").read_text(encoding="utf-8") == load_template(name)


def test_docs_hold_exactly_the_templates_and_a_readme() -> None:
    assert sorted(p.name for p in DOCS.iterdir()) == sorted(
        ["README.md", *(f"{n}.md" for n in TEMPLATE_NAMES)]
    )


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_templates_use_only_the_known_placeholders(name: str) -> None:
    assert set(PLACEHOLDER.findall(load_template(name))) == PLACEHOLDERS[name]


def test_fill_replaces_only_given_names_and_leaves_json_and_markup_alone() -> None:
    template = 'Call x with {"issueIdOrKey": "{issueKey}"}; wrap in {code}…{code}; {unknown} stays.'
    filled = fill(template, {"issueKey": "DEMO-1"})
    assert filled == 'Call x with {"issueIdOrKey": "DEMO-1"}; wrap in {code}…{code}; {unknown} stays.'


def test_fill_never_expands_a_value_twice() -> None:
    assert fill("{userGoal} / {issueKey}", {"userGoal": "see {issueKey}", "issueKey": "DEMO-1"}) == (
        "see {issueKey} / DEMO-1"
    )


def test_unknown_template_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown prompt template"):
        load_template("../../etc/passwd")
