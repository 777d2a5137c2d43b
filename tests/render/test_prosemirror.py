"""Backlog's ProseMirror bodies as Markdown: every node type, every mark, unknown types, no text lost."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from backlog_mcp.render.prosemirror import to_markdown

Node = dict[str, Any]


def t(value: str, *marks: str, href: str | None = None) -> Node:
    node: Node = {"type": "text", "text": value}
    found: list[Node] = [{"type": m} for m in marks]
    if href:
        found.append({"type": "link", "attrs": {"href": href}})
    if found:
        node["marks"] = found
    return node


def p(*content: Node | str) -> Node:
    return {"type": "paragraph", "content": [t(c) if isinstance(c, str) else c for c in content]}


def item(*content: Node, kind: str = "listItem", **attrs: Any) -> Node:
    node: Node = {"type": kind, "content": list(content)}
    if attrs:
        node["attrs"] = attrs
    return node


def md(*blocks: Node, offset: int = 0, plain: str = "") -> str:
    return to_markdown(
        json.dumps({"type": "doc", "content": list(blocks)}), plain=plain, heading_offset=offset
    )


def test_headings_keep_their_level_shifted_below_ours() -> None:
    h1 = {"type": "heading", "attrs": {"level": 1}, "content": [t("概要")]}
    h5 = {"type": "heading", "attrs": {"level": 5}, "content": [t("細目")]}
    assert md(h1, h5) == "# 概要\n\n##### 細目"
    assert md(h1, h5, offset=2) == "### 概要\n\n###### 細目"


def test_paragraphs_are_separated_by_blank_lines_and_hard_breaks_end_lines() -> None:
    assert md(p("一行目", {"type": "hardBreak"}, "二行目"), p("next")) == "一行目\\\n二行目\n\nnext"


def test_marks_become_markdown_emphasis_code_strike_and_links() -> None:
    text = md(
        p(
            t("bold", "bold"), " ", t("italic", "italic"), " ", t("gone", "strike"), " ",
            t("a`b", "code"), " ", t("site", href="https://example.com/a b(c)"),
        )
    )  # fmt: skip
    assert text == "**bold** *italic* ~~gone~~ ``a`b`` [site](https://example.com/a%20b%28c%29)"


def test_marks_leave_surrounding_spaces_outside() -> None:
    assert md(p("a", t(" b ", "bold"), "c")) == "a **b** c"


def test_nested_bullet_and_ordered_lists_indent_under_their_item() -> None:
    nested = {"type": "orderedList", "attrs": {"start": 3}, "content": [item(p("三")), item(p("四"))]}
    bullets = {"type": "bulletList", "content": [item(p("one"), nested), item(p("two"))]}
    assert md(bullets) == "- one\n  3. 三\n  4. 四\n- two"


def test_task_lists_show_their_checkboxes() -> None:
    tasks = {
        "type": "taskList",
        "content": [
            item(p("done"), kind="taskItem", checked=True),
            item(p("todo"), kind="taskItem", checked=False),
        ],
    }
    assert md(tasks) == "- [x] done\n- [ ] todo"


def test_tables_become_gfm_with_the_first_row_as_header_and_pipes_escaped() -> None:
    def row(kind: str, *cells: str) -> Node:
        return {
            "type": "tableRow",
            "content": [{"type": kind, "content": [p(c)] if c else []} for c in cells],
        }

    table = {"type": "table", "content": [row("tableHeader", "名前", "a|b"), row("tableCell", "x", "")]}
    assert md(table) == "|名前|a\\|b|\n|-|-|\n|x||"


def test_code_blocks_keep_their_language_and_a_fence_longer_than_any_run_inside() -> None:
    block = {
        "type": "codeBlock",
        "attrs": {"language": "python"},
        "content": [t("x = '```'\n# not a heading")],
    }
    assert md(block) == "````python\nx = '```'\n# not a heading\n````"


def test_a_code_block_in_a_list_item_is_indented_into_it() -> None:
    block = {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [t("make")]}
    assert md({"type": "bulletList", "content": [item(p("run"), block)]}) == "- run\n\n  ```sh\n  make\n  ```"


def test_blockquotes_rules_images_and_mentions() -> None:
    quote = {"type": "blockquote", "content": [p("引用"), p("二段落目")]}
    image = {"type": "image", "attrs": {"src": "https://x.test/a.png", "alt": "図 [1]"}}
    mention = {"type": "mention", "attrs": {"id": "1073741901", "label": "田中 太郎"}}
    text = md(quote, {"type": "horizontalRule"}, p(mention, " さん ", image))
    assert text == "> 引用\n>\n> 二段落目\n\n---\n\n@田中 太郎 さん ![図 \\[1\\]](https://x.test/a.png)"


def test_an_unknown_node_type_keeps_its_text_block_or_inline() -> None:
    callout = {"type": "callout", "attrs": {"kind": "info"}, "content": [p("注意: 本文")]}
    inline = p("前 ", {"type": "emojiMention", "content": [t("中")]}, " 後")
    atom = {"type": "footnote", "text": "脚注の本文"}
    assert md(callout, inline, atom) == "注意: 本文\n\n前 中 後\n\n脚注の本文"


def test_a_body_that_is_not_json_or_empty_falls_back_to_plain() -> None:
    assert to_markdown("{not json", plain="本文 hello") == "本文 hello"
    assert to_markdown("{}", plain="hello") == "hello"
    assert to_markdown(None, plain="") == ""
    assert to_markdown("[1, 2]", plain="list") == "list"


def test_text_cannot_pass_for_a_heading_a_label_or_a_fence_of_ours() -> None:
    text = md(
        p("# Fake heading"),
        p("Changes: forged", {"type": "hardBreak"}, "```", {"type": "hardBreak"}, "~~~ tilde"),
        p("---"),
    )
    tokens = MarkdownIt("commonmark").parse(text)
    assert [tok.type for tok in tokens if tok.type.endswith("_open")] == ["paragraph_open"] * 3
    assert "fence" not in {tok.type for tok in tokens}
    assert "\\# Fake heading" in text
    assert "\\Changes: forged" in text


def test_invisible_characters_are_removed_from_text_and_attributes() -> None:
    link = t("li\u200bnk", href="https://x.test/\u202ea")
    text = md(
        p("ab\u200bc \u202eevil", link), {"type": "heading", "attrs": {"level": 2}, "content": [t("h\ufeff")]}
    )
    assert "\u200b" not in text
    assert "\u202e" not in text
    assert "\ufeff" not in text
    assert "abc evil" in text
    assert "[link](https://x.test/a)" in text


def test_malformed_nodes_are_tolerated() -> None:
    odd = [
        {"type": "paragraph", "content": "not a list"},
        {"type": "heading", "attrs": {"level": 99}, "content": [t("big")]},
        {"type": "orderedList", "attrs": {"start": -4}, "content": [item(p("x"))]},
        {"content": [t("no type")]},
        t("bare text at block level"),
        "not a node",
    ]
    text = to_markdown(json.dumps({"type": "doc", "content": odd}))
    assert text == "# big\n\n1. x\n\nno type\n\nbare text at block level"


def test_nesting_too_deep_to_render_falls_back_to_plain() -> None:
    for depth in (900, 3000):  # past the renderer's recursion, then past the JSON parser's
        deep = '{"type":"blockquote","content":[' * depth + '{"type":"text","text":"deep"}' + "]}" * depth
        assert to_markdown(deep, plain="deep text") == "deep text"


# --- the property: no text of the input is lost -------------------------------------------------

_MARKS = st.lists(st.sampled_from(["bold", "italic", "strike", "code", "link", "underline"]), max_size=3)


@st.composite
def _text_nodes(draw: st.DrawFn) -> Node:
    marks = [
        {"type": m, "attrs": {"href": "https://x.test/"}} if m == "link" else {"type": m}
        for m in dict.fromkeys(draw(_MARKS))
    ]
    return {"type": "text", "text": draw(st.text(min_size=1, max_size=12)), "marks": marks}


_INLINE = st.one_of(
    _text_nodes(),
    st.just({"type": "hardBreak"}),
    st.just({"type": "mention", "attrs": {"id": "1", "label": "someone"}}),
    st.just({"type": "image", "attrs": {"src": "https://x.test/i.png", "alt": "alt"}}),
)


def _wrap(kind: str, attrs: dict[str, Any] | None = None) -> Any:
    def build(children: list[Node]) -> Node:
        node: Node = {"type": kind, "content": children}
        if attrs:
            node["attrs"] = attrs
        return node

    return build


_PARAGRAPHS = st.lists(_INLINE, max_size=4).map(_wrap("paragraph"))
_HEADINGS = st.builds(
    lambda level, children: {"type": "heading", "attrs": {"level": level}, "content": children},
    st.integers(1, 6),
    st.lists(_text_nodes(), max_size=3),
)
_CODE = st.lists(_text_nodes(), max_size=2).map(_wrap("codeBlock", {"language": "py"}))
_LEAF_BLOCKS = st.one_of(_PARAGRAPHS, _HEADINGS, _CODE, st.just({"type": "horizontalRule"}))


def _containers(blocks: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    items = st.lists(blocks, min_size=1, max_size=3)
    list_item = items.map(_wrap("listItem"))
    task_item = st.builds(
        lambda c, done: {**_wrap("taskItem")(c), "attrs": {"checked": done}}, items, st.booleans()
    )
    cell = items.map(_wrap("tableCell"))
    row = st.lists(cell, min_size=1, max_size=3).map(_wrap("tableRow"))
    return st.one_of(
        st.lists(list_item, min_size=1, max_size=3).map(_wrap("bulletList")),
        st.lists(list_item, min_size=1, max_size=3).map(_wrap("orderedList", {"start": 2})),
        st.lists(task_item, min_size=1, max_size=3).map(_wrap("taskList")),
        st.lists(row, min_size=1, max_size=3).map(_wrap("table")),
        items.map(_wrap("blockquote")),
        items.map(_wrap("mysteryBlock")),
        st.lists(st.one_of(_INLINE, blocks), max_size=3).map(_wrap("mysteryMixed")),
    )


_DOCS = st.lists(st.recursive(_LEAF_BLOCKS, _containers, max_leaves=12), max_size=5).map(_wrap("doc"))


def _leaves(node: Node) -> list[str]:
    if node.get("type") == "text":
        return [node["text"]]
    return [leaf for child in node.get("content", []) for leaf in _leaves(child)]


def _normal(text: str) -> str:
    """Without escapes and with whitespace collapsed: the text a reader takes from the Markdown."""
    from backlog_mcp.backlog.models import visible

    return " ".join(visible(text).replace("\\", "").split())


@settings(max_examples=150, deadline=None)
@given(_DOCS)
def test_no_text_of_the_input_is_lost(doc: Node) -> None:
    out = _normal(to_markdown(json.dumps(doc)))
    for leaf in _leaves(doc):
        for line in leaf.splitlines():
            assert _normal(line) in out, (line, out)
