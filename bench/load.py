"""Load: 200 concurrent calls over one MCP session, against a sandbox that is slow on purpose
(50 ms per request) and answers 30 requests of each burst with 429 and 30 with 503.

The same 200 calls (issue lists with filters, issues, comment pages, statuses, users, attachment
content) are first made one by one without faults: that pass gives each call's right answer and
the sequential wall time. Then RUNS bursts of all 200 at once, each with fresh faults; every answer
is compared with the right one.

Figures, per transport (in memory, and streamable HTTP to a `backlog-mcp serve --transport http`
process pointed at this process's sandbox):
- calls/s and the p50 / p95 / max of one call's time;
- faults: 429s and 5xx the sandbox sent, retries the server logged, errors the client saw;
- wall / critical path: the critical path is the slowest call's unavoidable time, the longest
  wait a 429 imposed (its reset, plus the client's margin) plus three requests' latency (the
  deepest chain: a request, its retry, and the parent of a child issue). Near 1, no call waits
  behind another's wait. Goal: <= 1.5;
- sequential / concurrent wall: what the concurrency buys;
- CPU per call (the server process's; in memory, the whole process's): 200 calls arrive at once
  and share the CPU, so the p50 is mostly waiting for it;
- peak memory growth during a burst (in memory: tracemalloc, in a burst of its own since tracing
  slows everything; over HTTP: the server process's peak RSS). Goal: <= 64 MiB;
- peak open files: in memory both ends of each socket count.

    python -m bench.load
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.types import CallToolResult, ImageContent, TextContent

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server

CONCURRENT = 200
LATENCY_SECONDS = 0.05
THROTTLED = 30
FAILED = 30
RUNS = 3
RATIO_GOAL = 1.5
MEMORY_GOAL_MIB = 64.0
MIB = 1024 * 1024
CHAIN = 3  # requests on the deepest path: request, its retry, a child issue's parent
_RETRY = re.compile(r"failed \((\w+)\); retrying in ([\d.]+) s")
_RATE_NOTE = "Note: Backlog's rate limit is low"
# The attachments of DEMO-1 the sandbox pins, by name; their IDs are read from the sandbox.
_FILES = ("notes.txt", "data.csv", "screenshot.png", "server-log-large.log")

Call = tuple[str, dict[str, Any]]


def distinct_calls(attachment_ids: dict[str, int]) -> list[Call]:
    return [
        ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 10}),
        ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "statusId": [1], "count": 5}),
        ("backlog_get_issue_list", {"projectIdOrKey": "DEMO,OPS", "parentChild": 4, "sort": "created"}),
        ("backlog_get_issue_list", {"projectIdOrKey": "VNAPP", "priorityId": [2], "offset": 1}),
        *(("backlog_get_issue", {"issueIdOrKey": k}) for k in ("DEMO-1", "DEMO-2", "DEMO-6", "VNAPP-1")),
        ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 20}),
        ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 50, "order": "asc"}),
        ("backlog_get_comments", {"issueIdOrKey": "DEMO-1", "count": 5}),
        ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}),
        ("backlog_get_statuses", {"projectIdOrKey": "VNAPP"}),
        ("backlog_get_users", {"projectIdOrKey": "DEMO"}),
        *(
            ("backlog_get_attachment_content", {"issueIdOrKey": "DEMO-1", "attachmentId": attachment_ids[n]})
            for n in _FILES
        ),
    ]


def answer(result: CallToolResult) -> list[str]:
    """A call's answer as comparable strings, without the rate-limit note (advice of the moment)."""
    blocks = []
    for block in result.content:
        if isinstance(block, TextContent) and not block.text.startswith(_RATE_NOTE):
            blocks.append(block.text)
        elif isinstance(block, ImageContent):
            blocks.append(block.data)
    return blocks


def open_files(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int, line: str) -> int:
    """`VmRSS` or `VmHWM` (peak) of a process, in KiB."""
    for entry in Path(f"/proc/{pid}/status").read_text().splitlines():
        if entry.startswith(line + ":"):
            return int(entry.split()[1])
    raise LookupError(line)


def cpu_seconds(pid: int | None) -> float:
    """CPU time used so far by a process (None: this one, all its threads)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def reset_peak_rss(pid: int) -> None:
    """Restarts a process's `VmHWM` from its current RSS (Linux: `clear_refs` value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass
class Burst:
    wall: float
    times: list[float]
    wrong: int
    injected: Counter[str]
    retried: Counter[str] = field(default_factory=Counter)
    longest_wait: float = 0.0
    peak_growth_mib: float | None = None
    peak_files: int = 0
    cpu: float = 0.0


@dataclass
class Target:
    """One transport: the client, and how to read the server's retries, memory and files."""

    name: str
    client: Client
    retry_lines: Callable[[], list[str]]
    server_pid: int | None = None  # None: the server runs in this process


async def timed_calls(client: Client, calls: list[Call]) -> tuple[list[CallToolResult], list[float]]:
    results: list[CallToolResult | None] = [None] * len(calls)
    times = [0.0] * len(calls)

    async def one(index: int, tool: str, arguments: dict[str, Any]) -> None:
        start = time.perf_counter()
        results[index] = await client.call_tool(tool, arguments)
        times[index] = time.perf_counter() - start

    with anyio.fail_after(120):
        async with anyio.create_task_group() as group:
            for index, (tool, arguments) in enumerate(calls):
                group.start_soon(one, index, tool, arguments)
    return [r for r in results if r is not None], times


async def burst(
    target: Target, sandbox: SandboxServer, calls: list[Call], expected: list[list[str]], *, traced: bool
) -> Burst:
    sandbox.reset_rate_limits()  # each burst is a fresh minute, as far as Backlog's buckets go
    sandbox.reset_requests()
    sandbox.faults.throttle_next, sandbox.faults.fail_next = THROTTLED, FAILED
    seen_before = len(target.retry_lines())
    pid = target.server_pid or os.getpid()
    peak_files = open_files(pid)
    if target.server_pid is not None:
        reset_peak_rss(pid)
        rss_before = rss_kib(pid, "VmRSS")
    if traced:
        tracemalloc.start()
        traced_before, _ = tracemalloc.get_traced_memory()

    async def watch_files() -> None:
        nonlocal peak_files
        while True:
            peak_files = max(peak_files, open_files(pid))
            await anyio.sleep(0.005)

    cpu_before = cpu_seconds(target.server_pid)
    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        group.start_soon(watch_files)
        results, times = await timed_calls(target.client, calls)
        group.cancel_scope.cancel()
    wall = time.perf_counter() - start
    cpu = cpu_seconds(target.server_pid) - cpu_before
    growth = None
    if traced:
        growth = (tracemalloc.get_traced_memory()[1] - traced_before) / MIB
        tracemalloc.stop()
    elif target.server_pid is not None:
        growth = (rss_kib(pid, "VmHWM") - rss_before) / 1024
    wrong = sum(r.is_error or answer(r) != e for r, e in zip(results, expected, strict=True))
    statuses = Counter(r.status for r in sandbox.requests)
    injected = Counter({"429": statuses[429], "5xx": statuses[503]})
    result = Burst(wall, times, wrong, injected, peak_growth_mib=growth, peak_files=peak_files, cpu=cpu)
    for line in target.retry_lines()[seen_before:]:
        if found := _RETRY.search(line):
            kind = "429" if found[1] == "BacklogRateLimitError" else "5xx"
            result.retried[kind] += 1
            if kind == "429":
                result.longest_wait = max(result.longest_wait, float(found[2]))
    return result


def report(target: Target, sequential: float, bursts: list[Burst], memory: list[Burst]) -> bool:
    """Prints the figures; True when every goal is met. `memory` are the bursts memory was read in."""
    walls = [b.wall for b in bursts]
    wall = statistics.median(walls)
    typical = bursts[walls.index(wall)] if wall in walls else bursts[0]
    times = sorted(typical.times)
    critical = typical.longest_wait + CHAIN * LATENCY_SECONDS
    ratio = wall / critical
    checked = bursts + [b for b in memory if all(b is not t for t in bursts)]
    injected = sum((b.injected for b in checked), Counter[str]())
    retried = sum((b.retried for b in checked), Counter[str]())
    wrong = sum(b.wrong for b in checked)
    growth = max(b.peak_growth_mib or 0.0 for b in memory)
    ok_ratio, ok_memory = ratio <= RATIO_GOAL, growth <= MEMORY_GOAL_MIB
    ok_faults = wrong == 0 and injected == retried
    latency_ms = LATENCY_SECONDS * 1000
    print(f"{target.name}: {CONCURRENT} concurrent calls, one session, {latency_ms:.0f} ms per request")
    print(f"  wall (median of {RUNS})   {wall:.2f} s  (min {min(walls):.2f}, max {max(walls):.2f})")
    rates = f"{CONCURRENT / wall:.0f}  (one by one, no faults: {CONCURRENT / sequential:.1f})"
    print(f"  calls/s             {rates}")
    print(
        f"  one call            p50 {times[len(times) // 2] * 1000:.0f} ms, "
        f"p95 {times[int(len(times) * 0.95)] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms"
    )
    print(
        f"  faults ({len(checked)} bursts)   injected {injected['429']} × 429 + {injected['5xx']} × 503; "
        f"retried {retried['429']} + {retried['5xx']}; wrong or failed answers {wrong} "
        f"{'ok' if ok_faults else 'MISSED'}"
    )
    print(
        f"  wall / critical     {wall:.2f} / {critical:.2f} s (longest 429 wait {typical.longest_wait:.1f} s "
        f"+ {CHAIN} × latency) = {ratio:.2f}  (goal <= {RATIO_GOAL}) {'ok' if ok_ratio else 'MISSED'}"
    )
    print(f"  wall / slowest call {wall / times[-1]:.2f}")
    whose = "server process" if target.server_pid else "one process: client, server, sandbox"
    print(f"  CPU per call        {typical.cpu / CONCURRENT * 1000:.1f} ms ({whose})")
    print(f"  sequential / wall   {sequential:.2f} / {wall:.2f} s = {sequential / wall:.1f}×")
    verdict = "ok" if ok_memory else "MISSED"
    print(f"  peak memory growth  {growth:.1f} MiB  (goal <= {MEMORY_GOAL_MIB:.0f}) {verdict}")
    print(f"  peak open files     {max(b.peak_files for b in bursts)}")
    return ok_ratio and ok_memory and ok_faults


async def measure(target: Target, sandbox: SandboxServer) -> bool:
    listing = await target.client.call_tool("backlog_get_attachments", {"issueIdOrKey": "DEMO-1"})
    text = "".join(b.text for b in listing.content if isinstance(b, TextContent))
    ids = {name: int(i) for i, name in re.findall(r"^\|(\d+)\|([^|]+)\|", text, re.MULTILINE)}
    distinct = distinct_calls(ids)
    calls = list(itertools.islice(itertools.cycle(distinct), CONCURRENT))
    sandbox.faults.latency_seconds = LATENCY_SECONDS
    sandbox.faults.throttle_reset_seconds = 1
    sandbox.faults.fail_status = 503
    sandbox.reset_rate_limits()
    start = time.perf_counter()
    expected = []
    for tool, arguments in calls:  # one by one, no faults: the right answers and the sequential wall
        result = await target.client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        expected.append(answer(result))
    sequential = time.perf_counter() - start
    bursts = [await burst(target, sandbox, calls, expected, traced=False) for _ in range(RUNS)]
    if target.server_pid is not None:  # the server's RSS was read during every burst
        return report(target, sequential, bursts, bursts)
    # Tracing slows every allocation: memory gets a burst of its own, whose answers count too.
    memory = await burst(target, sandbox, calls, expected, traced=True)
    return report(target, sequential, bursts, [memory])


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@asynccontextmanager
async def in_memory(sandbox: SandboxServer, workspace: Path) -> AsyncIterator[Target]:
    settings = load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, workspace=workspace, timezone="Asia/Tokyo"
    )
    lines = _Lines()
    client_log = logging.getLogger("backlog_mcp.backlog.client")
    client_log.addHandler(lines)
    client_log.propagate = False  # a retry line per fault is for counting here, not for the terminal
    try:
        async with Client(build_server(settings)) as client:
            yield Target("in memory", client, lambda: lines.lines)
    finally:
        client_log.removeHandler(lines)
        client_log.propagate = True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(sandbox: SandboxServer, workspace: Path, log: Path) -> Iterator[tuple[int, int]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    env |= {
        "BACKLOG_BASE_URL": sandbox.base_url,
        "BACKLOG_API_KEY": sandbox.api_key,
        "BACKLOG_WORKSPACE": str(workspace),
        "BACKLOG_TIMEZONE": "Asia/Tokyo",
    }
    command = [sys.executable, "-m", "backlog_mcp", "serve", "--transport", "http", "--port", str(port)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        with socket.socket() as sock:
            for _ in range(300):  # up to ~30 s for the interpreter to start listening
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()}")
                time.sleep(0.1)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def over_http(sandbox: SandboxServer, workspace: Path) -> AsyncIterator[Target]:
    log = workspace / "server.log"
    with _serving(sandbox, workspace, log) as (port, pid):
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            yield Target("streamable HTTP", client, lambda: log.read_text().splitlines(), server_pid=pid)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        workspace = Path(folder)
        results = []
        async with in_memory(sandbox, workspace) as target:
            results.append(await measure(target, sandbox))
        sandbox.faults.reset()
        async with over_http(sandbox, workspace) as target:
            results.append(await measure(target, sandbox))
    print("ALL GOALS MET" if all(results) else "SOME GOALS MISSED")


if __name__ == "__main__":
    anyio.run(main)
