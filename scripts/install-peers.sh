#!/usr/bin/env bash
# Installs the reference syslog daemons the interop tests and the benchmark run
# against: syslog-ng 3.38 (Debian syslog-ng-core, with loggen) and rsyslog with
# its OpenSSL/GnuTLS drivers, plus openssl. Debian's rsyslog and syslog-ng-core
# conflict as packages, so rsyslog's .debs are unpacked into /opt/rsyslog
# instead of installed. No daemon is left running or enabled. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

have_all() {
  command -v syslog-ng >/dev/null && command -v loggen >/dev/null && command -v openssl >/dev/null &&
    { [[ -x /usr/sbin/rsyslogd ]] || [[ -x /opt/rsyslog/usr/sbin/rsyslogd ]]; }
}
if have_all; then exit 0; fi
if [[ $(id -u) != 0 ]]; then
  echo "install-peers: syslog-ng/rsyslog/openssl are missing and installing them needs root (apt-get)" >&2
  exit 1
fi

# keep package scripts from starting the distro syslog-ng service
policy=/usr/sbin/policy-rc.d; made_policy=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=1; fi
trap '[[ $made_policy == 1 ]] && rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends syslog-ng-core openssl procps iproute2 \
  libestr0 libfastjson4 liblognorm5 libzstd1 libgnutls30 libssl3 >/dev/null

if [[ ! -x /usr/sbin/rsyslogd && ! -x /opt/rsyslog/usr/sbin/rsyslogd ]]; then
  tmp=$(mktemp -d); chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -qq rsyslog rsyslog-openssl rsyslog-gnutls)
  mkdir -p /opt/rsyslog
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" /opt/rsyslog; done
  rm -rf "$tmp"
fi

update-rc.d syslog-ng disable >/dev/null 2>&1 || true
systemctl disable syslog-ng.service >/dev/null 2>&1 || true
pkill -x syslog-ng >/dev/null 2>&1 || true
have_all || { echo "install-peers: install finished but a peer is still missing" >&2; exit 1; }
