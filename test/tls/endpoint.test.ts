/** Endpoint behaviour around the handshake: keylog, SNI, plaintext, timeouts, reload, dev PKI. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import { makeDevPki } from '../../src/pki/dev-pki.ts';
import { TlsFailure, type TlsOptions } from '../../src/tls/types.ts';
import { captureLogs, logs, openssl, pair, pki, tempDir } from './helpers.ts';

let P = '';
before(() => {
  P = pki();
  captureLogs();
});

/** Our source, with raw bytes (or silence) from a plain TCP client. */
async function rawClientTo(opts: TlsOptions, send: string | null, timeoutMs = 5000): Promise<TlsFailure | undefined> {
  const ep = createTlsEndpoint('server', opts, undefined, { handshakeTimeoutMs: timeoutMs });
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const result = new Promise<TlsFailure | undefined>((resolve) => {
      server.once('connection', (raw) => {
        ep.accept(raw, { address: '127.0.0.1', port: raw.remotePort!, family: 'IPv4' }).then(() => resolve(undefined), (e) => resolve(e));
      });
    });
    const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    c.on('error', () => {});
    if (send !== null) c.write(send);
    const r = await result;
    c.destroy();
    return r;
  } finally {
    server.close();
  }
}

const srv = (): TlsOptions => ({ keyFile: `${P}/server.key`, certFile: `${P}/server.pem`, peerVerify: 'optional-untrusted' });

test('plaintext syslog and HTTP on a TLS port are named as such', async () => {
  const f = await rawClientTo(srv(), '<13>Nov 23 10:00:00 host app: hello\n');
  assert.equal(f?.reason, 'plaintext_on_tls_port');
  assert.match(f!.message, /plaintext syslog sent to a TLS port/);
  const h = await rawClientTo(srv(), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(h?.reason, 'plaintext_on_tls_port');
  assert.match(h!.message, /HTTP request/);
});

test('a silent client hits the handshake timeout', async () => {
  const f = await rawClientTo(srv(), null, 150);
  assert.equal(f?.reason, 'handshake_timeout');
  assert.match(f!.message, /within 0\.15 s/);
});

test('keylog-file() appends NSS key log lines and warns once', async (t) => {
  const d = tempDir(t);
  const file = join(d, 'keys.log');
  logs.length = 0;
  const r = await pair(srv(), { caDir: `${P}/ca.d`, keylogFile: file }, 'localhost');
  assert.ok(r.client.ok);
  const text = readFileSync(file, 'latin1');
  assert.match(text, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
  assert.ok(text.endsWith('\n'));
  assert.equal(logs.filter((l) => l.text.startsWith('WARNING: TLS keylog file has been set up')).length, 1);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('sni(yes) sends the host name; sni(no) sends none', async () => {
  const yes = await pair(srv(), { caDir: `${P}/ca.d`, sni: true }, 'localhost');
  assert.ok(yes.server.ok && yes.server.session.socket.servername === 'localhost');
  const no = await pair(srv(), { caDir: `${P}/ca.d` }, 'localhost');
  assert.ok(no.server.ok && !no.server.session.socket.servername);
});

test('reload() re-reads ca-dir(): a newly linked CA is trusted by new connections', async (t) => {
  const d = tempDir(t);
  const caDir = join(d, 'ca.d');
  mkdirSync(caDir);
  const ep = createTlsEndpoint('client', { caDir }, undefined, { handshakeTimeoutMs: 5000 });
  const server = net.createServer();
  const sEp = createTlsEndpoint('server', srv());
  server.on('connection', (raw) => sEp.accept(raw, { address: '127.0.0.1', port: 0, family: 'IPv4' }).then((s) => { s.socket.on('error', () => {}); s.socket.end(); }, () => {}));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const attempt = async () => {
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((res) => raw.once('connect', res));
    try {
      const s = await ep.connect(raw, 'localhost', { address: '127.0.0.1', port, family: 'IPv4' });
      s.socket.on('error', () => {});
      s.socket.destroy();
      return 'ok';
    } catch (e) {
      return (e as TlsFailure).reason;
    }
  };
  assert.equal(await attempt(), 'unknown_ca');
  copyFileSync(`${P}/ca.pem`, join(caDir, openssl(['x509', '-noout', '-hash', '-in', `${P}/ca.pem`]) + '.0'));
  await ep.reload();
  assert.equal(await attempt(), 'ok');
});

test('makeDevPki builds a working, idempotent PKI', async (t) => {
  const d = tempDir(t);
  const p = await makeDevPki(join(d, 'pki'));
  assert.equal(statSync(p.caKey).mode & 0o777, 0o600);
  assert.equal(statSync(p.serverKey).mode & 0o777, 0o600);
  const before = readFileSync(p.serverCert, 'latin1');
  const again = await makeDevPki(join(d, 'pki'));
  assert.equal(readFileSync(again.serverCert, 'latin1'), before, 'existing files are kept');
  const r = await pair(
    { keyFile: p.serverKey, certFile: p.serverCert, caDir: p.caDir },
    { keyFile: p.clientKey, certFile: p.clientCert, caDir: p.caDir },
    '::1',
  );
  assert.ok(r.server.ok && r.client.ok, 'dev PKI handshake');
  assert.equal(r.server.ok && r.server.session.peer?.cn, 'logferry-client');
});

test('a key that does not match its certificate is reported once, with its config location once', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir(t);
  const conf = join(dir, 'mm.conf');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(conf, `@version: 4.27
source s { network(ip(127.0.0.1) port(1) transport(tls)
  tls(key-file("${P}/client1.key") cert-file("${P}/server.pem") ca-dir("${P}/ca.d"))); };
destination d { file("${join(dir, 'out')}"); };
log { source(s); destination(d); };
`);
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [main, '-s', '-f', conf], { encoding: 'utf8', timeout: 20_000 });
  assert.notEqual(r.status, 0);
  const lines = r.stderr.split('\n').filter((l) => l.includes('does not match cert-file()'));
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(lines[0].split('mm.conf:3:3').length - 1, 1, `location printed once: ${lines[0]}`);
});
