"""Scale-out: 50 concurrent MCP client sessions of 20 calls each, against one replica directly and
against two replicas behind deploy/nginx.conf's proxy, all on one sandbox answering in 50 ms.

Each session is what one agent does: its own connection and handshake, then 20 calls one after
another (issue lists with filters, issues, comment pages, statuses, users, attachment contents,
counts, projects). The replicas are `backlog-mcp serve --transport http` processes; the proxy is
nginx itself when it is installed (the file with the replicas' addresses in its upstream), else the
test's per-request round-robin proxy (tests/e2e/roundrobin.py) in a thread of this process.

The sandbox is one process (a thread of this one) with Backlog's per-minute rate limits: 1,000
calls would meet its 429s and measure its waits, not our server. Its limits are raised far out of
reach here (`faults.rate_limits`), so every figure is our server's and the 50 ms latency's.

Figures per target: calls/s (all calls over the wall time, handshakes included), p50 / p95 of one
call, errors (an error result, an exception, or an answer unlike the same call's answer made
alone; goal 0), each replica's peak RSS (VmHWM, Linux) and the CPU it used; then the ratio of
two replicas' throughput to one's. On a machine with fewer free cores than replicas, the ratio
says what the cores allowed, not what the design does.

    python -m bench.scaleout [--proxy nginx|python]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import TextContent
from tests.e2e.roundrobin import Proxy, real_nginx, round_robin

from backlog_mcp.sandbox import SandboxServer
from bench.load import Call, _serving, answer, cpu_seconds, distinct_calls, reset_peak_rss, rss_kib

SESSIONS = 50
CALLS_PER_SESSION = 20
LATENCY_SECONDS = 0.05
UNREACHABLE_LIMIT = 1_000_000
ROUNDS = 3
MIB = 1024


@dataclass
class Target:
    name: str
    url: str
    pids: list[int]


@dataclass
class Run:
    wall: float = 0.0
    times: list[float] = field(default_factory=list)
    errors: int = 0
    peak_mib: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    here_cpu: float = 0.0
    """This process's CPU: the 50 clients, the sandbox (and the Python proxy, when it is used)."""

    @property
    def throughput(self) -> float:
        return SESSIONS * CALLS_PER_SESSION / self.wall


def session_calls(attachment_ids: dict[str, int]) -> list[Call]:
    """20 calls: bench/load.py's 17 distinct ones, and three an agent starts with."""
    opening: list[Call] = [
        ("backlog_get_projects", {}),
        ("backlog_count_issues", {"projectIdOrKey": "DEMO"}),
        ("backlog_get_priorities", {}),
    ]
    return [*opening, *distinct_calls(attachment_ids)][:CALLS_PER_SESSION]


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Client]:
    # Each session its own HTTP client: an agent of its own, with its own connection.
    async with (
        httpx2.AsyncClient(timeout=120) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def expected_answers(url: str) -> tuple[list[Call], list[list[str]]]:
    """The calls, and each one's answer made alone (no other session running)."""
    async with connected(url) as client:
        listing = await client.call_tool("backlog_get_attachments", {"issueIdOrKey": "DEMO-1"})
        text = "".join(b.text for b in listing.content if isinstance(b, TextContent))
        ids = {name: int(i) for i, name in re.findall(r"^\|(\d+)\|([^|]+)\|", text, re.MULTILINE)}
        calls = session_calls(ids)
        answers = []
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
            answers.append(answer(result))
    return calls, answers


async def measure(
    target: Target, calls: list[Call], expected: list[list[str]], sandbox: SandboxServer
) -> Run:
    run = Run()
    sandbox.reset_rate_limits()
    for pid in target.pids:
        reset_peak_rss(pid)
    cpu_before = [cpu_seconds(pid) for pid in target.pids]
    here_before = cpu_seconds(None)

    async def agent(offset: int) -> None:
        # Sessions start at different points of the mix, so the replicas do not all make the
        # same call at once.
        order = list(itertools.islice(itertools.cycle(range(len(calls))), offset, offset + len(calls)))
        done = 0
        try:
            async with connected(target.url) as client:
                for index in order:
                    tool, arguments = calls[index]
                    start = time.perf_counter()
                    result = await client.call_tool(tool, arguments)
                    run.times.append(time.perf_counter() - start)
                    run.errors += result.is_error or answer(result) != expected[index]
                    done += 1
        except Exception:  # a session that broke: its remaining calls count as errors
            run.errors += len(calls) - done

    start = time.perf_counter()
    with anyio.fail_after(600):
        async with anyio.create_task_group() as group:
            for number in range(SESSIONS):
                group.start_soon(agent, number % len(calls))
    run.wall = time.perf_counter() - start
    run.peak_mib = [rss_kib(pid, "VmHWM") / MIB for pid in target.pids]
    run.cpu = [cpu_seconds(pid) - before for pid, before in zip(target.pids, cpu_before, strict=True)]
    run.here_cpu = cpu_seconds(None) - here_before
    return run


@contextmanager
def replicas(sandbox: SandboxServer, folder: Path, count: int) -> Iterator[list[tuple[int, int]]]:
    """`count` server processes on `sandbox`: (port, pid) each."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(_serving(sandbox, folder, folder / f"replica-{n}.log")) for n in range(count)
        ]


@contextmanager
def proxy(kind: str, ports: list[int], folder: Path) -> Iterator[Proxy]:
    """deploy/nginx.conf's proxy in front of the replicas (`.url`, `.calls()` per replica)."""
    addresses = [f"http://127.0.0.1:{port}" for port in ports]
    if kind == "nginx":
        binary = shutil.which("nginx", path=f"{os.defpath}:/usr/sbin") or "nginx"
        with real_nginx(binary, addresses, folder) as running:
            yield running
    else:
        with round_robin(addresses) as running:
            yield running


def report(name: str, runs: list[Run], split: str = "") -> Run:
    """One line for a target: its median run's figures; errors and peaks over every run."""
    throughputs = [r.throughput for r in runs]
    run = sorted(runs, key=lambda r: r.throughput)[len(runs) // 2]
    times = sorted(run.times)
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
    peaks = ", ".join(f"{max(p):.0f}" for p in zip(*(r.peak_mib for r in runs), strict=True))
    per_call = sum(run.cpu) / (SESSIONS * CALLS_PER_SESSION) * 1000
    errors = sum(r.errors for r in runs)
    print(
        f"  {name:<26} {run.throughput:>8.0f} {p50 * 1000:>7.0f} {p95 * 1000:>7.0f} {errors:>7}"
        f"   {peaks:<13} {per_call:>12.1f} {run.here_cpu:>10.1f}"
    )
    every = ", ".join(f"{t:.0f}" for t in throughputs)
    print(f"  {'':<26} calls/s of each round: {every}{split}")
    return run


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__.split("\n\n")[0])
    default = "nginx" if shutil.which("nginx", path=f"{os.defpath}:/usr/sbin") else "python"
    parser.add_argument("--proxy", choices=["nginx", "python"], default=default)
    args = parser.parse_args()
    # The proxy sends `Host: $host` (no port), which the replicas must allow by name; they inherit it.
    os.environ["MCP_HTTP_ALLOWED_HOSTS"] = "127.0.0.1"
    singles: list[Run] = []
    doubles: list[Run] = []
    splits: list[list[int]] = []
    with tempfile.TemporaryDirectory() as name, SandboxServer() as sandbox:
        folder = Path(name)
        sandbox.faults.rate_limits = dict.fromkeys(("read", "update", "search", "icon"), UNREACHABLE_LIMIT)
        sandbox.faults.latency_seconds = LATENCY_SECONDS
        with replicas(sandbox, folder, 2) as started:
            urls = [f"http://127.0.0.1:{port}/mcp" for port, _ in started]
            calls, expected = await expected_answers(urls[0])
            await expected_answers(urls[1])  # each replica's caches warm before any figure
            one = Target("one replica, direct", urls[0], [started[0][1]])
            with proxy(args.proxy, [port for port, _ in started], folder) as balancer:
                pids = [pid for _, pid in started]
                two = Target(f"two replicas, {args.proxy} proxy", balancer.url + "/mcp", pids)
                for _ in range(ROUNDS):  # interleaved, so the machine's noise hits both alike
                    singles.append(await measure(one, calls, expected, sandbox))
                    balancer.reset()
                    doubles.append(await measure(two, calls, expected, sandbox))
                    splits.append(balancer.calls())
    latency = LATENCY_SECONDS * 1000
    print(
        f"{SESSIONS} concurrent sessions × {CALLS_PER_SESSION} calls, one sandbox at {latency:.0f} ms "
        f"per request (rate limits out of reach); median of {ROUNDS} interleaved rounds"
    )
    print(
        f"  {'target':<26} {'calls/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>7}   {'peak RSS MiB':<13}"
        f" {'server CPU':>12} {'bench CPU':>10}"
    )
    print(f"  {'':<26} {'':>8} {'':>7} {'':>7} {'':>7}   {'per replica':<13} {'ms per call':>12} {'s':>10}")
    single = report(one.name, singles)
    shares = "; ".join("/".join(str(n) for n in split) for split in splits)
    double = report(two.name, doubles, f"; calls per replica: {shares}")
    print(f"  two vs one throughput: {double.throughput / single.throughput:.2f}×")
    # What one replica could serve with a core to itself: the ceiling the ratio is read against.
    per_call = sum(single.cpu) / (SESSIONS * CALLS_PER_SESSION)
    print(f"  one replica's CPU bound: {1 / per_call:.0f} calls/s per core it has to itself")


if __name__ == "__main__":
    anyio.run(main)
