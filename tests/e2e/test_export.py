"""backlog_export_issue_context against the sandbox: the bundle, its safety, its atomicity, progress."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from backlog_mcp.backlog.api import Backlog
from backlog_mcp.backlog.client import make_http_client
from backlog_mcp.config import Settings, load_settings
from backlog_mcp.export.bundle import export_issue
from backlog_mcp.export.model import ExportOptions
from backlog_mcp.render.text import RenderContext
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.pinned import LARGE_ATTACHMENT_NAME, LARGE_ATTACHMENT_SIZE, MANY_COMMENTS_COUNT
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

TOOL = "backlog_export_issue_context"
HEADING = re.compile(r"^### Comment #(\d+) — .+ — \d{4}-\d\d-\d\dT\d\d:\d\d\+09:00(?: \(edited .+\))?$", re.M)
ATTACHMENT_KEYS = {
    "id", "name", "size", "uploader", "uploaderId", "created", "path", "mediaType", "target", "confidence",
    "reason", "commentId", "skippedReason", "extracted",
}  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return (tmp_path / "ws").resolve()


@pytest.fixture
def settings(sandbox: SandboxServer, workspace: Path) -> Settings:
    """The conftest's settings plus a workspace; no retries, so a failed download fails at once."""
    return load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, timezone="Asia/Tokyo", workspace=workspace,
        max_retries=0,
    )  # fmt: skip


def _manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root (hidden ones included) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _comment_section(raw: str, comment_id: int) -> str:
    """One comment's part of raw.md: its heading up to the next heading of the same level or above."""
    start = raw.index(f"### Comment #{comment_id} ")
    end = re.compile(r"^#{1,3} ", re.MULTILINE).search(raw, start + 1)
    return raw[start : end.start() if end else len(raw)]


def _leftovers(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob(".*")]


async def test_the_long_issue_exports_every_comment_in_order_with_layout_and_manifest(
    client: Client, workspace: Path
) -> None:
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    folder = workspace / "DEMO-4"
    assert f"raw.md: {folder / 'raw.md'}" in text
    assert f"manifest.json: {folder / 'manifest.json'}" in text
    assert "backlog_issue_summary" in text
    assert sorted(p.name for p in folder.iterdir()) == ["attachments", "manifest.json", "raw.md"]

    raw = (folder / "raw.md").read_text(encoding="utf-8")
    ids = [int(i) for i in HEADING.findall(raw)]
    assert len(ids) == MANY_COMMENTS_COUNT == 263
    assert ids == sorted(set(ids))
    assert raw.startswith("# DEMO-4 ")
    assert raw.index("## Description") < raw.index("### Comment #")

    manifest = _manifest(folder)
    assert manifest["issueKey"] == "DEMO-4"
    assert manifest["url"].endswith("/view/DEMO-4")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", manifest["generatedAt"])
    counts = manifest["counts"]
    assert (counts["comments"], counts["attachments"], counts["downloaded"], counts["skipped"]) == (
        263,
        5,
        5,
        0,
    )
    assert counts["placedExact"] + counts["placedInferred"] + counts["unmatched"] == 5
    for entry in manifest["attachments"]:
        assert set(entry) == ATTACHMENT_KEYS
        assert (folder / entry["path"]).is_file()
        assert (folder / entry["path"]).stat().st_size == entry["size"]
        # Each was added by a comment whose change log says so: the strongest evidence.
        assert (entry["confidence"], entry["reason"], entry["target"]) == ("exact", "change log", "comment")
        assert entry["commentId"] in ids
        assert f"attachment {entry['id']}," in _comment_section(raw, entry["commentId"])
    assert "![ảnh chụp màn hình.png](<attachments/" in raw  # images embedded, spaces kept
    assert _leftovers(workspace) == []


async def test_hostile_names_stay_inside_with_safe_names_and_duplicates_survive(
    client: Client, workspace: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    folder = workspace / "DEMO-1" / "attachments"
    files = sorted(folder.iterdir())
    manifest = _manifest(workspace / "DEMO-1")
    assert len(files) == len(manifest["attachments"]) == 12
    for path in files:
        assert path.resolve().parent == folder
        assert re.match(r"^\d+_[^/\\]+$", path.name)
        assert ".." not in path.name
        assert len(path.name.encode("utf-8")) <= 255
    names = {p.name for p in files}
    assert any(n.endswith("_設計書.txt") for n in names)
    assert any(n.endswith("_CON_.txt") for n in names)
    same = [p for p in files if p.name.endswith("_same-name.txt")]
    assert len(same) == 2
    assert same[0].read_bytes() != same[1].read_bytes()
    for entry in manifest["attachments"]:
        assert entry["path"].startswith("attachments/")
        assert (workspace / "DEMO-1" / entry["path"]).resolve().parent == folder
    by_name = {e["name"]: e for e in manifest["attachments"]}
    assert "../../etc/passwd" in by_name  # the original name is kept in the manifest
    assert by_name["screenshot.png"]["mediaType"] == "image/png"
    # Nothing was written outside the bundle.
    assert {p.relative_to(workspace).parts[0] for p in workspace.rglob("*")} == {"DEMO-1"}


async def test_over_the_size_cap_is_skipped_with_a_reason_and_nothing_partial(
    client: Client, workspace: Path
) -> None:
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1", "maxAttachmentBytes": 1_000_000})
    reason = f"{LARGE_ATTACHMENT_SIZE} bytes, over the 1000000-byte cap (maxAttachmentBytes)"
    assert f"{LARGE_ATTACHMENT_NAME}: {reason}" in text
    bundle = workspace / "DEMO-1"
    big = next(e for e in _manifest(bundle)["attachments"] if e["name"] == LARGE_ATTACHMENT_NAME)
    assert (big["path"], big["skippedReason"]) == (None, reason)
    assert _manifest(bundle)["counts"]["skipped"] == 1
    assert f"{LARGE_ATTACHMENT_NAME} (not downloaded: {reason})" in (bundle / "raw.md").read_text("utf-8")
    assert not [p for p in workspace.rglob("*") if "server-log" in p.name]
    assert _leftovers(workspace) == []
    assert len(list((bundle / "attachments").iterdir())) == 11


async def test_output_dir_inside_is_used_and_outside_is_refused(
    client: Client, workspace: Path, tmp_path: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-2", "outputDir": "exports/sub"})
    assert (workspace / "exports" / "sub" / "DEMO-2" / "raw.md").is_file()
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "link-out").symlink_to(outside, target_is_directory=True)
    for escape in ("../x", str(tmp_path / "elsewhere"), "/tmp/elsewhere", "link-out", "link-out/deeper"):
        text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-2", "outputDir": escape})
        assert "outside the workspace" in text
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "elsewhere").exists()
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("fault", ["fail", "truncate"])
async def test_a_failed_export_leaves_the_previous_bundle_intact_and_a_re_export_replaces_it(
    client: Client, workspace: Path, sandbox: SandboxServer, fault: str
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    bundle = workspace / "DEMO-1"
    (bundle / "attachments" / "stale.txt").write_text("from an older export")
    before = _tree(workspace)
    notes = next(e for e in _manifest(bundle)["attachments"] if e["name"] == "notes.txt")["id"]
    faulty = sandbox.faults.fail_attachment_ids if fault == "fail" else sandbox.faults.truncate_attachment_ids
    faulty.add(notes)

    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    assert f"Downloading attachment {notes} (notes.txt) failed" in text
    assert "previous export of DEMO-1 is unchanged" in text
    assert _tree(workspace) == before  # byte for byte, and no temporary folder left behind
    assert _leftovers(workspace) == []

    sandbox.faults.reset()
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    assert "replaced the previous export" in text
    assert not (bundle / "attachments" / "stale.txt").exists()
    assert len(list((bundle / "attachments").iterdir())) == 12
    assert sorted(os.listdir(workspace)) == ["DEMO-1"]


async def test_progress_arrives_in_strictly_increasing_order(client: Client) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def record(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    result = await client.call_tool(TOOL, {"issueIdOrKey": "DEMO-4"}, progress_callback=record)
    assert not result.is_error
    progress = [p for p, _, _ in seen]
    # The issue, 3 comment pages, 5 downloads and the final write.
    assert len(progress) == 10
    assert all(a < b for a, b in itertools.pairwise(progress))
    assert seen[-1][0] == seen[-1][1]
    assert all(t is not None and p <= t for p, t, _ in seen)
    assert any(m and m.startswith("Comments 263") for _, _, m in seen)


async def test_numeric_id_skip_changelog_only_and_extraction(client: Client, workspace: Path) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    bundle = workspace / "DEMO-4"
    issue_id = _manifest(bundle)["issueId"]
    # By numeric ID: the folder is still named by the key.
    await call(client, TOOL, {"issueIdOrKey": str(issue_id), "skipChangelogOnlyComments": True})
    assert sorted(os.listdir(workspace)) == ["DEMO-4"]
    raw = (bundle / "raw.md").read_text(encoding="utf-8")
    manifest = _manifest(bundle)
    shown = [int(i) for i in HEADING.findall(raw)]
    assert len(shown) == manifest["counts"]["commentsShown"] < 263
    assert {e["commentId"] for e in manifest["attachments"]} <= set(shown)  # their evidence stays

    await call(client, TOOL, {"issueIdOrKey": "DEMO-1", "extractReadableFiles": True})
    raw = (workspace / "DEMO-1" / "raw.md").read_text(encoding="utf-8")
    extracted = raw[raw.index("## Extracted text of readable attachments") :]
    assert "打ち合わせメモ" in extracted
    assert "screenshot.png" not in extracted
    assert "[truncated: the first 32768 of 6291456 bytes" in extracted


async def test_without_downloads_the_bundle_lists_files_and_says_why(client: Client, workspace: Path) -> None:
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1", "downloadAttachments": False})
    assert "12 skipped" in text
    manifest = _manifest(workspace / "DEMO-1")
    assert {e["skippedReason"] for e in manifest["attachments"]} == {
        "downloads turned off (downloadAttachments=false)"
    }
    assert not (workspace / "DEMO-1" / "attachments").exists()


async def test_without_attachments_the_bundle_has_none_and_says_how_many_were_left_out(
    client: Client, workspace: Path
) -> None:
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1", "includeAttachments": False})
    assert "- Attachments: not included (includeAttachments=false); the issue has 12" in text
    bundle = workspace / "DEMO-1"
    assert _manifest(bundle)["attachments"] == []
    assert "Not included (includeAttachments=false); the issue has 12." in (bundle / "raw.md").read_text(
        "utf-8"
    )
    assert not (bundle / "attachments").exists()


async def test_the_manifest_records_the_cap_that_was_applied(client: Client, workspace: Path) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-2", "maxAttachmentBytes": 10**23})
    assert _manifest(workspace / "DEMO-2")["options"]["maxAttachmentBytes"] == 50 * 1024 * 1024


async def test_a_shift_jis_attachment_is_extracted_as_text(client: Client, workspace: Path) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-4", "extractReadableFiles": True})
    raw = (workspace / "DEMO-4" / "raw.md").read_text(encoding="utf-8")
    assert "測定結果.csv (decoded from cp932)\n\n```\n回数,平均(ms),p95(ms)\n1,420,910\n" in raw


async def test_an_output_dir_that_is_a_file_is_refused_and_the_bundle_kept(
    client: Client, workspace: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    before = _tree(workspace)
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-2", "outputDir": "DEMO-2/raw.md"})
    assert "outputDir 'DEMO-2/raw.md' is a file, not a folder" in text
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-2", "outputDir": "y" * 300})
    assert "cannot be used: File name too long." in text
    assert _tree(workspace) == before


async def test_a_cancelled_export_leaves_the_previous_bundle_and_no_partial_folder(
    sandbox: SandboxServer, settings: Settings, workspace: Path
) -> None:
    render = RenderContext(zone=settings.zone, base_url=settings.base_url)
    http = make_http_client(settings.base_url, timeout_seconds=30, access_token=None)
    async with http:
        api = Backlog(http, api_key=sandbox.api_key, uses_token=False, max_retries=0, rate_limit_max_wait=0)

        async def quiet(progress: float, total: float | None, message: str) -> None:
            pass

        async def run() -> None:
            await export_issue(
                api, "DEMO-1", workspace, ExportOptions(), render=render, server_cap=10**9, progress=quiet
            )

        await run()
        before = _tree(workspace)
        sandbox.faults.latency_seconds = 0.05
        with anyio.move_on_after(0.12) as scope:  # after the issue is read, during the downloads
            await run()
        assert scope.cancelled_caught
        assert _tree(workspace) == before
        assert _leftovers(workspace) == []


async def test_bad_arguments_and_unknown_issues_are_clear_and_write_nothing(
    client: Client, workspace: Path
) -> None:
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-1", "placementWindowMinutes": 1441})
    assert "placementWindowMinutes must be 0–1440 minutes (got 1441)" in text
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-1", "maxAttachmentBytes": -1})
    assert "maxAttachmentBytes must be 0 or more bytes (got -1)" in text
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-99999"})
    assert "DEMO-99999" in text
    assert "not found" in text.lower()
    assert not workspace.exists() or list(workspace.iterdir()) == []
