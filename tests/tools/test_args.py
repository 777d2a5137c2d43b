"""Lenient argument parsing: what models really send."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import TypeAdapter, ValidationError

from backlog_mcp.tools.args import DateArg, IdList, issue_ref, project_refs

ids = TypeAdapter(IdList)
dates = TypeAdapter(DateArg)


@given(st.lists(st.integers(min_value=1, max_value=2**40), min_size=1, max_size=10))
def test_id_list_accepts_a_list_a_csv_string_or_one_int(values: list[int]) -> None:
    assert ids.validate_python(values) == values
    assert ids.validate_python(",".join(map(str, values))) == values
    assert ids.validate_python(", ".join(map(str, values))) == values
    assert ids.validate_python(values[0]) == [values[0]]


def test_id_list_rejects_words_and_booleans() -> None:
    with pytest.raises(ValidationError):
        ids.validate_python("open")
    with pytest.raises(ValidationError):
        ids.validate_python(True)


def test_dates_must_be_yyyy_mm_dd() -> None:
    assert dates.validate_python("2026-01-31") == "2026-01-31"
    for bad in ("2026/01/31", "2026-1-31", "2026-02-30", "yesterday"):
        with pytest.raises(ValidationError, match="yyyy-MM-dd"):
            dates.validate_python(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("DEMO-12", "DEMO-12"),
        (" demo-12 ", "DEMO-12"),
        ("1074000001", "1074000001"),
        ("https://demo.backlog.com/view/DEMO-12#comment-5", "DEMO-12"),
        ("MY_PROJ2-7", "MY_PROJ2-7"),
    ],
)
def test_issue_ref_accepts_keys_ids_and_view_urls(given: str, expected: str) -> None:
    assert issue_ref(given) == expected


@pytest.mark.parametrize("bad", ["", "DEMO", "DEMO-0", "../space", "DEMO-1/comments", "-1"])
def test_issue_ref_rejects_anything_else_with_an_example(bad: str) -> None:
    with pytest.raises(ToolError, match="like DEMO-12"):
        issue_ref(bad)


def test_project_refs_split_dedupe_and_upper_case() -> None:
    assert project_refs("demo, OPS,demo 123") == ["DEMO", "OPS", "123"]
    with pytest.raises(ToolError, match="got 'a/b'"):
        project_refs("DEMO,a/b")
    with pytest.raises(ToolError, match="empty"):
        project_refs(" , ")
