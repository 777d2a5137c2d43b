"""Attachment listing and streamed binary downloads with RFC 5987 file names."""

from __future__ import annotations

import hashlib
import re
import struct
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest

from backlog_mcp.sandbox import (
    CHILD_ISSUES,
    LARGE_ATTACHMENT_NAME,
    LARGE_ATTACHMENT_SIZE,
    LONG_ATTACHMENT_NAME,
    PARENT_ISSUE,
    SandboxServer,
)
from backlog_mcp.sandbox.pinned import JOURNAL_ATTACHMENT_NAME

ATTACHMENTS = f"/issues/{PARENT_ISSUE}/attachments"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ODD_NAMES = ["設計書.txt", "../../etc/passwd", "C:\\temp\\report:v2.txt", "CON.txt", LONG_ATTACHMENT_NAME]


@pytest.fixture
def attachments(api: httpx2.Client) -> list[dict[str, Any]]:
    return list(api.get(ATTACHMENTS).json())


def by_name(attachments: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(attachment for attachment in attachments if attachment["name"] == name)


def filename_star(response: httpx2.Response) -> str:
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", response.headers["content-disposition"])
    assert match is not None, response.headers["content-disposition"]
    return unquote(match.group(1), encoding="utf-8", errors="strict")


def test_list_has_creator_and_time(attachments: list[dict[str, Any]]) -> None:
    assert len(attachments) >= 12
    assert all(set(a) == {"id", "name", "size", "createdUser", "created"} for a in attachments)
    assert all(a["created"].endswith("Z") and a["createdUser"]["id"] for a in attachments)


def test_issue_embeds_the_same_attachments(api: httpx2.Client, attachments: list[dict[str, Any]]) -> None:
    assert api.get(f"/issues/{PARENT_ISSUE}").json()["attachments"] == attachments


@pytest.mark.parametrize("name", ODD_NAMES)
def test_file_name_round_trips_through_content_disposition(
    api: httpx2.Client, attachments: list[dict[str, Any]], name: str
) -> None:
    attachment = by_name(attachments, name)
    response = api.get(f"{ATTACHMENTS}/{attachment['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert filename_star(response) == name
    assert int(response.headers["content-length"]) == attachment["size"] == len(response.content)
    assert response.headers["content-disposition"].isascii()


def test_long_name_is_300_bytes(attachments: list[dict[str, Any]]) -> None:
    assert len(LONG_ATTACHMENT_NAME.encode()) == 300
    assert by_name(attachments, LONG_ATTACHMENT_NAME)


def test_japanese_name_is_percent_encoded_utf8(api: httpx2.Client, attachments: list[dict[str, Any]]) -> None:
    response = api.get(f"{ATTACHMENTS}/{by_name(attachments, '設計書.txt')['id']}")
    assert "filename*=UTF-8''%E8%A8%AD%E8%A8%88%E6%9B%B8.txt" in response.headers["content-disposition"]
    assert response.content.decode("utf-8").startswith("設計書")


def test_png_is_a_real_png(api: httpx2.Client, attachments: list[dict[str, Any]]) -> None:
    body = api.get(f"{ATTACHMENTS}/{by_name(attachments, 'screenshot.png')['id']}").content
    assert body.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", body[16:24])
    assert (width, height) == (64, 64)
    assert body.endswith(b"IEND\xaeB`\x82")


def test_the_photo_is_a_real_jpeg_with_a_frame_and_a_scan(
    api: httpx2.Client, attachments: list[dict[str, Any]]
) -> None:
    body = api.get(f"{ATTACHMENTS}/{by_name(attachments, 'photo.jpg')['id']}").content
    assert body.startswith(b"\xff\xd8\xff")
    frame = body.index(b"\xff\xc0")
    assert struct.unpack(">HH", body[frame + 5 : frame + 9]) == (12, 16)  # height, width
    assert frame < body.index(b"\xff\xda") < len(body) - 2
    assert body.endswith(b"\xff\xd9")


def test_the_file_formats_issue_holds_hard_to_read_files(api: httpx2.Client) -> None:
    listed = {a["name"]: a for a in api.get(f"/issues/{CHILD_ISSUES[1]}/attachments").json()}

    def body(name: str) -> bytes:
        return api.get(f"/issues/{CHILD_ISSUES[1]}/attachments/{listed[name]['id']}").content

    assert body("議事録-euc-jp.txt").decode("euc_jp").startswith("議事録 (11月3日)")
    memo = body("ghi-chú-utf16le.txt")
    assert memo.decode("utf-16-le").startswith("Ghi chú họp 会議メモ")
    assert not memo.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert "Crème brûlée — 4,50 €" in body("menu-cp1252.txt").decode("cp1252")
    assert body("danh-sách-nul.csv").count(b"\x00") == 1
    assert body("broken.jpg").startswith(b"\xff\xd8\xff")
    assert b"\xff\xc0" not in body("broken.jpg")
    assert body("broken.png").startswith(PNG_SIGNATURE)
    assert b"IHDR" not in body("broken.png")
    journal = body(JOURNAL_ATTACHMENT_NAME)
    assert len(journal) == listed[JOURNAL_ATTACHMENT_NAME]["size"] > 96 * 1024
    assert "在庫の引当" in journal.decode("utf-8")
    assert "Thanh toán" in journal.decode("utf-8")


def test_the_file_formats_issue_holds_long_legacy_journals_and_images_that_do_not_decode(
    api: httpx2.Client,
) -> None:
    listed = {a["name"]: a for a in api.get(f"/issues/{CHILD_ISSUES[1]}/attachments").json()}
    assert list(listed)[:8][-1] == "firmware.bin"  # added after the older samples: their IDs stay

    def body(name: str) -> bytes:
        return api.get(f"/issues/{CHILD_ISSUES[1]}/attachments/{listed[name]['id']}").content

    for name, codec in (("app-journal-sjis.log", "cp932"), ("app-journal-euc-jp.log", "euc_jp")):
        journal = body(name)
        assert 64 * 1024 < len(journal) < 100 * 1024  # three windows of 32 KiB
        assert "在庫の引当に失敗しました" in journal.decode(codec)
    assert b"\r\n" in body("app-journal-sjis.log")
    assert body("app-journal-utf16.log").startswith(b"\xff\xfe")
    memo = body("会議メモ-utf16le.txt")
    assert memo.decode("utf-16-le").startswith("会議メモ")
    assert memo.count(0) * 10 < len(memo) // 2  # too few NULs to tell UTF-16 by
    assert body("broken-idat.png").startswith(PNG_SIGNATURE)
    assert body("scan.jpg").startswith(b"BM")
    assert body("\t.txt").decode("utf-8").startswith("名前が見えない")
    assert body("ghi-chú-bom.txt").startswith(b"\xff\xfe")


def test_downloading_from_a_missing_issue_says_no_issue_not_no_attachment(api: httpx2.Client) -> None:
    for path, message in (
        ("/issues/DEMO-99999/attachments/1", "No issue."),
        (f"{ATTACHMENTS}/1", "No attachment."),
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"errors": [{"message": message, "code": 6, "moreInfo": ""}]}


def test_same_name_attachments_differ(api: httpx2.Client, attachments: list[dict[str, Any]]) -> None:
    twins = [a for a in attachments if a["name"] == "same-name.txt"]
    assert len(twins) == 2
    bodies = {api.get(f"{ATTACHMENTS}/{a['id']}").content for a in twins}
    assert len(bodies) == 2


def test_large_file_streams_with_content_length(
    api: httpx2.Client, attachments: list[dict[str, Any]]
) -> None:
    large = by_name(attachments, LARGE_ATTACHMENT_NAME)
    assert large["size"] == LARGE_ATTACHMENT_SIZE == 6 * 1024 * 1024
    received = 0
    chunks = 0
    with api.stream("GET", f"{ATTACHMENTS}/{large['id']}") as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == LARGE_ATTACHMENT_SIZE
        first = b""
        for chunk in response.iter_raw():
            first = first or chunk
            received += len(chunk)
            chunks += 1
    assert received == LARGE_ATTACHMENT_SIZE
    assert chunks > 1
    assert first.startswith(b"2025-11-")


def test_downloads_are_deterministic(api: httpx2.Client, attachments: list[dict[str, Any]]) -> None:
    url = f"{ATTACHMENTS}/{by_name(attachments, LARGE_ATTACHMENT_NAME)['id']}"
    digests = {hashlib.sha256(api.get(url).content).hexdigest() for _ in range(2)}
    assert len(digests) == 1


def test_synthetic_attachment_can_be_added(sandbox: SandboxServer, api: httpx2.Client) -> None:
    size = 1024 * 1024 + 17
    attachment_id = sandbox.space.add_synthetic_attachment(CHILD_ISSUES[0], "bench-1MiB.log", size)
    listed = api.get(f"/issues/{CHILD_ISSUES[0]}/attachments").json()
    assert {"id": attachment_id, "name": "bench-1MiB.log", "size": size} == {
        k: v for k, v in listed[-1].items() if k in ("id", "name", "size")
    }
    response = api.get(f"/issues/{CHILD_ISSUES[0]}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert len(response.content) == size
    assert api.get(f"{ATTACHMENTS}/{attachment_id}").status_code == 404


def test_unknown_issue_for_synthetic_attachment(sandbox: SandboxServer) -> None:
    with pytest.raises(KeyError):
        sandbox.space.add_synthetic_attachment("NOPE-1", "x.log", 10)
