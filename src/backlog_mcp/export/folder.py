"""Where a bundle goes: whose `<KEY>` folder is there, what of it is ours to replace, leftovers.

A folder is a previous bundle of ours when it holds our `manifest.json`, and that manifest lists
every file we wrote there. Anything else in it (a translation the agent saved beside raw.md) is
the user's: it is moved into the new bundle before the swap, never deleted. A `<KEY>` that is a
file, a symlink, or a folder with things in it but no manifest of ours is left alone and the
export refused: it may be anything, and mixing our files into it was not asked for.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backlog_mcp.export.manifest import MANIFEST_NAME

__all__ = [
    "FolderInTheWayError",
    "hidden_sibling",
    "our_files",
    "remove_ours",
    "remove_stale",
    "swap_in",
]

logger = logging.getLogger(__name__)

STAGING = "partial"
OLD = "old"
_HIDDEN = re.compile(rf"({STAGING}|{OLD})-(?:(\d+)-)?[0-9a-f]{{8}}")

_STALE_AFTER_SECONDS = 24 * 3600  # no export runs for a day
# Hidden folders this process is using right now: never stale, whatever their name says.
_in_use: set[Path] = set()


class FolderInTheWayError(Exception):
    """`<KEY>` is there and is not a bundle of ours, or holds a file where the new bundle writes one."""


def hidden_sibling(target: Path, tag: str) -> Path:
    """`.<KEY>.<tag>-<pid>-<random>` beside `target`; the process ID tells a later export whether
    the folder is still being worked on or was left by an export that was killed."""
    path = target.with_name(f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}")
    _in_use.add(path)
    return path


def release(path: Path) -> None:
    _in_use.discard(path)


def _manifest_paths(folder: Path) -> frozenset[str] | None:
    """What the manifest in `folder` says we wrote there; None without a manifest of ours."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("schemaVersion"), int):
        return None
    if not isinstance(data.get("issueKey"), str) or not isinstance(data.get("attachments"), list):
        return None
    paths = {MANIFEST_NAME}
    if isinstance(raw := data.get("rawMarkdown"), str):
        paths.add(raw)
    paths.update(
        e["path"] for e in data["attachments"] if isinstance(e, dict) and isinstance(e.get("path"), str)
    )
    # A path that climbs out or is absolute names nothing in the folder, so it cannot make us delete anything.
    return frozenset(
        p for p in paths if not PurePosixPath(p).is_absolute() and ".." not in PurePosixPath(p).parts
    )


def our_files(target: Path) -> frozenset[str] | None:
    """The files of ours in `target` (paths relative to it); None when there is no `target`.

    An empty folder counts as ours with no files: replacing it loses nothing.

    Raises:
        FolderInTheWayError: `target` is a file, a symlink, or a folder we did not write.
    """
    if not target.exists() and not target.is_symlink():
        return None
    if target.is_symlink() or not target.is_dir():
        raise FolderInTheWayError(
            f"{target} is a file, not an export folder, and is left alone: move or rename it, "
            "or give another outputDir."
        )
    ours = _manifest_paths(target)
    if ours is None:
        if any(target.iterdir()):
            raise FolderInTheWayError(
                f"{target} is a folder this tool did not write (it has no manifest.json of an export), "
                "so it is left alone: move or rename it, or give another outputDir."
            )
        return frozenset()
    return ours


def _others(folder: Path, ours: frozenset[str], staging: Path, prefix: str = "") -> list[str]:
    """What in `folder` is not ours, as whole as possible: a folder is one entry unless it holds
    files of ours or the new bundle has a folder of that name (`attachments/`), to merge into."""
    found: list[str] = []
    for entry in sorted(folder.iterdir()):
        relative = prefix + entry.name
        if relative in ours:
            continue
        is_dir = entry.is_dir() and not entry.is_symlink()
        merge = any(p.startswith(relative + "/") for p in ours) or (staging / relative).is_dir()
        if is_dir and merge:
            found += _others(entry, ours, staging, relative + "/")
        else:
            found.append(relative + ("/" if is_dir else ""))
    return found


@dataclass(frozen=True, slots=True)
class Swapped:
    old: Path | None
    """Where the previous folder went, holding only our files and the folders they were in."""
    kept: list[str]
    """What was not ours, now in the new bundle; relative to it, folders ending in `/`."""
    replaced: bool
    """There was a previous bundle (not merely an empty folder)."""


def swap_in(staging: Path, target: Path) -> Swapped:
    """Moves what is not ours from the previous bundle into `staging`, then renames `staging` to
    `target`.

    Renames only (the bundle and its staging folder are siblings, so on one file system), with no
    await between them: cancellation cannot stop it half-way, and an error puts every moved file back.

    Raises:
        FolderInTheWayError: see `our_files`; or a file of the user's has the name of one the new
            bundle writes (nothing is moved then).
    """
    ours = our_files(target)
    kept = [] if ours is None else _others(target, ours, staging)
    clashes = [k for k in kept if os.path.lexists(staging / k.rstrip("/"))]
    if clashes:
        raise FolderInTheWayError(
            f"{target} holds {', '.join(clashes)}, which this tool did not write but the new export "
            "would write under the same name: move or rename it, then export again."
        )
    moved: list[str] = []
    old: Path | None = None
    try:
        for relative in kept:
            name = relative.rstrip("/")
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            os.rename(target / name, staging / name)
            moved.append(name)
        if ours is not None:
            aside = hidden_sibling(target, OLD)
            os.rename(target, aside)
            old = aside
        os.rename(staging, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
            release(old)
        for name in reversed(moved):
            os.rename(staging / name, target / name)
        raise
    return Swapped(old=old, kept=kept, replaced=bool(ours))


def remove_ours(folder: Path) -> None:
    """Deletes what we wrote in `folder`, then the folder if nothing else is left in it."""
    ours = _manifest_paths(folder)
    if ours is None:
        # No manifest: a staging folder killed before its end, holding only our downloads (the
        # user's files join a bundle after its manifest is written), or an empty folder we replaced.
        shutil.rmtree(folder, ignore_errors=True)
        return
    for relative in ours:
        path = folder / relative
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
    parents = {folder.joinpath(*up.parts) for p in ours for up in PurePosixPath(p).parents} - {folder}
    for path in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    if any(folder.iterdir()):
        logger.warning("Left %s in place: it holds files the export did not write", folder)
    else:
        folder.rmdir()


def _abandoned(entry: Path, pid: int | None) -> bool:
    """Left by an export that is no longer running."""
    if pid is None or pid == os.getpid():  # named before IDs were, or ours and not in use
        return True
    if os.name == "nt":
        # There os.kill would end the process rather than probe it: go by age instead.
        return time.time() - entry.stat().st_mtime > _STALE_AFTER_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. no permission to signal it: it exists
        return False
    return False


def remove_stale(base: Path, key_folder: str) -> None:
    """Removes what killed exports of this issue left beside its folder: staging folders and
    replaced bundles whose process is gone (or is this one, and no longer using them)."""
    if not base.is_dir():
        return
    prefix = f".{key_folder}."
    for entry in base.iterdir():
        if not entry.name.startswith(prefix) or entry in _in_use:
            continue
        match = _HIDDEN.fullmatch(entry.name[len(prefix) :])
        if match is None or not entry.is_dir() or entry.is_symlink():
            continue
        if _abandoned(entry, int(match.group(2)) if match.group(2) else None):
            remove_ours(entry)
