from __future__ import annotations

from collections.abc import Iterator

import pytest

from backlog_mcp.sandbox import SandboxServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No BACKLOG_* variable or .env from the developer's machine leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("BACKLOG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def _reusable_sandbox() -> Iterator[SandboxServer]:
    """One sandbox per xdist worker for the tests that write, reset before each of them."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def write_sandbox(_reusable_sandbox: SandboxServer) -> SandboxServer:
    """A sandbox of the test's own, as a new `SandboxServer()` starts: writes change its data, which
    other tests must not see. Reset in place rather than started anew: a start and a stop cost ~0.25 s."""
    _reusable_sandbox.reset()
    return _reusable_sandbox
