"""Untrusted text through a real renderer: what a person cannot see does not reach the model,
and emoji written with a zero-width joiner reach it whole."""

from __future__ import annotations

import re

import pytest
from mcp import Client

from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT, HOSTILE_COMMENT_ISSUE
from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio

# Everything the rule removes, the zero-width joiner aside (it is judged by where it stands).
_REMOVED = re.compile("[\u200b\u200c\u2060\ufeff\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]")


async def test_a_comment_keeps_its_emoji_sequences_and_loses_every_invisible_character(
    client: Client,
) -> None:
    assert "👩\u200d💻" in HOSTILE_COMMENT
    assert "結\u200d合\u200c文\u2060字\ufeff列" in HOSTILE_COMMENT
    text = await call(
        client, "backlog_get_comments", {"issueIdOrKey": HOSTILE_COMMENT_ISSUE, "count": 1, "order": "asc"}
    )
    assert "\n絵文字:👩\u200d💻 👨\u200d👩\u200d👧 ❤\ufe0f\u200d🔥 結合文字列終\n" in text
    assert "\n隠し文字:evil 見えない\n" in text
    assert not _REMOVED.search(text)
    # Every joiner left stands inside an emoji sequence.
    assert text.count("\u200d") == 4
