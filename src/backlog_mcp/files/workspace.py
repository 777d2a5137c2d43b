"""The one folder the server may write in, and the check that keeps every write inside it."""

from __future__ import annotations

from pathlib import Path

from backlog_mcp.quote import clip

__all__ = ["OutsideWorkspaceError", "WorkspaceError", "describe_os_error", "resolve_inside"]


class WorkspaceError(ValueError):
    """A requested folder cannot be used; the message says what to give instead."""


class OutsideWorkspaceError(WorkspaceError):
    """A requested folder resolves outside the workspace."""


def resolve_inside(workspace: Path, output_dir: str | None, *, default: str | None = None) -> Path:
    """The folder `output_dir` names, taken relative to `workspace`, after following symlinks.

    Absolute paths are allowed only when they land inside the workspace; `..` and symlinks that
    lead out are refused, because a model must not be able to write anywhere else on disk.
    Without `output_dir`, `default` (relative to the workspace) is used, else the workspace itself;
    errors then speak of the default folder, since there is no argument to blame.

    Raises:
        OutsideWorkspaceError: with a message that says what is allowed.
        WorkspaceError: the path cannot name a folder (a NUL character, an existing file).
    """
    root = workspace.expanduser().resolve()
    given = output_dir is not None and bool(output_dir.strip())
    if output_dir is None or not given:
        if default is None:
            return root
        output_dir = default
    named = f"outputDir {_shown(output_dir)}" if given else f"The default folder {_shown(output_dir)}"
    if "\x00" in output_dir:
        raise WorkspaceError("outputDir must not contain a NUL character; give a plain folder name.")
    requested = Path(output_dir.strip()).expanduser()
    target = (requested if requested.is_absolute() else root / requested).resolve()
    if target != root and not target.is_relative_to(root):
        advice = (
            "Give a folder inside it (relative paths are taken from it), or omit outputDir."
            if given
            else "A symlink leads out of it: give outputDir, a folder inside the workspace."
        )
        raise OutsideWorkspaceError(
            f"{named} resolves to {clip(str(target))}, outside the workspace {root}. {advice}"
        )
    try:
        is_file = target.exists() and not target.is_dir()
    except OSError as exc:  # e.g. a name too long for the file system
        raise WorkspaceError(f"{named} cannot be used: {exc.strerror or exc}.") from None
    if is_file:
        fix = "give a folder's path" if given else "give outputDir, a folder inside the workspace"
        raise WorkspaceError(f"{named} is a file, not a folder: {fix}.")
    return target


def _shown(output_dir: str) -> str:
    """The argument as the model gave it, cut so a hostile one cannot flood the error."""
    return repr(output_dir if len(output_dir) <= 80 else output_dir[:80] + "…")


def describe_os_error(exc: OSError) -> str:
    """`Could not write …: File name too long (…)`: the reason, without a traceback."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    return f"Could not write in the workspace: {reason}{where}."
