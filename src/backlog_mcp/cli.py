"""The `backlog-mcp` command: serve on stdio (default), call one tool, list tools, check the setup.

Start-up time matters (MCP clients spawn this on every launch), so heavy imports happen inside
the functions that need them: the stdio path never imports the sandbox.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backlog_mcp import __version__

if TYPE_CHECKING:
    from backlog_mcp.config import Settings
    from backlog_mcp.serve_http import HttpSettings
    from backlog_mcp.server import BacklogMCPServer

__all__ = ["LOOPBACK_CHOICES", "QUOTING", "http_url", "listen_error", "loopback_address", "main", "tcp_port"]

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
# Each shell needs its own quoting to hand the JSON over intact (Windows programs parse their own
# command line: cmd passes quotes through as typed; Windows PowerShell 5.1 strips inner ones).
QUOTING = (
    'Quote it for your shell: \'{"issueIdOrKey":"DEMO-1"}\' in bash, zsh or PowerShell 7.3+; '
    '"{\\"issueIdOrKey\\":\\"DEMO-1\\"}" in Windows cmd; '
    '\'{\\"issueIdOrKey\\":\\"DEMO-1\\"}\' in Windows PowerShell 5.1.'
)
LOOPBACK_CHOICES = "localhost, 127.0.0.1 (or another 127.x.x.x) or ::1 (also written [::1])"
logger = logging.getLogger("backlog_mcp")


def tcp_port(value: str) -> int:
    """An argparse type: a TCP port, 0 meaning "any free one"."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a number from 0 to 65535 (0: any free port); got {value!r}"
        )
    return port


def loopback_address(host: str) -> str:
    """An argparse type: the loopback address `--host` names, to bind and to announce.

    `localhost`, in any case, is 127.0.0.1: the name can resolve to ::1 as well, and a client
    that tries the address we did not bind fails. An IPv6 address may come bracketed, as in URLs.
    Anything else is not loopback: serving there needs the settings `check_public_bind` names.
    """
    import ipaddress

    name = host.strip()
    if name.lower() == "localhost":
        return "127.0.0.1"
    bracketed = name.startswith("[") and name.endswith("]")
    try:
        address = ipaddress.ip_address(name[1:-1] if bracketed else name)
    except ValueError:
        address = None
    if address is None or not address.is_loopback or (bracketed and address.version != 6):
        raise argparse.ArgumentTypeError(f"{host} is not a loopback address; use {LOOPBACK_CHOICES}")
    return str(address)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--sandbox",
        action="store_true",
        default=argparse.SUPPRESS,
        help="run against the bundled Backlog sandbox (no account or configuration needed)",
    )
    parser = argparse.ArgumentParser(
        prog="backlog-mcp",
        description="MCP server for Nulab Backlog. With no command, serves MCP on stdio.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"backlog-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", parents=[common], help="serve MCP on stdio (the default) or HTTP")
    serve.add_argument(
        "--transport", choices=("stdio", "http"), default=None, help="stdio (default) or streamable HTTP"
    )
    serve.add_argument(
        "--host",
        default=None,
        help=f"HTTP: address to listen on (default 127.0.0.1; {LOOPBACK_CHOICES}; another needs "
        "MCP_HTTP_ALLOWED_HOSTS, and MCP_HTTP_AUTH_TOKENS unless the server has no Backlog key)",
    )
    serve.add_argument(
        "--port", type=tcp_port, default=None, help="HTTP: port (default 8000; 0: any free one)"
    )
    serve.add_argument("--path", default=None, help="HTTP: the MCP endpoint's path (default /mcp)")
    call = commands.add_parser("call", parents=[common], help="run one tool and print its result")
    call.add_argument("tool", help="tool name as served, e.g. backlog_get_issue")
    call.add_argument(
        "arguments", nargs="?", default="{}", help='JSON object, e.g. \'{"issueIdOrKey":"DEMO-1"}\''
    )
    commands.add_parser(
        "tools", parents=[common], help="list every tool: its toolset, token cost, and whether it is served"
    )
    commands.add_parser("check", parents=[common], help="verify the configuration against the space")
    commands.add_parser("demo", parents=[common], help="a short MCP session over stdio, printing real output")
    return parser


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx2 logs every request URL at INFO, and Backlog's URLs carry the API key.
    logging.getLogger("httpx2").setLevel(logging.WARNING)


@contextmanager
def _settings(use_sandbox: bool, *, credential_required: bool = True) -> Iterator[Settings]:
    """The settings to run with; under --sandbox, a started sandbox and settings pointing at it."""
    from backlog_mcp.config import load_keyless_settings, load_settings
    from backlog_mcp.redact import install_log_redaction

    if not use_sandbox:
        settings = load_settings() if credential_required else load_keyless_settings()
        install_log_redaction(s.get_secret_value() for s in (settings.api_key, settings.access_token) if s)
        yield settings
        return
    from backlog_mcp.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        install_log_redaction([sandbox.api_key])
        settings = load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, access_token=None)
        if "workspace" in settings.model_fields_set:  # the user chose where files go
            yield settings
            return
        with _scratch_workspace() as workspace:
            yield settings.model_copy(update={"workspace": workspace})


@contextmanager
def _scratch_workspace() -> Iterator[Path]:
    """A fresh temporary folder for the sandbox's files, so demo data never lands in ~/backlog-mcp."""
    import tempfile

    # MCP clients stop their servers with SIGTERM, whose default action skips the tidying below.
    # Caught before the folder is named, so a client that stops the server at once leaves none.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    folder = Path(tempfile.mkdtemp(prefix="backlog-mcp-sandbox-")).resolve()
    try:
        sys.stderr.write(
            f"backlog-mcp: sandbox files go to {folder} (set BACKLOG_WORKSPACE to choose the folder)\n"
        )
        sys.stderr.flush()
        yield folder
    finally:
        signal.signal(signal.SIGTERM, previous)
        # Removed only while still empty: an export the user ran stays there to be read.
        with contextlib.suppress(OSError):
            folder.rmdir()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _Stdout:
    """Writes lines to stdout; once the reader has gone (`| head -1`), quietly writes nothing."""

    def __init__(self) -> None:
        self.reader_gone = False

    def __call__(self, text: str) -> None:
        if self.reader_gone:
            return
        try:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            self.reader_gone = True
            # Python flushes stdout again at exit; pointing it at devnull keeps that flush quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        # Redirected on Windows, these use the ANSI code page, which has no Japanese: a character
        # it cannot write becomes "?" rather than a traceback. (MCP's stdio is always UTF-8.)
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    out = _Stdout()
    code = _main(args, out)
    return EXIT_FAILED if out.reader_gone else code


def _main(args: argparse.Namespace, out: _Stdout) -> int:
    from backlog_mcp.errors import BacklogError, ConfigError

    command = args.command or "serve"
    try:
        if command == "demo":
            from backlog_mcp.demo import run_demo

            _configure_logging("WARNING")  # the demo ignores the user's BACKLOG_* settings
            return run_demo(out)
        arguments = _call_arguments(args.arguments) if command == "call" else {}
        if arguments is None:  # said before anything starts
            return EXIT_CONFIG
        http = _http_options(args) if command == "serve" else None  # refused before anything starts
        # Over HTTP a server may have no key of its own: each request then brings its user's.
        per_user_allowed = http is not None and http[0].transport == "http"
        with _settings(getattr(args, "sandbox", False), credential_required=not per_user_allowed) as settings:
            _configure_logging(settings.log_level)
            if http is not None:
                return _serve(http, settings)
            return _run_client_command(command, args, arguments, settings, out)
    except ConfigError as exc:
        # The sandbox stands in for the space and its key, not for a bind refused or an MCP_ value.
        about_backlog = str(exc).startswith(("Configuration error: BACKLOG_", "Configuration error: set"))
        sandbox = getattr(args, "sandbox", False)
        hint = (
            "\n(Or try it without an account: backlog-mcp --sandbox)" if about_backlog and not sandbox else ""
        )
        sys.stderr.write(f"{exc}{hint}\n")
        return EXIT_CONFIG
    except BacklogError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _http_options(args: argparse.Namespace) -> tuple[HttpSettings, str]:
    """The transport's settings (options over `MCP_…`) and the address to bind.

    Raises:
        ConfigError: a bad value, or a bind beyond loopback without the settings it needs.
    """
    from backlog_mcp.serve_http import is_loopback, load_http_settings

    # With no command at all, nothing was parsed for serve: the settings (MCP_…) or stdio decide.
    given = {
        "transport": getattr(args, "transport", None),
        "http_host": (getattr(args, "host", None) or "").strip() or None,  # blank: not given
        "http_port": getattr(args, "port", None),
        "http_path": getattr(args, "path", None),
    }
    http = load_http_settings(**given)
    host = http.http_host.strip() or "127.0.0.1"
    if http.transport == "http":
        ipv6 = host.startswith("[") and host.endswith("]") and ":" in host
        host = loopback_address(host) if is_loopback(host) else host[1:-1] if ipv6 else host
    return http, host


def _serve(options: tuple[HttpSettings, str], settings: Settings) -> int:
    """Raises ConfigError for a bind beyond loopback without the settings it needs."""
    from backlog_mcp.serve_http import check_public_bind
    from backlog_mcp.server import UserLimits, build_server

    http, host = options
    if http.transport == "stdio":
        build_server(settings).run()
        return EXIT_OK
    per_user = settings.api_key is None and settings.access_token is None
    check_public_bind(http, host, per_user=per_user)
    users = UserLimits(
        max_users=http.http_max_users, idle_seconds=http.http_user_idle_seconds, own_folder="shared"
    )
    if per_user:
        sys.stderr.write(
            "backlog-mcp: no Backlog key of its own (BACKLOG_API_KEY): every request must bring "
            "X-Backlog-Api-Key or X-Backlog-Access-Token\n"
        )
    return _serve_http(
        build_server(settings, users=users), http, host, settings.log_level, has_own=not per_user
    )


def http_url(host: str, port: int, path: str = "/mcp") -> str:
    """The URL a client connects to; an IPv6 address goes in brackets."""
    return f"http://{_url_host(host)}:{port}{path}"


def _url_host(address: str) -> str:
    """An address as a URL writes it: an IPv6 one in brackets."""
    return f"[{address}]" if ":" in address else address


def listen_error(host: str, port: int, exc: OSError) -> str:
    """The one sentence for a socket that could not listen, naming the option that fixes it."""
    import errno

    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)):
        return f"port {port} is in use; pick another with --port"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


def _serve_http(
    server: BacklogMCPServer, http: HttpSettings, host: str, log_level: str, *, has_own: bool
) -> int:
    """Streamable HTTP on a socket bound here, so a busy port is one sentence and port 0 is told."""
    import socket

    import uvicorn

    from backlog_mcp.serve_http import http_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, http.http_port), family=family)
    except OSError as exc:
        sys.stderr.write(listen_error(host, http.http_port, exc) + "\n")
        return EXIT_CONFIG
    bound = int(sock.getsockname()[1])
    sys.stderr.write(f"backlog-mcp: streamable HTTP on {http_url(host, bound, http.http_path)}\n")
    sys.stderr.flush()
    app = http_app(server, http, host, http.http_path, has_own=has_own)
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level.lower(),
        lifespan="on",
        access_log=log_level == "DEBUG",  # the access log is noise, and never needed to say who called
        # SIGTERM: the socket closes to new connections and idle ones, calls in flight finish
        # (for at most this long), then the process exits.
        timeout_graceful_shutdown=http.http_drain_seconds,
    )
    # sse-starlette (the SDK's SSE answers) would end every stream at SIGTERM, a call in flight
    # with it; each stream here is one call's answer, and uvicorn's drain bounds how long it may take.
    from sse_starlette.sse import AppStatus

    from backlog_mcp.redact import AccessLogPaths

    logging.getLogger("uvicorn.access").addFilter(AccessLogPaths())

    AppStatus.disable_automatic_graceful_drain()  # type: ignore[no-untyped-call]
    # uvicorn re-raises the Ctrl-C it handled once it has shut down cleanly.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK


def _call_arguments(text: str) -> dict[str, Any] | None:
    """`call`'s JSON object; None, once the reason and how to quote it are on stderr."""
    try:
        arguments: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        sys.stderr.write(f"ARGUMENTS must be a JSON object: {exc.msg} at position {exc.pos}.\n{QUOTING}\n")
        return None
    if not isinstance(arguments, dict):
        sys.stderr.write(f"ARGUMENTS must be a JSON object.\n{QUOTING}\n")
        return None
    return arguments


def _run_client_command(
    command: str, args: argparse.Namespace, arguments: dict[str, Any], settings: Settings, out: _Stdout
) -> int:
    import anyio

    from backlog_mcp import commands

    if command == "call":
        return anyio.run(commands.call, settings, args.tool, arguments, out)
    if command == "tools":
        return anyio.run(commands.list_tools, settings, out)
    return anyio.run(commands.check, settings, out)
