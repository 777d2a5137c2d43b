"""`SandboxServer`: the sandbox on a real socket, in a background thread with its own event loop."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from backlog_mcp.sandbox.app import SANDBOX_API_KEY, RequestRecord, create_app
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.ratelimit import RateLimiter

__all__ = ["RequestRecord", "SandboxServer", "bind_socket", "make_uvicorn_server"]

HOST = "127.0.0.1"
_START_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 5.0


def bind_socket(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1; port 0 picks a free one."""
    # An explicit IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every small answer waits ~40 ms on the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def make_uvicorn_server(app: ASGIApp) -> uvicorn.Server:
    """uvicorn configured to stay silent on stdout: the MCP server may share the process, and there
    stdout is the JSON-RPC channel."""
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        loop="asyncio",
        http="h11",
        interface="asgi3",  # said, not guessed: the in-process sandbox serves a bound method
        ws="none",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


class SandboxServer:
    """A Backlog API v2 emulator serving the demo space on `base_url`.

    Use as a (sync or async) context manager, or call `start()` / `stop()`. `faults` may be changed
    at any time; the next request sees the change. `reset()` makes it as new again, on the same port.
    """

    def __init__(self, *, faults: Faults | None = None, port: int = 0) -> None:
        self._faults = faults if faults is not None else Faults()
        self._port = port
        self.api_key = SANDBOX_API_KEY
        self.requests: list[RequestRecord] = []
        self._requests_lock = threading.Lock()
        self._generation = 0
        self._build()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._base_url: str | None = None

    def _build(self) -> None:
        """A new demo space and an app of its own: everything a request can change lives there."""
        self.space = DemoSpace()
        self._limiter = RateLimiter()
        generation = self._generation

        def record(entry: RequestRecord) -> None:
            self._record(generation, entry)

        self._app = create_app(self.space, faults=self._faults, log=record, limiter=self._limiter)

    def reset(self) -> None:
        """Back to the state of a new `SandboxServer()`, in place, on the same port: a new demo space
        (so no write is left), no faults, an empty request log, fresh rate-limit buckets.

        Much cheaper than a stop and a start (~0.25 s, more under load). A request in flight at the reset
        is answered by the old space, and its record is dropped: it cannot leak into the new state.
        """
        with self._requests_lock:
            self._generation += 1
            self.requests.clear()
            self._build()
        self._faults.reset()

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        # The app holds the original object; copying the knobs keeps assignment meaningful.
        self._faults.copy_from(value)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (without `/api/v2`); only once started."""
        if self._base_url is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._base_url

    def start(self) -> None:
        if self._thread is not None:
            return
        sock = bind_socket(self._port)
        port = sock.getsockname()[1]
        server = make_uvicorn_server(self._serve)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="backlog-sandbox", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        try:
            self._wait_until_started(server, thread)
        except BaseException:
            self.stop()
            raise
        self._base_url = f"http://{HOST}:{port}"

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        self._server, self._thread, self._socket = None, None, None
        self._base_url = None
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(_STOP_TIMEOUT_SECONDS)
        if sock is not None:
            sock.close()  # uvicorn closes it on shutdown; this covers a failed start

    def reset_requests(self) -> None:
        with self._requests_lock:
            self.requests.clear()

    def reset_rate_limits(self) -> None:
        """Forget every rate-limit window, as if a minute had passed for all buckets."""
        self._limiter.reset()

    def _record(self, generation: int, record: RequestRecord) -> None:
        with self._requests_lock:
            if generation == self._generation:
                self.requests.append(record)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The app of the moment: `reset()` swaps it, and uvicorn keeps the callable it was given.
        await self._app(scope, receive, send)

    @staticmethod
    def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the sandbox server thread exited during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start in time")
            time.sleep(0.002)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
