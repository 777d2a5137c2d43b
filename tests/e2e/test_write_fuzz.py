"""Schema fuzzing of the write tools, writes switched on, on a sandbox of this module's own.

The read tools' fuzzing (test_schema_fuzz.py) never reaches a write: its server is read-only. Here
every write tool is called with arguments drawn from its advertised schema and hostile ones, dry
run or not: each is answered in one clear sentence or done, never with the key in it; nothing is
written outside the workspace; every request goes to a path of the API (a write to a write
route); and a dry run sends no write at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mcp import Client

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.ratelimit import RateLimiter
from backlog_mcp.sandbox.site import Endpoints
from backlog_mcp.server import build_server
from tests.e2e.conftest import WRITE_TOOL_NAMES
from tests.e2e.test_schema_fuzz import (
    _API_PATHS,
    _arguments,
    _check_answer,
    _outside_workspace,
    _route_regex,
    _Session,
)

_WRITE_PATHS = re.compile(
    "/api/v2/(?:"
    + "|".join(
        f"(?:{_route_regex(pattern)})"
        for _, pattern, _ in Endpoints(DemoSpace(), Faults(), RateLimiter()).write_routes
    )
    + ")"
)


@pytest.fixture(scope="module")
def write_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("write-fuzz")
    (root / "workspace").mkdir()
    (root / "workspace" / "note.txt").write_text("添付", encoding="utf-8")
    (root / "secret.txt").write_text("not to be sent", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def writes(write_root: Path) -> Iterator[tuple[_Session, SandboxServer]]:
    with SandboxServer() as sandbox:
        config = load_settings(
            base_url=sandbox.base_url,
            api_key=sandbox.api_key,
            workspace=write_root / "workspace",
            toolsets="all",
            read_only=False,
            rate_limit_max_wait_seconds=0,
            max_retries=0,
        )
        with (
            start_blocking_portal() as portal,
            portal.wrap_async_context_manager(Client(build_server(config))) as client,
        ):
            tools = [t for t in portal.call(client.list_tools).tools if t.name in WRITE_TOOL_NAMES]
            assert {t.name for t in tools} == WRITE_TOOL_NAMES
            yield _Session(portal, client, tools), sandbox


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arguments_to_a_write_get_a_clear_answer_stay_in_bounds_and_a_dry_run_writes_nothing(
    writes: tuple[_Session, SandboxServer], write_root: Path, data: st.DataObject
) -> None:
    session, sandbox = writes
    tool = data.draw(st.sampled_from(session.tools), label="tool")
    arguments = data.draw(_arguments(tool, hostile=data.draw(st.booleans())), label="arguments")
    if data.draw(st.booleans(), label="attach"):
        arguments["attachFiles"] = data.draw(
            st.lists(
                st.sampled_from(["note.txt", "../secret.txt", str(write_root / "secret.txt")]), max_size=2
            )
        )
    before = _outside_workspace(write_root)
    sandbox.reset_requests()
    sandbox.reset_rate_limits()
    result = session.call(tool.name, arguments)
    _check_answer(tool.name, result, sandbox.api_key)
    written = [r for r in sandbox.requests if r.method not in ("GET", "HEAD")]
    for record in sandbox.requests:
        paths = _API_PATHS if record.method in ("GET", "HEAD") else _WRITE_PATHS
        assert paths.fullmatch(record.raw_path), (record.method, record.raw_path)
    if arguments.get("dryRun") is True:
        assert written == [], (tool.name, arguments)
    attach = arguments.get("attachFiles")
    outside = [p for p in attach if p != "note.txt"] if isinstance(attach, list) else []
    if outside:  # every path is checked before anything is read or sent
        assert not any(r.path.endswith("/space/attachment") for r in written), arguments
    event("wrote" if written else "wrote nothing")
    assert _outside_workspace(write_root) == before
