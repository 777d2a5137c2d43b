"""A wiki content change as shown: whatever is shown, the new text can be rebuilt from the old."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from backlog_mcp.render.wiki_writes import content_change

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def _patched(old: str, diff: str) -> list[str]:
    """`old`'s lines with the unified diff applied, hunk by hunk."""
    lines, out, at = old.splitlines(), [], 0
    for line in diff.splitlines():
        hunk = _HUNK.match(line)
        if hunk:
            start = int(hunk[1]) - (0 if hunk[2] == "0" else 1)
            out += lines[at:start]
            at = start
        elif line.startswith("+"):
            out.append(line[1:])
        elif line.startswith("-"):
            assert lines[at] == line[1:]
            at += 1
        else:
            assert lines[at] == line[1:]
            out.append(lines[at])
            at += 1
    return out + lines[at:]


def _rebuilt(old: str, new: str) -> tuple[list[str], list[str]]:
    """(the lines rebuilt from what is shown, the lines they must equal)."""
    label, _, after = content_change(old, new)
    if "unified diff" in label:
        assert after is not None
        return _patched(old, after), new.splitlines()
    if label == "content" and after is None:  # emptied: `12 lines → (none)`
        return [], new.splitlines()
    assert after is not None
    # Shown whole, in a fence, which ends the text: a final newline is not shown as a line.
    return after.splitlines(), new.removesuffix("\n").splitlines()


_LINE = st.sampled_from(["", "# 見出し", "- bước 1", "```", "text", "  indented", "| a | b |"])
_TEXT = st.lists(_LINE, max_size=30).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(old=_TEXT, new=_TEXT)
def test_whatever_a_content_change_shows_rebuilds_the_new_text_from_the_old(old: str, new: str) -> None:
    if old == new:
        return
    rebuilt, expected = _rebuilt(old, new)
    assert rebuilt == expected


def test_a_small_edit_of_a_long_page_is_a_diff_shorter_than_the_page() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 101))
    new = old.replace("line 50", "line fifty")
    label, before, after = content_change(old, new)
    assert label == "content, 100 lines → 100 lines, the changed lines as a unified diff"
    assert before is None
    assert after == "@@ -49,3 +49,3 @@\n line 49\n-line 50\n+line fifty\n line 51"


def test_one_line_each_side_reads_as_from_to() -> None:
    assert content_change("old text", "new text") == ("content", "old text", "new text")


def test_a_rewrite_is_the_new_text_whole_without_its_final_newline() -> None:
    assert content_change("a\nb\nc\n", "x\ny\n") == (
        "content, 3 lines → 2 lines, the new content whole",
        None,
        "x\ny",
    )
