"""Placement: change log first, then a mention by name or whole-token ID, then the uploader's nearest post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backlog_mcp.backlog.issues import AttributeInfo, ChangeLogEntry, Comment, Issue
from backlog_mcp.backlog.models import Attachment, NamedRef, User
from backlog_mcp.export.placement import Placement, mentions_id, mentions_name, place_attachments

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TANAKA, SUZUKI = User(id=1, name="田中"), User(id=2, name="鈴木")
WINDOW = timedelta(minutes=10)


def _issue(description: str = "", created: datetime = T0 - timedelta(days=1)) -> Issue:
    return Issue(id=9, issue_key="A-1", description=description, created=created, created_user=TANAKA)


def _file(attachment_id: int, name: str, minutes: float, user: User = TANAKA) -> Attachment:
    return Attachment(id=attachment_id, name=name, created=T0 + timedelta(minutes=minutes), created_user=user)


def _comment(
    comment_id: int, minutes: float, content: str = "", user: User = TANAKA, adds: Attachment | None = None
) -> Comment:
    changes = None
    if adds is not None:
        info = NamedRef(id=adds.id, name=adds.name)
        changes = [ChangeLogEntry(field="attachment", new_value=adds.name, attachment_info=info)]
    return Comment(
        id=comment_id, content=content, created=T0 + timedelta(minutes=minutes), created_user=user,
        change_log=changes,
    )  # fmt: skip


def _place(issue: Issue, files: list[Attachment], comments: list[Comment]) -> dict[int, Placement]:
    return place_attachments(issue, files, comments, window=WINDOW)


def test_the_change_log_entry_that_adds_a_file_is_exact_and_beats_a_mention() -> None:
    log = _file(5, "trace.txt", 0, SUZUKI)
    comments = [_comment(100, -60, "trace.txt を後で添付します"), _comment(101, 0, "", SUZUKI, adds=log)]
    placed = _place(_issue("see trace.txt"), [log], comments)[5]
    assert placed == Placement("exact", "change log", "comment", 101)


def test_a_change_log_entry_without_an_id_matches_the_nearest_file_of_that_name() -> None:
    first, second = _file(5, "same.txt", 0), _file(6, "same.txt", 500)
    entry = ChangeLogEntry(field="attachment", new_value="same.txt", attachment_info=NamedRef(id=0))
    comment = Comment(id=200, created=T0 + timedelta(minutes=499), created_user=SUZUKI, change_log=[entry])
    placed = _place(_issue(), [first, second], [comment])
    assert placed[6].comment_id == 200
    assert placed[6].reason == "change log"
    assert placed[5].comment_id != 200


def test_a_removal_in_the_change_log_is_not_where_the_file_was_added() -> None:
    gone = _file(5, "old.txt", 0)
    entry = ChangeLogEntry(field="attachment", original_value="old.txt", attachment_info=NamedRef(id=5))
    comment = Comment(id=300, created=T0 + timedelta(days=3), created_user=SUZUKI, change_log=[entry])
    assert _place(_issue(), [gone], [comment])[5].confidence == "unmatched"


def test_a_custom_field_named_attachment_does_not_place_a_file() -> None:
    log = _file(5, "error.log", 0)
    entry = ChangeLogEntry(field="attachment", new_value="error.log", attribute_info=AttributeInfo(id=9))
    comment = Comment(id=400, created=T0 + timedelta(days=3), created_user=SUZUKI, change_log=[entry])
    assert _place(_issue(), [log], [comment])[5].reason != "change log"


def test_a_name_in_the_description_is_exact() -> None:
    shot = _file(7, "screenshot.png", 3000, SUZUKI)
    placed = _place(_issue("画面は ![現行](screenshot.png) の通り"), [shot], [])[7]
    assert (placed.confidence, placed.target, placed.comment_id) == ("exact", "description", None)
    assert placed.reason == "the description names the file"


def test_a_name_in_a_comment_is_exact_and_the_first_mention_after_the_upload_wins() -> None:
    spec = _file(8, "設計書.txt", 60, SUZUKI)
    comments = [
        _comment(1, 0, "設計書.txtを書いています"),  # before the upload (less the window)
        _comment(2, 61, "設計書.txtを添付しました", SUZUKI),
        _comment(3, 90, "設計書.txt 確認しました"),
    ]
    placed = _place(_issue(), [spec], comments)[8]
    assert (placed.confidence, placed.comment_id) == ("exact", 2)
    assert placed.reason == "the comment names the file"


def test_a_mention_before_the_upload_still_counts_when_it_is_the_only_one() -> None:
    spec = _file(8, "plan.md", 600)
    placed = _place(_issue(), [spec], [_comment(1, 0, "plan.md will follow", SUZUKI)])[8]
    assert (placed.confidence, placed.comment_id) == ("exact", 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("attachment 10 shows it", True),
        ("see #10.", True),
        ("(ID:10)", True),
        ("添付10を参照", True),
        ("100 rows", False),
        ("v10.2 released", False),
        ("version 1.10", False),
        ("10.5 seconds", False),
        ("id10", False),
        ("10_000", False),
    ],
)
def test_an_id_counts_only_as_a_whole_token(text: str, expected: bool) -> None:
    assert mentions_id(text, 10) is expected


def test_an_id_mention_places_the_file_and_a_substring_does_not() -> None:
    ten, hundred = _file(10, "a.bin", 5000, SUZUKI), _file(100, "b.bin", 5000, SUZUKI)
    placed = _place(_issue(), [ten, hundred], [_comment(1, 0, "see attachment 100")])
    assert (placed[100].confidence, placed[100].comment_id) == ("exact", 1)
    assert placed[100].reason == "the comment names its ID"
    assert placed[10].confidence == "unmatched"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notes.txt", True),
        ("`notes.txt`.", True),
        ("メモはnotes.txtです", True),
        ("mynotes.txt", False),
        ("notes.txt.bak", False),
        ("old-notes.txt", False),
    ],
)
def test_a_name_counts_only_as_a_whole_name(text: str, expected: bool) -> None:
    assert mentions_name(text, "notes.txt") is expected


def test_the_nearest_post_by_the_uploader_within_the_window_is_inferred() -> None:
    log = _file(11, "x.log", 0, SUZUKI)
    comments = [
        _comment(1, 1, "closer, but someone else", TANAKA),
        _comment(2, -8, "mine, before", SUZUKI),
        _comment(3, 4, "mine, after", SUZUKI),
    ]
    placed = _place(_issue(), [log], comments)[11]
    assert (placed.confidence, placed.target, placed.comment_id) == ("inferred", "comment", 3)
    assert placed.reason == "same uploader; comment posted 4 min from the upload"


def test_outside_the_window_is_unmatched() -> None:
    log = _file(11, "x.log", 0, SUZUKI)
    placed = _place(_issue(), [log], [_comment(2, 11, "mine, a bit later", SUZUKI)])[11]
    assert placed == Placement("unmatched", placed.reason)
    assert placed.target is None


def test_a_zero_window_needs_the_same_moment() -> None:
    log = _file(11, "x.log", 0, SUZUKI)
    comments = [_comment(2, 0, "", SUZUKI), _comment(3, 1, "", SUZUKI)]
    assert place_attachments(_issue(), [log], comments, window=timedelta(0))[11].comment_id == 2
    later = [_comment(3, 1, "", SUZUKI)]
    assert place_attachments(_issue(), [log], later, window=timedelta(0))[11].confidence == "unmatched"


def test_files_uploaded_with_the_issue_are_inferred_to_the_description() -> None:
    shot = _file(12, "IMG_0001.jpg", 2)
    placed = _place(_issue(created=T0), [shot], [])[12]
    assert (placed.confidence, placed.target) == ("inferred", "description")
