#!/usr/bin/env bash
# scripts/peers/mkcerts.sh - the project's throw-away test PKI (tests, bench, manual interop runs).
#
#   bash scripts/peers/mkcerts.sh DIR              build DIR (a finished DIR is reused as is)
#   FORCE=1 bash scripts/peers/mkcerts.sh DIR      rebuild from scratch
#   KEY_ALG=ec bash scripts/peers/mkcerts.sh DIR   ECDSA P-256 keys (fast) instead of RSA-2048
#
# Only needs the `openssl` command (OpenSSL 3). Keys are unencrypted PEM, certificates PEM.
# The tests depend on every name below; change them together with test/helpers/peers.ts and
# test/tls/*.test.ts.
#
#   ca.pem/.key                root "O=ExampleOrg, CN=Test Root CA"
#   server.pem/.key            CN=localhost, SAN DNS:localhost IP:127.0.0.1 IP:::1, EKU server+client
#   server.p12                 server key + cert + ca.pem, empty password (pkcs12-file())
#   client1.pem/.key           O=ExampleOrg OU=Logging CN=client1, EKU clientAuth
#   client2.pem/.key           O=OtherOrg OU=Logging CN=client2
#   expired.pem/.key           CN=expired-client, valid 2020-01-01 .. 2021-01-01
#   notyet.pem/.key            CN=notyet-client, valid 2099-01-01 .. 2100-01-01
#   revoked.pem/.key           CN=revoked-client, listed in crl.pem (keyCompromise)
#   wrongeku.pem/.key          CN=wrongeku-client, EKU serverAuth only
#   selfsigned.pem/.key        CN=selfsigned-client, self-signed, not a CA
#   server-wrongname.pem/.key  CN=wronghost, SAN DNS:wronghost
#   crl.pem                    the root's CRL (revoked.pem), 10 years
#   ca2.pem/.key               unrelated root "O=EvilOrg, CN=Other Root CA"
#   rogue.pem/.key             O=ExampleOrg OU=Logging CN=rogue from ca2 (a DN that looks trusted)
#   server-ca2.pem/.key        CN=localhost from ca2
#   int-ca.pem/.key            "O=ExampleOrg, CN=Test Intermediate CA" under the root, pathlen 0
#   int-crl.pem                the intermediate's (empty) CRL
#   client-int.pem/.key        O=ExampleOrg OU=Logging CN=client-int from int-ca; -chain.pem = leaf + int
#   server-int.pem/.key        CN=localhost from int-ca; server-int-chain.pem = leaf + int
#   ca-chain.pem               int-ca.pem + ca.pem
#   ca.d/                      hashed dir: root (<hash>.0) and its CRL (<hash>.r0)
#   ca-int.d/                  root + intermediate and both CRLs
#   ca-nocrl.d/                root only
#   ca2.d/                     ca2 only
#   client1.fingerprints       client1's trusted-keys() lines: SHA1:AA:BB:.. and SHA256:..
#   MANIFEST                   subjects, hashed-dir entries, fingerprints
#   .mkcerts-complete          written last; its presence means the PKI is whole
set -euo pipefail

out=${1:?usage: mkcerts.sh DIR}
alg=${KEY_ALG:-rsa}
case $alg in rsa | ec) ;; *) echo "mkcerts: KEY_ALG must be rsa or ec, not '$alg'" >&2; exit 2 ;; esac
command -v openssl >/dev/null || { echo "mkcerts: openssl not found (install it with: sudo bash scripts/install-peers.sh)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
done_mark="$out/.mkcerts-complete"
version="v1 $alg"

show_fingerprints() { echo "client1 fingerprints (trusted-keys() format):"; cat "$out/client1.fingerprints"; }

if [[ ${FORCE:-0} != 1 && -f $done_mark && $(<"$done_mark") == "$version" ]]; then
  echo "mkcerts: $out is complete ($alg); FORCE=1 rebuilds it" >&2
  show_fingerprints
  exit 0
fi

# remove only our own outputs: DIR may hold other files of the caller
rm -rf "$out/.work" "$out"/*.pem "$out"/*.key "$out"/*.p12 "$out"/*.d "$out"/*.fingerprints "$out/MANIFEST" "$done_mark"
work="$out/.work"
mkdir -p "$work"
log="$work/openssl.log"

# One config for `openssl ca`; the CA database directory comes from $CADB so one file serves
# every CA. `preserve` keeps the DN order of the request, `copy_extensions none` means only the
# extension sections below end up in certificates.
cnf="$work/ca.cnf"
cat >"$cnf" <<'CNF'
[ ca ]
default_ca = this_ca
[ this_ca ]
dir              = $ENV::CADB
database         = $dir/index.txt
new_certs_dir    = $dir/issued
serial           = $dir/serial
crlnumber        = $dir/crlnumber
certificate      = $dir/cert.pem
private_key      = $dir/key.pem
default_md       = sha256
default_days     = 3650
default_crl_days = 3650
policy           = anything_goes
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
preserve         = yes
[ anything_goes ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = placeholder
[ ext_root ]
basicConstraints     = critical, CA:TRUE
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_intermediate ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ext_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = $ENV::ALTNAMES
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ext_client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ext_server_only_eku ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ext_self ]
basicConstraints     = critical, CA:FALSE
keyUsage             = critical, digitalSignature, keyEncipherment
extendedKeyUsage     = clientAuth
subjectKeyIdentifier = hash
CNF
export OPENSSL_CONF=$cnf
# the config expands these even in sections a command does not use
export CADB=$work/unused ALTNAMES=DNS:localhost
LOCAL_NAMES="DNS:localhost,IP:127.0.0.1,IP:::1"

fail() { echo "mkcerts: $*" >&2; [[ -s $log ]] && tail -n 20 "$log" >&2; exit 1; }

new_key() { # new_key NAME
  local k="$out/$1.key"
  if [[ $alg == ec ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k" 2>>"$log"
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k" 2>>"$log"
  fi || fail "key generation for $1 failed"
  chmod 600 "$k"
}

ca_db() { # ca_db NAME START_SERIAL: an `openssl ca` database for the CA whose cert/key are NAME.pem/.key
  local db="$work/db-$1"
  mkdir -p "$db/issued"
  : >"$db/index.txt"
  echo "$2" >"$db/serial"
  echo "$2" >"$db/crlnumber"
  cp "$out/$1.pem" "$db/cert.pem"
  cp "$out/$1.key" "$db/key.pem"
}

root_ca() { # root_ca NAME SUBJECT
  new_key "$1"
  openssl req -new -x509 -key "$out/$1.key" -subj "$2" -days 7300 -sha256 -extensions ext_root \
    -out "$out/$1.pem" 2>>"$log" || fail "root CA $1 failed"
  ca_db "$1" 1000
}

sign() { # sign ISSUER NAME SUBJECT EXTENSION [openssl ca options...]
  local issuer=$1 name=$2 subject=$3 ext=$4
  shift 4
  new_key "$name"
  openssl req -new -key "$out/$name.key" -subj "$subject" -out "$work/$name.csr" 2>>"$log" || fail "request for $name failed"
  CADB="$work/db-$issuer" openssl ca -batch -notext -extensions "$ext" -in "$work/$name.csr" \
    -out "$out/$name.pem" "$@" >>"$log" 2>&1 || fail "signing $name by $issuer failed"
}

crl() { # crl ISSUER OUT
  CADB="$work/db-$1" openssl ca -batch -gencrl -crldays 3650 -out "$out/$2" >>"$log" 2>&1 || fail "CRL of $1 failed"
}

# --- the root CA and what it signs
root_ca ca "/O=ExampleOrg/CN=Test Root CA"
ALTNAMES=$LOCAL_NAMES sign ca server "/O=ExampleOrg/OU=Logging/CN=localhost" ext_server
sign ca client1 "/O=ExampleOrg/OU=Logging/CN=client1" ext_client
sign ca client2 "/O=OtherOrg/OU=Logging/CN=client2" ext_client
sign ca expired "/O=ExampleOrg/OU=Logging/CN=expired-client" ext_client -startdate 20200101000000Z -enddate 20210101000000Z
sign ca notyet "/O=ExampleOrg/OU=Logging/CN=notyet-client" ext_client -startdate 20990101000000Z -enddate 21000101000000Z
sign ca revoked "/O=ExampleOrg/OU=Logging/CN=revoked-client" ext_client
sign ca wrongeku "/O=ExampleOrg/OU=Logging/CN=wrongeku-client" ext_server_only_eku
ALTNAMES=DNS:wronghost sign ca server-wrongname "/O=ExampleOrg/OU=Logging/CN=wronghost" ext_server
CADB="$work/db-ca" openssl ca -batch -revoke "$out/revoked.pem" -crl_reason keyCompromise >>"$log" 2>&1 || fail "revocation failed"
crl ca crl.pem

# --- a client certificate that no CA vouches for
new_key selfsigned
openssl req -new -x509 -key "$out/selfsigned.key" -subj "/O=ExampleOrg/OU=Logging/CN=selfsigned-client" \
  -days 3650 -sha256 -extensions ext_self -out "$out/selfsigned.pem" 2>>"$log" || fail "self-signed certificate failed"

# --- an unrelated CA whose leaves must never be accepted
root_ca ca2 "/O=EvilOrg/CN=Other Root CA"
sign ca2 rogue "/O=ExampleOrg/OU=Logging/CN=rogue" ext_client
ALTNAMES=$LOCAL_NAMES sign ca2 server-ca2 "/O=EvilOrg/OU=Logging/CN=localhost" ext_server

# --- root -> intermediate -> leaves
sign ca int-ca "/O=ExampleOrg/CN=Test Intermediate CA" ext_intermediate -days 5000
ca_db int-ca 2000
sign int-ca client-int "/O=ExampleOrg/OU=Logging/CN=client-int" ext_client -days 3000
ALTNAMES=$LOCAL_NAMES sign int-ca server-int "/O=ExampleOrg/OU=Logging/CN=localhost" ext_server -days 3000
crl int-ca int-crl.pem
cat "$out/client-int.pem" "$out/int-ca.pem" >"$out/client-int-chain.pem"
cat "$out/server-int.pem" "$out/int-ca.pem" >"$out/server-int-chain.pem"
cat "$out/int-ca.pem" "$out/ca.pem" >"$out/ca-chain.pem"

# --- PKCS#12 with an empty password, the form pkcs12-file() reads
openssl pkcs12 -export -inkey "$out/server.key" -in "$out/server.pem" -certfile "$out/ca.pem" \
  -name localhost -passout pass: -out "$out/server.p12" 2>>"$log" || fail "PKCS#12 export failed"

# --- hashed directories, as OpenSSL's hash-dir lookup (ca-dir(), crl-dir()) expects them
cert_hash() { openssl x509 -hash -noout -in "$out/$1"; }
crl_hash() { openssl crl -hash -noout -in "$out/$1"; }
hashed() { # hashed DIR FILE... (certificates get .0, CRLs .r0)
  local d="$out/$1" f
  shift
  mkdir -p "$d"
  for f in "$@"; do
    if [[ $f == *crl.pem ]]; then cp "$out/$f" "$d/$(crl_hash "$f").r0"; else cp "$out/$f" "$d/$(cert_hash "$f").0"; fi
  done
}
hashed ca.d ca.pem crl.pem
hashed ca-int.d ca.pem int-ca.pem crl.pem int-crl.pem
hashed ca-nocrl.d ca.pem
hashed ca2.d ca2.pem

# --- client1 in trusted-keys() notation (colon-separated upper-case hex)
{
  for md in sha1 sha256; do
    printf '%s:%s\n' "${md^^}" "$(openssl x509 -noout -fingerprint "-$md" -in "$out/client1.pem" | cut -d= -f2)"
  done
} >"$out/client1.fingerprints"

# --- refuse to hand out a PKI that does not behave as the tests assume
expect_ok() { openssl verify "$@" >/dev/null 2>&1 || fail "self-check failed: openssl verify $* was refused"; }
expect_refused() { ! openssl verify "$@" >/dev/null 2>&1 || fail "self-check failed: openssl verify $* was accepted"; }
expect_ok -CAfile "$out/ca.pem" "$out/server.pem" "$out/client1.pem" "$out/client2.pem" "$out/server-wrongname.pem"
expect_ok -CAfile "$out/ca.pem" -untrusted "$out/int-ca.pem" "$out/client-int.pem" "$out/server-int.pem"
expect_ok -crl_check -CApath "$out/ca.d" "$out/client1.pem"
expect_ok -crl_check_all -CApath "$out/ca-int.d" -untrusted "$out/int-ca.pem" "$out/client-int.pem"
expect_refused -CAfile "$out/ca.pem" "$out/expired.pem"
expect_refused -CAfile "$out/ca.pem" "$out/notyet.pem"
expect_refused -CAfile "$out/ca.pem" "$out/rogue.pem"
expect_refused -CAfile "$out/ca.pem" "$out/selfsigned.pem"
expect_refused -crl_check -CAfile "$out/ca.pem" -CRLfile "$out/crl.pem" "$out/revoked.pem"
expect_refused -purpose sslclient -CAfile "$out/ca.pem" "$out/wrongeku.pem"

{
  echo "test PKI made by scripts/peers/mkcerts.sh, KEY_ALG=$alg"
  echo
  for f in ca ca2 int-ca server server-int server-ca2 server-wrongname client1 client2 client-int expired notyet revoked wrongeku selfsigned rogue; do
    printf '%-17s %s\n' "$f.pem" "$(openssl x509 -noout -subject -nameopt RFC2253 -in "$out/$f.pem" | sed 's/^subject=//')"
  done
  echo
  (cd "$out" && ls -1 ./*.d/* | sed 's|^\./||')
  echo
  cat "$out/client1.fingerprints"
} >"$out/MANIFEST"
echo "$version" >"$done_mark"
echo "mkcerts: test PKI ready in $out ($alg)" >&2
show_fingerprints
