"""Schema fuzzing: arguments drawn from each tool's advertised input schema, and hostile ones.

Every call is answered, never with the API key in it; every failure is one clear sentence
after the SDK's prefix (never the masked "Error executing tool X" alone, never a traceback);
nothing is written outside the workspace; and no argument steers a request to a Backlog path
other than the API's own.

One MCP client in one event loop (driven through an anyio portal) serves every example, so
the run stays within a few seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult, Tool

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import text_of

# The paths the server may ask for, each segment as a validated key or ID, never encoded away.
_KEY, _PROJECT, _ID = r"[A-Z][A-Z0-9_]*-[1-9][0-9]*", r"[A-Z][A-Z0-9_]*", r"[1-9][0-9]*"
_API_PATHS = re.compile(
    r"/api/v2/(?:space|space/activities|users/myself|rateLimit|priorities|resolutions|projects|issues|issues/count"
    rf"|projects/(?:{_PROJECT}|{_ID})(?:/(?:users|statuses|issueTypes|categories|versions|activities))?"
    rf"|users/{_ID}/activities|issues/(?:{_KEY}|{_ID})(?:/(?:comments|comments/count|attachments|attachments/{_ID}))?)"
)

_HOSTILE_TEXT = [
    "", " ", "..", "../space", "..%2Fspace", "%2e%2e", "%2F", "a/b", "/", "\\..\\..", "DEMO-1/../../space",
    "DEMO-1%2F..%2Fusers%2Fmyself", "DEMO/../users", "DEMO-1?apiKey=x", "DEMO-1#x", "DEMO-1\x00",
    "DEMO-1\n", "\u202edemo-1", "ＤＥＭＯ-１", "𝔇𝔈𝔐𝔒-1", "https://other.backlog.com/view/DEMO-2",
    "file:///etc/passwd", "/etc/passwd", "~", "~/x", "C:\\Windows", "CON", "-1", "0", "9" * 30, "1e3",
    "null", "true", "[1,2]", '{"a":1}', "x" * 20_000, "未対応", "\ud800", "DEMO-1\udfff",
    "DEMO,../x", "..,..", "DEMO-1 DEMO-2",
]  # fmt: skip
_VALID_TEXT = {
    "issueIdOrKey": ["DEMO-1", "demo-2", "DEMO-4", "VNAPP-1", "DEMO-99999"],
    "projectIdOrKey": ["DEMO", "demo", "DEMO,OPS", "VNAPP", "LEGACY", "NOPE"],
    "outputDir": ["out", "a/b", "../escape", "/abs/elsewhere", "..", ".", "attachments/../../x"],
    "sort": ["created", "dueDate", "customField_1", "bogus"],
}
_ANY: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _conforming(name: str, prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the advertised schema allows (which Backlog may still refuse, or find nothing for)."""
    kind = prop.get("type")
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if kind == "integer":
        low = prop.get("minimum", 0)
        return st.integers(min_value=low, max_value=prop.get("maximum", low + 5)) | st.integers(
            min_value=low, max_value=2**40
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(st.integers(min_value=1, max_value=2**40), max_size=4)
    if "Since" in name or "Until" in name:
        return st.dates().map(lambda d: d.isoformat())
    if name in _VALID_TEXT:
        return st.sampled_from(_VALID_TEXT[name])
    return st.sampled_from(["DEMO", "バグ", "Nguyễn"]) | st.text(max_size=40)


def _hostile(name: str, prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """What a model gets wrong: near misses of the schema, hostile text, or anything at all."""
    near: st.SearchStrategy[Any] = st.sampled_from(
        [-1, 0, 2**70, 10**30, "１，２", "open", "1/../2", "yes", "ASC", "2026-02-30", "２０２６-０１-３１"]
    )
    return st.one_of(_conforming(name, prop), near, st.sampled_from(_HOSTILE_TEXT), _ANY)


def _arguments(tool: Tool, hostile: bool) -> st.SearchStrategy[dict[str, Any]]:
    values = _hostile if hostile else _conforming
    properties: dict[str, Any] = tool.input_schema["properties"]
    required = set(tool.input_schema.get("required", []))
    always = {n: values(n, p) for n, p in properties.items() if n in required}
    maybe = {n: values(n, p) for n, p in properties.items() if n not in required}
    if hostile:
        maybe["../" + next(iter(properties), "x")] = _ANY  # an argument no tool has
    return st.fixed_dictionaries(always, optional=maybe)


class _Session:
    def __init__(self, portal: BlockingPortal, client: Client, tools: list[Tool]) -> None:
        self.portal, self.client, self.tools = portal, client, tools

    def call(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.client.call_tool, name, arguments)
        return result


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def session(sandbox: SandboxServer, fuzz_root: Path) -> Iterator[_Session]:
    # A 429 fails at once rather than being waited out; one retry keeps a fuzz run short.
    config = load_settings(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        workspace=fuzz_root / "workspace",
        rate_limit_max_wait_seconds=0,
        max_retries=0,
    )
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(build_server(config))) as client,
    ):
        tools = portal.call(client.list_tools).tools
        yield _Session(portal, client, tools)


def _outside_workspace(root: Path) -> set[str]:
    """Everything under `root` but the workspace: what no call may add to."""
    every = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    return {p for p in every if p != "workspace" and not p.startswith("workspace/")}


def _check_answer(name: str, result: CallToolResult, api_key: str) -> None:
    text = text_of(result)
    assert api_key not in text  # answered or refused, never with the key in it
    if result.is_error:  # (a success may quote a traceback: Backlog's text is anyone's)
        assert "Traceback" not in text
        assert "pydantic" not in text.lower()
        prefix = f"Error executing tool {name}: "
        assert text.startswith(prefix), text[:300]
        said = text.removeprefix(prefix)
        # A sentence: words, ending as a sentence does; not the masked crash text on its own.
        assert len(said.split()) >= 4, text[:300]
        assert said.rstrip(")").endswith("."), text[-300:]
        assert len(text) < 2_000, text[:300]


def _check_paths(sandbox: SandboxServer) -> int:
    """How many requests the sandbox received, each checked against the API's own paths."""
    for record in sandbox.requests:
        assert _API_PATHS.fullmatch(record.raw_path), record.raw_path
        assert ".." not in record.raw_path
    return len(sandbox.requests)


def _fuzz(session: _Session, sandbox: SandboxServer, root: Path, data: st.DataObject) -> None:
    tool = data.draw(st.sampled_from(session.tools), label="tool")
    arguments = data.draw(_arguments(tool, hostile=data.draw(st.booleans())), label="arguments")
    before = _outside_workspace(root)
    sandbox.reset_requests()
    sandbox.reset_rate_limits()
    result = session.call(tool.name, arguments)
    _check_answer(tool.name, result, sandbox.api_key)
    event("refused" if result.is_error else "answered")
    event("reached the sandbox" if _check_paths(sandbox) else "stopped before any request")
    assert _outside_workspace(root) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arguments_drawn_from_the_advertised_schemas_get_a_clear_answer_and_stay_in_bounds(
    session: _Session, sandbox: SandboxServer, fuzz_root: Path, data: st.DataObject
) -> None:
    _fuzz(session, sandbox, fuzz_root, data)


# Each argument that names a path segment or a folder, with the cheapest tool that takes it.
_PATH_ARGUMENTS: list[tuple[str, str, dict[str, Any]]] = [
    ("backlog_get_issue", "issueIdOrKey", {}),
    ("backlog_get_attachments", "issueIdOrKey", {}),
    ("backlog_get_statuses", "projectIdOrKey", {}),
    ("backlog_get_issue_list", "projectIdOrKey", {"count": 1}),
    ("backlog_download_attachment", "outputDir", {"issueIdOrKey": "DEMO-1", "attachmentId": 1}),
    # The export's own content is not under test here: a bare bundle keeps it quick.
    (
        "backlog_export_issue_context",
        "outputDir",
        {"issueIdOrKey": "DEMO-1", "includeAttachments": False, "includeComments": False},
    ),
]


def test_hostile_text_for_every_key_and_folder_argument_is_refused_or_kept_in_bounds(
    session: _Session, sandbox: SandboxServer, fuzz_root: Path
) -> None:
    before = _outside_workspace(fuzz_root)
    answered, sent = 0, 0
    for tool, name, others in _PATH_ARGUMENTS:
        for hostile in _HOSTILE_TEXT:
            sandbox.reset_requests()
            result = session.call(tool, {**others, name: hostile})
            _check_answer(tool, result, sandbox.api_key)
            answered += not result.is_error
            sent += _check_paths(sandbox)
    assert _outside_workspace(fuzz_root) == before
    assert answered >= 10  # what is read leniently (ＤＥＭＯ-１, a folder "a/b") was read...
    assert sent >= 20  # ...so the path checks saw real requests
