#!/usr/bin/env bash
# The README's test command: sets up everything the test suite needs on a fresh machine and runs
# it: Node >= 22.12 (fetched from the npm registry when the machine's is older), the reference
# peers (syslog-ng, loggen, rsyslog with its OpenSSL driver, openssl, iconv), npm packages, a
# build, the type check, then every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# this command is the full check: a missing peer or daemon fails it, whatever the caller's
# shell says (the opt-outs are for a developer's own `npm test`)
unset LOGFERRY_SKIP_INTEROP LOGFERRY_SKIP_DAEMON
bash scripts/install-peers.sh
# RabbitMQ for the amqp() destination tests (they start their own nodes)
bash scripts/install-rabbitmq.sh
node_bin="$(bash scripts/node.sh)"
export PATH="$(dirname "$node_bin"):$PATH"
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm test
# the floods and long acceptance runs, one at a time after the rest: at full CPU they would slow
# the timing-sensitive tests running beside them
npm run test:heavy
