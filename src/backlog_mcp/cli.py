"""The `backlog-mcp` command: serve on stdio (default), call one tool, list tools, check the setup.

Start-up time matters (MCP clients spawn this on every launch), so heavy imports happen inside
the functions that need them: the stdio path never imports the sandbox.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from backlog_mcp import __version__

if TYPE_CHECKING:
    from backlog_mcp.config import Settings

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
logger = logging.getLogger("backlog_mcp")


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
        "--transport", choices=("stdio", "http"), default="stdio", help="stdio (default) or streamable HTTP"
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP: loopback address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="HTTP: port (default 8000); the path is /mcp")
    call = commands.add_parser("call", parents=[common], help="run one tool and print its result")
    call.add_argument("tool", help="tool name, e.g. backlog_get_issue")
    call.add_argument(
        "arguments", nargs="?", default="{}", help='JSON object, e.g. \'{"issueIdOrKey":"DEMO-1"}\''
    )
    commands.add_parser("tools", parents=[common], help="list the tools")
    commands.add_parser("check", parents=[common], help="verify the configuration against the space")
    commands.add_parser("demo", parents=[common], help="a short MCP session over stdio, printing real output")
    return parser


def _configure_logging() -> None:
    level = os.environ.get("BACKLOG_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "WARNING",
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx2 logs every request URL at INFO, and Backlog's URLs carry the API key.
    logging.getLogger("httpx2").setLevel(logging.WARNING)


@contextmanager
def _settings(use_sandbox: bool) -> Iterator[Settings]:
    """The settings to run with; under --sandbox, a started sandbox and settings pointing at it."""
    from backlog_mcp.config import load_settings
    from backlog_mcp.redact import install_log_redaction

    if not use_sandbox:
        settings = load_settings()
        install_log_redaction(s.get_secret_value() for s in (settings.api_key, settings.access_token) if s)
        yield settings
        return
    from backlog_mcp.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        install_log_redaction([sandbox.api_key])
        yield load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, access_token=None)


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging()
    from backlog_mcp.errors import BacklogError, ConfigError

    command = args.command or "serve"
    try:
        if command == "demo":
            from backlog_mcp.demo import run_demo

            return run_demo(_write)
        with _settings(getattr(args, "sandbox", False)) as settings:
            if command == "serve":
                return _serve(args, settings)
            return _run_client_command(command, args, settings)
    except ConfigError as exc:
        hint = (
            ""
            if getattr(args, "sandbox", False)
            else "\n(Or try it without an account: backlog-mcp --sandbox)"
        )
        sys.stderr.write(f"{exc}{hint}\n")
        return EXIT_CONFIG
    except BacklogError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from backlog_mcp.server import build_server

    server = build_server(settings)
    if getattr(args, "transport", "stdio") == "stdio":
        server.run()
        return EXIT_OK
    import ipaddress

    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        # The server acts with your Backlog credentials and has no authentication of its own.
        sys.stderr.write(
            f"--host {args.host} is not a loopback address; the HTTP transport serves 127.0.0.1 only.\n"
        )
        return EXIT_CONFIG
    sys.stderr.write(f"backlog-mcp: streamable HTTP on http://{args.host}:{args.port}/mcp\n")
    server.run("streamable-http", host=args.host, port=args.port, streamable_http_path="/mcp")
    return EXIT_OK


def _run_client_command(command: str, args: argparse.Namespace, settings: Settings) -> int:
    import anyio

    from backlog_mcp import commands

    if command == "call":
        try:
            arguments: Any = json.loads(args.arguments)
        except json.JSONDecodeError as exc:
            sys.stderr.write(f"ARGUMENTS must be a JSON object: {exc.msg} at position {exc.pos}.\n")
            return EXIT_CONFIG
        if not isinstance(arguments, dict):
            sys.stderr.write('ARGUMENTS must be a JSON object, like \'{"issueIdOrKey":"DEMO-1"}\'.\n')
            return EXIT_CONFIG
        return anyio.run(commands.call, settings, args.tool, arguments, _write)
    if command == "tools":
        return anyio.run(commands.list_tools, settings, _write)
    return anyio.run(commands.check, settings, _write)
