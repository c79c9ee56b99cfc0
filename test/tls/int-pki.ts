/**
 * Extra PKI material for intermediate-CA revocation tests, made with the
 * openssl command on top of the shared test PKI: a client certificate issued
 * by the intermediate CA and revoked in the intermediate's CRL, and hashed
 * directories with and without the root's CRL.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CONF = `[ ca ]
default_ca = int
[ int ]
dir = $ENV::INT_DB
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $ENV::INT_CERT
private_key = $ENV::INT_KEY
default_md = sha256
default_crl_days = 30
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
`;

export interface IntRevokedPki {
  /** client certificate from the intermediate, revoked in the intermediate's CRL */
  key: string;
  cert: string;
  /** leaf + intermediate */
  chain: string;
  /** root + intermediate (.0), both CRLs (.r0): the intermediate's revokes `cert` */
  dir: string;
  /** like dir, but without the root's CRL: the last CRL error OpenSSL reports is "unable to get certificate CRL" */
  dirNoRootCrl: string;
}

let made: IntRevokedPki | undefined;

export function intRevokedPki(P: string): IntRevokedPki {
  if (made) return made;
  const w = join(P, 'int-rev');
  mkdirSync(w, { recursive: true });
  const conf = join(w, 'ca.cnf');
  writeFileSync(conf, CONF);
  writeFileSync(join(w, 'index.txt'), '');
  writeFileSync(join(w, 'serial'), '5000\n');
  writeFileSync(join(w, 'crlnumber'), '5000\n');
  const env = { ...process.env, OPENSSL_CONF: conf, INT_DB: w, INT_CERT: join(P, 'int-ca.pem'), INT_KEY: join(P, 'int-ca.key') };
  const run = (args: string[]) => execFileSync('openssl', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  const key = join(w, 'client-int-rev.key');
  const cert = join(w, 'client-int-rev.pem');
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  run(['req', '-new', '-key', key, '-subj', '/O=ExampleOrg/OU=Logging/CN=client-int-revoked', '-out', join(w, 'c.csr')]);
  run(['ca', '-batch', '-config', conf, '-notext', '-days', '30', '-extensions', 'client', '-in', join(w, 'c.csr'), '-out', cert]);
  run(['ca', '-batch', '-config', conf, '-revoke', cert, '-crl_reason', 'keyCompromise']);
  const crl = join(w, 'int-rev-crl.pem');
  run(['ca', '-batch', '-config', conf, '-gencrl', '-out', crl]);
  const chain = join(w, 'client-int-rev-chain.pem');
  writeFileSync(chain, execFileSync('cat', [cert, join(P, 'int-ca.pem')]));
  const rootHash = run(['x509', '-noout', '-hash', '-in', join(P, 'ca.pem')]);
  const intHash = run(['x509', '-noout', '-hash', '-in', join(P, 'int-ca.pem')]);
  const dir = join(w, 'all.d');
  const dirNoRootCrl = join(w, 'noroot.d');
  for (const d of [dir, dirNoRootCrl]) {
    mkdirSync(d, { recursive: true });
    copyFileSync(join(P, 'ca.pem'), join(d, `${rootHash}.0`));
    copyFileSync(join(P, 'int-ca.pem'), join(d, `${intHash}.0`));
    copyFileSync(crl, join(d, `${intHash}.r0`));
  }
  copyFileSync(join(P, 'crl.pem'), join(dir, `${rootHash}.r0`));
  made = { key, cert, chain, dir, dirNoRootCrl };
  return made;
}
