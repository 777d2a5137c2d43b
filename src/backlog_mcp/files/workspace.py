"""The one folder the server may write in, and the check that keeps every write inside it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["OutsideWorkspaceError", "resolve_inside"]


class OutsideWorkspaceError(ValueError):
    """A requested folder resolves outside the workspace."""


def resolve_inside(workspace: Path, output_dir: str | None) -> Path:
    """The folder `output_dir` names, taken relative to `workspace`, after following symlinks.

    Absolute paths are allowed only when they land inside the workspace; `..` and symlinks that
    lead out are refused, because a model must not be able to write anywhere else on disk.

    Raises:
        OutsideWorkspaceError: with a message that says what is allowed.
    """
    root = workspace.expanduser().resolve()
    if output_dir is None or not output_dir.strip():
        return root
    requested = Path(output_dir.strip()).expanduser()
    target = (requested if requested.is_absolute() else root / requested).resolve()
    if target != root and not target.is_relative_to(root):
        raise OutsideWorkspaceError(
            f"outputDir {output_dir!r} resolves to {target}, outside the workspace {root}. "
            "Give a folder inside it (relative paths are taken from it), or omit outputDir."
        )
    return target
