"""The surface under BACKLOG_READ_ONLY: write tools are left out first, and named so when pointed to."""

from __future__ import annotations

from backlog_mcp.tools.surface import Surface
from backlog_mcp.tools.toolsets import toolset_names


def test_read_only_beats_enabled_tools_and_is_the_reason_given() -> None:
    surface = Surface(toolsets=toolset_names(), enabled=frozenset({"backlog_add_comment"}))
    assert surface.left_out_by("backlog_add_comment") == "read_only"
    assert "backlog_add_comment" not in surface.served_names
    refusal = surface.refusal("backlog_add_comment")
    assert refusal is not None
    assert "BACKLOG_READ_ONLY=false" in refusal
    assert Surface(toolsets=toolset_names(), read_only=False).left_out_by("backlog_add_comment") is None


def test_an_answer_pointing_to_a_write_tool_says_writes_are_off() -> None:
    surface = Surface(toolsets=("issues",))
    note = surface.unserved_note("Edit it with backlog_update_wiki_page or read backlog_get_wiki_page.")
    assert note is not None
    assert "backlog_update_wiki_page (writes are off: BACKLOG_READ_ONLY)" in note
    assert "backlog_get_wiki_page (wiki toolset)" in note
