"""The command line as a user meets it: real subprocesses, the sandbox, exit codes, clean streams."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backlog_mcp import __version__


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    return subprocess.run(
        [sys.executable, "-m", "backlog_mcp", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


def test_version(tmp_path: Path) -> None:
    done = _run("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"backlog-mcp {__version__}"


def test_call_prints_the_tools_text_on_the_sandbox(tmp_path: Path) -> None:
    done = _run("--sandbox", "call", "backlog_get_issue", '{"issueIdOrKey":"DEMO-1"}', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# DEMO-1 ")
    assert "Traceback" not in done.stderr


def test_call_exits_1_when_the_tool_fails(tmp_path: Path) -> None:
    done = _run("call", "backlog_get_issue", '{"issueIdOrKey":"DEMO-99999"}', "--sandbox", cwd=tmp_path)
    assert done.returncode == 1
    assert "Issue DEMO-99999 not found" in done.stdout


def test_call_with_bad_json_says_so(tmp_path: Path) -> None:
    done = _run("--sandbox", "call", "backlog_get_issue", "{issueIdOrKey: DEMO-1}", cwd=tmp_path)
    assert done.returncode == 2
    assert "ARGUMENTS must be a JSON object" in done.stderr


def test_tools_lists_every_tool(tmp_path: Path) -> None:
    done = _run("--sandbox", "tools", cwd=tmp_path)
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert "backlog_get_issue_list" in names
    assert "backlog_get_comments" in names


def test_check_reports_space_user_and_rate_limit(tmp_path: Path) -> None:
    done = _run("--sandbox", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Space: Demo Space (demo)" in done.stdout
    assert "Administrator" in done.stdout
    assert "Rate limit left: read " in done.stdout


def test_check_with_a_wrong_key_exits_1_without_showing_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    from backlog_mcp.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        env |= {"BACKLOG_BASE_URL": sandbox.base_url, "BACKLOG_API_KEY": "wrong-key-abcdef123456"}
        done = subprocess.run(
            [sys.executable, "-m", "backlog_mcp", "check"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert "check BACKLOG_API_KEY" in done.stderr
    assert "wrong-key-abcdef123456" not in done.stderr + done.stdout


def test_demo_runs_a_real_stdio_session(tmp_path: Path) -> None:
    done = _run("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Connected over stdio to backlog-mcp (sandbox)" in done.stdout
    assert "# DEMO-1 " in done.stdout
    assert "Comments on DEMO-4: 3 shown" in done.stdout


def test_stdio_start_up_path_does_not_import_the_sandbox(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from backlog_mcp.config import load_settings\n"
        "from backlog_mcp.server import build_server\n"
        "build_server(load_settings(base_url='https://x.backlog.com', api_key='k' * 20))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('backlog_mcp.sandbox', 'backlog_mcp.demo'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
