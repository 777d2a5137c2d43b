"""Markdown primitives shared by every renderer: tables, cells, dates, people, sizes, paging."""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from backlog_mcp.backlog.models import User, visible

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = [
    "CHANGES",
    "EMPTY",
    "NOTIFIED",
    "RenderContext",
    "call_text",
    "cell",
    "fenced",
    "human_size",
    "next_call",
    "one_line",
    "plural",
    "rate_limit_note",
    "table",
    "user_label",
    "user_name",
    "user_text",
]

EMPTY = "—"
# Labels of our own that open a part of a comment; a line of Backlog text may not start with one.
CHANGES = "Changes:"
NOTIFIED = "Notified:"
_LABELS = (CHANGES, NOTIFIED, "Attachments added here:", "Attachments placed here:", "Description change:")


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What every renderer needs to know about where it is: the zone and the space's web URL."""

    zone: tzinfo
    base_url: str

    def when(self, value: datetime | None) -> str:
        """ISO 8601 in the configured zone, to the minute, with its offset: `2026-03-01T18:10+09:00`."""
        if value is None:
            return EMPTY
        local = value.astimezone(self.zone)
        offset = local.strftime("%z")
        offset = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
        return local.strftime("%Y-%m-%dT%H:%M") + offset

    @staticmethod
    def day(value: datetime | None) -> str:
        """A date-only field (due date, start date, release date).

        Backlog sends these as the space's local midnight in UTC (`2013-08-29T15:00:00Z` is
        30 August in Tokyo). Rounding to the nearest UTC midnight recovers the local date for
        any zone within ±12 h, without knowing the space's zone.
        """
        if value is None:
            return EMPTY
        utc = value.astimezone(UTC)
        return (utc + timedelta(hours=12)).date().isoformat()

    def issue_url(self, key: str) -> str:
        return f"{self.base_url}/view/{key}"


_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped, empty shown as —."""
    if value is None:
        return EMPTY
    text = visible(str(value)).strip()
    if not text:
        return EMPTY
    # A backslash escapes only ASCII punctuation in Markdown, so only there is it doubled: a
    # Windows path (`C:\temp\a.txt`) stays as the model should read it.
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text).replace("|", "\\|")
    return " ".join(text.split())


def one_line(value: object) -> str:
    """Backlog's text on one line: a second line could start with anything, our markup included."""
    return " ".join(visible("" if value is None else str(value)).split())


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 project`, `2 projects`; `many` for a plural that is not `noun` + s."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")  # any indentation: a list item's fence may sit deep
# What could pass for our structure: a heading (ATX, or a setext underline that turns the line
# above into one) or one of our labels, however indented: a model reading plain text takes an
# indented label for ours. Lists, tables and quotes are left alone: our own parts follow a label,
# so the text's lists cannot run into them.
_OURS = re.compile(
    r"^(\s*)(?=#{1,6}(?:\s|$)|=+\s*$|-+\s*$|(?:" + "|".join(re.escape(label) for label in _LABELS) + "))",
    re.IGNORECASE,
)


# Decoration a line may wear in front and still read as a heading or a label to a model or in a
# viewer: quote markers, emphasis, HTML tags (`<h3>`, `<b>`), and full-width forms (NFKC'd away).
_DECORATION = re.compile(r"^(?:[\s>*_~]|<[^>\n]*>)+")
_HTML_HEADING = re.compile(r"^\s*<h[1-6][\s>]", re.IGNORECASE)


def _imitates(line: str) -> bool:
    """Whether a line of Backlog's text could pass for a heading or one of our labels."""
    if _OURS.match(line) or _HTML_HEADING.match(line):
        return True
    bare = _DECORATION.sub("", unicodedata.normalize("NFKC", line))
    return bare != line.lstrip() and bool(_OURS.match(bare))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _closes(line: str, fence: str, indent: str) -> bool:
    """Whether `line` closes `fence` (opened at `indent`): a bare run of its character, at least as
    long, indented at most three columns more than the opener (CommonMark's rule)."""
    found = _FENCE.match(line)
    deeper = len(found.group(1).expandtabs(4)) - len(indent.expandtabs(4)) if found else 0
    return bool(found and deeper <= 3 and found.group(2).startswith(fence) and not found.group(3).strip())


def _fence_holds(lines: list[str], start: int, indent: int, fence: str) -> bool:
    """Whether an indented fence holds until it closes: a fence in a list item ends with the item,
    at the first line indented less, where one at the top level does not. Read either way, the
    text's lines would fall on different sides of it, so such a fence is not taken for one."""
    for line in lines[start + 1 :]:
        if line.strip() and _indent(line) < indent:  # the item ends first, even on a fence line
            return False
        if _closes(line, fence, lines[start][:indent]):
            return True
    return True


def user_text(text: str | None) -> str:
    """Backlog's text (a comment) as Markdown that cannot pass for ours, otherwise verbatim.

    Outside the text's own code fences, a line that would read as a heading or as one of our
    labels gets a backslash in front, after its indentation (`\\### #999`, `  \\Notified:`);
    inside them nothing changes. A fence left open is closed, or it would swallow everything
    rendered after it; text whose fences even that cannot settle (as a CommonMark parser reads
    them) is shown whole in a fence of ours, where nothing in it can be read as markup.

    Like every helper here, it removes the characters that display as nothing (`visible`): the
    payload models already do, but text reaches renderers by other ways too (file names from
    headers, attachment bodies), and this is the one place they all pass.
    """
    lines = visible(text or "").strip().splitlines()
    fence = indent = ""
    out = []
    for n, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence:
            fence = "" if _closes(line, fence, indent) else fence
        elif opened and not (opened.group(2)[0] == "`" and "`" in opened.group(3)):  # not ```inline```
            if _fence_holds(lines, n, len(opened.group(1)), opened.group(2)):
                fence, indent = opened.group(2), opened.group(1)
            else:
                line = f"{opened.group(1)}\\{line[len(opened.group(1)) :]}"
        elif _imitates(line):
            line = f"{line[: _indent(line)]}\\{line[_indent(line) :]}"
        out.append(line)
    if fence:  # closed where it was opened: a fence in a list item ends inside that item
        out.append(indent + fence)
    shown = "\n".join(out)
    if _FENCE_ANYWHERE.search(shown) and _swallows(shown):
        return fenced("\n".join(lines))
    return shown


_FENCE_ANYWHERE = re.compile(r"^[\s>*+\-\d.)]*(?:`{3,}|~{3,})", re.MULTILINE)
_SENTINEL = "end-of-backlog-text"


def _swallows(text: str) -> bool:
    """Whether a CommonMark reader runs what follows `text` into a block `text` leaves open."""
    tokens = _commonmark().parse(f"{text}\n\n# {_SENTINEL}\n")
    return not any(
        before.type == "heading_open" and token.content == _SENTINEL
        for before, token in itertools.pairwise(tokens)
    )


@functools.cache
def _commonmark() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only text with a fence in it needs the parser

    return MarkdownIt("commonmark")


def fenced(text: str, language: str = "") -> str:
    """`text` in a code fence longer than any backtick run inside it, so nothing can close it early."""
    text = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A compact Markdown table; columns whose every cell is empty are dropped."""
    body = [[cell(v) for v in row] for row in rows]
    keep = [i for i in range(len(headers)) if any(r[i] != EMPTY for r in body)] or list(range(len(headers)))
    lines = ["|" + "|".join(headers[i] for i in keep) + "|", "|" + "|".join("-" for _ in keep) + "|"]
    lines.extend("|" + "|".join(r[i] for i in keep) + "|" for r in body)
    return "\n".join(lines)


# Separators of our own fields and lists: a name holding one is quoted, so that it cannot pass
# for another field of a heading (`### #1 · name · date`) or another person in a list.
_SEPARATORS = re.compile(r'[·—,":]')


def user_label(user: User | None) -> str:
    """A person's name, on one line (Backlog's names are free text), quoted if it holds a separator."""
    if user is None:
        return EMPTY
    return user_name(one_line(user.name) or one_line(user.user_id) or str(user.id))


def user_name(name: str) -> str:
    """A name a person chose, on one line, in JSON quotes when it holds a separator of ours."""
    label = one_line(name)
    return json.dumps(label, ensure_ascii=False) if _SEPARATORS.search(label) else label


def human_size(size: int | None) -> str:
    if size is None:
        return EMPTY
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def rate_limit_note(
    remaining: int, limit: int, reset_at: datetime, now: datetime, ctx: RenderContext
) -> str | None:
    """A warning when at most a tenth (or 5) of the rate-limit window is left, else None.

    A reading whose window has already reset says nothing about now, so it is not repeated.
    """
    if remaining > max(5, limit // 10) or reset_at <= now:
        return None
    return (
        f"Note: Backlog's rate limit is low: {remaining} of {limit} requests of this kind left "
        f"until {ctx.when(reset_at)}. Pace further calls; past the limit Backlog refuses them."
    )


def call_text(tool: str, arguments: Mapping[str, Any]) -> str:
    """A tool call as a model would write it: `tool {"arg":value}`, unset arguments left out."""
    args = {k: v for k, v in arguments.items() if v is not None}
    return f"{tool} {json.dumps(args, ensure_ascii=False, separators=(',', ':'))}"


def next_call(tool: str, arguments: Mapping[str, Any]) -> str:
    """The exact call that fetches the next page, as a model would write it."""
    return f"Next page: {call_text(tool, arguments)}"
