/**
 * Shared by the proxied-* daemon tests: a daemon with one proxied source writing
 * "${SOURCEIP} ${SOURCEPORT} ${DESTIP} ${DESTPORT} ${MSG}" lines, PROXY headers
 * written here from the specification (v1 text, v2 binary), and a client that
 * plays the balancer: header, then syslog lines, over plain TCP or TLS.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import * as tls from 'node:tls';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { makePki, sngTls, tempDir, waitForLines, type Pki, type PeerVerify } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

export const CLIENT = { address: '203.0.113.7', port: 4242 };
export const VIP = { address: '198.51.100.10', port: 6514 };
export const CLIENT6 = { address: '2001:db8::7', port: 50000 };
export const VIP6 = { address: '2001:db8::514', port: 601 };

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v6Bytes(a: string): number[] {
  // full 8-group expansion of a '::' address, enough for the fixed test addresses
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

/** A PROXY header (v1 text or v2 binary, command PROXY, TCP) naming `src` -> `dst`. */
export function proxyHeader(version: 1 | 2, src: { address: string; port: number }, dst: { address: string; port: number }): Buffer {
  const v6 = src.address.includes(':');
  if (version === 1) return Buffer.from(`PROXY ${v6 ? 'TCP6' : 'TCP4'} ${src.address} ${dst.address} ${src.port} ${dst.port}\r\n`, 'latin1');
  const addr = (a: string): number[] => (v6 ? v6Bytes(a) : a.split('.').map(Number));
  const body = Buffer.from([...addr(src.address), ...addr(dst.address), src.port >> 8, src.port & 255, dst.port >> 8, dst.port & 255]);
  // one NOOP TLV, so the daemon has to skip TLVs too
  const tlv = Buffer.from([0x04, 0x00, 0x02, 0x00, 0x00]);
  const len = body.length + tlv.length;
  return Buffer.concat([SIG, Buffer.from([0x21, v6 ? 0x21 : 0x11, len >> 8, len & 255]), body, tlv]);
}

/** the line the file destination writes for a message sent with `header` */
export function expectedLine(src: { address: string; port: number }, dst: { address: string; port: number }, msg: string): string {
  return `${src.address} ${src.port} ${dst.address} ${dst.port} ${msg}`;
}

export function syslogLine(msg: string): string {
  return `<13>Nov 26 11:00:00 client app: ${msg}\n`;
}

export interface ProxiedDaemon {
  d: DaemonHandle;
  port: number;
  out: string;
  /** the same messages as "${HOST} ${IP_PROTO} ${MSG}" */
  hostOut: string;
  pki: Pki;
}

/**
 * Starts logferry with `network(transport(T))` on a free loopback port; for TLS transports with
 * the test PKI's server certificate and `peerVerify`.
 */
export async function startProxied(t: TestContext, transport: string, peerVerify: PeerVerify = 'optional-untrusted'): Promise<ProxiedDaemon> {
  const dir = tempDir(`lf-${transport}`);
  t.after(() => dir.remove());
  const pki = await makePki(path.join(dir.path, 'pki'), 'ec');
  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const hostOut = path.join(dir.path, 'host.log');
  const tlsBlock = !transport.startsWith('proxied-tls') ? '' : ' ' + sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caFile: pki.caFile, peerVerify });
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { network(ip(127.0.0.1) port(${port}) transport(${transport})${tlsBlock}); };
destination d { file("${out}" template("\${SOURCEIP} \${SOURCEPORT} \${DESTIP} \${DESTPORT} \${MSG}\\n")); };
destination h { file("${hostOut}" template("\${HOST} \${IP_PROTO} \${MSG}\\n")); };
log { source(s); destination(d); destination(h); };
`,
    // a UDP port takes no connection to probe: the start-up line says it is bound
    ...(transport === 'proxied-udp' ? { readyStderr: /starting up/ } : { readyPorts: [port] }),
  });
  t.after(() => d.stop());
  return { d, port, out, hostOut, pki };
}

export type Wire = 'plain' | 'tls-first' | 'header-then-tls';

/**
 * One client connection: `header` (if any) and `lines`, then a clean close. `plain`: all in
 * plain TCP; `tls-first`: TLS first, everything inside (a TLS-terminating balancer);
 * `header-then-tls`: the header in plain text, then the client's own TLS carrying the lines.
 * Resolves when the daemon closed the connection or the client finished.
 */
export async function sendThrough(
  p: ProxiedDaemon,
  wire: Wire,
  header: Buffer | undefined,
  lines: string[],
  cert?: { cert: string; key: string },
): Promise<void> {
  const raw = net.connect({ host: '127.0.0.1', port: p.port });
  raw.on('error', () => {});
  await once(raw, 'connect');
  const body = Buffer.from(lines.map(syslogLine).join(''));
  if (wire === 'plain') {
    raw.end(header ? Buffer.concat([header, body]) : body);
    await once(raw, 'close');
    return;
  }
  if (wire === 'header-then-tls' && header) raw.write(header);
  const s = tls.connect({
    socket: raw,
    ca: readFileSync(p.pki.caFile),
    servername: 'localhost',
    ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
  });
  s.on('error', () => {});
  const closed = once(raw, 'close');
  // a refused handshake ends in an error or a close, not in secureConnect
  await Promise.race([new Promise((resolve) => s.once('secureConnect', resolve)), new Promise((resolve) => s.once('error', resolve)), closed]);
  if (!s.destroyed) s.end(wire === 'tls-first' && header ? Buffer.concat([header, body]) : body);
  await closed;
}

/** Waits for the file to hold `expected` lines; then they must be exactly these (any order across connections). */
export async function expectLines(out: string, expected: string[]): Promise<void> {
  const got = await waitForLines(out, expected.length, 15_000);
  assert.deepEqual([...got].sort(), [...expected].sort());
}

export const REFUSED = /Connection closed: no valid PROXY protocol header/;

export function refusalLines(d: DaemonHandle): string[] {
  return d.stderr().split('\n').filter((l) => REFUSED.test(l));
}
