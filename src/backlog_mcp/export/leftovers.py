"""Clearing the hidden folders exports leave beside a bundle without ever losing a file of the user's.

A staging folder (`.<KEY>.partial-…`) or a replaced bundle (`.<KEY>.old-…`) holds our files and,
when an export was killed inside `swap_in`, files of the user's on their way into the new bundle.
So a file is deleted here only when it is
- listed by the manifest of ours in that folder (the manifest itself last, once all else is gone),
- or written by this very run (`ours` given by the caller),
- or, in a staging folder without a manifest, shaped like what an export writes before its
  manifest: `raw.md`, `attachments/<id>_<name>`, a hidden `.part` being downloaded. The user's
  files join a staging folder only after its manifest is written (atomically), and a manifest is
  deleted only once nothing it does not list is left beside it, so such a folder never held one
  of theirs; the shapes are a second guard all the same.
Everything else is recovered: moved into `<KEY>/` when that is a bundle of ours with no file of
the same names, else into a visible `<KEY>.recovered-<time>/` beside it, and named in the result.
A folder is removed only once empty.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from backlog_mcp.export.folder import HIDDEN, HOST, OLD, in_use, manifest_paths, not_ours
from backlog_mcp.export.manifest import ATTACHMENTS_DIR, MANIFEST_NAME, RAW_NAME

__all__ = ["LeftInPlace", "Note", "Recovered", "clear", "clear_stale"]

logger = logging.getLogger(__name__)

_STALE_AFTER_SECONDS = 24 * 3600  # no export runs for a day
_PART = r"\.[^/]+\.part"
_BEFORE_MANIFEST = re.compile(rf"{re.escape(RAW_NAME)}|{_PART}|{ATTACHMENTS_DIR}/(?:\d+_[^/]+|{_PART})")


@dataclass(frozen=True, slots=True)
class Recovered:
    """Files that were not ours, moved out of a hidden folder before it was cleared."""

    source: Path
    destination: Path
    names: tuple[str, ...]
    """Relative to both folders; folders end in `/`."""


@dataclass(frozen=True, slots=True)
class LeftInPlace:
    folder: Path
    reason: str


Note = Recovered | LeftInPlace


def clear(folder: Path, home: Path, ours: frozenset[str] | None = None) -> list[Note]:
    """Recovers what in `folder` is not ours, then deletes what is, then the folder if empty.

    `ours`: what this run wrote there; without it, what the folder's manifest lists, else the
    files shaped like an export's before its manifest. `home` is the bundle folder it belongs to.
    """
    if ours is None:
        ours = manifest_paths(folder)
    if ours is None and (folder / MANIFEST_NAME).exists():
        ours = frozenset()  # a manifest we cannot read tells nothing: everything is given back
    if ours is None:
        ours = frozenset(p for p in _files(folder) if _BEFORE_MANIFEST.fullmatch(p))
    notes: list[Note] = []
    # The export makes attachments/ before its first download: empty, it holds nothing to give back.
    made = folder / ATTACHMENTS_DIR
    others = [o for o in not_ours(folder, ours) if not (o == f"{ATTACHMENTS_DIR}/" and _empty(made))]
    if others:
        recovered, error = _recover(folder, others, home)
        if recovered.names:
            notes.append(recovered)
        if error is not None:
            # Our files stay too, manifest included: the next export then still knows which are ours.
            notes.append(LeftInPlace(folder, f"not every file in it could be moved out ({error})"))
            return _logged(notes)
    _delete(folder, ours)
    if folder.is_dir() and any(folder.iterdir()):
        notes.append(LeftInPlace(folder, "it holds files that appeared while it was being cleared"))
    return _logged(notes)


def clear_stale(base: Path, key_folder: str, home: Path) -> list[Note]:
    """Clears what killed exports of this issue left beside its folder: staging folders and
    replaced bundles whose process is gone (or is this one, and no longer using them)."""
    notes: list[Note] = []
    if not base.is_dir():
        return notes
    prefix = f".{key_folder}."
    for entry in sorted(base.iterdir()):
        if not entry.name.startswith(prefix) or entry in in_use:
            continue
        match = HIDDEN.fullmatch(entry.name[len(prefix) :])
        if match is None or not entry.is_dir() or entry.is_symlink():
            continue
        pid = int(match.group(2)) if match.group(2) else None
        if _abandoned(entry, pid, match.group(3)):
            # A replaced folder without a manifest was an empty one: nothing in it can be ours.
            replaced_empty = match.group(1) == OLD and manifest_paths(entry) is None
            notes += clear(entry, home, frozenset() if replaced_empty else None)
    return notes


def _files(folder: Path) -> list[str]:
    """Regular files under `folder` (links not followed, not counted), relative, with `/`."""
    found: list[str] = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(folder).as_posix())
    return found


def _recover(folder: Path, others: list[str], home: Path) -> tuple[Recovered, str | None]:
    """Moves `others` out of `folder`; what was moved, and why the rest was not (None: all moved)."""
    names = [o.rstrip("/") for o in others]
    takes = home.is_dir() and not home.is_symlink() and manifest_paths(home) is not None
    into = home if takes and not any(os.path.lexists(home / n) for n in names) else _new_recovery(home)
    moved: list[str] = []
    try:
        for relative, name in zip(others, names, strict=True):
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(into / name):  # a rename would replace it
                raise FileExistsError(f"{into / name} appeared meanwhile")
            os.rename(folder / name, into / name)
            moved.append(relative)
    except OSError as exc:
        if not moved and into != home:
            into.rmdir()  # made above, still empty
        return Recovered(folder, into, tuple(moved)), str(exc)
    return Recovered(folder, into, tuple(moved)), None


def _new_recovery(home: Path) -> Path:
    """A fresh, visible `<KEY>.recovered-<time>/` beside `home`, made by this run."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        path = home.with_name(f"{home.name}.recovered-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {home.name}.recovered-{stamp}")


def _delete(folder: Path, ours: frozenset[str]) -> None:
    """Deletes the files `ours` lists (the manifest last), then the folders left empty by it."""
    for relative in sorted(ours, key=lambda p: p == MANIFEST_NAME):
        path = folder / relative
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
    parents = {folder.joinpath(*up.parts) for p in ours for up in PurePosixPath(p).parents}
    parents |= {folder, folder / ATTACHMENTS_DIR}
    for path in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if _empty(path):
            path.rmdir()  # nothing in it to lose


def _empty(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _abandoned(entry: Path, pid: int | None, host: str | None) -> bool:
    """Left by an export that is no longer running."""
    if host is not None and host != HOST:
        # Another host's (a replica on a shared volume): its process cannot be probed from here.
        return time.time() - entry.stat().st_mtime > _STALE_AFTER_SECONDS
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


def _logged(notes: list[Note]) -> list[Note]:
    for note in notes:
        if isinstance(note, Recovered):
            names = ", ".join(note.names)
            logger.warning("Recovered %s from %s into %s", names, note.source, note.destination)
        else:
            logger.warning("Left %s in place: %s", note.folder, note.reason)
    return notes
