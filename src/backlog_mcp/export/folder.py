"""Where a bundle goes: whose `<KEY>` folder is there, what of it is ours to replace, the swap.

A folder is a previous bundle of ours when it holds our `manifest.json`, and that manifest lists
every file we wrote there. Anything else in it (a translation the agent saved beside raw.md) is
the user's: it is moved into the new bundle before the swap, never deleted. A `<KEY>` that is a
file, a symlink, or a folder with things in it but no manifest of ours is left alone and the
export refused: it may be anything, and mixing our files into it was not asked for.
Clearing the hidden folders earlier exports left is `leftovers.py`'s.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backlog_mcp.export.manifest import MANIFEST_NAME

__all__ = [
    "FolderInTheWayError",
    "hidden_sibling",
    "manifest_paths",
    "not_ours",
    "our_files",
    "swap_in",
]

STAGING = "partial"
OLD = "old"
HIDDEN = re.compile(rf"({STAGING}|{OLD})-(?:(\d+)-)?[0-9a-f]{{8}}(?:~([A-Za-z0-9.-]{{1,63}}))?")
# Whose process ID the name holds: replicas sharing one workspace volume each run as PID 1 of
# their own container, so an ID alone would pass another replica's export for this process's.
HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:63] or "host"
# Hidden folders this process is using right now: never stale, whatever their name says.
in_use: set[Path] = set()


class FolderInTheWayError(Exception):
    """`<KEY>` is there and is not a bundle of ours, or holds a file where the new bundle writes one."""


def hidden_sibling(target: Path, tag: str) -> Path:
    """`.<KEY>.<tag>-<pid>-<random>~<host>` beside `target`; the process ID (on that host) tells a
    later export whether the folder is still being worked on or was left by one that was killed."""
    path = target.with_name(f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}~{HOST}")
    in_use.add(path)
    return path


def release(path: Path) -> None:
    in_use.discard(path)


def manifest_paths(folder: Path) -> frozenset[str] | None:
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
        what = "a link" if target.is_symlink() else "a file"
        raise FolderInTheWayError(
            f"{target} is {what}, not an export folder, and is left alone: move or rename it, "
            "or give another outputDir."
        )
    ours = manifest_paths(target)
    if ours is None:
        if any(target.iterdir()):
            raise FolderInTheWayError(
                f"{target} is not recognisably a folder this tool wrote ({_why_not_ours(target)}), "
                "so it is left alone: move or rename it, or give another outputDir."
            )
        return frozenset()
    return ours


def _why_not_ours(folder: Path) -> str:
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        return f"it has no {MANIFEST_NAME} of an export"
    try:
        json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return f"its {MANIFEST_NAME} is unreadable: not valid JSON"
    except OSError as exc:
        return f"its {MANIFEST_NAME} cannot be read: {exc.strerror or exc}"
    return f"its {MANIFEST_NAME} is not the manifest of an export of this tool"


def not_ours(folder: Path, ours: frozenset[str], staging: Path | None = None, prefix: str = "") -> list[str]:
    """What in `folder` is not ours, as whole as possible: a folder is one entry unless it holds
    files of ours or the new bundle (`staging`) has a folder of that name (`attachments/`), to merge into."""
    found: list[str] = []
    for entry in sorted(folder.iterdir()):
        relative = prefix + entry.name
        is_dir = entry.is_dir() and not entry.is_symlink()
        if relative in ours and not is_dir:  # we write files only: a folder a manifest names is not ours
            continue
        merge = any(p.startswith(relative + "/") for p in ours)
        merge = merge or (staging is not None and (staging / relative).is_dir())
        if is_dir and merge:
            found += not_ours(entry, ours, staging, relative + "/")
        else:
            found.append(relative + ("/" if is_dir else ""))
    return found


@dataclass(frozen=True, slots=True)
class Swapped:
    old: Path | None
    """Where the previous folder went, holding only our files and the folders they were in."""
    kept: list[str]
    """What was not ours, now in the new bundle; relative to it, folders ending in `/`."""
    ours: frozenset[str]
    """What of the previous folder was ours, so `old` holds only these (and their folders)."""

    @property
    def replaced(self) -> bool:
        """There was a previous bundle (not merely an empty folder)."""
        return bool(self.ours)


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
    kept = [] if ours is None else not_ours(target, ours, staging)
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
    return Swapped(old=old, kept=kept, ours=ours or frozenset())
