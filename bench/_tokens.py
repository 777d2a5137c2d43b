"""The o200k_base tokenizer, loaded from the npm `tiktoken` package's ranks.

tiktoken downloads its rank files at run time, which this environment cannot do; the npm
package ships the same ranks in `encoders/o200k_base.json` (a compressed text form).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import tiktoken

from backlog_mcp.commands import o200k_from_npm_ranks

CACHE = Path(__file__).parent / ".cache"
RANKS = CACHE / "node_modules" / "tiktoken" / "encoders" / "o200k_base.json"


def _ranks_file() -> Path:
    configured = os.environ.get("O200K_BASE_JSON")
    if configured:
        return Path(configured)
    if not RANKS.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed once to fetch the o200k_base ranks (npm package tiktoken)")
        CACHE.mkdir(exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--prefix", str(CACHE), "tiktoken"], check=True)
    return RANKS


@cache
def encoding() -> tiktoken.Encoding:
    encoded: tiktoken.Encoding = o200k_from_npm_ranks(tiktoken, _ranks_file())
    return encoded


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
