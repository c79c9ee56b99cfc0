#!/usr/bin/env bash
# Installs the reference programs the test suite and the benchmark run next to logferry, on
# Debian 12 (bookworm), as root, with no prompt (CI: fresh clone, no stdin):
#   syslog-ng 3.38 + loggen        Debian syslog-ng-core
#   systemd-analyze, prlimit       Debian systemd, util-linux: the service tests (unit verify, nofile)
#   rsyslog 8.2302 + its OpenSSL   Debian rsyslog, rsyslog-openssl, rsyslog-gnutls; Debian's rsyslog
#   and GnuTLS stream drivers      and syslog-ng-core conflict as packages, so unless rsyslog is
#                                  installed already its .debs are unpacked into /opt/rsyslog
#                                  (test/helpers/peers.ts looks in both places)
#   openssl                        the test PKI (scripts/peers/mkcerts.sh) and s_client peers
#   iconv                          Debian libc-bin: the reference for character set conversion
#   tzdata                         the differential tests pin TZ=Europe/Budapest
#   logger                         Debian bsdutils (util-linux): sends to unix-dgram()/unix-stream() sources
# No daemon is left running or enabled. Idempotent: exits at once when everything is there.
# The tests fail (they do not skip) when one of these is missing; this script is the fix.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

rsyslog_mods() { # module dir of the rsyslogd in use, or nothing
  local root d
  for root in '' /opt/rsyslog; do
    [[ -x $root/usr/sbin/rsyslogd ]] || continue
    for d in "$root"/usr/lib/*-linux-gnu/rsyslog; do
      [[ -f $d/imtcp.so ]] && { echo "$d"; return 0; }
    done
    return 1
  done
  return 1
}

missing() { # prints what is missing, one per line
  command -v syslog-ng >/dev/null || [[ -x /usr/sbin/syslog-ng ]] || echo syslog-ng
  command -v loggen >/dev/null || echo loggen
  command -v openssl >/dev/null || echo openssl
  command -v iconv >/dev/null || echo iconv
  command -v logger >/dev/null || echo logger
  [[ -f /usr/share/zoneinfo/Europe/Budapest ]] || echo tzdata
  local mods
  if ! mods=$(rsyslog_mods); then
    echo rsyslogd
  else
    [[ -f $mods/lmnsd_ossl.so ]] || echo "rsyslog OpenSSL driver (lmnsd_ossl.so)"
    [[ -f $mods/lmnsd_gtls.so ]] || echo "rsyslog GnuTLS driver (lmnsd_gtls.so)"
  fi
  command -v systemd-analyze >/dev/null || echo systemd-analyze
  command -v prlimit >/dev/null || echo prlimit
}

todo=$(missing)
[[ -z $todo ]] && exit 0
echo "install-peers: missing: $(echo "$todo" | paste -sd, - | sed 's/,/, /g')" >&2
if [[ $(id -u) != 0 ]]; then
  echo "install-peers: installing them needs root (apt-get): run  sudo bash scripts/install-peers.sh" >&2
  exit 1
fi
command -v apt-get >/dev/null || { echo "install-peers: no apt-get: install the programs above by hand (see this script)" >&2; exit 1; }

# package scripts must not start the distro's syslog-ng service
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; made_policy=1; fi
trap '[[ $made_policy == 1 ]] && rm -f "$policy"' EXIT

apt-get update -qq
# rsyslog's shared libraries come from the archive; only rsyslog itself is unpacked
apt-get install -y -qq --no-install-recommends \
  syslog-ng-core openssl libc-bin coreutils tzdata bsdutils \
  libestr0 libfastjson4 liblognorm5 libzstd1 liblz4-1 libuuid1 zlib1g libsystemd0 libcap2 libgcrypt20 \
  libgnutls30 libssl3 >/dev/null

if [[ -x /usr/sbin/rsyslogd ]]; then
  # a machine with the rsyslog package: its drivers are ordinary packages too
  apt-get install -y -qq --no-install-recommends rsyslog-openssl rsyslog-gnutls >/dev/null
else
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt's download sandbox user must be able to write here
  (cd "$tmp" && apt-get download -qq rsyslog rsyslog-openssl rsyslog-gnutls)
  mkdir -p /opt/rsyslog
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" /opt/rsyslog; done
  rm -rf "$tmp"
fi

# the service tests: `systemd-analyze verify` of contrib/systemd/logferry.service, prlimit for a low open-file limit
apt-get install -y -qq --no-install-recommends systemd util-linux >/dev/null

# never leave the distro syslog-ng enabled or running (it would hold /dev/log, not our ports)
update-rc.d syslog-ng disable >/dev/null 2>&1 || true
if [[ -d /run/systemd/system ]]; then
  systemctl disable --now syslog-ng.service >/dev/null 2>&1 || true
else
  service syslog-ng stop >/dev/null 2>&1 || true
fi

todo=$(missing)
if [[ -n $todo ]]; then
  echo "install-peers: still missing after the install: $(echo "$todo" | paste -sd, - | sed 's/,/, /g')" >&2
  exit 1
fi
rs=/usr/sbin/rsyslogd
[[ -x $rs ]] || rs=/opt/rsyslog/usr/sbin/rsyslogd
"$rs" -v >/dev/null || { echo "install-peers: $rs does not run (a shared library missing?)" >&2; exit 1; }
echo "install-peers: $(syslog-ng --version | head -1); $("$rs" -v | head -1); $(openssl version)" >&2
