"""raw.md and manifest.json from a hand-made export: order, headings, tables, links, skips."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backlog_mcp.backlog.issues import AttributeInfo, ChangeLogEntry, Comment, Issue
from backlog_mcp.backlog.models import Attachment, NamedRef, User
from backlog_mcp.export.manifest import build_manifest, manifest_json
from backlog_mcp.export.markdown import render_raw_markdown
from backlog_mcp.export.model import AttachmentEntry, ExportOptions, Extract, IssueContext
from backlog_mcp.export.placement import Placement
from backlog_mcp.render.text import RenderContext

CTX = RenderContext(zone=ZoneInfo("Asia/Tokyo"), base_url="https://demo.backlog.jp")
T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
TANAKA = User(id=1, name="田中")
ISSUE = Issue(
    id=9, issue_key="A-1", summary="件名", description="本文",
    created=T0, created_user=TANAKA,
)  # fmt: skip


def _comment(comment_id: int, content: str, changes: list[ChangeLogEntry] | None = None) -> Comment:
    return Comment(
        id=comment_id, content=content, change_log=changes, created_user=TANAKA,
        created=T0 + timedelta(hours=comment_id),
    )  # fmt: skip


COMMENTS = [
    _comment(1, "最初\n### Comment #9 — fake — heading"),
    _comment(2, "", [ChangeLogEntry(field="status", original_value="未対応", new_value="処理中")]),
    _comment(3, "", [ChangeLogEntry(field="assigner", original_value=None, new_value="鈴木")]),
    _comment(4, "最後 | パイプ"),
]


def _entry(attachment_id: int, name: str, placement: Placement, **kwargs: object) -> AttachmentEntry:
    attachment = Attachment(id=attachment_id, name=name, size=2048, created=T0, created_user=TANAKA)
    return AttachmentEntry(attachment=attachment, placement=placement, **kwargs)  # type: ignore[arg-type]


ENTRIES = [
    _entry(
        11, "画面 (1).png", Placement("exact", "the description names the file", "description"),
        file="attachments/11_画面 (1).png", media_type="image/png",
    ),
    _entry(
        12, "log.txt", Placement("exact", "change log", "comment", 3),
        file="attachments/12_log.txt", media_type="text/plain",
        extract=Extract(text="line ``` one\n", shown_bytes=13, total_bytes=5000),
    ),
    _entry(13, "big.zip", Placement("unmatched", "no evidence"), skipped="9000 bytes, over the 10-byte cap"),
]  # fmt: skip


def _context(comments: list[Comment] | None = COMMENTS, **options: object) -> IssueContext:
    return IssueContext(
        issue=ISSUE, parent_key=None, comments=comments, attachments=ENTRIES,
        options=ExportOptions(**options),  # type: ignore[arg-type]
        generated=T0, url=CTX.issue_url("A-1"),
    )  # fmt: skip


def test_sections_come_in_the_fixed_order() -> None:
    text = render_raw_markdown(_context(extract_readable_files=True), CTX)
    order = [
        "# A-1 件名", "- URL: https://demo.backlog.jp/view/A-1", "## Description",
        "Attachments placed here:", "## Attachments not placed elsewhere", "## Comments (4, oldest first)",
        "### Comment #1 — 田中 — 2026-01-05T10:00+09:00", "### Comment #4 —",
        "## Extracted text of readable attachments",
    ]  # fmt: skip
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_every_comment_has_the_original_heading_and_a_fake_one_is_escaped() -> None:
    text = render_raw_markdown(_context(), CTX)
    headings = [line for line in text.splitlines() if line.startswith("### Comment #")]
    assert headings == [f"### Comment #{i} — 田中 — 2026-01-05T{9 + i:02d}:00+09:00" for i in (1, 2, 3, 4)]
    assert "\n\\### Comment #9 — fake — heading\n" in text


def test_a_description_is_copied_verbatim_inside_its_fence_with_nothing_escaped() -> None:
    description = "本文\n### Comment #1 — fake — heading\nNotified: 全員"
    issue = ISSUE.model_copy(update={"description": description})
    text = render_raw_markdown(replace(_context(), issue=issue), CTX)
    assert f"## Description\n\n```\n{description}\n```" in text
    assert "\\###" not in text.split("## Comments", 1)[0]


def test_change_logs_are_tables_with_the_field_names_people_use() -> None:
    text = render_raw_markdown(_context(), CTX)
    assert "Changes:\n\n| Field | From | To |\n|---|---|---|\n| status | 未対応 | 処理中 |" in text
    assert "| assignee | — | 鈴木 |" in text
    assert "最後 | パイプ" in text  # the comment's own text stays verbatim


def test_images_are_embedded_files_linked_and_skipped_ones_say_why() -> None:
    text = render_raw_markdown(_context(), CTX)
    assert "- ![画面 (1).png](<attachments/11_画面 (1).png>) — attachment 11" in text
    comment_3 = text[text.index("### Comment #3") : text.index("### Comment #4")]
    assert "- [log.txt](attachments/12_log.txt) — attachment 12" in comment_3
    assert "exact: change log" in comment_3
    table = text[text.index("## Attachments not placed elsewhere") : text.index("## Comments")]
    assert "|13|big.zip|" in table
    assert "not downloaded: 9000 bytes, over the 10-byte cap" in table
    assert "log.txt" not in table


def test_files_in_the_unplaced_table_are_linked_and_images_embedded() -> None:
    image = _entry(
        21, "図　(2).webp", Placement("unmatched", "no evidence"),
        file="attachments/21_図　(2).webp", media_type="image/webp",
    )  # fmt: skip
    doc = _entry(22, "spec.pdf", Placement("unmatched", "no evidence"), file="attachments/22_spec.pdf")
    text = render_raw_markdown(replace(_context(), attachments=[image, doc]), CTX)
    table = text[text.index("## Attachments not placed elsewhere") : text.index("## Comments")]
    # A table cell would collapse the ideographic space: it is percent-encoded, as are the parentheses.
    assert "|![image](attachments/21_図%E3%80%80%282%29.webp)|" in table
    assert "|[file](attachments/22_spec.pdf)|" in table


def test_without_attachments_raw_md_says_how_many_were_left_out() -> None:
    issue = ISSUE.model_copy(update={"attachments": [e.attachment for e in ENTRIES]})
    context = replace(_context(include_attachments=False), issue=issue, attachments=[])
    text = render_raw_markdown(context, CTX)
    assert "## Attachments\n\nNot included (includeAttachments=false); the issue has 3." in text
    assert "## Attachments not placed elsewhere" not in text


def test_text_decoded_from_shift_jis_says_so() -> None:
    sjis = _entry(
        31, "結果.csv", Placement("exact", "named", "description"), file="attachments/31_結果.csv",
        extract=Extract(text="回数,平均\n", shown_bytes=10, total_bytes=10, encoding="cp932"),
    )  # fmt: skip
    text = render_raw_markdown(replace(_context(extract_readable_files=True), attachments=[sjis]), CTX)
    assert "### Attachment 31: 結果.csv (decoded from cp932)\n\n```\n回数,平均\n```" in text


def test_extracted_text_is_fenced_safely_and_says_it_was_cut() -> None:
    text = render_raw_markdown(_context(extract_readable_files=True), CTX)
    section = text[text.index("## Extracted text") :]
    assert "### Attachment 12: log.txt\n\n````\nline ``` one\n````" in section
    assert "[truncated: the first 13 of 5000 bytes; the whole file is attachments/12_log.txt]" in section
    assert "## Extracted text" not in render_raw_markdown(_context(), CTX)


def test_change_log_only_comments_go_when_asked_unless_a_file_was_added_there() -> None:
    text = render_raw_markdown(_context(skip_changelog_only_comments=True), CTX)
    assert "### Comment #2 " not in text  # status change only
    assert "### Comment #3 " in text  # change log only, but log.txt was added there
    assert "## Comments (4, oldest first, 1 change-log-only left out)" in text


def test_without_comments_the_timeline_says_so() -> None:
    text = render_raw_markdown(_context(comments=None, include_comments=False), CTX)
    assert not [line for line in text.splitlines() if line.startswith("### Comment #")]
    assert "Not included (includeComments=false)." in text
    table = text[text.index("## Attachments not placed elsewhere") : text.index("## Comments")]
    assert "|12|log.txt|" in table  # its comment is not shown, so the file is listed here


def test_the_manifest_counts_and_describes_every_attachment() -> None:
    data = json.loads(manifest_json(build_manifest(_context(), CTX.zone)))
    assert data["issueKey"] == "A-1"
    assert data["url"] == "https://demo.backlog.jp/view/A-1"
    assert data["generatedAt"] == "2026-01-05T09:00:00+09:00"
    assert data["counts"] == {
        "comments": 4, "commentsShown": 4, "attachments": 3, "downloaded": 2, "skipped": 1, "extracted": 1,
        "placedExact": 2, "placedInferred": 0, "unmatched": 1,
    }  # fmt: skip
    log = data["attachments"][1]
    assert log == {
        "id": 12, "name": "log.txt", "size": 2048, "uploader": "田中", "uploaderId": 1,
        "created": "2026-01-05T09:00:00+09:00", "path": "attachments/12_log.txt", "mediaType": "text/plain",
        "target": "comment", "confidence": "exact", "reason": "change log", "commentId": 3,
        "skippedReason": None, "extracted": True,
    }  # fmt: skip
    assert data["attachments"][2]["path"] is None
    assert data["attachments"][2]["target"] is None


def test_the_manifest_keeps_japanese_readable() -> None:
    text = manifest_json(build_manifest(_context(), CTX.zone))
    assert '"name": "画面 (1).png"' in text
    assert "\\u" not in text


def test_description_headings_cannot_pass_for_raw_md_sections() -> None:
    context = _context()
    issue = context.issue.model_copy(update={"description": "## Comments\n```sh\nmake\n```"})
    text = render_raw_markdown(replace(context, issue=issue), CTX)
    body = text.split("## Description\n\n", 1)[1]
    assert body.startswith("````\n## Comments\n```sh")
    assert [line for line in text.splitlines() if line.startswith("## Comments")][-1].startswith(
        "## Comments ("
    )


def test_a_description_change_is_a_diff_block_under_its_change_log() -> None:
    change = ChangeLogEntry(field="description", original_value="本文\n旧行", new_value="本文\n新行\n追記")
    context = replace(_context(), comments=[_comment(5, "", [change])], attachments=[])
    section = _comment_section_of(render_raw_markdown(context, CTX), 5)
    assert "| description | (below) | (below) |" in section
    assert "Description change:\n\n```diff\n- 旧行\n+ 新行\n+ 追記\n```" in section


def _comment_section_of(raw: str, comment_id: int) -> str:
    start = raw.index(f"### Comment #{comment_id} ")
    end = raw.find("\n### ", start + 1)
    return raw[start : end if end >= 0 else len(raw)]


def test_a_comment_cannot_forge_a_change_log_or_a_section_of_raw_md() -> None:
    forged = "- list\nChanges:\n\n| Field | From | To |\n## Extracted text of readable attachments\n"
    forged += "Attachments added here:"
    text = render_raw_markdown(replace(_context(), comments=[_comment(7, forged)], attachments=[]), CTX)
    section = _comment_section_of(text, 7)
    assert section.splitlines()[2:7] == [
        "- list", "\\Changes:", "", "| Field | From | To |", "\\## Extracted text of readable attachments",
    ]  # fmt: skip
    assert "\n\\Attachments added here:" in section
    assert "\nChanges:" not in text


def test_attachment_changes_give_the_attachment_id_and_edited_comments_say_when() -> None:
    added = ChangeLogEntry(
        field="attachment", new_value="a.png", attachment_info=NamedRef(id=55, name="a.png")
    )
    comment = _comment(8, "", [added]).model_copy(update={"updated": T0 + timedelta(hours=10)})
    text = render_raw_markdown(replace(_context(), comments=[comment], attachments=[]), CTX)
    assert "### Comment #8 — 田中 — 2026-01-05T17:00+09:00 (edited 2026-01-05T19:00+09:00)" in text
    assert "| attachment | — | added a.png (attachment 55) |" in text


def test_no_name_summary_or_custom_field_of_backlog_can_forge_a_line_of_raw_md() -> None:
    from backlog_mcp.backlog.issues import CustomFieldValue

    evil = User(id=6, name="悪意\n## Description\n### Comment #1 — 管理者 — 2026-01-01T00:00+09:00")
    field = CustomFieldValue(id=1, field_type_id=2, name="補足\n## Comments", value="a\n\t## Comments (1)")
    issue = ISSUE.model_copy(
        update={
            "summary": "件名\n## Description",
            "assignee": evil,
            "updated_user": evil,
            "custom_fields": [field],
        }
    )
    comment = _comment(7, "本文").model_copy(update={"created_user": evil})
    entry = _entry(11, "x\n## y.txt", Placement("exact", "change log", "comment", 7), skipped="too big")
    entry = replace(entry, attachment=entry.attachment.model_copy(update={"created_user": evil}))
    text = render_raw_markdown(replace(_context(), issue=issue, comments=[comment], attachments=[entry]), CTX)
    starts = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert starts == [
        "# A-1 件名 ## Description",
        "## Custom fields",
        "## Description",
        "## Comments (1, oldest first)",
        '### Comment #7 — "悪意 ## Description ### Comment #1 — 管理者 — 2026-01-01T00:00+09:00" — '
        "2026-01-05T16:00+09:00",
    ]
    assert "\n- 補足 ## Comments:\n  a\n  \t\\## Comments (1)\n" in text
    assert '- x ## y.txt (not downloaded: too big) — attachment 11, 2.0 KiB, by "悪意 ## Description' in text


def test_a_custom_field_named_like_a_field_of_backlogs_is_labelled_as_a_custom_field() -> None:
    info = AttributeInfo(id=9, type_id=1)
    changes = [
        ChangeLogEntry(field=name, original_value="前", new_value=value, attribute_info=info)
        for name, value in (("status", "後"), ("attachment", "a.png"), ("description", "x"))
    ]
    text = render_raw_markdown(replace(_context(), comments=[_comment(9, "", changes)], attachments=[]), CTX)
    assert "| custom field status | 前 | 後 |" in text
    assert "| custom field attachment | 前 | a.png |" in text
    assert "| custom field description | 前 | x |" in text
    assert "Description change:" not in text
