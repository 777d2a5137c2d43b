"""backlog_download_attachment and backlog_get_attachment_content against the sandbox."""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import CallToolResult, ImageContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.bodies import FORGING_NAME
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error, text_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def ws_settings(sandbox: SandboxServer, workspace: Path) -> Settings:
    return load_settings(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        workspace=workspace,
        max_attachment_bytes=1024 * 1024,
    )


@pytest.fixture
async def ws_client(ws_settings: Settings) -> AsyncIterator[Client]:
    async with Client(build_server(ws_settings)) as connected:
        yield connected


async def _ids(client: Client, issue: str = "DEMO-1") -> dict[str, list[int]]:
    text = await call(client, "backlog_get_attachments", {"issueIdOrKey": issue})
    ids: dict[str, list[int]] = {}
    for attachment_id, name in re.findall(r"^\|(\d+)\|([^|]+)\|", text, re.MULTILINE):
        ids.setdefault(name, []).append(int(attachment_id))
    return ids


async def test_download_lands_in_the_workspace_with_path_size_and_type(
    ws_client: Client, workspace: Path
) -> None:
    png = (await _ids(ws_client))["screenshot.png"][0]
    text = await call(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": png}
    )
    saved = workspace.resolve() / "attachments" / "DEMO-1" / f"{png}_screenshot.png"
    assert str(saved) in text
    assert "Type: image/png" in text
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"({saved.stat().st_size} bytes)" in text


async def test_hostile_and_duplicate_names_stay_inside_and_never_collide(
    ws_client: Client, workspace: Path
) -> None:
    ids = await _ids(ws_client)
    wanted = [*ids["../../etc/passwd"], *ids["CON.txt"], *ids["same-name.txt"], *ids["設計書.txt"]]
    for attachment_id in wanted:
        await call(
            ws_client,
            "backlog_download_attachment",
            {"issueIdOrKey": "DEMO-1", "attachmentId": attachment_id},
        )
    folder = workspace.resolve() / "attachments" / "DEMO-1"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(wanted) == 5
    assert all(p.resolve().parent == folder for p in folder.iterdir())
    assert any(n.endswith("_設計書.txt") for n in names)
    assert sum(n.endswith("_same-name.txt") for n in names) == 2
    assert any(n.endswith("_CON_.txt") for n in names)


async def test_output_dir_outside_the_workspace_is_refused(ws_client: Client, tmp_path: Path) -> None:
    png = (await _ids(ws_client))["screenshot.png"][0]
    for escape in ("../escape", str(tmp_path / "elsewhere"), "/etc"):
        text = await call_error(
            ws_client,
            "backlog_download_attachment",
            {"issueIdOrKey": "DEMO-1", "attachmentId": png, "outputDir": escape},
        )
        assert "outside the workspace" in text
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "elsewhere").exists()


async def test_over_the_cap_writes_nothing(ws_client: Client, workspace: Path) -> None:
    big = (await _ids(ws_client))["server-log-large.log"][0]
    text = await call_error(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": big}
    )
    assert "over the 1048576-byte cap" in text
    folder = workspace / "attachments" / "DEMO-1"
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_a_broken_download_leaves_nothing(
    ws_client: Client, workspace: Path, sandbox: SandboxServer
) -> None:
    notes = (await _ids(ws_client))["notes.txt"][0]
    sandbox.faults.truncate_attachment_ids.add(notes)
    text = await call_error(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": notes}
    )
    assert "broke off" in text or "Could not reach" in text
    folder = workspace / "attachments" / "DEMO-1"
    assert not folder.exists()  # nor the folders made for it


async def test_unknown_attachment_is_named(client: Client) -> None:
    text = await call_error(
        client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": 1}
    )
    assert "Attachment 1 of issue DEMO-1 not found" in text


async def test_a_missing_issue_is_named_as_the_issue_not_as_its_attachment(client: Client) -> None:
    for tool in ("backlog_download_attachment", "backlog_get_attachment_content"):
        text = await call_error(client, tool, {"issueIdOrKey": "DEMO-99999", "attachmentId": 5})
        assert "Issue DEMO-99999 not found." in text
        assert "Attachment" not in text


async def _content(client: Client, issue: str, name: str, **extra: int) -> CallToolResult:
    attachment_id = (await _ids(client, issue))[name][0]
    arguments = {"issueIdOrKey": issue, "attachmentId": attachment_id, **extra}
    return await client.call_tool("backlog_get_attachment_content", arguments)


async def test_image_comes_back_as_image_content_with_its_size(client: Client) -> None:
    result = await _content(client, "DEMO-1", "screenshot.png")
    assert not result.is_error
    images = [b for b in result.content if isinstance(b, ImageContent)]
    assert len(images) == 1
    assert images[0].mime_type == "image/png"
    assert base64.b64decode(images[0].data).startswith(b"\x89PNG")
    assert "screenshot.png (7.7 KiB), image/png 64×64" in text_of(result)


async def test_a_real_jpeg_goes_to_the_model_as_an_image(client: Client) -> None:
    result = await _content(client, "DEMO-1", "photo.jpg")
    images = [b for b in result.content if isinstance(b, ImageContent)]
    assert [image.mime_type for image in images] == ["image/jpeg"]
    assert len(base64.b64decode(images[0].data)) == 319
    assert "photo.jpg (319 B), image/jpeg 16×12" in text_of(result)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("broken.jpg", "it starts like image/jpeg, but it has no frame header (SOFn) before its image data"),
        ("broken.png", "it starts like image/png, but it has no IHDR header after the PNG signature"),
        (
            "broken-idat.png",
            "it starts like image/png, but its image data (IDAT) is not a valid compressed stream",
        ),
    ],
)
async def test_bytes_that_only_start_like_an_image_are_described_not_sent_as_one(
    client: Client, name: str, problem: str
) -> None:
    result = await _content(client, "DEMO-3", name)
    assert not result.is_error
    assert not [b for b in result.content if isinstance(b, ImageContent)]
    text = text_of(result)
    assert f"{name} (" in text
    assert f"is not a usable image: {problem}. Save it with backlog_download_attachment" in text


async def test_a_saved_file_that_only_starts_like_an_image_is_not_called_a_usable_one(
    ws_client: Client,
) -> None:
    broken = (await _ids(ws_client, "DEMO-3"))["broken.jpg"][0]
    arguments = {"issueIdOrKey": "DEMO-3", "attachmentId": broken}
    text = await call(ws_client, "backlog_download_attachment", arguments)
    assert "Type: image/jpeg, though not a usable image: it has no frame header (SOFn)" in text


async def test_text_comes_back_as_text_with_japanese_intact(client: Client) -> None:
    result = await _content(client, "DEMO-1", "data.csv")
    text = text_of(result)
    assert "ファイル名" in text
    assert "truncated" not in text


@pytest.mark.parametrize(
    ("name", "label", "lines"),
    [
        ("議事録-euc-jp.txt", "text (euc-jp)", ["議事録 (11月3日)", "参加者: 田中、鈴木、グエン"]),
        (
            "ghi-chú-utf16le.txt",
            "text (utf-16-le)",
            ["Ghi chú họp 会議メモ", "Người tham dự: Tanaka, Nguyễn Văn An"],
        ),
        (
            "menu-cp1252.txt",
            "text (cp1252)",
            ["Menü du café «Chez Zoë»", "Grüße aus Köln: Müller’s Bäckerei"],
        ),
        ("danh-sách-nul.csv", "text", ["id,họ tên,ghi chú", "2,Trần Văn Bình,\ufffd", "3,佐藤 花子,担当者"]),
    ],
)
async def test_text_in_legacy_encodings_utf16_or_with_a_stray_nul_reads_as_text(
    client: Client, name: str, label: str, lines: list[str]
) -> None:
    text = text_of(await _content(client, "DEMO-3", name))
    assert f"{name} (" in text
    assert f"), {label}:\n```\n{lines[0]}\n" in text
    assert all(f"\n{line}" in text for line in lines[1:])


async def test_a_file_that_truly_is_not_text_says_why(client: Client) -> None:
    text = text_of(await _content(client, "DEMO-3", "firmware.bin"))
    assert (
        "firmware.bin (1.0 KiB) is application/octet-stream, which cannot be shown as text or image" in text
    )
    assert "(binary: 11% control bytes)" in text


async def test_a_shift_jis_csv_comes_back_as_readable_text(client: Client) -> None:
    text = text_of(await _content(client, "DEMO-4", "測定結果.csv"))
    assert ", text (cp932):\n```\n回数,平均(ms),p95(ms)\n1,420,910\n" in text


_RANGE = re.compile(r", bytes (\d+)–(\d+) of (\d+):\n(`{3,})\n(.*)\n\4\n\[truncated: ", re.DOTALL)


async def _window(client: Client, issue: str, name: str, offset: int) -> tuple[int, int, int, str, str]:
    """The window's first and last byte, the file size, the text shown, and the whole reply."""
    text = text_of(await _content(client, issue, name, offset=offset))
    match = _RANGE.search(text)
    assert match, text
    return int(match[1]), int(match[2]), int(match[3]), match[5], text


async def test_large_text_is_capped_with_the_range_and_the_calls_for_more(client: Client) -> None:
    big = (await _ids(client))["server-log-large.log"][0]
    first, last, total, shown, text = await _window(client, "DEMO-1", "server-log-large.log", 0)
    assert (first, last, total) == (0, 32767, 6291456)
    call_args = f'{{"issueIdOrKey":"DEMO-1","attachmentId":{big},"offset":'
    assert f"Next: backlog_get_attachment_content {call_args}32768}}." in text
    assert f"The end: backlog_get_attachment_content {call_args}-32768}}." in text
    assert "Previous:" not in text
    assert len(text.encode("utf-8")) < 34 * 1024
    assert shown.startswith("2025-11-01T00:00:00Z")


async def test_a_negative_offset_reads_the_end_of_a_log_with_the_call_for_the_part_before(
    client: Client,
) -> None:
    big = (await _ids(client))["server-log-large.log"][0]
    first, last, total, shown, text = await _window(client, "DEMO-1", "server-log-large.log", -32768)
    assert (first, last, total) == (6291456 - 32768, 6291455, 6291456)
    previous = f'{{"issueIdOrKey":"DEMO-1","attachmentId":{big},"offset":{6291456 - 65536}}}'
    assert f"Previous: backlog_get_attachment_content {previous}." in text
    assert "Next:" not in text
    assert len(shown) == 32768  # ASCII, cut mid-line by the file's end


async def test_windows_that_start_inside_a_character_show_whole_characters_of_the_file(
    ws_client: Client, workspace: Path
) -> None:
    journal = (await _ids(ws_client, "DEMO-3"))["app-journal.log"][0]
    await call(ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-3", "attachmentId": journal})
    data = (workspace / "attachments" / "DEMO-3" / f"{journal}_app-journal.log").read_bytes()
    offsets = [1, 32769, 50001, -3, -32767]
    assert any(0x80 <= data[offset] < 0xC0 for offset in offsets)  # some start mid-character
    for offset in offsets:
        first, last, total, shown, _ = await _window(ws_client, "DEMO-3", "app-journal.log", offset)
        start = offset if offset >= 0 else len(data) + offset
        assert total == len(data)
        assert 0 <= first - start <= 3
        assert shown == data[first : last + 1].decode("utf-8")


async def test_following_next_reads_the_file_in_order_to_its_end(ws_client: Client) -> None:
    offset, pieces, total = 0, [], 0
    for _ in range(5):
        first, last, total, _, text = await _window(ws_client, "DEMO-3", "app-journal.log", offset)
        assert first == offset
        pieces.append((first, last))
        next_call = re.search(r"Next: backlog_get_attachment_content (\{.*?\})\.", text)
        if next_call is None:
            break
        offset = json.loads(next_call[1])["offset"]
    assert pieces[-1][1] == total - 1
    assert all(after[0] == before[1] + 1 for before, after in pairwise(pieces))


async def test_an_offset_past_the_end_or_on_an_image_is_a_clear_error(client: Client) -> None:
    journal = (await _ids(client, "DEMO-3"))["app-journal.log"][0]
    text = await call_error(
        client,
        "backlog_get_attachment_content",
        {"issueIdOrKey": "DEMO-3", "attachmentId": journal, "offset": 10**6},
    )
    assert "offset 1000000 is past the end of app-journal.log (100200 bytes): give 0 to 100199" in text
    png = (await _ids(client))["screenshot.png"][0]
    text = await call_error(
        client,
        "backlog_get_attachment_content",
        {"issueIdOrKey": "DEMO-1", "attachmentId": png, "offset": 10},
    )
    assert "screenshot.png is an image (image/png): call without offset to see it." in text


async def test_the_truncation_note_points_to_a_download_only_when_the_cap_allows_it(
    ws_client: Client,
) -> None:
    *_, small = await _window(ws_client, "DEMO-3", "app-journal.log", 0)
    assert "backlog_download_attachment saves the whole file.]" in small
    *_, large = await _window(ws_client, "DEMO-1", "server-log-large.log", 0)
    assert "saves the whole file" not in large
    assert (
        "The whole file is over the 1.0 MiB download cap (BACKLOG_MAX_ATTACHMENT_BYTES), so "
        "backlog_download_attachment would refuse it: read it in parts with offset" in large
    )


async def test_an_output_dir_that_is_a_file_or_too_long_is_a_clear_error(
    ws_client: Client, workspace: Path
) -> None:
    workspace.mkdir()
    (workspace / "notes.txt").write_text("x")
    args = {"issueIdOrKey": "DEMO-1", "attachmentId": (await _ids(ws_client))["notes.txt"][0]}
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "notes.txt"})
    assert "outputDir 'notes.txt' is a file, not a folder" in text
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "x" * 300})
    assert "cannot be used: File name too long." in text
    # A folder that cannot be created: the disk's reason, not a traceback.
    text = await call_error(ws_client, "backlog_download_attachment", {**args, "outputDir": "notes.txt/sub"})
    assert "Could not write in the workspace: Not a directory" in text
    assert "Nothing was saved." in text
    assert sorted(p.name for p in workspace.iterdir()) == ["notes.txt"]


async def test_attachment_id_zero_says_greater_than_zero(client: Client) -> None:
    text = await call_error(
        client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-1", "attachmentId": 0}
    )
    assert "attachmentId must be an ID from backlog_get_attachments, a whole number above 0 (got 0)" in text


async def _saved(client: Client, workspace: Path, issue: str, name: str) -> bytes:
    attachment_id = (await _ids(client, issue))[name][0]
    text = await call(
        client, "backlog_download_attachment", {"issueIdOrKey": issue, "attachmentId": attachment_id}
    )
    return Path(re.search(r" to (.+)\n", text)[1]).read_bytes()  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "codec", "label"),
    [
        ("app-journal.log", "utf-8", ""),
        ("app-journal-utf16.log", "utf-16-le", " (utf-16-le)"),  # with a byte-order mark
        ("app-journal-sjis.log", "cp932", " (cp932)"),
        ("app-journal-euc-jp.log", "euc_jp", " (euc-jp)"),
    ],
)
async def test_following_next_from_the_start_reads_the_whole_text_losing_nothing_at_the_joins(
    ws_client: Client, workspace: Path, name: str, codec: str, label: str
) -> None:
    data = await _saved(ws_client, workspace, "DEMO-3", name)
    offset, pieces = 0, []
    while True:
        first, last, total, shown, text = await _window(ws_client, "DEMO-3", name, offset)
        assert (first, total) == (offset, len(data))  # a byte-order mark counts as shown
        assert f", text{label}, bytes {first}–{last} of {total}:" in text
        # Strict: a window that began or ended inside a character would not decode.
        piece = data[first : last + 1].decode(codec).removeprefix("\ufeff").replace("\r\n", "\n")
        assert shown == piece  # a line break it ends on is kept: the next part starts a new line
        pieces.append(piece)
        next_call = re.search(r"Next: backlog_get_attachment_content (\{.*?\})\.", text)
        if next_call is None:
            break
        offset = json.loads(next_call[1])["offset"]
        assert offset == last + 1
    assert last == total - 1
    assert len(pieces) >= 3
    assert "".join(pieces) == data.decode(codec).removeprefix("\ufeff").replace("\r\n", "\n")


async def test_a_whole_utf16_file_with_a_byte_order_mark_is_shown_whole_not_as_cut_off(
    client: Client,
) -> None:
    text = text_of(await _content(client, "DEMO-3", "ghi-chú-bom.txt"))
    assert "ghi-chú-bom.txt (48 B), text (utf-16-le):\n```\nGhi chú: họp lúc 9 giờ\n```" in text
    assert "truncated" not in text
    assert "Previous" not in text


async def test_japanese_utf16_without_a_byte_order_mark_reads_as_text_not_binary(client: Client) -> None:
    text = text_of(await _content(client, "DEMO-3", "会議メモ-utf16le.txt"))
    assert (
        "会議メモ-utf16le.txt (108 B), text (utf-16-le):\n```\n"
        "会議メモ（十一月三日）\n参加者：田中、鈴木、グエン\n" in text
    )


async def test_a_bitmap_named_jpg_is_called_a_bitmap_not_what_its_name_says(ws_client: Client) -> None:
    text = text_of(await _content(ws_client, "DEMO-3", "scan.jpg"))
    assert (
        "scan.jpg (70 B) is image/bmp, an image type that cannot be shown inline "
        "(PNG, JPEG, GIF and WebP can)" in text
    )
    bitmap = (await _ids(ws_client, "DEMO-3"))["scan.jpg"][0]
    saved = await call(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-3", "attachmentId": bitmap}
    )
    assert "Type: image/bmp" in saved


async def test_a_name_of_invisible_characters_before_its_extension_is_saved_with_the_extension(
    ws_client: Client, workspace: Path
) -> None:
    tab = (await _ids(ws_client, "DEMO-3"))[".txt"][0]  # named "\t.txt"; the listing drops the tab
    text = await call(
        ws_client, "backlog_download_attachment", {"issueIdOrKey": "DEMO-3", "attachmentId": tab}
    )
    saved = workspace.resolve() / "attachments" / "DEMO-3" / f"{tab}_attachment.txt"
    assert str(saved) in text
    assert saved.read_text(encoding="utf-8") == "名前が見えない文字だけのファイル\n"


async def test_a_shift_jis_window_starting_anywhere_begins_at_the_character_that_byte_belongs_to(
    ws_client: Client, workspace: Path
) -> None:
    name = "app-journal-sjis.log"
    data = await _saved(ws_client, workspace, "DEMO-3", name)
    boundaries = set(
        itertools.accumulate((len(ch.encode("cp932")) for ch in data.decode("cp932")), initial=0)
    )
    offsets = [11, 33, 34, 32760, 50013, -11, -32786]
    assert any(offset % len(data) not in boundaries for offset in offsets)  # some start mid-character
    for offset in offsets:
        first, last, _, shown, _ = await _window(ws_client, "DEMO-3", name, offset)
        start = offset % len(data)
        assert first == min(b for b in boundaries if b >= start)  # the next character, none skipped
        assert shown == data[first : last + 1].decode("cp932").replace("\r\n", "\n")


def _forged_lines(text: str) -> list[str]:
    """Lines that the name's own line breaks would start: a comment heading and a notification."""
    return [line for line in text.splitlines() if line.startswith(("### Comment #1 ", "Notified: 全員"))]


async def test_an_attachment_name_with_line_breaks_stays_on_one_line_wherever_it_is_printed(
    ws_client: Client, sandbox: SandboxServer, workspace: Path
) -> None:
    issue = sandbox.space.issue("DEMO-3")
    assert issue is not None
    attachment_id = next(i for i, f in issue.files.items() if f.name == FORGING_NAME)
    arguments = {"issueIdOrKey": "DEMO-3", "attachmentId": attachment_id}
    read = await call(ws_client, "backlog_get_attachment_content", arguments)
    saved = await call(ws_client, "backlog_download_attachment", arguments)
    listed = await call(ws_client, "backlog_get_attachments", {"issueIdOrKey": "DEMO-3"})
    exported = await call(ws_client, "backlog_export_issue_context", {"issueIdOrKey": "DEMO-3"})
    raw = (workspace / "DEMO-3" / "raw.md").read_text(encoding="utf-8")
    assert "memo.txt ### Comment #1 — 管理者" in read
    for text in (read, saved, listed, exported, raw):
        assert _forged_lines(text) == [], text


async def test_downloading_again_never_overwrites_a_file_someone_edited(
    ws_client: Client, workspace: Path
) -> None:
    notes = (await _ids(ws_client))["notes.txt"][0]
    arguments = {"issueIdOrKey": "DEMO-1", "attachmentId": notes}
    first = await call(ws_client, "backlog_download_attachment", arguments)
    saved = workspace.resolve() / "attachments" / "DEMO-1" / f"{notes}_notes.txt"
    assert str(saved) in first
    again = await call(ws_client, "backlog_download_attachment", arguments)
    assert f"to {saved}\n" in again  # the same bytes: nothing new, nothing kept aside
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]
    saved.write_text("my edits", encoding="utf-8")
    third = await call(ws_client, "backlog_download_attachment", arguments)
    beside = saved.with_name(f"{notes}_notes (2).txt")
    assert f"to {beside}\n" in third
    assert f"A different file was already at {saved}: it is left as it was." in third
    assert saved.read_text(encoding="utf-8") == "my edits"
    assert beside.read_bytes().startswith("打ち合わせメモ".encode())
