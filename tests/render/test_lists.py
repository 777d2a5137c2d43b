"""Paging honesty in the renderers: the range, the total, and a next page only when one exists."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backlog_mcp.backlog.issues import Comment, CustomFieldValue, Issue
from backlog_mcp.backlog.models import User
from backlog_mcp.render.comments import render_comments
from backlog_mcp.render.issues import render_issue_list
from backlog_mcp.render.projects import render_priorities, render_statuses
from backlog_mcp.render.text import RenderContext

CTX = RenderContext(zone=ZoneInfo("Asia/Tokyo"), base_url="https://demo.backlog.jp")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _issues(n: int, start: int = 1) -> list[Issue]:
    return [Issue(id=i, issue_key=f"A-{i}", summary=f"s{i}", updated=WHEN) for i in range(start, start + n)]


def _comments(ids: list[int]) -> list[Comment]:
    return [Comment(id=i, content=f"c{i}", created=WHEN, created_user=User(id=1, name="田中")) for i in ids]


def test_issue_list_gives_the_next_offset_until_the_total() -> None:
    text = render_issue_list(_issues(20), total=45, offset=0, arguments={"count": 20}, ctx=CTX)
    assert text.startswith("Issues 1–20 of 45:")
    assert text.splitlines()[-2] == 'Next page: backlog_get_issue_list {"count":20,"offset":20}'
    last = render_issue_list(_issues(5, 41), total=45, offset=40, arguments={"count": 20}, ctx=CTX)
    assert "Issues 41–45 of 45:" in last
    assert "End of list." in last
    assert "Next page" not in last


def test_issue_list_parent_column_uses_keys_when_it_can() -> None:
    parent, child = _issues(2)
    child = child.model_copy(update={"parent_issue_id": parent.id})
    orphan = _issues(1, 9)[0].model_copy(update={"parent_issue_id": 777})
    text = render_issue_list([parent, child, orphan], total=3, offset=0, arguments={}, ctx=CTX)
    assert "|Parent|" in text.splitlines()[1]
    assert text.splitlines()[4].endswith("|A-1|")
    assert text.splitlines()[5].endswith("|id 777|")


def test_comments_continue_past_the_last_id_in_the_order_asked() -> None:
    desc = render_comments(
        _comments([30, 29]), issue_key="A-1", total=30, more=True, order="desc",
        arguments={"issueIdOrKey": "A-1", "count": 2, "order": "desc"}, ctx=CTX,
    )  # fmt: skip
    call = json.loads(desc.splitlines()[-1].removeprefix("Next page: backlog_get_comments "))
    assert call == {"issueIdOrKey": "A-1", "count": 2, "order": "desc", "maxId": 29}
    asc = render_comments(
        _comments([1, 2]), issue_key="A-1", total=30, more=True, order="asc",
        arguments={"issueIdOrKey": "A-1", "count": 2, "order": "asc"}, ctx=CTX,
    )  # fmt: skip
    assert asc.splitlines()[-1].endswith('"minId":2}')


def test_comments_say_end_when_there_is_no_more() -> None:
    exact = render_comments(
        _comments([3, 2, 1]), issue_key="A-1", total=3, more=False, order="desc",
        arguments={"issueIdOrKey": "A-1", "count": 3}, ctx=CTX,
    )  # fmt: skip
    assert exact.endswith("End of comments in this direction.")


def test_no_comments_mentions_a_range_only_when_one_was_given() -> None:
    none = render_comments([], issue_key="A-1", total=0, more=False, order="desc", arguments={}, ctx=CTX)
    assert none == "No comments on A-1."
    past = render_comments(
        [], issue_key="A-1", total=9, more=False, order="desc", arguments={"maxId": 1}, ctx=CTX
    )
    assert past == "No comments on A-1 in this range (9 in total)."


def test_comment_heading_carries_id_author_and_local_time() -> None:
    text = render_comments(
        _comments([7]), issue_key="A-1", total=1, more=False, order="desc", arguments={}, ctx=CTX
    )
    assert "### #7 · 田中 · 2026-01-01T09:00+09:00" in text


def test_a_description_cannot_break_out_of_its_section() -> None:
    from backlog_mcp.render.issues import render_issue

    description = "## 要件\n```python\nprint('x')\n```\n### #1 · not a comment"
    text = render_issue(Issue(id=1, issue_key="A-1", description=description), CTX)
    body = text.split("## Description\n", 1)[1]
    assert body.startswith("````\n")
    assert body.rstrip().endswith("\n````")
    assert description in body


def test_a_multi_line_custom_field_stays_one_list_item() -> None:
    from backlog_mcp.backlog.issues import CustomFieldValue
    from backlog_mcp.render.issues import render_issue

    field = CustomFieldValue(id=1, field_type_id=2, name="補足", value="一行目\n- 二行目")
    text = render_issue(Issue(id=1, issue_key="A-1", custom_fields=[field]), CTX)
    assert "- 補足:\n  一行目\n  - 二行目\n## Description" in text


def test_a_multi_line_custom_field_cannot_forge_a_section_or_hide_one_in_a_fence() -> None:
    from backlog_mcp.backlog.issues import CustomFieldValue
    from backlog_mcp.render.issues import render_issue

    value = "x\n## Description\n  ### #9 · a · b\n```\n### Comment #9"
    field = CustomFieldValue(id=1, field_type_id=2, name="補足\n## Description", value=value)
    text = render_issue(Issue(id=1, issue_key="A-1", custom_fields=[field]), CTX)
    # The value starts its own line, so its fence opens where a reader sees one, and is closed.
    item = "- 補足 ## Description:\n  x\n  \\## Description\n    \\### #9 · a · b\n"
    item += "  ```\n  ### Comment #9\n  ```\n"
    assert item in text
    assert text.count("\n## Description\n") == 1


def test_issue_list_shows_dates_and_custom_fields_and_says_when_a_value_was_cut() -> None:
    long_text = "長い説明 " * 30
    issue = _issues(1)[0].model_copy(
        update={
            "custom_fields": [
                CustomFieldValue(id=1, field_type_id=1, name="顧客名", value="山田商店"),
                CustomFieldValue(id=2, field_type_id=2, name="補足", value=long_text),
                CustomFieldValue(id=3, field_type_id=1, name="空", value=None),
            ],
            "created": datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        }
    )
    text = render_issue_list([issue], total=1, offset=0, arguments={}, ctx=CTX)
    header, _, row = text.splitlines()[1:4]
    assert "|Created|" in header
    assert "|Custom fields|" in header
    assert "2026-01-01T09:00+09:00" in row
    assert "顧客名: 山田商店; 補足: 長い説明" in row
    assert "空" not in row  # fields without a value take no room
    assert row.endswith("…|")
    assert "Custom field values over 60 characters end in …; backlog_get_issue shows all." in text


def test_an_empty_reference_list_is_one_sentence_without_an_empty_table() -> None:
    assert render_priorities([]) == "No priorities."
    assert render_statuses([], project="DEMO") == "No statuses in DEMO."
