"""Backlog's document bodies (ProseMirror JSON, as a string) as Markdown. Pure: no HTTP.

Backlog's editor stores a document, and each of its comments, as a ProseMirror tree: `doc` →
blocks (paragraph, heading, lists, task lists, tables, code blocks, quotes, rules) → inline
nodes (text with marks, hard breaks, mentions, images). Each becomes its Markdown counterpart.

The text is still someone else's. Rules that keep it from passing for our own markup:

- Headings are shifted down by `heading_offset`, so a document's `# Comments` is never one of the
  sections we put around it.
- A paragraph line that would read as a heading or one of our labels (`# Fake`, `Changes:`) is
  escaped as `render/text.py`'s `user_text` escapes it; backticks in plain text are escaped, so
  no text opens a fence; code blocks are fenced longer than any backtick run inside.
- Characters that display as nothing (zero-width spaces, bidi overrides) are removed.

Nothing is dropped: a node type not known here is rendered as its children (or its text), and a
body whose JSON does not parse, or gives nothing, is shown as Backlog's `plain` text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from backlog_mcp.backlog.models import visible
from backlog_mcp.render.text import fenced, one_line, user_text

__all__ = ["to_markdown"]

Node = Mapping[str, Any]

_INLINE = {"text", "hardBreak", "hard_break", "mention", "image"}
_LISTS = {"bulletList", "bullet_list", "orderedList", "ordered_list", "taskList", "task_list"}
# A line a paragraph must not start with as is: a fence (after list or quote markers).
_FENCE_START = re.compile(r"^([ \t>*+\-\d.)]*)(`{3,}|~{3,})")
# Punctuation that would be read as markup inside running text.
_INLINE_MARKUP = re.compile(r"\\(?=[!-/:-@\[-`{-~])|[`*]|<(?=[A-Za-z/!?])")
_LANGUAGE = re.compile(r"[^\w+#.-]")
_MAX_ORDER = 999_999_999  # CommonMark's longest list number


def to_markdown(source: str | None, *, plain: str = "", heading_offset: int = 0) -> str:
    """The body in `source` (ProseMirror JSON text) as Markdown; `plain` when it cannot be read.

    `heading_offset` is added to every heading level (at most 6), so that the body's headings sit
    below the caller's own.
    """
    fallback = user_text(_lines(plain))
    try:
        doc = json.loads(source or "")
    except (ValueError, RecursionError):
        return fallback
    if not isinstance(doc, Mapping):
        return fallback
    try:
        rendered = "\n\n".join(_Renderer(heading_offset).blocks([doc])).strip()
    except RecursionError:  # nested deeper than anyone writes: the plain text still has it all
        return fallback
    return rendered or fallback


def _lines(text: object) -> str:
    """Visible text with every kind of line break as `\\n`."""
    return "\n".join(visible(text).splitlines()) if isinstance(text, str) else ""


def _children(node: Node) -> list[Node]:
    content = node.get("content")
    if not isinstance(content, list):
        return []
    return [child for child in content if isinstance(child, Mapping)]


def _attrs(node: Node) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _attr_text(node: Node, *names: str) -> str:
    for name in names:
        value = _attrs(node).get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return one_line(visible(str(value)))
    return ""


def _is_inline(node: Node) -> bool:
    return node.get("type") in _INLINE


def _escape(text: str) -> str:
    return _INLINE_MARKUP.sub(lambda m: "\\" + m.group(0), text)


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _url(value: str) -> str:
    """A link target that cannot end the link early or break its line."""
    text = re.sub(r"\s+", "%20", visible(value).strip())
    return text.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _guard(line: str) -> str:
    """A paragraph line that cannot open a fence or pass for a heading or a label of ours."""
    if found := _FENCE_START.match(line):
        return f"{found.group(1)}\\{line[len(found.group(1)) :]}"
    return user_text(line) if line.strip() else ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


class _Renderer:
    def __init__(self, heading_offset: int) -> None:
        self.offset = heading_offset

    # --- blocks ---------------------------------------------------------------------------------

    def blocks(self, nodes: Sequence[Node]) -> list[str]:
        """Each block's Markdown; a run of inline nodes among blocks is a paragraph of its own."""
        out: list[str] = []
        run: list[Node] = []
        for node in nodes:
            if _is_inline(node):
                run.append(node)
                continue
            if run:
                out.append(self.paragraph(run))
                run = []
            out.extend(self.block(node))
        if run:
            out.append(self.paragraph(run))
        return [block for block in out if block.strip()]

    def block(self, node: Node) -> list[str]:
        kind = node.get("type")
        children = _children(node)
        if kind == "paragraph":
            return [self.paragraph(children)]
        if kind == "heading":
            return [self.heading(node)]
        if kind == "blockquote":
            inner = "\n\n".join(self.blocks(children))
            return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))] if inner else []
        if kind in ("codeBlock", "code_block"):
            language = _LANGUAGE.sub("", _attr_text(node, "language", "params"))[:30]
            return [fenced(_lines("".join(str(c.get("text", "")) for c in _all_text(node))), language)]
        if kind in ("horizontalRule", "horizontal_rule"):
            return ["---"]
        if kind in _LISTS:
            return [self.list_block(node)]
        if kind in ("listItem", "list_item", "taskItem", "task_item"):
            return [self.item(self.marker(node, "- "), node)]
        if kind == "table":
            return [self.table(node)]
        if not children and isinstance(node.get("text"), str):
            return [self.paragraph([{"type": "text", "text": node["text"]}])]
        return self.blocks(children)  # `doc`, and any type not known here: its content, kept

    def paragraph(self, nodes: Sequence[Node]) -> str:
        lines = [_guard(line) for line in self.inline(nodes).split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        return "\\\n".join(lines)  # a hard break: a backslash at the end of the line

    def heading(self, node: Node) -> str:
        level = _attrs(node).get("level")
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        text = one_line(self.inline(_children(node)))
        return f"{'#' * min(6, level + self.offset)} {text}" if text else ""

    @staticmethod
    def marker(node: Node, bullet: str) -> str:
        if node.get("type") in ("taskItem", "task_item"):
            return "- [x] " if _attrs(node).get("checked") is True else "- [ ] "
        return bullet

    def list_block(self, node: Node) -> str:
        start = _attrs(node).get("start", _attrs(node).get("order", 1))
        number = start if isinstance(start, int) and 0 <= start <= _MAX_ORDER else 1
        ordered = node.get("type") in ("orderedList", "ordered_list")
        items = []
        for item in _children(node):
            bullet = f"{min(number, _MAX_ORDER)}. " if ordered else "- "
            items.append(self.item(self.marker(item, bullet), item))
            number += 1
        return "\n".join(items)

    def item(self, marker: str, node: Node) -> str:
        """One list item: its blocks under the marker, continuation lines indented to match."""
        pad = " " * len(marker)
        parts: list[str] = []
        pieces: list[tuple[bool, str]] = []  # (a nested list?, its Markdown)
        run: list[Node] = []
        for child in _children(node) if node.get("type") != "text" else [node]:
            if _is_inline(child):
                run.append(child)
                continue
            if run:
                pieces.append((False, self.paragraph(run)))
                run = []
            pieces.extend((child.get("type") in _LISTS, text) for text in self.block(child))
        if run:
            pieces.append((False, self.paragraph(run)))
        for nested, text in pieces:
            if not text.strip():
                continue
            lines = text.split("\n")
            indented = "\n".join(f"{pad}{line}" if line else "" for line in lines)
            if not parts:
                parts.append(marker + indented[len(pad) :] if lines[0] else marker.rstrip() + "\n" + indented)
                continue
            parts.append(("\n" if nested else "\n\n") + indented)
        return "".join(parts) or marker.rstrip()

    def table(self, node: Node) -> str:
        rows = [self.row(row) for row in _children(node)]
        rows = [row for row in rows if row]
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        lines = ["|" + "|".join(row + [""] * (width - len(row))) + "|" for row in rows]
        return "\n".join([lines[0], "|" + "|".join("-" * width) + "|", *lines[1:]])

    def row(self, row: Node) -> list[str]:
        if _is_inline(row):
            return [_cell(self.inline([row]))]
        return [
            _cell(self.inline([cell]) if _is_inline(cell) else " ".join(self.blocks(_children(cell))))
            for cell in _children(row)
        ]

    # --- inline ---------------------------------------------------------------------------------

    def inline(self, nodes: Sequence[Node]) -> str:
        return "".join(self.inline_node(node) for node in nodes)

    def inline_node(self, node: Node) -> str:
        kind = node.get("type")
        if kind == "text":
            return self.text(node)
        if kind in ("hardBreak", "hard_break"):
            return "\n"
        if kind == "mention":
            label = _attr_text(node, "label", "name", "userId", "id")
            return f"@{_escape(label)}" if label else self.inline(_children(node))
        if kind == "image":
            alt = _escape(_attr_text(node, "alt", "title"))
            src = _url(_attr_text(node, "src"))
            return "![" + alt.replace("[", "\\[").replace("]", "\\]") + f"]({src})" if src else alt
        if not _children(node) and isinstance(node.get("text"), str):
            return self.text({"type": "text", "text": node["text"]})
        # A block where text belongs, or a type not known here: its text, on one line each block.
        return " ".join(filter(None, (self.inline_node(child) for child in _children(node))))

    def text(self, node: Node) -> str:
        raw = _lines(node.get("text"))
        marks = [m for m in node.get("marks") or () if isinstance(m, Mapping)]
        kinds = {m.get("type") for m in marks}
        core = raw.strip()
        if not core:
            return raw
        lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]
        text = _code_span(core) if "code" in kinds else _escape(core)
        if kinds & {"bold", "strong"}:
            text = f"**{text}**"
        if kinds & {"italic", "em"}:
            text = f"*{text}*"
        if kinds & {"strike", "strikethrough", "s"}:
            text = f"~~{text}~~"
        link = next((m for m in marks if m.get("type") == "link"), None)
        if link is not None and (href := _url(_attr_text(link, "href"))):
            text = "[" + text.replace("[", "\\[").replace("]", "\\]") + f"]({href})"
        return lead + text + trail


def _all_text(node: Node) -> list[Node]:
    """Every text node under `node`, in order (a code block's text may come in several)."""
    if node.get("type") == "text":
        return [node]
    return [leaf for child in _children(node) for leaf in _all_text(child)]
