"""The switches of writes: BACKLOG_READ_ONLY, BACKLOG_PROJECTS and BACKLOG_AUDIT_LOG."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BACKLOG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _load(**overrides: object) -> Settings:
    return load_settings(base_url="https://d.backlog.jp", api_key="k", **overrides)


def test_writes_are_off_unless_the_operator_turns_them_on(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load().read_only is True
    monkeypatch.setenv("BACKLOG_READ_ONLY", "false")
    assert _load().read_only is False
    monkeypatch.setenv("BACKLOG_READ_ONLY", "")  # a blank template line keeps the default
    assert _load().read_only is True


def test_a_read_only_value_that_is_not_a_boolean_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_READ_ONLY", "perhaps")
    with pytest.raises(ConfigError, match=r"BACKLOG_READ_ONLY .* Example: BACKLOG_READ_ONLY=false"):
        _load()


def test_the_allow_list_is_read_as_upper_case_project_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load().project_keys == frozenset()
    monkeypatch.setenv("BACKLOG_PROJECTS", " demo, WEB_2 ,demo、ops ")
    assert _load().project_keys == frozenset({"DEMO", "WEB_2", "OPS"})


def test_an_allow_list_entry_not_a_project_key_stops_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKLOG_PROJECTS", "DEMO,DEMO-1")
    with pytest.raises(ConfigError, match=r"BACKLOG_PROJECTS must be project keys.*'DEMO-1'"):
        _load()


def test_the_audit_log_is_a_file_in_a_folder_that_exists(tmp_path: Path) -> None:
    assert _load().audit_log is None
    assert _load(audit_log=str(tmp_path / "audit.jsonl")).audit_log == tmp_path / "audit.jsonl"
    with pytest.raises(ConfigError, match="BACKLOG_AUDIT_LOG names the folder"):
        _load(audit_log=str(tmp_path))
    with pytest.raises(ConfigError, match=r"BACKLOG_AUDIT_LOG is in .*, which does not exist"):
        _load(audit_log=str(tmp_path / "missing" / "audit.jsonl"))
