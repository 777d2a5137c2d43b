"""What of a bundle folder is ours to delete: only what its manifest lists, and only inside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backlog_mcp.export.folder import FolderInTheWayError, our_files, remove_ours


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
    remove_ours(leftover)
    assert sorted(str(p.relative_to(leftover)) for p in leftover.rglob("*")) == ["translation.md"]


def test_a_manifest_path_that_climbs_out_or_is_absolute_names_nothing_to_delete(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("not ours")
    leftover = tmp_path / "bundle"
    _bundle(leftover, ["../outside.txt", str(tmp_path / "outside.txt")])
    assert our_files(leftover) == frozenset({"manifest.json", "raw.md"})
    remove_ours(leftover)
    assert not leftover.exists()
    assert (tmp_path / "outside.txt").read_text() == "not ours"


@pytest.mark.parametrize("manifest", ["not json", "[]", '{"schemaVersion": 1}'])
def test_a_folder_whose_manifest_is_not_ours_is_in_the_way(tmp_path: Path, manifest: str) -> None:
    folder = tmp_path / "DEMO-1"
    folder.mkdir()
    (folder / "manifest.json").write_text(manifest)
    with pytest.raises(FolderInTheWayError, match="did not write"):
        our_files(folder)
