"""One real sandbox per test module, reset to a clean state around every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SANDBOX_API_KEY, SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_sandbox(sandbox: SandboxServer) -> Iterator[None]:
    sandbox.faults.reset()
    sandbox.reset_rate_limits()
    sandbox.reset_requests()
    yield
    sandbox.faults.reset()


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx2.Client]:
    """Authenticated with the API key; paths are relative to `/api/v2`."""
    with httpx2.Client(
        base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": SANDBOX_API_KEY}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def anonymous(sandbox: SandboxServer) -> Iterator[httpx2.Client]:
    """No credentials at all."""
    with httpx2.Client(base_url=sandbox.base_url, timeout=30) as client:
        yield client


def error_of(response: httpx2.Response) -> dict[str, Any]:
    """The one entry of Backlog's error body."""
    errors = response.json()["errors"]
    assert len(errors) == 1
    return dict(errors[0])
