"""deploy/compose.yaml: two replicas of the image behind nginx, health-gated, with no secret in it.

Compose itself cannot run here (no engine); the file is read as YAML and held to what a team's
deployment needs, and the replicas' health check is run against a live server.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from backlog_mcp.config import Settings
from backlog_mcp.serve_http import HttpSettings
from tests.deploy.files import (
    COMPOSE,
    DEPLOY,
    DOCKERFILE,
    ENV_EXAMPLE,
    NGINX_CONF,
    PROXY,
    ROOT,
    SERVERS,
    compose,
    env_file_settings,
    final_stage,
    nginx_upstream_servers,
    service,
)
from tests.e2e.test_http_serve import serve_over_http

UPSTREAM = "backlog_mcp"
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)


def nginx_conf() -> str:
    return NGINX_CONF.read_text(encoding="utf-8")


def image_port() -> str:
    (expose,) = final_stage().all("EXPOSE")
    return expose.text


def test_compose_runs_two_replicas_built_alike_from_the_repositorys_dockerfile() -> None:
    assert set(compose()["services"]) == {*SERVERS, PROXY}
    first, second = (service(name) for name in SERVERS)
    assert first == second  # the same image and settings: any replica answers any request
    build = first["build"]
    assert (DEPLOY / build["context"]).resolve() == ROOT
    assert (ROOT / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    assert "image" not in first  # built here, not pulled from somewhere else
    assert "ports" not in first  # reached only through the proxy


def test_the_replicas_share_one_workspace_volume_where_the_image_keeps_it() -> None:
    # Any replica answers any call: a file one downloaded must be there for the one that attaches it.
    for name in SERVERS:
        assert service(name)["volumes"] == ["workspace:/home/backlog/backlog-mcp"]
    assert "workspace" in compose()["volumes"]
    assert any(
        "install -d -o backlog -g backlog /home/backlog/backlog-mcp" in r.text
        for r in final_stage().all("RUN")
    )


def test_each_replica_is_health_checked_and_that_check_passes_on_a_live_server(tmp_path: Path) -> None:
    check = service(SERVERS[0])["healthcheck"]
    assert {"interval", "timeout", "retries"} <= set(check)
    kind, python, flag, code = check["test"]
    assert (kind, python, flag) == ("CMD", "python", "-c")
    assert "'/health'" in code
    assert code.count(image_port()) == 1
    live = ""
    ran: list[int] = []
    for url in serve_over_http(tmp_path):
        live = code.replace(image_port(), url.split(":")[2].split("/")[0])  # here, a free port
        ran.append(subprocess.run([sys.executable, "-c", live], timeout=30, check=False).returncode)
    ran.append(subprocess.run([sys.executable, "-c", live], timeout=30, check=False).returncode)
    assert ran == [0, 1]  # healthy while it serves, unhealthy once it has stopped


def test_the_proxy_is_a_pinned_nginx_serving_deploy_nginx_conf_read_only() -> None:
    proxy = service(PROXY)
    assert re.fullmatch(r"nginx:1\.\d+(\.\d+)?(-alpine)?(@sha256:[0-9a-f]{64})?", proxy["image"])
    mounts = {target: (source, mode) for source, target, mode in (v.split(":") for v in proxy["volumes"])}
    source, mode = mounts["/etc/nginx/conf.d/default.conf"]
    assert mode == "ro"
    assert (DEPLOY / source).resolve() == NGINX_CONF
    assert NGINX_CONF.is_file()
    assert "healthcheck" in proxy


def test_the_proxy_publishes_the_port_nginx_listens_on() -> None:
    (published,) = service(PROXY)["ports"]
    inside = str(published).rsplit(":", 1)[-1]
    listens = re.findall(r"^\s*listen\s+(?:\S+:)?(\d+)", nginx_conf(), re.MULTILINE)
    assert inside in listens
    # Its own health check goes through it to a replica's /health, on that port.
    check = " ".join(service(PROXY)["healthcheck"]["test"])
    url = re.search(r"http://127\.0\.0\.1(?::(\d+))?/health\b", check)
    assert url
    assert (url.group(1) or "80") in listens


def test_the_proxy_starts_only_once_both_replicas_are_healthy() -> None:
    depends = service(PROXY)["depends_on"]
    assert depends == {name: {"condition": "service_healthy"} for name in SERVERS}


def test_nginx_balances_over_exactly_the_compose_replicas_at_the_images_port() -> None:
    conf = nginx_conf()
    assert nginx_upstream_servers(conf, UPSTREAM) == [f"{name}:{image_port()}" for name in SERVERS]
    assert re.search(r"location\s+(=\s*)?/mcp\b", conf)
    assert re.search(r"location\s+(=\s*)?/health\b", conf)
    assert f"proxy_pass http://{UPSTREAM}" in conf


def test_every_replica_listens_where_the_upstream_expects_it_whatever_env_says() -> None:
    # `environment` wins over `env_file`: a stray MCP_HTTP_HOST=127.0.0.1 in .env cannot hide it.
    environment = service(SERVERS[0])["environment"]
    assert (environment["MCP_HTTP_HOST"], environment["MCP_HTTP_PORT"]) == ("0.0.0.0", image_port())
    assert re.search(r"location\s+(=\s*)?" + re.escape(environment["MCP_HTTP_PATH"]) + r"\b", nginx_conf())


def test_the_replicas_accept_the_host_names_the_proxy_sends_and_the_operators() -> None:
    allowed = service(SERVERS[0])["environment"]["MCP_HTTP_ALLOWED_HOSTS"]
    # The public names are the operator's, required from .env after the fixed ones.
    fixed = re.fullmatch(r"(.*),\$\{MCP_HTTP_ALLOWED_HOSTS:\?[^}]+\}", allowed)
    assert fixed
    names = fixed.group(1).split(",")
    # nginx sends the upstream's name as Host unless told otherwise; the replicas' own names too.
    assert UPSTREAM in names
    assert {f"{name}:{image_port()}" for name in SERVERS} <= set(names)
    if re.search(r"^\s*proxy_set_header\s+Host\s+\$host;", nginx_conf(), re.MULTILINE):
        # nginx passes on the client's name without its port: the example must show one so.
        example = env_file_settings(ENV_EXAMPLE)["MCP_HTTP_ALLOWED_HOSTS"].split(",")
        assert "localhost" in example
        assert all(":" not in name for name in example)


def test_compose_requires_the_space_and_holds_no_secret() -> None:
    replica = service(SERVERS[0])
    assert replica["env_file"] == ".env"
    environment = replica["environment"]
    assert re.fullmatch(r"\$\{BACKLOG_BASE_URL:\?[^}]+\}", environment["BACKLOG_BASE_URL"])
    for name, value in environment.items():
        if SECRET_NAME.search(name):
            assert re.fullmatch(r"\$\{\w+\}", str(value)), f"{name} must come from .env, not the file"
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.search(r"(API_KEY|AUTH_TOKENS|ACCESS_TOKEN)\s*[:=]\s*[\w-]{8,}", text)
    # Secrets live in deploy/.env, which neither git nor the build context takes.
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_a_stopping_replica_gets_time_to_drain_its_calls() -> None:
    grace = re.fullmatch(r"(\d+)s", service(SERVERS[0])["stop_grace_period"])
    assert grace
    # Docker kills the replica once this is over: the drain, as .env.example sets it, must fit.
    drain = int(env_file_settings(ENV_EXAMPLE)["MCP_HTTP_DRAIN_SECONDS"])
    assert drain >= HttpSettings.model_fields["http_drain_seconds"].default
    assert int(grace.group(1)) > drain + 5  # and the time to close the listener and exit


@pytest.mark.parametrize(
    "name",
    [
        "BACKLOG_BASE_URL",
        "BACKLOG_API_KEY",
        "MCP_HTTP_AUTH_TOKENS",
        "MCP_HTTP_ALLOWED_HOSTS",
        "MCP_HTTP_ALLOWED_ORIGINS",
        "BACKLOG_READ_ONLY",
        "BACKLOG_PROJECTS",
    ],
)
def test_the_env_example_lists_each_setting_of_a_team_deployment(name: str) -> None:
    assert name in env_file_settings(ENV_EXAMPLE)


def test_the_env_example_names_only_real_settings_and_fills_in_no_secret() -> None:
    example = env_file_settings(ENV_EXAMPLE)
    text = COMPOSE.read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{(\w+)", text))
    known = (
        {"BACKLOG_" + name.upper() for name in Settings.model_fields}
        | {"MCP_" + name.upper() for name in HttpSettings.model_fields}
        | interpolated
    )
    assert set(example) - known == set()  # a misspelt name would be silently ignored
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required <= set(example)
    assert {name: value for name, value in example.items() if SECRET_NAME.search(name) and value} == {}
