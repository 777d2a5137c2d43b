"""How a wiki page's content change reads in a write's answer: compact, and nothing lost.

A page can be long, and an update usually touches a few lines: both whole texts would double
the answer for nothing. The change is shown as a unified diff (line numbers, one line of context),
or, where the diff would be as long as the new text (a rewrite), as the new text whole. Both go
into a fence of `render.text`, so the page's own headings and fences cannot pass for ours.
"""

from __future__ import annotations

import difflib

from backlog_mcp.render.text import plural

__all__ = ["ContentChange", "content_change", "line_count"]

ContentChange = tuple[str, str | None, str | None]
"""(label, before, after) as a `Change` takes them: before None for a change shown by its new text."""


def line_count(text: str) -> int:
    return len(text.splitlines())


def content_change(before: str, after: str) -> ContentChange:
    """The label and text that show `before` becoming `after` (the two differ)."""
    old, new = before.splitlines(), after.splitlines()
    counts = f"{plural(len(old), 'line')} → {plural(len(new), 'line')}"
    if "\n" not in before and "\n" not in after and before and after:
        return "content", before, after  # one line each: `from → to` on one line reads best
    if not after:
        return "content", counts.split(" → ")[0], None  # `content: 12 lines → (none)`
    diff = [
        line
        for line in difflib.unified_diff(old, new, lineterm="", n=1)
        if not line.startswith(("---", "+++"))
    ]
    if old and len(diff) < len(new):
        return f"content, {counts}, the changed lines as a unified diff", None, "\n".join(diff)
    # A fence shows a final newline as an empty line: it ends the text, it is not content.
    return f"content, {counts}, the new content whole", None, after.removesuffix("\n")
