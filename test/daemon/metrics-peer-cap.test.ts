/**
 * Peer series are capped (peers choose their subjects): with the cap lowered to
 * 5 by LOGFERRY_MAX_PEER_SERIES, 8 connected peers with distinct certificates
 * give 5 series, each one of theirs; when they disconnect, none remain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { logferryCommand } from '../helpers/daemon.ts';
import { startSyslogNgCompatible, tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk } from '../cli/cert-helpers.ts';

const PEERS = 8;
const CAP = 5;

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

const peerSerials = (body: string) => [...body.matchAll(/^logferry_tls_certificate_not_after_timestamp_seconds\{[^}]*role="peer"[^}]*serial="([0-9A-F]+)"/gm)].map((m) => m[1]);

async function until<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (let i = 0; i < 200 && Date.now() < end; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not seen within ${ms} ms`);
}

test(`${PEERS} distinct connected peers leave at most ${CAP} peer series; none after they leave`, async (t) => {
  const dir = tempDir('lf-metrics-cap');
  t.after(() => dir.remove());
  const pki = path.join(dir.path, 'pki');
  certOk('init-ca', pki);
  certOk('issue', 'server', pki, '--cn', 'srv', '--san', 'IP:127.0.0.1');
  for (let i = 0; i < PEERS; i++) certOk('issue', 'client', pki, '--cn', `peer-${i}`);
  const port = await freePort();
  const d = await startSyslogNgCompatible([...logferryCommand(), '--metrics-listen', '127.0.0.1:0'], {
    name: 'logferry',
    config: `@version: 4.27
source s { syslog(ip("127.0.0.1") port(${port}) transport(tls) tls(key-file("${pki}/srv.key") cert-file("${pki}/srv.pem") ca-file("${pki}/ca.pem") peer-verify(required-trusted))); };
destination d { file("/dev/null"); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
    env: { LOGFERRY_MAX_PEER_SERIES: String(CAP) },
  });
  t.after(() => d.stop());
  const mport = Number(/port='(\d+)'/.exec(await d.process.waitForStderr(/Metrics endpoint listening[^\n]*port='\d+'/, 10_000))![1]);

  const all = new Set<string>();
  const socks: tls.TLSSocket[] = [];
  t.after(() => socks.forEach((s) => s.destroy()));
  for (let i = 0; i < PEERS; i++) {
    const read = (ext: string) => fs.readFileSync(path.join(pki, `peer-${i}.${ext}`));
    all.add(new X509Certificate(read('pem')).serialNumber);
    const s = tls.connect({ host: '127.0.0.1', port, cert: read('pem'), key: read('key'), ca: fs.readFileSync(path.join(pki, 'ca.pem')), checkServerIdentity: () => undefined });
    socks.push(s);
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
  }
  // the server side finishes its handshakes after the clients: wait until the cap is reached
  const seen = await until(async () => {
    const s = peerSerials(await scrape(mport));
    return s.length >= CAP ? s : undefined;
  }, 5000, `${CAP} peer series`);
  assert.equal(seen.length, CAP);
  assert.equal(new Set(seen).size, CAP);
  for (const s of seen) assert.ok(all.has(s), `series ${s} belongs to a connected peer`);

  for (const s of socks) s.end();
  await until(async () => (peerSerials(await scrape(mport)).length === 0 ? true : undefined), 5000, 'no peer series after all left');
});
