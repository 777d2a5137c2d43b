"""backlog_download_attachment and backlog_get_attachment_content against the sandbox."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import ImageContent, TextContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def ws_settings(sandbox: SandboxServer, workspace: Path) -> Settings:
    return load_settings(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        workspace=workspace,
        max_attachment_bytes=1024 * 1024,
    )


@pytest.fixture
async def ws_client(ws_settings: Settings) -> AsyncIterator[Client]:
    async with Client(build_server(ws_settings)) as connected:
        yield connected


async def _ids(client: Client) -> dict[str, list[int]]:
    text = await call(client, "backlog_get_attachments", {"issueIdOrKey": "DEMO-1"})
    ids: dict[str, list[int]] = {}
    for attachment_id, name in re.findall(r"^\|(\d+)\|([^|]+)\|", text, re.MULTILINE):
        ids.setdefault(name, []).append(int(attachment_id))
    return ids


async def test_download_lands_in_the_workspace_with_path_size_and_type(
    ws_client: Client, workspace: Path
) -> None:
    png = (await _ids(ws_client))["screenshot.png"][0]
    text = await call(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": png}
    )
    saved = workspace.resolve() / "attachments" / "DEMO-1" / f"{png}_screenshot.png"
    assert str(saved) in text
    assert "Type: image/png" in text
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"({saved.stat().st_size} bytes)" in text


async def test_hostile_and_duplicate_names_stay_inside_and_never_collide(
    ws_client: Client, workspace: Path
) -> None:
    ids = await _ids(ws_client)
    wanted = [*ids["../../etc/passwd"], *ids["CON.txt"], *ids["same-name.txt"], *ids["設計書.txt"]]
    for attachment_id in wanted:
        await call(
            ws_client,
            "backlog_download_attachment",
            {"issueIdOrKey": "DEMO-1", "attachmentId": attachment_id},
        )
    folder = workspace.resolve() / "attachments" / "DEMO-1"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(wanted) == 5
    assert all(p.resolve().parent == folder for p in folder.iterdir())
    assert any(n.endswith("_設計書.txt") for n in names)
    assert sum(n.endswith("_same-name.txt") for n in names) == 2
    assert any(n.endswith("_CON_.txt") for n in names)


async def test_output_dir_outside_the_workspace_is_refused(ws_client: Client, tmp_path: Path) -> None:
    png = (await _ids(ws_client))["screenshot.png"][0]
    for escape in ("../escape", str(tmp_path / "elsewhere"), "/etc"):
        text = await call_error(
            ws_client,
            "backlog_download_attachment",
            {"issueIdOrKey": "DEMO-1", "attachmentId": png, "outputDir": escape},
        )
        assert "outside the workspace" in text
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "elsewhere").exists()


async def test_over_the_cap_writes_nothing(ws_client: Client, workspace: Path) -> None:
    big = (await _ids(ws_client))["server-log-large.log"][0]
    text = await call_error(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": big}
    )
    assert "over the 1048576-byte cap" in text
    folder = workspace / "attachments" / "DEMO-1"
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_a_broken_download_leaves_nothing(
    ws_client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    notes = (await _ids(ws_client))["notes.txt"][0]
    sandbox.faults.truncate_attachment_ids.add(notes)
    text = await call_error(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": notes}
    )
    assert "broke off" in text or "Could not reach" in text
    folder = workspace / "attachments" / "DEMO-1"
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_unknown_attachment_is_named(client: Client) -> None:
    text = await call_error(
        client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": 1}
    )
    assert "Attachment 1 of issue DEMO-1 not found" in text


async def test_image_comes_back_as_image_content(client: Client) -> None:
    png = (await _ids(client))["screenshot.png"][0]
    result = await client.call_tool(
        "backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": png}
    )
    assert not result.is_error
    images = [b for b in result.content if isinstance(b, ImageContent)]
    assert len(images) == 1
    assert images[0].mime_type == "image/png"
    assert base64.b64decode(images[0].data).startswith(b"\x89PNG")


async def test_text_comes_back_as_text_with_japanese_intact(client: Client) -> None:
    csv = (await _ids(client))["data.csv"][0]
    result = await client.call_tool(
        "backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": csv}
    )
    text = "".join(b.text for b in result.content if isinstance(b, TextContent))
    assert "ファイル名" in text
    assert "truncated" not in text


async def test_large_text_is_capped_with_a_clear_marker(client: Client) -> None:
    big = (await _ids(client))["server-log-large.log"][0]
    result = await client.call_tool(
        "backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": big}
    )
    text = "".join(b.text for b in result.content if isinstance(b, TextContent))
    assert re.search(r"\[truncated: showed the first \d+ of 6291456 bytes; backlog_download_attachment", text)
    assert len(text.encode("utf-8")) < 40 * 1024


async def test_a_shift_jis_csv_comes_back_as_readable_text(client: Client) -> None:
    listing = await call(client, "backlog_get_attachments", {"issueIdOrKey": "DEMO-4"})
    csv = int(re.findall(r"^\|(\d+)\|測定結果.csv\|", listing, re.MULTILINE)[0])
    result = await client.call_tool(
        "backlog_get_attachment_content", {"issueIdOrKey": "DEMO-4", "attachmentId": csv}
    )
    text = "".join(b.text for b in result.content if isinstance(b, TextContent))
    assert ", text (cp932):\n回数,平均(ms),p95(ms)\n1,420,910\n" in text


async def test_an_output_dir_that_is_a_file_or_too_long_is_a_clear_error(
    ws_client: Client, workspace: Path
) -> None:
    workspace.mkdir()
    (workspace / "notes.txt").write_text("x")
    args = {"issueIdOrKey": "DEMO-1", "attachmentId": (await _ids(ws_client))["notes.txt"][0]}
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "notes.txt"})
    assert "outputDir 'notes.txt' is a file, not a folder" in text
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "x" * 300})
    assert "cannot be used: File name too long." in text
    # A folder that cannot be created: the disk's reason, not a traceback.
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "notes.txt/sub"})
    assert "Could not write in the workspace: Not a directory" in text
    assert "Nothing was saved." in text
    assert sorted(p.name for p in workspace.iterdir()) == ["notes.txt"]


async def test_attachment_id_zero_says_greater_than_zero(client: Client) -> None:
    text = await call_error(
        client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": 0}
    )
    assert "attachmentId must be greater than 0 (got 0)" in text
