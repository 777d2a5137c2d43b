"""The command line as a user meets it: real subprocesses, the sandbox, exit codes, clean streams."""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client

from backlog_mcp import __version__
from backlog_mcp.cli import loopback_address, main
from backlog_mcp.commands import compact_json, list_tools, token_counter
from backlog_mcp.config import load_settings
from backlog_mcp.demo import DEMO_CALLS, call_line, run_demo
from backlog_mcp.sandbox.__main__ import main as sandbox_main
from backlog_mcp.server import build_server
from backlog_mcp.tools.toolsets import toolset_of
from tests.e2e.conftest import DEFAULT_TOOL_NAMES, WRITE_TOOL_NAMES


def _run(*args: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")} | extra_env
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


def test_sandbox_lets_a_new_user_try_a_write_only_when_read_only_is_turned_off(tmp_path: Path) -> None:
    comment = '{"issueIdOrKey":"DEMO-1","content":"試しに書く"}'
    refused = _run("--sandbox", "call", "backlog_add_comment", comment, cwd=tmp_path)
    assert refused.returncode == 1
    assert "BACKLOG_READ_ONLY" in refused.stdout
    done = _run("--sandbox", "call", "backlog_add_comment", comment, cwd=tmp_path, BACKLOG_READ_ONLY="false")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "/view/DEMO-1#comment-" in done.stdout
    assert "Traceback" not in done.stderr
    # Logged at INFO on stderr although BACKLOG_LOG_LEVEL is WARNING: writes always are.
    (logged,) = [line for line in done.stderr.splitlines() if "backlog_mcp.writes" in line]
    assert " INFO " in logged
    assert '"tool":"backlog_add_comment"' in logged
    assert '"outcome":"done"' in logged


def test_call_exits_1_when_the_tool_fails(tmp_path: Path) -> None:
    done = _run("call", "backlog_get_issue", '{"issueIdOrKey":"DEMO-99999"}', "--sandbox", cwd=tmp_path)
    assert done.returncode == 1
    assert "Issue DEMO-99999 not found" in done.stdout


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ('\'{"issueIdOrKey":"DEMO-1"}\'', "ARGUMENTS must be a JSON object: Expecting value at position 0."),
        ("{issueIdOrKey: DEMO-1}", "ARGUMENTS must be a JSON object: Expecting property name"),
        ('["DEMO-1"]', "ARGUMENTS must be a JSON object."),
    ],
)
def test_call_with_bad_json_says_so_and_how_each_shell_quotes_it(
    given: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # What cmd.exe hands over for POSIX single quotes: the quotes themselves, first.
    assert main(["--sandbox", "call", "backlog_get_issue", given]) == 2
    reason_line, hint = capsys.readouterr().err.splitlines()  # and nothing started before
    assert reason_line.startswith(reason)
    assert hint == (
        'Quote it for your shell: \'{"issueIdOrKey":"DEMO-1"}\' in bash, zsh or PowerShell 7.3+; '
        '"{\\"issueIdOrKey\\":\\"DEMO-1\\"}" in Windows cmd; '
        '\'{\\"issueIdOrKey\\":\\"DEMO-1\\"}\' in Windows PowerShell 5.1.'
    )
    cmd_form = hint.split("; ")[1].removesuffix(" in Windows cmd")
    assert json.loads(_windows_argv(cmd_form)[0]) == {"issueIdOrKey": "DEMO-1"}
    ps51_passes = hint.split("; ")[2].removesuffix(" in Windows PowerShell 5.1.").strip("'")
    assert json.loads(_windows_argv(ps51_passes)[0]) == {"issueIdOrKey": "DEMO-1"}


def _windows_argv(line: str) -> list[str]:
    """The arguments a Windows program's C runtime (and so Python) reads from its command line:
    2n backslashes and a quote give n and toggle quoting; 2n+1 give n and a literal quote."""
    args: list[str] = []
    current, quoted, i, started = "", False, 0, False
    while i < len(line):
        if line[i] == "\\":
            n = len(line[i:]) - len(line[i:].lstrip("\\"))
            if line[i + n : i + n + 1] == '"':
                current += "\\" * (n // 2) + ('"' if n % 2 else "")
                quoted ^= n % 2 == 0
                i += n + 1
            else:
                current += "\\" * n
                i += n
            started = True
        elif line[i] == '"':
            quoted, i, started = not quoted, i + 1, True
        elif line[i] in " \t" and not quoted:
            if started:
                args.append(current)
            current, started, i = "", False, i + 1
        else:
            current, i, started = current + line[i], i + 1, True
    return [*args, current] if started else args


@pytest.mark.parametrize(
    ("name", "arguments"),
    [*DEMO_CALLS, ("backlog_get_issue_list", {"keyword": 'say "hi" \\ C:\\dir\\', "count": 1})],
)
def test_demo_lines_on_windows_are_quoted_the_way_cmd_hands_them_to_call(
    name: str, arguments: dict[str, object]
) -> None:
    line = call_line(name, arguments, windows=True)
    assert line.startswith("> ")
    argv = _windows_argv(line[2:])
    assert argv[:4] == ["backlog-mcp", "--sandbox", "call", name]
    assert json.loads(argv[4]) == arguments
    assert "'" not in line


def test_tools_lists_every_tool_with_its_toolset_and_that_it_is_served(tmp_path: Path) -> None:
    done = _run("--sandbox", "tools", cwd=tmp_path, BACKLOG_TOOLSETS="all")
    assert done.returncode == 0, done.stderr
    rows = [
        line.split() for line in done.stdout.splitlines()[1:] if not line.startswith(("Served:", "Token"))
    ]
    assert {row[0]: row[1] for row in rows} == toolset_of()
    assert all(row[3] == ("no:" if row[0] in WRITE_TOOL_NAMES else "yes") for row in rows)
    assert f"Served: {len(toolset_of()) - len(WRITE_TOOL_NAMES)} of {len(toolset_of())} tools;" in done.stdout


def test_tools_says_why_a_tool_is_not_served_and_uses_the_served_names(tmp_path: Path) -> None:
    done = _run(
        "--sandbox", "tools", cwd=tmp_path, BACKLOG_TOOLSETS="issues", BACKLOG_TOOL_PREFIX="work_",
        BACKLOG_ENABLED_TOOLS="backlog_get_projects", BACKLOG_DISABLED_TOOLS="work_get_comments",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = {
        line.split()[0]: line.split(None, 3)[3] for line in done.stdout.splitlines()[1:] if "  " in line
    }
    assert len(status) == len(toolset_of())  # every tool, served or not
    assert status["work_get_issue"] == "yes"
    assert status["work_get_projects"] == "yes: BACKLOG_ENABLED_TOOLS"
    assert status["work_get_comments"] == "no: BACKLOG_DISABLED_TOOLS"
    assert status["work_get_users"] == "no: toolset not in BACKLOG_TOOLSETS"
    served = sum(1 for s in status.values() if s.startswith("yes"))
    assert f"Served: {served} of {len(toolset_of())} tools;" in done.stdout


@pytest.mark.anyio
@pytest.mark.parametrize("tokenizer", ["as installed", "missing"])
async def test_tools_counts_what_tools_list_sends_and_labels_an_estimate_as_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tokenizer: str
) -> None:
    for name in [n for n in os.environ if n.startswith("BACKLOG_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    if tokenizer == "missing":
        monkeypatch.setitem(sys.modules, "tiktoken", None)  # `import tiktoken` fails
    else:  # ranks in the npm package's format, one token per byte: a count that is easy to check
        single_bytes = " ".join(base64.b64encode(bytes([b])).decode() for b in range(256))
        ranks = {"bpe_ranks": f"! 0 {single_bytes}\n", "pat_str": r"\S+|\s+", "special_tokens": {}}
        (tmp_path / "o200k_base.json").write_text(json.dumps(ranks), encoding="utf-8")
        monkeypatch.setenv("O200K_BASE_JSON", str(tmp_path / "o200k_base.json"))
    settings = load_settings(base_url="https://x.backlog.com", api_key="k" * 20, toolsets="issues")
    lines: list[str] = []
    assert await list_tools(settings, lines.append) == 0
    count, exact = token_counter()
    # The same measure as bench/tokens.py: the served tools/list, wire JSON, compact.
    async with Client(build_server(settings)) as client:
        listed = (await client.list_tools()).tools
    wire = compact_json(
        {"tools": [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed]}
    )
    summary = next(line for line in lines if line.startswith("Served:"))
    if exact:
        assert count(wire) == len(wire.encode())
        assert f"costs {len(wire.encode()):,} tokens (o200k_base)" in summary
        assert not any("estimate" in line for line in lines)
    else:
        assert f"costs ≈{math.ceil(len(wire) / 4):,} tokens" in summary
        assert lines[-1].startswith(
            "Token counts are estimates (characters ÷ 4): for o200k_base counts, install"
        )
    assert exact is (tokenizer != "missing" and importlib.util.find_spec("tiktoken") is not None)


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


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[str]]:
    """One demo run, with the user's own settings hostile to it: a bad zone, a bad log level, a
    toolset list without issues, in both the environment and a .env where the demo starts."""
    cwd = tmp_path_factory.mktemp("demo")
    (cwd / ".env").write_text("BACKLOG_TOOLSETS=projects\nBACKLOG_TIMEZONE=Mars/Base\n", encoding="utf-8")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setenv("BACKLOG_TOOLSETS", "projects")
        patch.setenv("BACKLOG_LOG_LEVEL", "LOUD")
        patch.setenv("BACKLOG_BASE_URL", "https://not-the-sandbox.invalid")
        code = run_demo(lines.append)
    return code, "\n".join(lines).splitlines()


def test_demo_runs_on_the_sandbox_with_the_default_toolsets_whatever_the_users_settings_say(
    demo_output: tuple[int, list[str]],
) -> None:
    code, lines = demo_output
    text = "\n".join(lines)
    assert code == 0, text
    assert f"Connected over stdio to backlog-mcp (sandbox): {len(DEFAULT_TOOL_NAMES)} tools." in text
    assert "# DEMO-1 " in text
    assert "Comments on DEMO-4: 3 shown" in text


def test_demo_prints_each_call_as_a_line_that_call_accepts(demo_output: tuple[int, list[str]]) -> None:
    commands = [shlex.split(line[2:]) for line in demo_output[1] if line.startswith("$ ")]
    assert [c[:3] for c in commands] == [["backlog-mcp", "--sandbox", "call"]] * len(DEMO_CALLS)
    assert [(c[3], json.loads(c[4])) for c in commands] == list(DEMO_CALLS)


def test_a_bad_log_level_in_dotenv_stops_the_cli_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BACKLOG_LOG_LEVEL=loud\n", encoding="utf-8")
    done = _run("--sandbox", "tools", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[-1] == (
        "Configuration error: BACKLOG_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; "
        "got 'loud'. Example: BACKLOG_LOG_LEVEL=INFO"
    )


def test_demo_whose_server_cannot_start_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    assert run_demo(lambda text: None) == 1
    err = capsys.readouterr().err
    assert err.startswith("The demo lost its server (")
    assert err.endswith("; anything it printed is above.\n")
    assert "Traceback" not in err


def test_demo_piped_into_head_exits_quietly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "backlog_mcp", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does once it has its line
    errors = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 1
    assert first.startswith(b"Connected over stdio")
    assert errors == b""


def test_an_out_of_range_port_is_refused_before_anything_is_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--transport", "http", "--port", "99999"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "argument --port: must be a number from 0 to 65535 (0: any free port); got '99999'" in err
    assert "streamable HTTP on" not in err


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        yield int(taken.getsockname()[1])


def test_a_busy_port_is_one_sentence_from_serve(tmp_path: Path, busy_port: int) -> None:
    done = _run(
        "serve", "--transport", "http", "--port", str(busy_port), cwd=tmp_path,
        BACKLOG_BASE_URL="https://demo.backlog.com", BACKLOG_API_KEY="k" * 20,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, f"port {busy_port} is in use; pick another with --port\n")


def test_a_busy_port_is_one_sentence_from_the_sandbox(
    busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sandbox_main(["--port", str(busy_port)]) == 2
    assert capsys.readouterr().err == f"port {busy_port} is in use; pick another with --port\n"


@pytest.mark.parametrize(
    ("given", "bound"),
    [
        ("localhost", "127.0.0.1"),
        ("LocalHost", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1"),
        ("127.1.2.3", "127.1.2.3"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
    ],
)
def test_every_spelling_of_a_loopback_host_is_accepted(given: str, bound: str) -> None:
    assert loopback_address(given) == bound


@pytest.mark.parametrize("given", ["0.0.0.0", "::", "[::]", "192.168.1.2", "example.com", "[127.0.0.1]"])
def test_a_host_that_is_not_loopback_is_refused_without_the_settings_it_needs(
    given: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MCP_HTTP_ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("MCP_HTTP_AUTH_TOKENS", raising=False)
    monkeypatch.delenv("BACKLOG_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("BACKLOG_BASE_URL", "https://demo.backlog.jp")
    monkeypatch.setenv("BACKLOG_API_KEY", "the-servers-own-key")
    assert main(["serve", "--transport", "http", "--host", given]) == 2
    err = capsys.readouterr().err
    bound = "::" if given == "[::]" else given  # an IPv6 address is bound without its brackets
    assert f"Refusing to serve on {bound}, which is not loopback, without " in err
    assert "MCP_HTTP_ALLOWED_HOSTS (the host names clients use) and MCP_HTTP_AUTH_TOKENS" in err
    assert "the-servers-own-key" not in err
    assert "backlog-mcp --sandbox" not in err  # the sandbox would not help here
    monkeypatch.setenv("MCP_HTTP_AUTH_TOKENS", "t0ken")
    assert main(["serve", "--transport", "http", "--host", given]) == 2
    assert "which is not loopback, without MCP_HTTP_ALLOWED_HOSTS (the host names clients use); or" in (
        capsys.readouterr().err
    )
    # Without a key of its own (per-user mode) the tokens are not needed, the Host check still is.
    monkeypatch.delenv("MCP_HTTP_AUTH_TOKENS")
    monkeypatch.delenv("BACKLOG_API_KEY")
    assert main(["serve", "--transport", "http", "--host", given]) == 2
    err = capsys.readouterr().err
    assert "without MCP_HTTP_ALLOWED_HOSTS (the host names clients use); or bind 127.0.0.1." in err


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("host", "announced_url"),
    [
        ("[::1]", r"http://\[::1\]:[1-9]\d*/mcp"),
        ("LOCALHOST", r"http://127\.0\.0\.1:[1-9]\d*/mcp"),
        ("127.1.2.3", r"http://127\.1\.2\.3:[1-9]\d*/mcp"),
    ],
)
async def test_http_on_port_0_announces_the_address_it_really_listens_on_and_refuses_other_hosts(
    tmp_path: Path, host: str, announced_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    env["BACKLOG_WORKSPACE"] = str(tmp_path)  # chosen, so no scratch-folder line either
    command = [sys.executable, "-m", "backlog_mcp", "--sandbox", "serve", "--transport", "http"]
    async with await anyio.open_process(
        [*command, "--host", host, "--port", "0"], env=env, cwd=tmp_path
    ) as process:
        assert process.stderr is not None
        announced = b""
        try:
            with anyio.fail_after(30):
                while not announced.endswith(b"\n"):
                    announced += await process.stderr.receive(1)
            url = announced.decode().strip().removeprefix("backlog-mcp: streamable HTTP on ")
            assert re.fullmatch(announced_url, url), announced
            async with Client(url) as client:
                assert len((await client.list_tools()).tools) == len(DEFAULT_TOOL_NAMES)
            async with httpx2.AsyncClient() as http:  # a web page's request, after DNS rebinding
                rebound = await http.post(url, headers={"Host": "attacker.example"}, json={})
            assert rebound.status_code == 421
        finally:
            process.terminate()


def test_sandbox_files_go_to_a_temporary_workspace_it_names_when_the_workspace_setting_is_blank(
    tmp_path: Path,
) -> None:
    home, scratch = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    scratch.mkdir()
    arguments = '{"issueIdOrKey":"DEMO-2","includeAttachments":false}'
    done = _run(
        "--sandbox", "call", "backlog_export_issue_context", arguments, cwd=tmp_path,
        HOME=str(home), TMPDIR=str(scratch), BACKLOG_WORKSPACE="",  # blank: not set
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    named = re.search(r"sandbox files go to (\S+) \(set BACKLOG_WORKSPACE", done.stderr)
    assert named, done.stderr
    workspace = Path(named[1])
    assert workspace.parent == scratch.resolve()
    assert (workspace / "DEMO-2" / "raw.md").is_file()
    assert not (home / "backlog-mcp").exists()
    assert not (tmp_path / "DEMO-2").exists()  # nor the current folder, as a blank path would be


@pytest.mark.anyio
async def test_sandbox_scratch_workspace_is_removed_when_a_client_terminates_the_server(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")} | {"TMPDIR": str(tmp_path)}
    command = [sys.executable, "-m", "backlog_mcp", "--sandbox"]
    async with await anyio.open_process(command, env=env, cwd=tmp_path) as process:
        assert process.stderr is not None
        announced = b""
        with anyio.fail_after(30):
            while not announced.endswith(b"\n"):
                announced += await process.stderr.receive(1)
            named = re.search(r"sandbox files go to (\S+) ", announced.decode())
            assert named, announced
            assert Path(named[1]).is_dir()
            process.terminate()
            await process.wait()
    assert not Path(named[1]).exists()


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


def test_call_of_a_tool_that_toolsets_leave_out_names_its_toolset(tmp_path: Path) -> None:
    done = _run("--sandbox", "call", "backlog_get_projects", "{}", cwd=tmp_path, BACKLOG_TOOLSETS="issues")
    assert done.returncode == 1
    assert done.stdout == (
        "backlog_get_projects is in the projects toolset, which BACKLOG_TOOLSETS leaves out "
        "(served: issues); add projects to BACKLOG_TOOLSETS, or backlog_get_projects to "
        "BACKLOG_ENABLED_TOOLS, to use it.\n"
    )


def test_output_to_a_stream_without_japanese_is_replaced_characters_not_a_traceback(tmp_path: Path) -> None:
    # What a redirected Windows console does: its ANSI code page cannot write 日本語.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")} | {
        "PYTHONIOENCODING": "cp1252"
    }
    done = subprocess.run(
        [sys.executable, "-m", "backlog_mcp", "--sandbox", "call", "backlog_get_projects", "{}"],
        capture_output=True, encoding="cp1252", env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "DEMO" in done.stdout
    assert "?" in done.stdout  # the project names, written as far as cp1252 can
