"""Readers for the deployment files, as Docker, Compose and nginx read them (enough of each to test).

No engine runs here (base images cannot be pulled on CI machines), so the tests read the files
the way the tools would and pin what they promise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
NGINX_CONF = DEPLOY / "nginx.conf"
ENV_EXAMPLE = DEPLOY / ".env.example"
SERVERS = ("backlog-mcp-1", "backlog-mcp-2")
PROXY = "proxy"


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, …
    text: str  # the arguments, continuation lines joined

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form instruction (`CMD ["a", "b"]`)."""
        words = json.loads(self.text)
        assert isinstance(words, list), self.text
        return [str(word) for word in words]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        """The stage's ENV, in the `KEY=value` form (the one this Dockerfile uses)."""
        found: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for pair in instruction.text.split():
                key, equals, value = pair.partition("=")
                assert equals, f"ENV {instruction.text!r} is not in KEY=value form"
                found[key] = value.strip('"')
        return found


def dockerfile_stages(text: str) -> list[Stage]:
    """Instructions by stage; `\\` continues a line, comment lines inside a continuation are dropped."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            logical.append(joined)
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(rest.split()))
        if instruction.keyword == "FROM":
            base, _, name = re.sub(r"(?i)\s+AS\s+", " AS ", instruction.text).partition(" AS ")
            stages.append(Stage(base.strip(), name.strip() or None))
        elif instruction.keyword != "ARG" or stages:  # an ARG before FROM belongs to no stage
            assert stages, f"{instruction.keyword} before the first FROM"
            stages[-1].instructions.append(instruction)
    return stages


def final_stage() -> Stage:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]


def dockerignored(patterns: list[str], path: str) -> bool:
    """Whether Docker leaves `path` (relative, `/`-separated) out of the build context.

    As BuildKit decides: the last pattern that matches the path or any folder above it wins;
    `!` includes again; `*` and `?` stop at `/`, `**` crosses folders.
    """
    parts = path.split("/")
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        compiled = _glob(pattern.removeprefix("!").strip("/"))
        if any(compiled.fullmatch("/".join(parts[:end])) for end in range(1, len(parts) + 1)):
            excluded = not negated
    return excluded


def _glob(pattern: str) -> re.Pattern[str]:
    regex = ""
    for token in re.findall(r"\*\*/?|\*|\?|\[[^\]]*\]|.", pattern):
        if token.startswith("**"):
            regex += "(?:.*/)?" if token.endswith("/") else ".*"
        elif token == "*":
            regex += "[^/]*"
        elif token == "?":
            regex += "[^/]"
        elif token.startswith("[") and len(token) > 1:
            regex += token
        else:
            regex += re.escape(token)
    return re.compile(regex)


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"compose.yaml has no service {name}: {sorted(services)}"
    found = services[name]
    assert isinstance(found, dict)
    return found


def env_file_settings(path: Path) -> dict[str, str]:
    """`NAME=value` lines of an env file, comments and blank lines aside."""
    settings: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, equals, value = line.partition("=")
            assert equals, f"{path.name}: {line!r} is not NAME=value"
            settings[name.strip()] = value.strip()
    return settings


def nginx_upstream_servers(text: str, upstream: str) -> list[str]:
    block = re.search(r"upstream\s+" + re.escape(upstream) + r"\s*\{(.*?)\}", text, re.DOTALL)
    assert block, f"nginx.conf has no upstream {upstream}"
    return re.findall(r"^\s*server\s+([^\s;]+)", block.group(1), re.MULTILINE)
