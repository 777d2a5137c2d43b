"""Start-up: process start → `tools/list` answered over stdio, ours vs a bare MCPServer.

Speaks raw JSON-RPC over the pipes (no client library in the timed path), interleaves the
two servers so machine noise hits both alike, and reports medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]  # fmt: skip


def time_to_tools_list(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert process.stdin
    assert process.stdout
    process.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in MESSAGES))
    process.stdin.flush()
    for line in process.stdout:
        if json.loads(line).get("id") == 2:
            break
    elapsed = time.perf_counter() - start
    process.stdin.close()
    process.wait(timeout=10)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    ours_env = {**env, "BACKLOG_BASE_URL": "https://example.backlog.com", "BACKLOG_API_KEY": "bench"}
    ours_cmd = [sys.executable, "-m", "backlog_mcp"]
    base_cmd = [sys.executable, str(HERE / "baseline_server.py")]
    time_to_tools_list(ours_cmd, ours_env)  # warm the file cache and .pyc files
    time_to_tools_list(base_cmd, env)
    ours, base = [], []
    for _ in range(args.runs):
        ours.append(time_to_tools_list(ours_cmd, ours_env))
        base.append(time_to_tools_list(base_cmd, env))
    ours_median, base_median = statistics.median(ours), statistics.median(base)
    print(f"backlog-mcp   median {ours_median * 1000:7.1f} ms  (runs: {args.runs})")
    print(f"bare MCPServer median {base_median * 1000:7.1f} ms")
    print(f"ratio {ours_median / base_median:.2f} (goal <= 1.25)")


if __name__ == "__main__":
    main()
