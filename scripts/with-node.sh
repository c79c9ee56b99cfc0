#!/usr/bin/env bash
# Runs a command with a Node.js >= 22.12 first on PATH (see scripts/node.sh).
# Example: scripts/with-node.sh npm test
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="$("$here/node.sh")"
export PATH="$(dirname "$node_bin"):$PATH"
exec "$@"
