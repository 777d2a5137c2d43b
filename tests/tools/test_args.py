"""Lenient argument parsing: what models really send."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import TypeAdapter, ValidationError

from backlog_mcp.quote import ECHO_MAX_CHARS, echo
from backlog_mcp.tools.args import SPACE, DateArg, IdList, IssueRef, issue_ref, project_refs

ids = TypeAdapter(IdList)
dates = TypeAdapter(DateArg)
issue_refs = TypeAdapter(IssueRef)


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


def test_id_lists_from_a_japanese_ime_are_read() -> None:
    assert ids.validate_python("１，２、３") == [1, 2, 3]
    assert ids.validate_python(["４", 5]) == [4, 5]


def test_dates_must_be_yyyy_mm_dd() -> None:
    assert dates.validate_python("2026-01-31") == "2026-01-31"
    assert dates.validate_python("２０２６-０１-３１") == "2026-01-31"
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
        ("ＤＥＭＯ－１２", "DEMO-12"),
        ("１０７４", "1074"),
    ],
)
def test_issue_ref_accepts_keys_ids_and_view_urls(given: str, expected: str) -> None:
    assert issue_ref(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "DEMO", "DEMO-0", "../space", "DEMO-1/comments", "-1", "٣", "A" * 101 + "-1", "9" * 20]
)
def test_issue_ref_rejects_anything_else_with_an_example(bad: str) -> None:
    with pytest.raises(ToolError, match="like DEMO-12"):
        issue_ref(bad)


def test_an_issue_url_is_read_only_from_the_configured_space() -> None:
    space = {SPACE: "demo.backlog.com"}
    assert issue_refs.validate_python("https://demo.backlog.com/view/DEMO-2", context=space) == "DEMO-2"
    assert (
        issue_refs.validate_python("HTTPS://DEMO.backlog.com:443/VIEW/demo-2#comment-1", context=space)
        == "DEMO-2"
    )
    for other in (
        "https://other.backlog.com/view/DEMO-2",
        "https://demo.backlog.jp/view/DEMO-2",
        "evil.com/view/DEMO-2",
        "https://u:hunter2@other.backlog.com/view/DEMO-2",
    ):
        with pytest.raises(
            ValidationError, match=r"another Backlog space .*this server reads only demo\.backlog\.com"
        ):
            issue_refs.validate_python(other, context=space)


def test_echo_quotes_short_values_whole_and_long_ones_cut_with_their_length() -> None:
    assert echo("open") == "'open'"
    assert echo(500) == "500"
    long = echo("x" * 100_000)
    assert len(long) <= ECHO_MAX_CHARS
    assert long.endswith("… (100000 characters)")
    assert echo(10**5000) == "a number too long to show"


def test_echo_spells_what_is_not_text_as_json_the_way_the_caller_sent_it() -> None:
    assert [echo(None), echo(True), echo(False)] == ["null", "true", "false"]
    assert echo([1, None, "x"]) == '[1, null, "x"]'
    assert echo({"a": True}) == '{"a": true}'
    assert echo(1.5) == "1.5"


def test_project_refs_split_dedupe_and_upper_case() -> None:
    assert project_refs("demo, OPS,demo 123") == ["DEMO", "OPS", "123"]
    assert project_refs("ＤＥＭＯ、ｏｐｓ") == ["DEMO", "OPS"]
    with pytest.raises(ToolError, match="got 'a/b'"):
        project_refs("DEMO,a/b")
    with pytest.raises(ToolError, match="empty"):
        project_refs(" , ")


@pytest.mark.parametrize(
    "link",
    [
        "file:///view/DEMO-2",
        "https:///view/DEMO-2",
        "mailto:/view/DEMO-2",
        "http://demo.backlog.com:443:80/view/DEMO-2",
        "https://demo.backlog.com:99999/view/DEMO-2",
        "https://demo.backlog.com/view/DEMO-2/extra",
    ],
)
def test_a_link_that_is_not_an_http_url_of_the_space_is_refused_naming_the_space(link: str) -> None:
    with pytest.raises(
        ValidationError, match=r"is not a link to an issue in demo\.backlog\.com: give"
    ) as caught:
        issue_refs.validate_python(link, context={SPACE: "demo.backlog.com"})
    assert "hunter2" not in str(caught.value)


def test_the_port_of_a_link_must_be_the_spaces_default_ports_aside() -> None:
    space = {SPACE: "127.0.0.1:8080"}
    assert issue_refs.validate_python("http://127.0.0.1:8080/view/DEMO-2", context=space) == "DEMO-2"
    assert issue_refs.validate_python("/view/DEMO-2", context=space) == "DEMO-2"
    with pytest.raises(ValidationError, match=r"another Backlog space \(127\.0\.0\.1:8081\)"):
        issue_refs.validate_python("http://127.0.0.1:8081/view/DEMO-2", context=space)
    with pytest.raises(ValidationError, match=r"another Backlog space \(127\.0\.0\.1\)"):
        issue_refs.validate_python("http://127.0.0.1/view/DEMO-2", context=space)
    assert issue_refs.validate_python(
        "https://demo.backlog.com:443/view/DEMO-2", context={SPACE: "demo.backlog.com"}
    )
