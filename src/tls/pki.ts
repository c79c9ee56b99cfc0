/**
 * A throw-away development PKI for `logferry quickstart` and tests: a CA, a
 * server certificate for localhost/127.0.0.1/::1, a client certificate and a
 * hashed ca.d/. Uses the openssl command (no shell); existing files are kept.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pemBlocks } from './x509/pem.ts';
import { parseCert } from './x509/cert.ts';

export interface DevPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  caDir: string;
}

export interface DevPkiOptions {
  /** extra subjectAltName entries for the server, e.g. ['DNS:logsrv.test'] */
  serverSan?: string[];
  clientCn?: string;
  days?: number;
  /** the openssl binary (default: `openssl` on PATH) */
  openssl?: string;
}

const CONF = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::LOGFERRY_SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function makeDevPki(dir: string, opts: DevPkiOptions = {}): Promise<DevPki> {
  const bin = opts.openssl ?? 'openssl';
  const days = String(opts.days ?? 825);
  const san = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', ...(opts.serverSan ?? [])].join(',');
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(bin, args, { env: { ...process.env, LOGFERRY_SAN: san, OPENSSL_CONF: conf }, timeout: 30_000 }, (err, _out, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`making a development PKI needs the openssl command, which was not found (${bin}); install it, e.g. apt-get install openssl`));
        } else reject(new Error(`openssl ${args[0]} failed: ${String(stderr).trim().split('\n')[0] || err.message}`));
      });
    });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const conf = join(dir, '.openssl.cnf');
  if (!(await exists(conf))) await writeFile(conf, CONF, { mode: 0o600 });
  const p: DevPki = {
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    caDir: join(dir, 'ca.d'),
  };
  const key = async (path: string) => {
    if (await exists(path)) return;
    await run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
    await chmod(path, 0o600);
  };
  const serial = () => '0x' + randomBytes(8).toString('hex');
  const leaf = async (k: string, crt: string, subj: string, ext: string) => {
    await key(k);
    if (await exists(crt)) return;
    const csr = crt + '.csr';
    await run(['req', '-new', '-key', k, '-subj', subj, '-out', csr]);
    await run(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-set_serial', serial(), '-days', days, '-sha256', '-extfile', conf, '-extensions', ext, '-out', crt]);
  };
  await key(p.caKey);
  if (!(await exists(p.caCert))) {
    await run(['req', '-new', '-x509', '-key', p.caKey, '-subj', '/O=logferry dev/CN=logferry dev CA', '-days', '3650', '-sha256', '-extensions', 'v3_ca', '-set_serial', serial(), '-out', p.caCert]);
  }
  await leaf(p.serverKey, p.serverCert, '/O=logferry dev/CN=localhost', 'v3_server');
  await leaf(p.clientKey, p.clientCert, `/O=logferry dev/CN=${opts.clientCn ?? 'logferry-client'}`, 'v3_client');
  await mkdir(p.caDir, { recursive: true, mode: 0o755 });
  const block = pemBlocks(await readFile(p.caCert, 'latin1')).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new Error(`${p.caCert} holds no certificate; delete it and run again`);
  const hashed = join(p.caDir, parseCert(block.der).subjectHash + '.0');
  if (!(await exists(hashed))) await copyFile(p.caCert, hashed);
  return p;
}
