#!/usr/bin/env bash
# Builds the oauth-apps binary, starts it on a free 127.0.0.1 port with an
# in-memory store and a small seed, and runs interop.mjs (the MCP
# TypeScript SDK's OAuth client) against it. Exits non-zero on any failure.
# Needs cargo, Node 20 and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

echo "== building oauth-apps"
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin oauth-apps

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/seed.toml" <<'SEED'
[[workspaces]]
id = "ws_interop"
name = "MCP interop"

[[users]]
email = "member@example.com"
display_name = "Interop Member"
password = "correct horse battery staple"

[[memberships]]
workspace = "ws_interop"
user = "member@example.com"
role = "member"
SEED

port="$(node -e '
const server = require("net").createServer();
server.listen(0, "127.0.0.1", () => { console.log(server.address().port); server.close(); });
')"
base="http://127.0.0.1:$port"

echo "== starting oauth-apps at $base"
env -u DATABASE_URL -u OAUTH_APPS_DEMO RUST_LOG="${RUST_LOG:-warn}" \
    "$target_dir/debug/oauth-apps" serve \
    --bind "127.0.0.1:$port" --issuer "$base" --seed "$work/seed.toml" \
    > "$work/server.log" 2>&1 &
server_pid=$!

ready=false
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ready=true
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
if [[ "$ready" != true ]]; then
    echo "oauth-apps did not listen on $base within 20 s; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

echo "== npm ci"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

echo "== MCP SDK interop"
if ! timeout 120 node "$here/interop.mjs" "$base"; then
    echo "the server's log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
