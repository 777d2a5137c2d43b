# syntax=docker/dockerfile:1
# backlog-mcp as a team's streamable HTTP server: see deploy/compose.yaml for two replicas behind nginx.
#
#   docker build -t backlog-mcp .
#   docker run --rm -p 8000:8000 \
#     -e BACKLOG_BASE_URL=https://your-space.backlog.com \
#     -e MCP_HTTP_ALLOWED_HOSTS=localhost:8000 -e MCP_HTTP_AUTH_TOKENS=<long random token> \
#     backlog-mcp
#
# The container listens on 0.0.0.0, which the server refuses to do unless the operator sets:
#   BACKLOG_BASE_URL        the space every request acts on (a request can never choose another)
#   MCP_HTTP_ALLOWED_HOSTS  the Host names clients (or the proxy in front) send, comma-separated
#   MCP_HTTP_AUTH_TOKENS    comma-separated bearer tokens clients must send; optional only in
#                           per-user mode (no BACKLOG_API_KEY nor BACKLOG_ACCESS_TOKEN), where every
#                           request brings its own X-Backlog-Api-Key (or X-Backlog-Access-Token)
# Optional: BACKLOG_API_KEY (one shared identity), MCP_HTTP_ALLOWED_ORIGINS, BACKLOG_READ_ONLY,
# BACKLOG_PROJECTS, BACKLOG_LOG_LEVEL. Pass secrets at run time (env file, secret store), never as
# build arguments: they would stay in the image's history.

# Pinned to a Python minor and a Debian release; pin a digest (@sha256:…) too for reproducible builds.
FROM python:3.12-slim-trixie AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
# Only what the wheel is built from (README.md is the package's long description).
COPY pyproject.toml README.md ./
COPY src ./src
# The project and every dependency as wheels, so the final stage installs without a build tool.
# Plus the IANA zones as a wheel: slim Debian images ship no or only part of /usr/share/zoneinfo,
# and BACKLOG_TIMEZONE=Asia/Tokyo must resolve (the container's own clock is UTC).
RUN pip wheel --wheel-dir /wheels . "tzdata>=2025.2"


FROM python:3.12-slim-trixie

LABEL org.opencontainers.image.title="backlog-mcp" \
      org.opencontainers.image.description="MCP server for Nulab Backlog: stateless streamable HTTP for a team" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/python:3.12-slim-trixie"

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    MCP_TRANSPORT=http \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=8000 \
    MCP_HTTP_PATH=/mcp

# A fixed UID, so volumes and Kubernetes' runAsUser can name it; no login shell, no lastlog entry.
# The workspace (BACKLOG_WORKSPACE's default) exists and is the user's, so a volume mounted there
# starts with that owner.
RUN groupadd --system --gid 10001 backlog \
    && useradd --system --no-log-init --uid 10001 --gid backlog \
        --home-dir /home/backlog --create-home --shell /usr/sbin/nologin backlog \
    && install -d -o backlog -g backlog /home/backlog/backlog-mcp

# Installed from the build stage's wheels through a bind mount: neither the wheels nor pip's cache
# stay in a layer. Offline (--no-index), so the image holds exactly what the build stage resolved.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/backlog_mcp_py-*.whl /wheels/tzdata-*.whl

USER 10001:10001
# The server's workspace (BACKLOG_WORKSPACE, default ~/backlog-mcp) and any .env it reads live here.
WORKDIR /home/backlog

EXPOSE 8000

# Standard library only (slim has no curl); http.client ignores any HTTP_PROXY the operator sets.
# /health makes no Backlog call and needs no token, so a failing check means the process itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; c = http.client.HTTPConnection('127.0.0.1', int(os.environ.get('MCP_HTTP_PORT') or 8000), timeout=4); c.request('GET', '/health'); sys.exit(c.getresponse().status != 200)"]

# What orchestrators send to stop a container: the server stops taking new calls and lets the
# ones in flight finish, for at most MCP_HTTP_DRAIN_SECONDS (8), before it exits.
STOPSIGNAL SIGTERM

ENTRYPOINT ["backlog-mcp"]
CMD ["serve", "--transport", "http"]
