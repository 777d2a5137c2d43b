"""Calls cancelled by the MCP client mid-flight: nothing partial stays on disk, no task lives on.

The cancellation is the client's own: the task awaiting `call_tool` is cancelled, which the SDK
turns into `notifications/cancelled` (legacy protocol) or the end of the direct await (modern).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from mcp import Client

from backlog_mcp.config import Settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.pinned import LARGE_ATTACHMENT_SIZE
from tests.e2e.conftest import call, cancel_once_in_flight, until, workspace_settings

pytestmark = pytest.mark.anyio

EXPORT = "backlog_export_issue_context"
DOWNLOAD = "backlog_download_attachment"
LARGE_ATTACHMENT_ID = 1076000035  # DEMO-1's large log: about a hundred chunks


@pytest.fixture
def settings(sandbox: SandboxServer, workspace: Path) -> Settings:
    return workspace_settings(sandbox, workspace)


def _paths(root: Path) -> list[Path]:
    """Everything under `root`, read while the server may be deleting it: `os.walk` skips a folder
    that vanishes mid-scan, where `Path.rglob` raises FileNotFoundError."""
    return [Path(top, name) for top, folders, files in os.walk(root) for name in (*folders, *files)]


def _partial(root: Path) -> list[str]:
    """Temporary files and staging folders: hidden names, `.part` files."""
    return sorted(str(p.relative_to(root)) for p in _paths(root) if p.name.startswith("."))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _tasks() -> int:
    return len(asyncio.all_tasks())


async def test_a_download_cancelled_by_the_client_leaves_no_partial_file_and_no_task(
    client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    args = {"issueIdOrKey": "DEMO-1", "attachmentId": LARGE_ATTACHMENT_ID}
    folder = workspace / "attachments" / "DEMO-1"
    baseline = _tasks()
    sandbox.faults.download_chunk_delay_seconds = 0.02
    await cancel_once_in_flight(client, DOWNLOAD, args, lambda: any(folder.glob(".*.part")))

    await until(lambda: _partial(workspace) == [])
    await until(lambda: _tasks() <= baseline)
    assert not folder.exists()  # the folders the call made for it go with it

    sandbox.faults.reset()
    text = await call(client, DOWNLOAD, args)
    (saved,) = folder.iterdir()
    assert saved.stat().st_size == LARGE_ATTACHMENT_SIZE
    assert str(saved) in text


async def test_an_export_cancelled_by_the_client_keeps_the_previous_bundle_and_leaves_nothing_partial(
    client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    await call(client, EXPORT, {"issueIdOrKey": "DEMO-1"})
    before = _tree(workspace)
    baseline = _tasks()
    sandbox.faults.download_chunk_delay_seconds = 0.02

    def downloading() -> bool:
        return any(workspace.glob(".DEMO-1.partial-*/attachments/.*.part"))

    await cancel_once_in_flight(client, EXPORT, {"issueIdOrKey": "DEMO-1"}, downloading)

    await until(lambda: _partial(workspace) == [])
    await until(lambda: _tasks() <= baseline)
    assert _tree(workspace) == before

    sandbox.faults.reset()
    text = await call(client, EXPORT, {"issueIdOrKey": "DEMO-1"})
    assert "12; 12 saved" in text
    assert _partial(workspace) == []


async def test_a_cancelled_export_into_a_new_output_dir_leaves_no_folder(
    client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    sandbox.faults.download_chunk_delay_seconds = 0.02
    args = {"issueIdOrKey": "DEMO-1", "outputDir": "fresh/sub"}

    def downloading() -> bool:
        return any(workspace.glob("fresh/sub/.DEMO-1.partial-*/attachments/.*.part"))

    await cancel_once_in_flight(client, EXPORT, args, downloading)
    await until(lambda: not (workspace / "fresh").exists())
    assert not workspace.exists() or list(workspace.iterdir()) == []
