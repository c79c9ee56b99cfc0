#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh machine and runs it:
# Node >= 22.12 (fetched from the npm registry when the machine's is older),
# npm packages, the reference peers (syslog-ng, rsyslog, openssl), a build,
# the type check, then every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-peers.sh
node_bin="$(bash scripts/node.sh)"
export PATH="$(dirname "$node_bin"):$PATH"
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm test
