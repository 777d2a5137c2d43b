"""Safe file names from hostile attachment names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backlog_mcp.backlog.download import filename_from_content_disposition
from backlog_mcp.files.names import MAX_NAME_BYTES, attachment_file_name, safe_name

WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("C:\\temp\\report:v2.txt", "C__temp_report_v2.txt"),
        ("CON.txt", "CON_.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        (".hidden", "hidden"),
        ("a\x00b\x1fc.txt", "abc.txt"),
        ("invoice\u202etxt.exe", "invoicetxt.exe"),  # a right-to-left override would show "exe.txt"
        ("設計書.txt", "設計書.txt"),
        ("Nguyễn báo cáo.docx", "Nguyễn báo cáo.docx"),
    ],
)
def test_hostile_names_become_safe_and_readable(hostile: str, expected: str) -> None:
    assert safe_name(hostile) == expected


def test_long_japanese_name_is_cut_in_utf8_bytes_keeping_the_extension() -> None:
    name = attachment_file_name(1076000028, "日本語のファイル名" * 40 + ".txt")
    assert name.endswith(".txt")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    name.encode("utf-8").decode("utf-8")  # no split character


@pytest.mark.parametrize("blank_stem", ["   ", "_", ".", " . ", "\u3000"])
def test_a_name_whose_stem_is_only_blanks_keeps_its_extension(blank_stem: str) -> None:
    assert safe_name(f"{blank_stem}.txt") == "attachment.txt"
    assert attachment_file_name(5, f"{blank_stem}.csv") == "5_attachment.csv"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\t.txt", "attachment.txt"),
        ("\u200b.txt", "attachment.txt"),
        ("   .txt ", "attachment.txt"),
        (" .TXT ", "attachment.TXT"),
        ("\u3000.txt\u3000", "attachment.txt"),
        ("\u202e\u200d.csv", "attachment.csv"),
        ("report.txt\t", "report.txt"),
    ],
)
def test_invisible_characters_and_spaces_around_a_name_never_cost_its_extension(
    name: str, expected: str
) -> None:
    assert safe_name(name) == expected


def test_decomposed_vietnamese_is_normalised() -> None:
    import unicodedata

    assert safe_name(unicodedata.normalize("NFD", "Tiếng Việt.txt")) == "Tiếng Việt.txt"


@given(st.text(min_size=0, max_size=400))
def test_any_name_is_one_safe_component(name: str) -> None:
    result = attachment_file_name(7, name)
    assert result.startswith("7_")
    assert "/" not in result
    assert "\\" not in result
    assert result not in {".", ".."}
    assert all(ord(ch) >= 32 for ch in result)
    assert len(result.encode("utf-8")) <= MAX_NAME_BYTES
    assert result[2:].split(".")[0].upper() not in WINDOWS_RESERVED


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("attachment; filename*=UTF-8''%E8%A8%AD%E8%A8%88%E6%9B%B8.pdf", "設計書.pdf"),
        ("attachment; filename=\"plain.doc\"; filename*=UTF-8''b%C3%A1o%20c%C3%A1o.xlsx", "báo cáo.xlsx"),
        ('attachment;filename="attachment.doc"', "attachment.doc"),
        ("attachment; filename=bare.txt", "bare.txt"),
        ('attachment; filename="with \\"quotes\\".txt"', 'with "quotes".txt'),
        ("inline", None),
        (None, None),
    ],
)
def test_content_disposition_prefers_the_rfc5987_name(header: str | None, expected: str | None) -> None:
    assert filename_from_content_disposition(header) == expected
