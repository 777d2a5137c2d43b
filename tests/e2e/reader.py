"""Our structure as a reader finds it in an answer or in raw.md.

A reader takes a line for markup of ours when, after its indentation (which a model reading plain
text does not weigh), it starts like a heading or one of our labels, outside code fences, which
open and close as CommonMark has them at the top level.
"""

from __future__ import annotations

import json
import re

__all__ = ["names", "structure", "unquote"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_MARKUP = re.compile(
    r"^\s*(?:#{1,6}(?:\s|$)|changes:|notified:|attachments (?:added|placed) here:|description change:)",
    re.IGNORECASE,
)
_NAME = r'"(?:[^"\\]|\\.)*"|[^",]+'


def structure(text: str) -> list[str]:
    """The lines outside fences that start, after any indentation, like a heading or a label."""
    fence, found = "", []
    for line in text.splitlines():
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1).startswith(fence) and not opened.group(2).strip():
                fence = ""
        elif opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
            fence = opened.group(1)
        elif _MARKUP.match(line):
            found.append(line)
    return found


def unquote(name: str) -> str:
    """A name as printed (quoted when it holds a separator) back to the name."""
    return json.loads(name) if name.startswith('"') else name


def names(listed: str) -> list[str]:
    """`a, "b, c", d` → the three names."""
    return [unquote(m.strip()) for m in re.findall(_NAME, listed) if m.strip()]
