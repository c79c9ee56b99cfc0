/** Shared fixtures for the tls tests: a per-run PKI and a loopback handshake harness. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import type { PeerAddress, TlsOptions, TlsSession } from '../../src/tls/types.ts';
import { TlsFailure } from '../../src/tls/types.ts';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { requirePeers } from '../helpers/peers.ts';

/** The project's test PKI maker, found relative to this file (repo/scripts/peers/). */
export const MKCERTS = fileURLToPath(new URL('../../scripts/peers/mkcerts.sh', import.meta.url));

let pkiDir: string | undefined;
/** One mkcerts.sh PKI (EC keys) per test process, removed at exit. */
export function pki(): string {
  if (!pkiDir) {
    requirePeers('openssl');
    const dir = mkdtempSync(join(tmpdir(), 'logferry-tls-'));
    execFileSync('bash', [MKCERTS, dir], { env: { ...process.env, KEY_ALG: 'ec' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    pkiDir = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return pkiDir;
}

export const logs: InternalEvent[] = [];
export function captureLogs(): void {
  setInternalSinks([(ev) => logs.push(ev)], { debug: true });
}
export function logTexts(): string[] {
  return logs.map((l) => l.text);
}

export type Outcome = { ok: true; session: TlsSession } | { ok: false; failure: TlsFailure };

function settle(p: Promise<TlsSession>): Promise<Outcome> {
  return p.then(
    (session) => ({ ok: true as const, session }),
    (e) => {
      if (!(e instanceof TlsFailure)) throw e;
      return { ok: false as const, failure: e };
    },
  );
}

function peerOf(s: net.Socket): PeerAddress {
  return { address: s.remoteAddress ?? '', port: s.remotePort ?? 0, family: s.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/** One handshake between two logferry endpoints over 127.0.0.1; both outcomes are returned. */
export async function pair(serverOpts: TlsOptions, clientOpts: TlsOptions, host = '127.0.0.1'): Promise<{ server: Outcome; client: Outcome }> {
  const srvEp = createTlsEndpoint('server', serverOpts, { file: 'test.conf', line: 1, column: 1 }, { handshakeTimeoutMs: 5000 });
  const cliEp = createTlsEndpoint('client', clientOpts, { file: 'test.conf', line: 2, column: 1 }, { handshakeTimeoutMs: 5000 });
  const server = net.createServer();
  let serverSide!: Promise<Outcome>;
  const accepted = new Promise<void>((res) => {
    server.once('connection', (raw) => {
      serverSide = settle(srvEp.accept(raw, peerOf(raw)));
      res();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const raw = net.connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => { raw.once('connect', res); raw.once('error', rej); });
    const clientSide = settle(cliEp.connect(raw, host, peerOf(raw)));
    await accepted;
    const [server_, client_] = await Promise.all([serverSide, clientSide]);
    for (const o of [server_, client_]) {
      if (o.ok) {
        o.session.socket.on('error', () => {}); // a transport owns the session's errors; here nobody does
        o.session.socket.destroy();
      }
    }
    return { server: server_, client: client_ };
  } finally {
    server.close();
  }
}

const KEY_CACHE = new Map<string, string>();
/** A self-signed certificate with an arbitrary subject, made by the openssl command (for name tests). */
export function opensslCert(dir: string, name: string, subj: string, opts: { utf8?: boolean; multi?: boolean; mask?: string; ext?: string[] } = {}): string {
  let key = KEY_CACHE.get(dir);
  if (!key) {
    key = join(dir, 'names.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    KEY_CACHE.set(dir, key);
  }
  const conf = join(dir, `${name}.cnf`);
  writeFileSync(conf, `[ req ]\ndistinguished_name = dn\nprompt = no\nstring_mask = ${opts.mask ?? 'default'}\n[ dn ]\nCN = x\n`);
  const out = join(dir, `${name}.pem`);
  execFileSync('openssl', [
    'req', '-new', '-x509', '-config', conf, '-key', key, '-subj', subj, '-days', '2', '-out', out,
    ...(opts.utf8 ? ['-utf8'] : []), ...(opts.multi ? ['-multivalue-rdn'] : []), ...(opts.ext ?? []).flatMap((e) => ['-addext', e]),
  ]);
  return out;
}

export function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' }).replace(/\n$/, '');
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'logferry-tls-t-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
