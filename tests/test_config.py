"""Configuration: normalisation, the one-line errors, and `.env` handling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backlog_mcp.config import load_settings
from backlog_mcp.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BACKLOG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


@pytest.mark.parametrize(
    "given",
    [
        "https://demo.backlog.com",
        "https://demo.backlog.com/",
        "https://demo.backlog.com/api/v2",
        "https://demo.backlog.com/api/v2/",
        " https://demo.backlog.com/API/V2 ",
    ],
)
def test_base_url_tolerates_trailing_slash_and_pasted_api_path(given: str) -> None:
    assert load_settings(base_url=given, api_key="k").base_url == "https://demo.backlog.com"


def test_missing_base_url_names_the_variable_with_an_example() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(api_key="k")
    message = str(caught.value)
    assert "BACKLOG_BASE_URL is not set" in message
    assert "https://your-space.backlog.com" in message
    assert "\n" not in message


def test_missing_credentials_name_both_variables() -> None:
    with pytest.raises(ConfigError, match=r"BACKLOG_API_KEY.*BACKLOG_ACCESS_TOKEN"):
        load_settings(base_url="https://demo.backlog.jp")


def test_bad_timezone_is_refused() -> None:
    with pytest.raises(ConfigError, match="BACKLOG_TIMEZONE unknown IANA time zone 'Mars/Base'"):
        load_settings(base_url="https://demo.backlog.jp", api_key="k", timezone="Mars/Base")


def test_bad_number_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ConfigError, match="BACKLOG_TIMEOUT_SECONDS"):
        load_settings(base_url="https://demo.backlog.jp", api_key="k")


def test_env_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "BACKLOG_BASE_URL=https://from-file.backlog.com\nBACKLOG_API_KEY=file-key\n", encoding="utf-8"
    )
    monkeypatch.setenv("BACKLOG_BASE_URL", "https://from-env.backlog.com")
    settings = load_settings()
    assert settings.base_url == "https://from-env.backlog.com"
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "file-key"


def test_key_is_not_in_the_settings_repr() -> None:
    settings = load_settings(base_url="https://demo.backlog.jp", api_key="super-secret")
    assert "super-secret" not in repr(settings)


def test_cli_with_no_configuration_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    done = subprocess.run(
        [sys.executable, "-m", "backlog_mcp", "check"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "BACKLOG_BASE_URL is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_toolsets_default_to_all_and_keep_a_stable_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(base_url="https://d.backlog.jp", api_key="k").enabled_toolsets == (
        "issues", "projects", "attachments", "export",
    )  # fmt: skip
    monkeypatch.setenv("BACKLOG_TOOLSETS", "Export, issues")
    assert load_settings(base_url="https://d.backlog.jp", api_key="k").enabled_toolsets == (
        "issues",
        "export",
    )


def test_unknown_toolset_is_a_one_line_error_naming_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_TOOLSETS", "issues,wiki")
    with pytest.raises(ConfigError, match="BACKLOG_TOOLSETS has unknown toolsets wiki; choose from issues"):
        load_settings(base_url="https://d.backlog.jp", api_key="k")
