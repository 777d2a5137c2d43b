"""What of a bundle folder is ours to delete: only what its manifest lists, and only inside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from backlog_mcp.export.folder import FolderInTheWayError, our_files
from backlog_mcp.export.leftovers import LeftInPlace, Recovered, clear


def _bundle(folder: Path, paths: list[str]) -> None:
    folder.mkdir()
    manifest = {
        "schemaVersion": 1,
        "issueKey": "DEMO-1",
        "rawMarkdown": "raw.md",
        "attachments": [{"path": p} for p in paths],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "raw.md").write_text("# DEMO-1")


def test_a_leftover_loses_only_the_files_its_manifest_lists(tmp_path: Path) -> None:
    leftover = tmp_path / ".DEMO-1.old-1-0123abcd"
    _bundle(leftover, ["attachments/1_a.txt"])
    (leftover / "attachments").mkdir()
    (leftover / "attachments" / "1_a.txt").write_text("ours")
    (leftover / "translation.md").write_text("the user's")
    notes = clear(leftover, tmp_path / "DEMO-1")
    assert not leftover.exists()
    [recovered] = notes
    assert isinstance(recovered, Recovered)
    assert recovered.destination.name.startswith("DEMO-1.recovered-")
    assert recovered.names == ("translation.md",)
    assert (recovered.destination / "translation.md").read_text() == "the user's"


def test_a_manifest_path_that_climbs_out_or_is_absolute_names_nothing_to_delete(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("not ours")
    leftover = tmp_path / "bundle"
    _bundle(leftover, ["../outside.txt", str(tmp_path / "outside.txt")])
    assert our_files(leftover) == frozenset({"manifest.json", "raw.md"})
    assert clear(leftover, tmp_path / "DEMO-1") == []
    assert not leftover.exists()
    assert (tmp_path / "outside.txt").read_text() == "not ours"


@pytest.mark.parametrize(
    ("manifest", "why"),
    [
        ("not json", "its manifest.json is unreadable: not valid JSON"),
        ("[]", "its manifest.json is not the manifest of an export of this tool"),
        ('{"schemaVersion": 1}', "its manifest.json is not the manifest of an export of this tool"),
    ],
)
def test_a_folder_whose_manifest_is_not_ours_is_in_the_way_and_says_why(
    tmp_path: Path, manifest: str, why: str
) -> None:
    folder = tmp_path / "DEMO-1"
    folder.mkdir()
    (folder / "manifest.json").write_text(manifest)
    with pytest.raises(
        FolderInTheWayError, match=f"is not recognisably a folder this tool wrote \\({why}\\)"
    ):
        our_files(folder)


def test_a_replaced_bundle_loses_only_what_was_ours_when_it_was_replaced(tmp_path: Path) -> None:
    old = tmp_path / ".DEMO-1.old-1-0123abcd"
    _bundle(old, ["attachments/1_a.txt"])
    (old / "attachments").mkdir()
    (old / "attachments" / "1_a.txt").write_text("listed by the manifest, but not ours at the swap")
    home = tmp_path / "DEMO-1"
    _bundle(home, [])
    notes = clear(old, home, frozenset({"manifest.json", "raw.md"}))
    assert notes == [Recovered(old, home, ("attachments/",))]
    assert (home / "attachments" / "1_a.txt").is_file()
    assert not old.exists()


def test_a_folder_whose_files_cannot_all_be_moved_out_keeps_its_manifest_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = tmp_path / ".DEMO-1.partial-1-0123abcd"
    _bundle(staging, [])
    (staging / "a.md").write_text("the user's")
    (staging / "b.md").write_text("the user's too")
    rename = os.rename

    def failing(source: Path, destination: Path) -> None:
        if Path(source).name == "b.md":
            raise PermissionError(13, "Permission denied", str(source))
        rename(source, destination)

    monkeypatch.setattr(os, "rename", failing)
    home = tmp_path / "DEMO-1"
    _bundle(home, [])
    recovered, left = clear(staging, home)
    assert recovered == Recovered(staging, home, ("a.md",))
    assert isinstance(left, LeftInPlace)
    assert left.folder == staging
    assert left.reason.startswith("not every file in it could be moved out ([Errno 13] Permission denied")
    assert sorted(p.name for p in staging.iterdir()) == ["b.md", "manifest.json", "raw.md"]
