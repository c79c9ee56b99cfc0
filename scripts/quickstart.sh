#!/usr/bin/env bash
# Sets up logferry on a fresh machine (Node, npm packages, build) and runs
# `logferry quickstart`: a development PKI, a TLS receiver on 127.0.0.1:6514
# with mutual authentication, writing to ./logferry-quickstart/logs/messages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_bin="$(bash scripts/node.sh)"
export PATH="$(dirname "$node_bin"):$PATH"
npm ci --no-audit --no-fund --silent
npm run build --silent
exec node bin/logferry.cjs quickstart "$@"
