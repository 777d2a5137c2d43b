"""The form bodies of issue writes, as they go on the wire (`encode_params`)."""

from __future__ import annotations

from backlog_mcp.backlog.issue_writes import CustomFieldWrite, IssueWrite, hours_param
from backlog_mcp.backlog.params import encode_params


def wire(write: IssueWrite) -> list[tuple[str, str]]:
    return encode_params(write.form())


def test_an_update_sends_only_the_fields_it_names() -> None:
    assert wire(IssueWrite(statusId=2, comment="着手します")) == [
        ("statusId", "2"),
        ("comment", "着手します"),
    ]
    assert wire(IssueWrite()) == []


def test_id_lists_go_as_brackets_and_an_empty_list_clears() -> None:
    write = IssueWrite(categoryId=(1, 2), milestoneId=(), notifiedUserId=(7,), attachmentId=(8, 9))
    assert wire(write) == [
        ("categoryId[]", "1"),
        ("categoryId[]", "2"),
        ("milestoneId[]", ""),
        ("notifiedUserId[]", "7"),
        ("attachmentId[]", "8"),
        ("attachmentId[]", "9"),
    ]


def test_multi_item_custom_fields_go_indexed_single_items_plain_and_empty_clears() -> None:
    write = IssueWrite(
        customFields=(
            CustomFieldWrite(id=6, type_id=6, item_ids=(1, 3)),
            CustomFieldWrite(id=7, type_id=7, item_ids=(2,), other_value="その他"),
            CustomFieldWrite(id=5, type_id=5, item_ids=(2,)),
            CustomFieldWrite(id=8, type_id=6, item_ids=()),
            CustomFieldWrite(id=1, type_id=1, value="株式会社テスト"),
            CustomFieldWrite(id=3, type_id=3, value=""),
        )
    )
    assert wire(write) == [
        ("customField_6[0]", "1"),
        ("customField_6[1]", "3"),
        ("customField_7[0]", "2"),
        ("customField_7_otherValue", "その他"),
        ("customField_5", "2"),
        ("customField_8", ""),
        ("customField_1", "株式会社テスト"),
        ("customField_3", ""),
    ]


def test_zero_unassigns_and_detaches_and_hours_are_plain_decimals() -> None:
    write = IssueWrite(assigneeId=0, parentIssueId=0, estimatedHours=2.5, actualHours=3.0)
    assert wire(write) == [
        ("assigneeId", ""),
        ("parentIssueId", ""),
        ("estimatedHours", "2.5"),
        ("actualHours", "3"),
    ]
    assert hours_param(0.1 + 0.2) == "0.3"
    assert hours_param(1e-7) == "0"
    assert hours_param(1234567.0) == "1234567"
