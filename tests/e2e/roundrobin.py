"""deploy/nginx.conf's routing, run in the test: a per-request round-robin proxy on starlette + httpx2.

The file is parsed (the upstream's servers, the `location` paths, the `proxy_set_header` lines)
and the real replicas' addresses take the upstream servers' places, in order. As nginx does, every
request goes to the next replica, whatever connection it came on (a kept-alive client must not be
pinned to one), the answer streams back as it comes (server-sent events included), request headers
pass except hop-by-hop ones, and a path no location matches is 404. Each replica's requests are
recorded (HTTP method, path, JSON-RPC method), so a test can see who served what.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from backlog_mcp.sandbox.server import bind_socket

__all__ = [
    "Directive", "NginxSite", "Proxy", "Served",
    "nginx_site", "parse_nginx", "real_nginx", "round_robin", "serving",
]  # fmt: skip

NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
# RFC 9110 §7.6.1: meant for one connection, never forwarded (nor Host: nginx sets it itself).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "proxy-connection"}
)  # fmt: skip
# What nginx keeps of an upstream's answer to itself by default (proxy_hide_header): it sends its own.
HIDDEN = frozenset({"date", "server", "x-pad"})
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(#.*)|([{};])|([^\s{};"#]+)')
_START_TIMEOUT_SECONDS = 10.0


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str) -> Directive:
        (found,) = self.all(name)
        return found


def parse_nginx(text: str) -> Directive:
    """nginx's configuration syntax (directives, blocks, quotes, comments) as a tree."""
    words: list[str] = []
    for quoted, comment, punct, bare in _TOKEN.findall(text):
        if not comment:
            words.append(punct or bare or f'"{quoted}"')
    root = Directive("", [], [])
    stack = [root]
    current: list[str] = []
    for word in words:
        if word in (";", "{"):
            name, *args = current
            directive = Directive(name, [a.strip('"') for a in args], [] if word == "{" else None)
            assert stack[-1].block is not None
            stack[-1].block.append(directive)
            if word == "{":
                stack.append(directive)
            current = []
        elif word == "}":
            stack.pop()
        else:
            current.append(word)
    assert len(stack) == 1, "unbalanced braces"
    assert not current, "a directive without ;"
    return root


@dataclass(frozen=True)
class Location:
    exact: bool
    path: str
    upstream: str


@dataclass(frozen=True)
class NginxSite:
    """What the proxy needs of the file: one upstream's servers, the locations, the headers set."""

    upstream: str
    servers: list[str]
    locations: list[Location]
    headers: dict[str, str]

    def route(self, path: str) -> Location | None:
        """nginx's choice: an exact match first, else the longest matching prefix."""
        for location in self.locations:
            if location.exact and location.path == path:
                return location
        prefixes = [loc for loc in self.locations if not loc.exact and path.startswith(loc.path)]
        return max(prefixes, key=lambda loc: len(loc.path), default=None)


def nginx_site(path: Path = NGINX_CONF) -> NginxSite:
    root = parse_nginx(path.read_text(encoding="utf-8"))
    upstream = root.one("upstream")
    server = root.one("server")
    locations = []
    for location in server.all("location"):
        exact = location.args[0] == "="
        assert not location.all("proxy_set_header"), "a location's own headers would hide the server's"
        target = location.one("proxy_pass").args[0].removeprefix("http://")
        locations.append(Location(exact, location.args[-1], target))
    headers = {d.args[0].lower(): d.args[1] for d in server.all("proxy_set_header")}
    servers = [d.args[0] for d in upstream.all("server")]
    return NginxSite(upstream.args[0], servers, locations, headers)


@dataclass
class Served:
    """One request a replica got: `POST /mcp tools/call`, `GET /health`."""

    method: str
    path: str
    rpc: str = ""
    caller: str = ""
    """The X-Backlog-Api-Key it carried (the sandbox's, in tests): whose call it was."""


@dataclass
class Proxy:
    site: NginxSite
    replicas: list[str]
    """Base URLs (`http://127.0.0.1:PORT`) in the upstream servers' order."""
    records: list[list[Served]] = field(default_factory=list)
    url: str = ""
    _turn: Iterator[int] = field(default_factory=lambda: itertools.count())

    @property
    def served(self) -> list[list[Served]]:
        """Each replica's requests, in order."""
        return self.records

    def calls(self) -> list[int]:
        """Tool calls served by each replica."""
        return [sum(s.rpc == "tools/call" for s in replica) for replica in self.served]

    def reset(self) -> None:
        for replica in self.records:
            replica.clear()

    def headers_for(self, request: Request) -> list[tuple[str, str]]:
        """The request's headers minus hop-by-hop ones, then the file's `proxy_set_header` lines."""
        named = {h.strip().lower() for h in request.headers.get("connection", "").split(",")}
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]  # nginx's $host: no port
        client = request.client.host if request.client else ""
        forwarded = ", ".join(filter(None, [request.headers.get("x-forwarded-for"), client]))
        variables = {
            "$host": host, "$scheme": request.url.scheme, "$remote_addr": client,
            "$proxy_add_x_forwarded_for": forwarded, "$http_host": request.headers.get("host", ""),
        }  # fmt: skip
        headers = [
            (k, v)
            for k, v in request.headers.items()
            if k not in HOP_BY_HOP and k not in named and k not in self.site.headers
        ]
        for name, value in self.site.headers.items():
            for variable, given in variables.items():
                value = value.replace(variable, given)
            if value:  # set to "" in nginx: not sent at all
                headers.append((name, value))
        return headers


def start_proxy(replicas: list[str], site: NginxSite | None = None) -> Proxy:
    site = site or nginx_site()
    assert len(replicas) == len(site.servers), f"the upstream has {len(site.servers)} servers"
    return Proxy(site, replicas, records=[[] for _ in replicas])


def proxy_app(proxy: Proxy) -> Starlette:
    upstream: list[httpx2.AsyncClient] = []

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # No overall timeout: a stream lasts as long as its call (proxy_read_timeout is an hour).
        async with httpx2.AsyncClient(timeout=httpx2.Timeout(None, connect=5)) as client:
            upstream.append(client)
            yield

    async def forward(request: Request) -> Response:
        location = proxy.site.route(request.url.path)
        if location is None or location.upstream != proxy.site.upstream:
            return PlainTextResponse("404 Not Found", status_code=404)
        body = await request.body()  # nginx reads a request body whole before passing it too
        index = next(proxy._turn) % len(proxy.replicas)
        caller = request.headers.get("x-backlog-api-key", "")
        proxy.records[index].append(Served(request.method, request.url.path, _rpc_method(body), caller))
        query = f"?{request.url.query}" if request.url.query else ""
        outgoing = upstream[0].build_request(
            request.method,
            proxy.replicas[index] + request.url.path + query,
            headers=proxy.headers_for(request),
            content=body,
        )
        try:
            answer = await upstream[0].send(outgoing, stream=True)
        except httpx2.TransportError:
            return PlainTextResponse("502 Bad Gateway", status_code=502)
        headers = {
            k: v
            for k, v in answer.headers.multi_items()
            if k.lower() not in HOP_BY_HOP | HIDDEN and not k.lower().startswith("x-accel-")
        }

        async def relayed() -> AsyncIterator[bytes]:
            try:  # each chunk as it comes: an event of a stream reaches the client at once
                async for chunk in answer.aiter_raw():
                    yield chunk
            finally:  # also when the client went away mid-stream
                await answer.aclose()

        return StreamingResponse(relayed(), status_code=answer.status_code, headers=headers)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


def _rpc_method(body: bytes) -> str:
    try:
        message = json.loads(body)
    except ValueError:
        return ""
    return str(message.get("method", "")) if isinstance(message, dict) else ""


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Serves `app` with uvicorn on a free loopback port in a thread; yields `http://127.0.0.1:PORT`."""
    sock = bind_socket()
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="h11",
        ws="none",
        proxy_headers=False,  # the client is the socket's peer: nginx trusts no X-Forwarded-For either
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not server.started:  # polled: uvicorn sets a flag, it has no event to wait on
            assert thread.is_alive(), "the server exited during start-up"
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.002)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(_START_TIMEOUT_SECONDS)
        sock.close()


@contextmanager
def round_robin(replicas: list[str], site: NginxSite | None = None) -> Iterator[Proxy]:
    """deploy/nginx.conf's proxy in front of `replicas`, listening; `proxy.url` is its base URL."""
    proxy = start_proxy(replicas, site)
    with serving(proxy_app(proxy)) as url:
        proxy.url = url
        yield proxy


@dataclass
class NginxProxy(Proxy):
    """A real nginx: who served what is read from its access log."""

    log: Path = Path()
    _skip: int = 0

    @property
    def served(self) -> list[list[Served]]:
        # nginx logs a request just after its last bytes left: once it has answered one more (a
        # 404 of its own, one process), every answer the client saw is in the log.
        assert httpx2.get(self.url + "/not-proxied").status_code == 404
        records: list[list[Served]] = [[] for _ in self.replicas]
        addresses = [r.removeprefix("http://") for r in self.replicas]
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        for line in lines[self._skip :]:
            entry = json.loads(line)
            if entry["upstream"] in addresses:
                rpc = _rpc_method(entry["body"].encode())
                served = Served(entry["method"], entry["uri"], rpc, entry["caller"])
                records[addresses.index(entry["upstream"])].append(served)
        return records

    def reset(self) -> None:
        self._skip = len(self.log.read_text(encoding="utf-8").splitlines()) if self.log.exists() else 0


_NGINX_WRAPPER = """daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    log_format served escape=json
        '{{"upstream":"$upstream_addr","method":"$request_method","uri":"$uri","body":"$request_body",'
        '"caller":"$http_x_backlog_api_key"}}';
    access_log {folder}/access.log served;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/site.conf;
}}
"""


@contextmanager
def real_nginx(binary: str, replicas: list[str], folder: Path) -> Iterator[Proxy]:
    """deploy/nginx.conf served by nginx itself (by hand: SCALEOUT_NGINX=/usr/sbin/nginx), its
    upstream servers replaced by `replicas` and `listen` by a free loopback port."""
    site = nginx_site()
    text = NGINX_CONF.read_text(encoding="utf-8")
    for server, replica in zip(site.servers, replicas, strict=True):
        text = text.replace(f"server {server};", f"server {replica.removeprefix('http://')};")
    with bind_socket() as probe:
        port = probe.getsockname()[1]
    assert "listen 8080;" in text
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    here = folder / "nginx"
    here.mkdir(exist_ok=True)
    (here / "site.conf").write_text(text, encoding="utf-8")
    (here / "nginx.conf").write_text(_NGINX_WRAPPER.format(folder=here), encoding="utf-8")
    process = subprocess.Popen([binary, "-c", str(here / "nginx.conf")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not _listening(port):  # polled: nginx announces nothing
            assert process.poll() is None, (here / "error.log").read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "nginx did not start in time"
            time.sleep(0.01)
        yield NginxProxy(site, replicas, url=f"http://127.0.0.1:{port}", log=here / "access.log")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
