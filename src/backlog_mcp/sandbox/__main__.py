"""`python -m backlog_mcp.sandbox [--port N]`: serve the sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import sys

from backlog_mcp.cli import listen_error, tcp_port
from backlog_mcp.sandbox.app import SANDBOX_ACCESS_TOKEN, SANDBOX_API_KEY, create_app, member_api_key
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.pinned import MAIN_PROJECT, PARENT_ISSUE
from backlog_mcp.sandbox.server import HOST, bind_socket, make_uvicorn_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backlog_mcp.sandbox", description=__doc__)
    parser.add_argument(
        "--port", type=tcp_port, default=0, help="TCP port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every API answer")
    args = parser.parse_args(argv)

    try:
        sock = bind_socket(args.port)
    except OSError as exc:
        sys.stderr.write(listen_error(HOST, args.port, exc) + "\n")
        return 2
    port = sock.getsockname()[1]
    app = create_app(DemoSpace(), faults=Faults(latency_seconds=args.latency), log=lambda record: None)
    base_url = f"http://{HOST}:{port}"
    # stderr only: stdout may be a JSON-RPC channel when run next to an MCP server.
    sys.stderr.write(
        f"Backlog sandbox serving at {base_url}\n"
        f"  BACKLOG_BASE_URL={base_url}\n"
        f"  BACKLOG_API_KEY={SANDBOX_API_KEY}\n"
        f"  (or Authorization: Bearer {SANDBOX_ACCESS_TOKEN})\n"
        f"  other members: {member_api_key('suzuki.hanako')} (sandbox-api-key-<their userId>)\n"
        f"  try: curl '{base_url}/api/v2/issues/{PARENT_ISSUE}?apiKey={SANDBOX_API_KEY}'\n"
        f"  project {MAIN_PROJECT}; Ctrl-C to stop\n"
    )
    sys.stderr.flush()
    # uvicorn re-raises the Ctrl-C it handled once it has shut down cleanly.
    with contextlib.suppress(KeyboardInterrupt):
        make_uvicorn_server(app).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
