"""The Dockerfile: lint-clean, slim, non-root, health-checked, serving HTTP by default, a tight context.

No Docker engine here: the image's command and environment are run as the container would run
them, against the sandbox, and its health check is executed as Docker would execute it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.deploy.files import (
    DOCKERFILE,
    ROOT,
    Instruction,
    dockerfile_stages,
    dockerignore_patterns,
    dockerignored,
    final_stage,
)
from tests.e2e.conftest import call
from tests.e2e.test_http_serve import serve_over_http

HADOLINT = Path(sysconfig.get_path("scripts")) / ("hadolint.exe" if os.name == "nt" else "hadolint")
TOKEN = "container-t0ken"


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    # Every level fails, info included: the file is kept free of all of them.
    return subprocess.run(
        [str(HADOLINT), "--no-color", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=dockerfile.parent,
    )


def healthcheck_command() -> list[str]:
    (check,) = final_stage().all("HEALTHCHECK")
    options, _, command = check.text.partition("CMD ")
    assert options.strip().startswith("--") or not options.strip(), check.text
    return Instruction("CMD", command).exec_form()


def health_check_passes(command: list[str], port: int) -> bool:
    """Runs the check as Docker does, in the container's environment (`python` is this one)."""
    assert command[0] == "python"
    environment = final_stage().env() | {"MCP_HTTP_PORT": str(port)}
    done = subprocess.run(
        [sys.executable, *command[1:]],
        env={**os.environ, **environment},
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = hadolint(DOCKERFILE)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_hadolint_is_live_and_flags_an_unpinned_root_image(tmp_path: Path) -> None:
    # Proves the lint above can fail: an image on `latest` is exactly what it must refuse.
    bad = tmp_path / "Dockerfile"
    bad.write_text('FROM python:latest\nRUN pip install mcp\nCMD ["backlog-mcp"]\n', encoding="utf-8")
    done = hadolint(bad)
    assert done.returncode != 0
    assert "DL3007" in done.stdout
    assert "DL3013" in done.stdout


def test_every_stage_builds_from_a_slim_python_image_pinned_by_tag() -> None:
    stages = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
    assert len(stages) >= 2  # the wheels are built in one stage and only installed in the last
    for stage in stages:
        assert re.fullmatch(r"python:3\.1[1-9](\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", stage.base)


def test_the_final_stage_installs_wheels_only_without_keeping_them_or_pips_cache() -> None:
    stage = final_stage()
    assert stage.all("COPY") == []  # the wheels come through a bind mount, no layer keeps them
    (install,) = [r for r in stage.all("RUN") if "pip install" in r.text]
    assert "--mount=type=bind,from=build" in install.text
    assert "--no-index" in install.text
    assert stage.env()["PIP_NO_CACHE_DIR"] == "1"
    assert not any(re.search(r"apt-get|apk |gcc|build-essential", r.text) for r in stage.all("RUN"))


def test_the_container_runs_as_a_fixed_non_root_uid() -> None:
    stage = final_stage()
    user = stage.all("USER")[-1].text
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "a numeric UID, so Kubernetes' runAsNonRoot can verify it"
    assert int(uid) != 0
    assert not gid or int(gid) != 0
    # Nothing runs as root after it, and that UID is the one the image created.
    steps = [i.keyword for i in stage.instructions if i.keyword in ("RUN", "USER")]
    assert steps[-1] == "USER"
    assert any(f"--uid {uid}" in r.text and "useradd" in r.text for r in stage.all("RUN"))
    assert stage.all("WORKDIR")


def test_the_default_command_serves_streamable_http_on_all_interfaces_at_port_8000() -> None:
    stage = final_stage()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    (entrypoint,) = stage.all("ENTRYPOINT")
    (command,) = stage.all("CMD")
    assert entrypoint.exec_form() == ["backlog-mcp"]
    assert "backlog-mcp" in scripts
    assert command.exec_form() == ["serve", "--transport", "http"]
    env = stage.env()
    assert (env["MCP_HTTP_HOST"], env["MCP_HTTP_PORT"], env["PYTHONUNBUFFERED"]) == ("0.0.0.0", "8000", "1")
    assert [e.text for e in stage.all("EXPOSE")] == ["8000"]
    # SIGTERM is what the server drains on: in-flight calls finish before it exits.
    assert [s.text for s in stage.all("STOPSIGNAL")] == ["SIGTERM"]


def test_the_healthcheck_gets_health_on_loopback_with_the_standard_library() -> None:
    command = healthcheck_command()
    code = command[-1]
    assert command[:2] == ["python", "-c"]
    assert "'/health'" in code
    assert "'127.0.0.1'" in code
    assert "MCP_HTTP_PORT" in code  # follows the port the operator set
    assert not re.search(r"\b(curl|wget|requests|httpx)\b", code)


def test_the_image_refuses_to_serve_openly_until_the_operator_sets_hosts_and_tokens(tmp_path: Path) -> None:
    # The image's own environment binds 0.0.0.0: on its own it must not start.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BACKLOG_", "MCP_"))}
    done = subprocess.run(
        [sys.executable, "-m", "backlog_mcp", "--sandbox", *final_stage().all("CMD")[0].exec_form()],
        env=environment | final_stage().env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "MCP_HTTP_ALLOWED_HOSTS" in done.stderr
    assert "0.0.0.0" in done.stderr


@pytest.mark.anyio
async def test_the_images_settings_serve_mcp_and_its_healthcheck_passes_then_fails(tmp_path: Path) -> None:
    operator = {"MCP_HTTP_ALLOWED_HOSTS": "backlog_mcp", "MCP_HTTP_AUTH_TOKENS": TOKEN}
    environment = final_stage().env() | operator
    check = healthcheck_command()
    port = 0
    for url in serve_over_http(tmp_path, sandbox=True, **environment):  # port 0 over the 8000 set
        assert url.startswith("http://0.0.0.0:")
        port = int(url.split(":")[2].split("/")[0])
        assert health_check_passes(check, port)
        local = url.replace("0.0.0.0", "127.0.0.1")
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}", "Host": "backlog_mcp"}) as http,
            Client(streamable_http_client(local, http_client=http)) as client,
        ):
            text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-6"})
        assert text.startswith("# DEMO-6 ")
    assert not health_check_passes(check, port)  # the server has stopped: the check must say so


def test_every_copy_source_exists_and_is_in_the_build_context() -> None:
    patterns = dockerignore_patterns()
    sources = [
        source
        for stage in dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
        for copy in stage.all("COPY")
        if not copy.text.startswith("--from")
        for source in copy.text.split()[:-1]
    ]
    assert "src" in [s.rstrip("/") for s in sources]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not dockerignored(patterns, source.rstrip("/")), source
    package = [p for p in (ROOT / "src").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    left_out = [p for p in package if dockerignored(patterns, p.relative_to(ROOT).as_posix())]
    assert package
    assert left_out == []


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        ".pytest_cache/README.md",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples/x",
        "tests/test_cli.py",
        "bench/results/run.json",
        ".env",
        "deploy/.env",
        "src/.env",
        "src/backlog_mcp/__pycache__/cli.cpython-312.pyc",
        "src/backlog_mcp_py.egg-info/PKG-INFO",
    ],
)
def test_the_build_context_leaves_out_environments_history_caches_tests_and_secrets(path: str) -> None:
    assert dockerignored(dockerignore_patterns(), path)
