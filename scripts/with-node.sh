#!/usr/bin/env bash
# Runs a command with a Node.js that runs logferry (>= 22.15) first on PATH (see scripts/node.sh).
# Example: scripts/with-node.sh npm test
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="$("$here/node.sh")"
export PATH="$(dirname "$node_bin"):$PATH"
exec "$@"
