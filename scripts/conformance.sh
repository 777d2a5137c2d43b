#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios that apply to a product server
# against `backlog-mcp --sandbox serve --transport http` on a free loopback port, in both
# protocol eras (the 2025-11-25 handshake and the stateless 2026-07-28 revision).
#
#   scripts/conformance.sh            # with scripts/conformance-baseline.yml (fixture-only checks)
#   scripts/conformance.sh --strict   # without it: every failed or warned check fails its scenario
#
# Needs the README's install (.venv/bin/backlog-mcp in this checkout, else backlog-mcp on PATH) and
# npm. It downloads Node 22 (the suite needs it) and the suite from the npm registry once, into
# ${XDG_CACHE_HOME:-~/.cache}/backlog-mcp/, which is why it is not part of .ci/run.
# One line per scenario; exits non-zero if any scenario fails.
set -euo pipefail

# Pinned: the 0.1.x line predates server-stateless, caching, http-header-validation and
# sep-2164, and the alpha line moves fast.
CONFORMANCE_VERSION=0.2.0-alpha.12
NODE_MAJOR=22

# scenario:revision pairs. A scenario the suite tags for both eras runs in both; the rest of the
# suite calls tools and prompts that only the reference server has, and fails by design.
SCENARIOS=(
  server-initialize:2025-11-25
  server-session-lifecycle:2025-11-25
  ping:2025-11-25
  tools-list:2025-11-25
  resources-list:2025-11-25
  prompts-list:2025-11-25
  dns-rebinding-protection:2025-11-25
  server-stateless:2026-07-28
  tools-list:2026-07-28
  resources-list:2026-07-28
  prompts-list:2026-07-28
  dns-rebinding-protection:2026-07-28
  http-header-validation:2026-07-28
  caching:2026-07-28
  sep-2164-resource-not-found:2026-07-28
)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
baseline=("--expected-failures" "$repo/scripts/conformance-baseline.yml")
case "${1:-}" in
  "") ;;
  --strict) baseline=() ;;
  -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "usage: $0 [--strict]" >&2; exit 2 ;;
esac

say() { echo "conformance: $*" >&2; }

# This checkout's venv first (the README installs there), then whatever is on PATH.
if [[ -x "$repo/.venv/bin/backlog-mcp" ]]; then
  server_cmd="$repo/.venv/bin/backlog-mcp"
elif server_cmd=$(command -v backlog-mcp); then
  :
else
  say "backlog-mcp not found: install it first (python3 -m venv .venv && .venv/bin/pip install -q .)"
  exit 2
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/backlog-mcp"
mkdir -p "$cache"

# npm's own install, into a temporary folder renamed into place, so an interrupted download is
# never mistaken for a finished one.
npm_install() {
  local dest=$1 package=$2 partial
  command -v npm > /dev/null || { say "npm is needed to fetch $package"; exit 2; }
  partial=$(mktemp -d "$dest.partial.XXXXXX")
  say "installing $package into $dest"
  if ! npm install --prefix "$partial" --no-save --no-audit --no-fund --loglevel=error "$package" >&2; then
    rm -rf "$partial"
    exit 2
  fi
  rm -rf "$dest"
  mv "$partial" "$dest"
}

# The suite needs Node >= 22; Debian's is older, so unless the one on PATH will do, the npm
# registry's node-<os>-<arch> package provides it.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0)
if ((node_major < NODE_MAJOR)); then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
    Darwin-x86_64) platform=darwin-x64 ;;
    Darwin-arm64) platform=darwin-arm64 ;;
    *) say "no Node $NODE_MAJOR package for $(uname -s)-$(uname -m): put Node >= $NODE_MAJOR on PATH"; exit 2 ;;
  esac
  node_dir="$cache/node$NODE_MAJOR"
  node_bin="$node_dir/node_modules/node-$platform/bin"
  [[ -x "$node_bin/node" ]] || npm_install "$node_dir" "node-$platform@$NODE_MAJOR"
  PATH="$node_bin:$PATH"
fi

suite_dir="$cache/conformance-$CONFORMANCE_VERSION"
suite="$suite_dir/node_modules/.bin/conformance"
[[ -x "$suite" ]] || npm_install "$suite_dir" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION"

work=$(mktemp -d "${TMPDIR:-/tmp}/backlog-mcp-conformance.XXXXXX")
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2> /dev/null; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# A clean environment and an empty working directory: no MCP_HTTP_AUTH_TOKENS, BACKLOG_* or .env
# of the caller's may change what the suite sees. Every toolset, so tools/list shows every schema.
mkdir -p "$work/cwd" "$work/workspace"
(
  cd "$work/cwd"
  exec env -i PATH="$PATH" HOME="$HOME" BACKLOG_WORKSPACE="$work/workspace" BACKLOG_TOOLSETS=all \
    "$server_cmd" --sandbox serve --transport http --port 0
) 2> "$work/server.log" &
server_pid=$!

url=""
for _ in $(seq 600); do
  url=$(sed -n 's/^backlog-mcp: streamable HTTP on \(http:[^ ]*\)$/\1/p' "$work/server.log")
  [[ -n "$url" ]] && break
  if ! kill -0 "$server_pid" 2> /dev/null; then
    say "the server stopped before listening:"
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  say "the server did not announce its URL within 60 s:"
  cat "$work/server.log" >&2
  exit 1
fi

say "$("$server_cmd" --version 2> /dev/null || echo backlog-mcp) at $url; node $(node --version);" \
  "@modelcontextprotocol/conformance $CONFORMANCE_VERSION"

failures=0
esc=$'\033'
for entry in "${SCENARIOS[@]}"; do
  scenario=${entry%%:*}
  revision=${entry#*:}
  log="$work/$scenario@$revision.log"
  status=0
  # The suite colours its output even into a file; the log keeps plain text.
  "$suite" server --url "$url" --scenario "$scenario" --spec-version "$revision" ${baseline[@]+"${baseline[@]}"} \
    -o "$work/results" 2>&1 | sed "s/$esc\[[0-9;]*m//g" > "$log" || status=$?
  counts=$(sed -n 's/^Passed: \([0-9]*\/[0-9]*\), \(.*\)$/\1 checks, \2/p' "$log" | tail -n 1)
  baselined=$(grep -c '^  ~ ' "$log" || true)
  if ((status != 0)); then
    missed=$(sed -n 's/^[^[]*\[\([^] ]*\) *\] *\(FAILURE\|WARNING\).*/\1/p' "$log" | sort -u | paste -sd, -)
    verdict="FAILED — ${counts:-no checks reported}${missed:+; missed: $missed} (log: $log)"
    failures=$((failures + 1))
  elif [[ $counts == 0/0* ]] || grep -q '^SKIPPED:' "$log"; then
    reason=$(sed -n -e 's/^.*\] INFO *//p' -e 's/^SKIPPED: *//p' "$log" | head -n 1)
    verdict="not applicable — ${reason:-no checks ran}"
  elif ((baselined > 0)); then
    verdict="passed — $counts; the $baselined misses are in scripts/conformance-baseline.yml"
  else
    verdict="passed — $counts"
  fi
  echo "$scenario [$revision]: $verdict"
done

if ((failures > 0)); then
  say "$failures of ${#SCENARIOS[@]} scenario runs failed; logs and the server's stderr in $work"
  exit 1
fi
say "all ${#SCENARIOS[@]} scenario runs passed"
rm -rf "$work"
