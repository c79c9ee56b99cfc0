#!/usr/bin/env bash
# Installs RabbitMQ (Debian 12 rabbitmq-server 3.10, with its Erlang runtime) for the amqp()
# destination tests, as root, with no prompt (CI: fresh clone, no stdin). The tests start their own
# brokers (test/helpers/rabbitmq.ts) on loopback ports with private data directories, so the
# distro's service is never left running or enabled. Idempotent: exits at once when installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

have() { [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server || -x /usr/sbin/rabbitmq-server ]]; }
have && exit 0
echo "install-rabbitmq: rabbitmq-server is missing" >&2
if [[ $(id -u) != 0 ]]; then
  echo "install-rabbitmq: installing it needs root (apt-get): run  sudo bash scripts/install-rabbitmq.sh" >&2
  exit 1
fi
command -v apt-get >/dev/null || { echo "install-rabbitmq: no apt-get: install rabbitmq-server 3.10+ by hand" >&2; exit 1; }

# package scripts must not start the distro's broker (it would take port 5672 and epmd's 4369)
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; made_policy=1; fi
trap '[[ $made_policy == 1 ]] && rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null

# never leave the distro broker (or the epmd it starts) enabled or running
update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
if [[ -d /run/systemd/system ]]; then
  systemctl disable --now rabbitmq-server.service epmd.socket epmd.service >/dev/null 2>&1 || true
else
  service rabbitmq-server stop >/dev/null 2>&1 || true
fi

# the package's scripts start epmd (Erlang's port mapper) as a daemon; stop it unless a node uses it
if command -v epmd >/dev/null && epmd -names 2>/dev/null | grep -q '^epmd: up' && ! epmd -names 2>/dev/null | grep -q '^name '; then
  epmd -kill >/dev/null 2>&1 || true
fi

have || { echo "install-rabbitmq: rabbitmq-server still missing after the install" >&2; exit 1; }
echo "install-rabbitmq: $(dpkg-query -W -f '${Package} ${Version}' rabbitmq-server)" >&2
