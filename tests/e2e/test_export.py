"""backlog_export_issue_context against the sandbox: the bundle, its safety, its atomicity, progress."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.export.folder import HOST
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.pinned import (
    HOSTILE_COMMENT_ISSUE,
    HOSTILE_FIELD_VALUE,
    LARGE_ATTACHMENT_NAME,
    LARGE_ATTACHMENT_SIZE,
    MANY_COMMENTS_COUNT,
)
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error, cancel_once_in_flight, until, workspace_settings
from tests.e2e.reader import structure, unquote

pytestmark = pytest.mark.anyio

TOOL = "backlog_export_issue_context"
HEADING = re.compile(r"^### Comment #(\d+) — .+ — \d{4}-\d\d-\d\dT\d\d:\d\d\+09:00(?: \(edited .+\))?$", re.M)
# The author whole: quoted when the name holds a separator.
WHOLE_HEADING = re.compile(
    r'^### Comment #(\d+) — ("(?:[^"\\]|\\.)*"|[^"—]+) — \d{4}-\d\d-\d\dT\d\d:\d\d\+09:00'
    r"(?: \(edited [^)]+\))?$"
)
ATTACHMENT_KEYS = {
    "id", "name", "size", "uploader", "uploaderId", "created", "path", "mediaType", "target", "confidence",
    "reason", "commentId", "skippedReason", "extracted",
}  # fmt: skip


@pytest.fixture
def settings(sandbox: SandboxServer, workspace: Path) -> Settings:
    """The conftest's settings plus a workspace; no retries, so a failed download fails at once."""
    return workspace_settings(sandbox, workspace, max_retries=0)


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


def _ended_pid() -> int:
    """The ID of a process that has ended, as the export it ran would have when killed."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


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
async def test_a_failing_attachment_is_skipped_with_its_reason_and_the_bundle_finished(
    client: Client, workspace: Path, sandbox: SandboxServer, fault: str
) -> None:
    notes = 1076000008  # DEMO-1's notes.txt
    faulty = sandbox.faults.fail_attachment_ids if fault == "fail" else sandbox.faults.truncate_attachment_ids
    faulty.add(notes)
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    why = "HTTP 500" if fault == "fail" else "broke off after"
    assert re.search(rf"^- {notes} notes\.txt: the download failed: .*{why}", text, re.MULTILINE)
    assert "12; 11 saved" in text
    assert "backlog_download_attachment with issueIdOrKey=DEMO-1" in text
    bundle = workspace / "DEMO-1"
    entry = next(e for e in _manifest(bundle)["attachments"] if e["id"] == notes)
    assert entry["path"] is None
    assert entry["skippedReason"].startswith("the download failed: ")
    assert "notes.txt (not downloaded: the download failed: " in (bundle / "raw.md").read_text("utf-8")
    assert len(list((bundle / "attachments").iterdir())) == 11
    assert _leftovers(workspace) == []


async def test_a_download_that_breaks_off_is_requested_again_and_saved_whole(
    sandbox: SandboxServer, settings: Settings, workspace: Path
) -> None:
    retrying = load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, workspace=workspace, max_retries=1
    )
    async with Client(build_server(retrying)) as client:
        sandbox.faults.truncate_next_downloads = 2
        text = await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
        assert "5; 5 saved" in text
        assert sandbox.faults.truncate_next_downloads == 0  # two downloads did break off
        for entry in _manifest(workspace / "DEMO-4")["attachments"]:
            assert (workspace / "DEMO-4" / entry["path"]).stat().st_size == entry["size"]

        issue = sandbox.space.issue("DEMO-4")
        assert issue is not None
        attachment_id = next(iter(issue.files))  # found, not hard-coded: demo data may grow
        sandbox.faults.truncate_next_downloads = 1
        args = {"issueIdOrKey": "DEMO-4", "attachmentId": attachment_id, "outputDir": "again"}
        await call(client, "backlog_download_attachment", args)
        (saved,) = (workspace / "again").iterdir()
        original = b"".join(issue.files[attachment_id].body.chunks())
        assert saved.read_bytes() == original
        assert _leftovers(workspace) == []


async def test_progress_arrives_in_strictly_increasing_order(client: Client) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def record(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    result = await client.call_tool(TOOL, {"issueIdOrKey": "DEMO-4"}, progress_callback=record)
    assert not result.is_error
    # Notifications travel apart from the result: the last may be handled just after it.
    await until(lambda: bool(seen) and seen[-1][0] == 10)
    progress = [p for p, _, _ in seen]
    # At most one each for the issue, 3 comment pages, 5 downloads and the final write; steps
    # done before the total is known are reported together once it is.
    assert 2 <= len(progress) <= 10
    assert all(a < b for a, b in itertools.pairwise(progress))
    # Known from the first notification, so a client's bar never jumps back.
    assert {t for _, t, _ in seen} == {10}
    assert seen[-1][0] == 10
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


async def test_reexport_keeps_files_the_user_added_to_the_bundle_folder(
    client: Client, workspace: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    bundle = workspace / "DEMO-4"
    ours_before = {e["path"] for e in _manifest(bundle)["attachments"]}
    (bundle / "translation.md").write_text("bản dịch")
    (bundle / "analysis").mkdir()
    (bundle / "analysis" / "notes.md").write_text("phân tích")
    (bundle / "attachments" / "mine.txt").write_text("saved by the agent")
    (bundle / "raw.md").write_text("an edit of ours is replaced")

    # Without attachments this time: the files of ours go, the user's stay.
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-4", "includeAttachments": False})
    assert "replaced the files of its previous export" in text
    kept = "- Kept 3 that this tool did not write, untouched in the folder: "
    assert kept + "analysis/, attachments/mine.txt, translation.md\n" in text
    assert (bundle / "translation.md").read_text() == "bản dịch"
    assert (bundle / "analysis" / "notes.md").read_text() == "phân tích"
    assert (bundle / "attachments" / "mine.txt").read_text() == "saved by the agent"
    assert (bundle / "raw.md").read_text("utf-8").startswith("# DEMO-4 ")
    assert not any((bundle / p).exists() for p in ours_before)
    assert _leftovers(workspace) == []
    assert sorted(os.listdir(workspace)) == ["DEMO-4"]

    # And again: what was kept is still not ours, so it is kept again.
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    assert kept in text
    assert (bundle / "attachments" / "mine.txt").is_file()
    assert len(list((bundle / "attachments").iterdir())) == 6


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("file", "is a file, not an export folder"),
        ("folder", "is not recognisably a folder this tool wrote (it has no manifest.json of an export)"),
        ("corrupt manifest", "is not recognisably a folder this tool wrote (its manifest.json is unreadable"),
        ("symlink", "is a link, not an export folder"),
    ],
)
async def test_export_refuses_a_key_in_the_way_that_is_not_its_own_bundle_saying_what_it_is(
    client: Client, workspace: Path, tmp_path: Path, kind: str, said: str
) -> None:
    workspace.mkdir(parents=True)
    in_the_way = workspace / "DEMO-3"
    if kind == "file":
        in_the_way.write_text("a file the user named DEMO-3")
    elif kind == "folder":
        in_the_way.mkdir()
        (in_the_way / "raw.md").write_text("someone else's")
    elif kind == "corrupt manifest":
        in_the_way.mkdir()
        (in_the_way / "manifest.json").write_text('{"schemaVersion": 1, "issueKey": "DEMO-3", "attach')
    else:
        (tmp_path / "elsewhere").mkdir()
        in_the_way.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    before = _tree(workspace)
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-3"})
    assert f"{in_the_way} {said}" in text
    assert "left alone: move or rename it, or give another outputDir. Nothing was written." in text
    assert _tree(workspace) == before
    assert _leftovers(workspace) == []
    assert in_the_way.is_symlink() == (kind == "symlink")


async def test_an_empty_folder_named_for_the_issue_becomes_its_bundle(
    client: Client, workspace: Path
) -> None:
    (workspace / "DEMO-3").mkdir(parents=True)
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-3"})
    assert (workspace / "DEMO-3" / "manifest.json").is_file()
    assert "Kept" not in text
    assert "replaced" not in text


async def test_a_user_file_where_the_new_export_writes_refuses_and_changes_nothing(
    client: Client, workspace: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    bundle = workspace / "DEMO-4"
    names = sorted(p.name for p in (bundle / "attachments").iterdir())
    await call(client, TOOL, {"issueIdOrKey": "DEMO-4", "downloadAttachments": False})
    (bundle / "attachments").mkdir()
    (bundle / "attachments" / names[0]).write_text("the user's own file of that name")
    before = _tree(workspace)
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-4"})
    assert f"holds attachments/{names[0]}, which this tool did not write" in text
    assert _tree(workspace) == before


async def test_an_export_clears_what_killed_exports_of_the_issue_left_behind(
    client: Client, workspace: Path
) -> None:
    dead = _ended_pid()
    killed = workspace / f".DEMO-2.partial-{dead}-0123abcd"
    (killed / "attachments").mkdir(parents=True)
    (killed / "attachments" / ".5_x.txt.0123abcd.part").write_bytes(b"half")
    older = workspace / ".DEMO-2.partial-89abcdef"  # named before the process ID was in the name
    older.mkdir()
    running = workspace / f".DEMO-2.partial-{os.getppid()}-0123abcd"  # another live process's
    running.mkdir()
    other_issue = workspace / f".DEMO-22.partial-{dead}-0123abcd"
    other_issue.mkdir()
    # Another replica's on a shared volume: its PID may equal ours (PID 1 in each container).
    elsewhere = workspace / f".DEMO-2.partial-{os.getpid()}-0123abcd~another-replica"
    elsewhere.mkdir()
    dead_here = workspace / f".DEMO-2.partial-{dead}-4567abcd~{HOST}"  # this host's, ended
    dead_here.mkdir()
    await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert sorted(os.listdir(workspace)) == sorted(["DEMO-2", running.name, other_issue.name, elsewhere.name])


async def test_a_failed_export_creates_no_output_dir(client: Client, workspace: Path) -> None:
    text = await call_error(client, TOOL, {"issueIdOrKey": "DEMO-99999", "outputDir": "new/deeper"})
    assert "DEMO-99999" in text
    assert not (workspace / "new").exists()


async def test_the_result_names_an_attachments_folder_only_when_files_were_saved(
    client: Client, workspace: Path
) -> None:
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-1", "downloadAttachments": False})
    assert "- Attachments: 12; none saved, 12 skipped" in text
    assert str(workspace / "DEMO-1" / "attachments") not in text
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert "none saved" in text
    assert not (workspace / "DEMO-2" / "attachments").exists()


async def test_a_default_download_folder_that_leads_outside_is_not_blamed_on_output_dir(
    client: Client, workspace: Path, tmp_path: Path
) -> None:
    workspace.mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (workspace / "attachments").symlink_to(tmp_path / "outside", target_is_directory=True)
    args = {"issueIdOrKey": "DEMO-1", "attachmentId": 1076000008}
    text = await call_error(client, "backlog_download_attachment", args)
    assert "The default folder 'attachments/DEMO-1' resolves to" in text
    assert "give outputDir, a folder inside the workspace" in text
    assert "omit outputDir" not in text
    assert list((tmp_path / "outside").iterdir()) == []


# -- what killed exports left: cleared of our files only, the rest given back and named ----------


def _killed(workspace: Path, key: str, tag: str = "partial", *, manifest: bool = True) -> Path:
    """A hidden folder as an export killed inside its swap leaves it: ours (raw.md, and the
    manifest listing it) beside whatever of the user's it was moving."""
    folder = workspace / f".{key}.{tag}-{_ended_pid()}-0123abcd"
    folder.mkdir(parents=True)
    (folder / "raw.md").write_text(f"# {key} of the killed export")
    if manifest:
        listed = {"schemaVersion": 1, "issueKey": key, "rawMarkdown": "raw.md", "attachments": []}
        (folder / "manifest.json").write_text(json.dumps(listed))
    return folder


async def test_a_killed_exports_staging_folder_gives_the_users_file_back_and_never_deletes_it(
    client: Client, workspace: Path
) -> None:
    staging = _killed(workspace, "DEMO-2")
    (staging / "translation.md").write_text("bản dịch")
    bundle = workspace / "DEMO-2"
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert (
        f"- Recovered 1 that this tool did not write from {staging.name} (left by an export that was "
        f"stopped) into {bundle}: translation.md\n"
    ) in text
    assert not staging.exists()
    assert (bundle / "translation.md").read_text() == "bản dịch"
    # The export that follows finds it in the bundle, the user's, and keeps it.
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert "- Kept 1 that this tool did not write, untouched in the folder: translation.md\n" in text
    assert "Recovered" not in text
    assert (bundle / "translation.md").read_text() == "bản dịch"
    assert sorted(os.listdir(workspace)) == ["DEMO-2"]


async def test_a_recovered_file_whose_name_is_taken_in_the_bundle_goes_to_a_visible_folder_beside_it(
    client: Client, workspace: Path
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    bundle = workspace / "DEMO-2"
    (bundle / "translation.md").write_text("the newer one")
    replaced = _killed(workspace, "DEMO-2", "old")
    (replaced / "translation.md").write_text("the older one")
    (replaced / "analysis").mkdir()
    (replaced / "analysis" / "notes.md").write_text("phân tích")
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    [recovered] = [p for p in workspace.iterdir() if p.name.startswith("DEMO-2.recovered-")]
    assert re.fullmatch(r"DEMO-2\.recovered-\d{8}T\d{6}Z", recovered.name)
    assert f"into {recovered}: analysis/, translation.md\n" in text
    assert (recovered / "translation.md").read_text() == "the older one"
    assert (recovered / "analysis" / "notes.md").read_text() == "phân tích"
    assert (bundle / "translation.md").read_text() == "the newer one"
    assert not replaced.exists()


async def test_a_staging_folder_without_manifest_loses_only_what_an_export_writes_before_one(
    client: Client, workspace: Path
) -> None:
    staging = _killed(workspace, "DEMO-2", manifest=False)
    (staging / "attachments").mkdir()
    (staging / "attachments" / "5_x.txt").write_text("a download of ours")
    (staging / "attachments" / ".5_x.txt.0123abcd.part").write_text("half a download of ours")
    (staging / "attachments" / "mine.txt").write_text("not a name we give")
    (staging / "notes.md").write_text("the user's")
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    bundle = workspace / "DEMO-2"
    assert f"into {bundle}: attachments/mine.txt, notes.md\n" in text
    assert (bundle / "notes.md").read_text() == "the user's"
    assert (bundle / "attachments" / "mine.txt").read_text() == "not a name we give"
    assert not (bundle / "attachments" / "5_x.txt").exists()
    assert not staging.exists()
    assert _leftovers(workspace) == []


async def test_a_cancelled_export_deletes_only_what_it_wrote_and_gives_back_the_rest(
    client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    await call(client, TOOL, {"issueIdOrKey": "DEMO-1"})
    bundle = workspace / "DEMO-1"
    before = _tree(bundle)
    sandbox.faults.download_chunk_delay_seconds = 0.02

    def downloading() -> bool:
        """Once a download is under way, a file not of this run's appears in its staging folder."""
        parts = list(workspace.glob(".DEMO-1.partial-*/attachments/.*.part"))
        if parts:
            (parts[0].parent.parent / "stray.md").write_text("not written by the export")
        return bool(parts)

    await cancel_once_in_flight(client, TOOL, {"issueIdOrKey": "DEMO-1"}, downloading)
    await until(lambda: not list(workspace.glob(".DEMO-1.*")))
    sandbox.faults.reset()
    assert (bundle / "stray.md").read_text() == "not written by the export"
    assert {k: v for k, v in _tree(bundle).items() if k != "stray.md"} == before


async def test_a_replaced_folder_left_without_a_manifest_gives_back_everything_in_it(
    client: Client, workspace: Path
) -> None:
    replaced = _killed(workspace, "DEMO-2", "old", manifest=False)  # the replaced <KEY> was not empty
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    # raw.md has the name of the new bundle's: it goes beside it.
    [recovered] = [p for p in workspace.iterdir() if p.name.startswith("DEMO-2.recovered-")]
    assert f"from {replaced.name} (left by an export that was stopped) into {recovered}: raw.md\n" in text
    assert (recovered / "raw.md").read_text() == "# DEMO-2 of the killed export"
    assert not replaced.exists()


async def test_no_comment_author_or_custom_field_can_forge_a_section_of_raw_md_however_indented(
    client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    await call(client, TOOL, {"issueIdOrKey": HOSTILE_COMMENT_ISSUE, "includeAttachments": False})
    raw = (workspace / HOSTILE_COMMENT_ISSUE / "raw.md").read_text(encoding="utf-8")
    issue = sandbox.space.issue(HOSTILE_COMMENT_ISSUE)
    assert issue is not None
    comments = issue.comments
    assert "\n### #" in comments[0]["createdUser"]["name"]  # a display name that imitates a heading
    fields = {f["name"]: f["value"] for f in issue.json["customFields"]}
    assert fields["補足情報"] == HOSTILE_FIELD_VALUE
    # Read as a reader would: every line that starts, after its indentation and outside fences,
    # like a heading or a label is one of ours, counted against the real issue.
    ours = structure(raw)
    assert [line for line in ours if line.startswith("# ")] == [f"# {issue.key} {issue.json['summary']}"]
    sections = ["## Custom fields", "## Description", "## Attachments"]
    assert [line for line in ours if line.startswith("## ")] == [
        *sections,
        f"## Comments ({len(comments)}, oldest first)",
    ]
    heads = [WHOLE_HEADING.match(line) for line in ours if line.startswith("### ")]
    assert all(heads), ours
    assert [(int(h[1]), unquote(h[2])) for h in heads if h] == [
        (c["id"], " ".join(c["createdUser"]["name"].split())) for c in comments
    ]
    changes = sum(1 for c in comments if c["changeLog"])
    edits = sum(1 for c in comments for e in c["changeLog"] or [] if e["field"] == "description")
    assert len(ours) == 1 + 4 + len(heads) + changes + edits
    assert ours.count("Changes:") == changes
    assert ours.count("Description change:") == edits
    # The field's lines keep their indentation inside its list item, escaped.
    assert "- 補足情報:\n  x\n  \\## Description\n    \\### #999 · 管理者" in raw
    # Nothing a person cannot see is carried over: zero-width, bidi override, tag characters.
    assert "\n隠し文字:evil 見えない\n" in raw
    assert not re.search("[\u200b\u202a-\u202e\U000e0000-\U000e007f]", raw)


async def test_a_killed_exports_folder_with_an_unreadable_manifest_loses_nothing(
    client: Client, workspace: Path
) -> None:
    staging = _killed(workspace, "DEMO-2", manifest=False)
    (staging / "manifest.json").write_text("{corrupt")
    (staging / "attachments").mkdir()
    (staging / "attachments" / "8_z.txt").write_text("shaped like ours, but nothing says it is")
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert "Recovered 3 that this tool did not write" in text
    [recovered] = [p for p in workspace.iterdir() if p.name.startswith("DEMO-2.recovered-")]
    assert (recovered / "raw.md").read_text() == "# DEMO-2 of the killed export"
    assert (recovered / "attachments" / "8_z.txt").exists()
    assert (recovered / "manifest.json").read_text() == "{corrupt"


async def test_a_folder_a_manifest_names_is_given_back_not_taken_for_ours(
    client: Client, workspace: Path
) -> None:
    replaced = _killed(workspace, "DEMO-2", "old", manifest=False)
    (replaced / "keep").mkdir()
    (replaced / "keep" / "a.txt").write_text("the user's")
    listed = {
        "schemaVersion": 1,
        "issueKey": "DEMO-2",
        "rawMarkdown": "raw.md",
        "attachments": [{"path": "keep"}],
    }
    (replaced / "manifest.json").write_text(json.dumps(listed))
    text = await call(client, TOOL, {"issueIdOrKey": "DEMO-2"})
    assert "keep/" in text
    assert (workspace / "DEMO-2" / "keep" / "a.txt").read_text() == "the user's"
    assert not replaced.exists()
