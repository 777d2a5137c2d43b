"""A Backlog API v2 emulator with a deterministic demo space, for tests, demos and benchmarks.

    with SandboxServer() as sandbox:
        httpx2.get(f"{sandbox.base_url}/api/v2/issues/{PARENT_ISSUE}", params={"apiKey": sandbox.api_key})

`python -m backlog_mcp.sandbox [--port N]` serves it in the foreground.
"""

from backlog_mcp.sandbox.app import SANDBOX_ACCESS_TOKEN, SANDBOX_API_KEY, RequestRecord, create_app
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.pinned import (
    ARCHIVED_PROJECT,
    CHILD_ISSUES,
    CUSTOM_STATUS_ISSUE,
    LARGE_ATTACHMENT_NAME,
    LARGE_ATTACHMENT_SIZE,
    LONG_ATTACHMENT_NAME,
    MAIN_PROJECT,
    MANY_COMMENTS_COUNT,
    MANY_COMMENTS_ISSUE,
    PARENT_ISSUE,
    UNASSIGNED_ISSUE,
    VIETNAMESE_ISSUE,
)
from backlog_mcp.sandbox.server import SandboxServer

__all__ = [
    "ARCHIVED_PROJECT",
    "CHILD_ISSUES",
    "CUSTOM_STATUS_ISSUE",
    "LARGE_ATTACHMENT_NAME",
    "LARGE_ATTACHMENT_SIZE",
    "LONG_ATTACHMENT_NAME",
    "MAIN_PROJECT",
    "MANY_COMMENTS_COUNT",
    "MANY_COMMENTS_ISSUE",
    "PARENT_ISSUE",
    "SANDBOX_ACCESS_TOKEN",
    "SANDBOX_API_KEY",
    "UNASSIGNED_ISSUE",
    "VIETNAMESE_ISSUE",
    "DemoSpace",
    "Faults",
    "RequestRecord",
    "SandboxServer",
    "create_app",
]
