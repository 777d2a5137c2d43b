"""Configuration: normalisation, the one-line errors, and `.env` handling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Self

import pytest

from backlog_mcp import config
from backlog_mcp.config import Settings, load_settings, local_timezone_name
from backlog_mcp.errors import ConfigError
from backlog_mcp.render.text import RenderContext


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
    monkeypatch.setenv("BACKLOG_TOOLSETS", "issues,wikis")
    with pytest.raises(ConfigError, match="BACKLOG_TOOLSETS has unknown toolsets wikis; choose from issues"):
        load_settings(base_url="https://d.backlog.jp", api_key="k")


def test_log_level_is_read_from_dotenv_and_upper_cased(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BACKLOG_LOG_LEVEL=debug\n", encoding="utf-8")
    assert load_settings(base_url="https://d.backlog.jp", api_key="k").log_level == "DEBUG"


def test_bad_log_level_is_a_one_line_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url="https://d.backlog.jp", api_key="k")
    assert str(caught.value) == (
        "Configuration error: BACKLOG_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; "
        "got 'LOUD'. Example: BACKLOG_LOG_LEVEL=INFO"
    )


def test_warn_is_read_as_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_LOG_LEVEL", "warn")
    assert load_settings(base_url="https://d.backlog.jp", api_key="k").log_level == "WARNING"


_OPTIONAL = sorted(set(Settings.model_fields) - {"base_url", "api_key"})


@pytest.mark.parametrize("source", ["env", "dotenv"])
@pytest.mark.parametrize("blank", ["", "  "])
def test_every_blank_setting_counts_as_not_set_and_takes_its_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str, blank: str
) -> None:
    defaults = load_settings(base_url="https://d.backlog.jp", api_key="k")
    lines = [f"BACKLOG_{name.upper()}={blank}" for name in _OPTIONAL]
    if source == "env":
        for line in lines:
            monkeypatch.setenv(*line.split("=", 1))
    else:
        (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(base_url="https://d.backlog.jp", api_key="k")
    assert settings == defaults
    assert settings.model_fields_set == {"base_url", "api_key"}  # so --sandbox picks its own workspace


def test_a_blank_base_url_is_reported_as_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_BASE_URL", " ")
    with pytest.raises(ConfigError, match=r"^Configuration error: BACKLOG_BASE_URL is not set\. Example"):
        load_settings(api_key="k")


# --- credentials: blank means not given, pasted whitespace is stripped ---------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_api_key_from_env_counts_as_not_given(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("BACKLOG_API_KEY", blank)
    with pytest.raises(ConfigError, match=r"BACKLOG_API_KEY.*BACKLOG_ACCESS_TOKEN"):
        load_settings(base_url="https://demo.backlog.jp")


def test_blank_key_and_token_from_a_dotenv_template_count_as_not_given(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "BACKLOG_BASE_URL=https://demo.backlog.jp\nBACKLOG_API_KEY=\nBACKLOG_ACCESS_TOKEN=  \n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"BACKLOG_API_KEY.*BACKLOG_ACCESS_TOKEN"):
        load_settings()


def test_blank_key_does_not_hide_a_given_token() -> None:
    settings = load_settings(base_url="https://demo.backlog.jp", api_key="  ", access_token=" tok ")
    assert settings.api_key is None
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "tok"


def test_pasted_key_and_base_url_are_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOG_BASE_URL", "  https://demo.backlog.com/\t")
    monkeypatch.setenv("BACKLOG_API_KEY", " abc123\n")
    settings = load_settings()
    assert settings.base_url == "https://demo.backlog.com"
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "abc123"


def test_cli_with_a_blank_key_exits_2_before_any_network(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    env |= {"BACKLOG_BASE_URL": "http://127.0.0.1:9", "BACKLOG_API_KEY": "", "BACKLOG_MAX_RETRIES": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "backlog_mcp", "check"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "BACKLOG_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr


# --- base URL: scheme + host (+ port) only ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:54321", "http://127.0.0.1:54321"),  # the sandbox
        ("http://localhost:8080/", "http://localhost:8080"),
        ("https://[::1]:8443/api/v2", "https://[::1]:8443"),
        ("HTTPS://Demo.Backlog.COM/", "https://demo.backlog.com"),
    ],
)
def test_base_url_accepts_hosts_with_ports_including_the_local_sandbox(given: str, expected: str) -> None:
    assert load_settings(base_url=given, api_key="k").base_url == expected


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("https://a.backlog.com/view/DEMO-1", "/view/DEMO-1"),
        ("https://a.backlog.com/projects/DEMO/", "/projects/DEMO"),
        ("https://a.backlog.com/api/v2/issues", "/api/v2/issues"),
    ],
)
def test_base_url_with_a_page_path_is_refused_naming_the_variable(given: str, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url=given, api_key="k")
    message = str(caught.value)
    assert message.startswith("Configuration error: BACKLOG_BASE_URL must be only the space address")
    assert repr(path) in message
    assert "use https://a.backlog.com" in message
    assert "Example: BACKLOG_BASE_URL=https://your-space.backlog.com" in message
    assert "\n" not in message


def test_base_url_with_a_query_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match=r"BACKLOG_BASE_URL .*without a query") as caught:
        load_settings(base_url="https://a.backlog.com/api/v2?apiKey=SECRET123", api_key="k")
    assert "SECRET123" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ("demo.backlog.com", "must be the space URL"),
        ("ftp://demo.backlog.com", "must be the space URL"),
        ("https://user:pw@demo.backlog.com", "must be the space URL"),
        ("https://demo.back log.com", "must not contain spaces"),
        ("https://demo.backlog.com:99999", "has a port"),
        ("   ", "is not set"),
    ],
)
def test_base_url_that_is_not_a_space_address_is_a_one_line_error(given: str, complaint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url=given, api_key="k")
    message = str(caught.value)
    assert message.startswith(f"Configuration error: BACKLOG_BASE_URL {complaint}")
    assert "https://your-space.backlog.com" in message
    assert "\n" not in message


# --- the default time zone --------------------------------------------------------------------------


SetTz = Callable[[str | None], None]


@pytest.fixture
def set_tz() -> Iterator[SetTz]:
    """Set TZ for this process (and re-read it), restoring both afterwards."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    before = os.environ.get("TZ")

    def set_(value: str | None) -> None:
        if value is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = value
        time.tzset()

    yield set_
    set_(before)


@pytest.fixture
def no_zone_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As on Windows: neither /etc/localtime nor /etc/timezone."""
    monkeypatch.setattr(config, "_LOCALTIME", tmp_path / "no-localtime")
    monkeypatch.setattr(config, "_ETC_TIMEZONE", tmp_path / "no-timezone")
    monkeypatch.delenv("TZ", raising=False)


@pytest.mark.parametrize(
    ("tz", "expected"), [("Asia/Tokyo", "Asia/Tokyo"), (":America/New_York", "America/New_York")]
)
def test_tz_naming_an_iana_zone_is_the_default(
    monkeypatch: pytest.MonkeyPatch, no_zone_files: None, tz: str, expected: str
) -> None:
    monkeypatch.setenv("TZ", tz)
    assert local_timezone_name() == expected


@pytest.mark.parametrize(
    ("tz", "expected"), [("JST-9", "UTC+09:00"), ("IST-5:30", "UTC+05:30"), ("NST+3:30", "UTC-03:30")]
)
def test_posix_tz_gives_its_offset_not_utc(set_tz: SetTz, tz: str, expected: str) -> None:
    set_tz(tz)
    assert local_timezone_name() == expected
    settings = load_settings(base_url="https://demo.backlog.jp", api_key="k")
    assert settings.timezone == expected


def test_localtime_symlink_names_the_zone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_zone_files: None
) -> None:
    zone_file = tmp_path / "zoneinfo" / "Europe" / "Paris"
    zone_file.parent.mkdir(parents=True)
    zone_file.write_bytes(b"TZif")
    link = tmp_path / "localtime"
    try:
        link.symlink_to(zone_file)
    except OSError:
        pytest.skip("no symlinks here")
    monkeypatch.setattr(config, "_LOCALTIME", link)
    assert local_timezone_name() == "Europe/Paris"


def test_etc_timezone_is_read_when_localtime_is_a_copied_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_zone_files: None
) -> None:
    copied = tmp_path / "localtime"
    copied.write_bytes(b"TZif2 copied, not linked")
    (tmp_path / "timezone").write_text("Asia/Ho_Chi_Minh\n", encoding="utf-8")
    monkeypatch.setattr(config, "_LOCALTIME", copied)
    monkeypatch.setattr(config, "_ETC_TIMEZONE", tmp_path / "timezone")
    assert local_timezone_name() == "Asia/Ho_Chi_Minh"


class _IndiaNow(datetime):
    """A clock whose local time is India's, whatever the machine running the test says."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Self:
        return cls(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))

    def astimezone(self, tz: tzinfo | None = None) -> Self:
        return self


def test_no_zone_name_anywhere_falls_back_to_the_offset_not_utc(
    monkeypatch: pytest.MonkeyPatch, no_zone_files: None
) -> None:
    monkeypatch.setattr(config, "datetime", _IndiaNow)
    assert local_timezone_name() == "UTC+05:30"


@pytest.mark.parametrize(
    ("name", "shown"), [("UTC+05:30", "2026-03-01T05:30+05:30"), ("UTC-03:30", "2026-02-28T20:30-03:30")]
)
def test_offset_zone_works_wherever_a_zone_is_used(name: str, shown: str) -> None:
    settings = load_settings(base_url="https://demo.backlog.jp", api_key="k", timezone=name)
    assert str(settings.zone) == name
    midnight_utc = datetime(2026, 3, 1, tzinfo=UTC)
    assert RenderContext(zone=settings.zone, base_url="").when(midnight_utc) == shown
    assert (
        datetime(2300, 7, 1, tzinfo=UTC).astimezone(settings.zone).utcoffset()
        == midnight_utc.astimezone(settings.zone).utcoffset()
    )


@pytest.mark.parametrize("bad", ["UTC+5:30", "UTC+15:00", "Asia"])
def test_malformed_offset_or_zone_directory_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="BACKLOG_TIMEZONE unknown IANA time zone"):
        load_settings(base_url="https://demo.backlog.jp", api_key="k", timezone=bad)


def test_pasted_timezone_is_stripped() -> None:
    settings = load_settings(base_url="https://demo.backlog.jp", api_key="k", timezone=" Asia/Tokyo\n")
    assert settings.timezone == "Asia/Tokyo"
