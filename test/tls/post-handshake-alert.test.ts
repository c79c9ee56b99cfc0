/**
 * The TLS 1.3 alert record built outside OpenSSL: key schedule and record
 * protection against RFC 8448 §3 (the simple 1-RTT trace, TLS_AES_128_GCM_SHA256),
 * the reason → alert table, and the in-process cases (a destination rejecting
 * a server; a server whose context sends tickets stays silent).
 */
import { test, type TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALERT, alertForReason, alertRecord, hkdfExpandLabel, protectRecord, ticketsVerdict, trafficKeys,
} from '../../src/tls/post-handshake-alert.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import { TlsFailure, type TlsReason } from '../../src/tls/types.ts';
import { captureLogs, logs, pki } from './helpers.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 8448 §3 {server}/{client} "derive secret for application traffic" and the records built from them
const C_AP = hex('9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5');
const S_AP = hex('a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43');
const SUITE = 'TLS_AES_128_GCM_SHA256';

test('RFC 8448: application write key and IV from the server traffic secret', () => {
  const { key, iv } = trafficKeys(SUITE, S_AP);
  assert.equal(key.toString('hex'), '9f02283b6c9c07efc26bb9f2ac92e356');
  assert.equal(iv.toString('hex'), 'cf782b88dd83549aadf1e984');
});

test('RFC 8448: HKDF-Expand-Label with a context (derived secret of the handshake)', () => {
  // early secret for PSK-less handshakes and SHA-256 of the empty string, both from the RFC trace
  const early = hex('33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a');
  const emptyHash = hex('e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4 64 9b 93 4c a4 95 99 1b 78 52 b8 55');
  const derived = hkdfExpandLabel('sha256', early, 'derived', emptyHash, 32);
  assert.equal(derived.toString('hex'), '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba');
});

test('RFC 8448: the client close_notify (record 1) and the server records 1 and 2 byte for byte', () => {
  assert.equal(
    protectRecord(SUITE, C_AP, 1n, 21, Buffer.of(1, 0)).toString('hex'),
    hex('17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3').toString('hex'),
  );
  const payload = Buffer.from(Array.from({ length: 50 }, (_, i) => i));
  assert.equal(
    protectRecord(SUITE, S_AP, 1n, 23, payload).toString('hex'),
    hex(`17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc
      32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8
      fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d`).toString('hex'),
  );
  assert.equal(
    protectRecord(SUITE, S_AP, 2n, 21, Buffer.of(1, 0)).toString('hex'),
    hex('17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9').toString('hex'),
  );
});

test('every TLS 1.3 suite: the fatal alert record decrypts to level 2, the description, type 21', () => {
  const secret48 = Buffer.alloc(48, 7);
  const secret32 = Buffer.alloc(32, 9);
  const cases: Array<[string, Buffer, string, number]> = [
    ['TLS_AES_128_GCM_SHA256', secret32, 'aes-128-gcm', 16],
    ['TLS_AES_256_GCM_SHA384', secret48, 'aes-256-gcm', 16],
    ['TLS_CHACHA20_POLY1305_SHA256', secret32, 'chacha20-poly1305', 16],
    ['TLS_AES_128_CCM_SHA256', secret32, 'aes-128-ccm', 16],
    ['TLS_AES_128_CCM_8_SHA256', secret32, 'aes-128-ccm', 8],
  ];
  for (const [suite, secret, alg, tagLen] of cases) {
    const rec = alertRecord(suite, secret, 0n, ALERT.unknown_ca);
    assert.deepEqual([...rec.subarray(0, 3)], [23, 3, 3], suite);
    assert.equal(rec.readUInt16BE(3), 3 + tagLen, suite);
    const { key, iv } = trafficKeys(suite, secret);
    const body = rec.subarray(5);
    const d = createDecipheriv(alg as 'aes-128-gcm', key, iv, { authTagLength: tagLen });
    d.setAAD(rec.subarray(0, 5), { plaintextLength: body.length - tagLen });
    d.setAuthTag(body.subarray(body.length - tagLen));
    const plain = Buffer.concat([d.update(body.subarray(0, body.length - tagLen)), d.final()]);
    assert.deepEqual([...plain], [2, 48, 21], suite);
  }
  assert.throws(() => alertRecord('TLS_NULL_WITH_NULL_NULL', secret32, 0n, 48), /unsupported/);
});

test('each verdict maps to the alert syslog-ng sends (tls-options §6.3); transport failures to none', () => {
  const want: Array<[TlsReason, number | undefined]> = [
    ['unknown_ca', 48], ['self_signed', 48], ['invalid_ca_in_chain', 48],
    ['expired', 45], ['not_yet_valid', 42], ['revoked', 44], ['dn_mismatch', 42], ['crl_expired', 42],
    ['bad_purpose', 43], ['hostname_mismatch', 80], ['fingerprint_mismatch', 80], ['no_peer_certificate', 116],
    ['handshake_failed', 46],
    ['plaintext_on_tls_port', undefined], ['handshake_timeout', undefined], ['peer_rejected_us', undefined],
  ];
  for (const [reason, alert] of want) assert.equal(alertForReason(reason), alert, reason);
});

/** Tickets a real Node TLS server with these key and certificate sends to a client before its first byte of data. */
async function ticketsFromRealServer(key: Buffer, cert: Buffer): Promise<number> {
  const server = tls.createServer({ key, cert }, (s) => {
    s.on('error', () => {});
    setImmediate(() => s.end('.'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  let tickets = 0;
  c.on('session', () => tickets++);
  await once(c, 'data');
  const n = tickets;
  c.destroy();
  server.close();
  return n;
}

test('ticket probe agrees with what a real server sends; with openssl/logferry.cnf it finds none', async () => {
  const P = pki();
  const key = readFileSync(join(P, 'server.key'));
  const cert = readFileSync(join(P, 'server.pem'));
  const ctx = tls.createSecureContext({ key, cert });
  const real = await ticketsFromRealServer(key, cert);
  assert.equal(await ticketsVerdict(ctx), real > 0 ? 'on' : 'off');
  assert.equal(ticketsVerdict(ctx), ticketsVerdict(ctx), 'cached per context');

  // the daemon's OpenSSL settings, in a process of their own (they apply at start only)
  const here = new URL('.', import.meta.url);
  const mod = new URL('../../src/tls/post-handshake-alert.ts', here).href;
  const cnf = fileURLToPath(new URL('../../openssl/logferry.cnf', here));
  const script = `import { ticketsVerdict } from ${JSON.stringify(mod)}; import * as tls from 'node:tls'; import { readFileSync } from 'node:fs';
    const ctx = tls.createSecureContext({ key: readFileSync(${JSON.stringify(join(P, 'server.key'))}), cert: readFileSync(${JSON.stringify(join(P, 'server.pem'))}) });
    console.log(await ticketsVerdict(ctx));`;
  const child = spawn(process.execPath, [`--openssl-config=${cnf}`, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await once(child, 'exit');
  assert.equal(out.trim(), 'off');
});

/**
 * Our destination endpoint against `openssl s_server` (one connection) presenting `cert`;
 * resolves with our failure and what s_server printed about the connection.
 */
async function destinationAgainst(t: TestContext, ours: Parameters<typeof createTlsEndpoint>[1], cert: string, extra: string[] = []) {
  const P = pki();
  const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-naccept', '1', '-key', join(P, `${cert}.key`), '-cert', join(P, `${cert}.pem`), ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const ep = createTlsEndpoint('client', ours, { file: 'alert.conf', line: 4, column: 2 }, { handshakeTimeoutMs: 5000 });
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  const failure = await ep.connect(raw, 'localhost', { address: '127.0.0.1', port, family: 'IPv4' }).then(
    (s) => { s.socket.destroy(); return undefined; },
    (e: unknown) => e as TlsFailure,
  );
  await exited; // -naccept 1: it exits once it has handled our connection
  return { failure, out };
}

test('a destination that rejects the server certificate sends alert unknown_ca on TLS 1.3', async (t) => {
  captureLogs();
  // the server presents a certificate from ca2, which this destination does not trust
  const { failure, out } = await destinationAgainst(t, { caFile: join(pki(), 'ca.pem') }, 'server-ca2', ['-tls1_3']);
  assert.equal(failure?.reason, 'unknown_ca');
  assert.match(out, /alert unknown ca.*SSL alert number 48/);
});

test('a destination rejecting the server name sends internal_error; over TLS 1.2 it just closes', async (t) => {
  captureLogs();
  const name = await destinationAgainst(t, { caFile: join(pki(), 'ca.pem') }, 'server-wrongname', ['-tls1_3']);
  assert.equal(name.failure?.reason, 'hostname_mismatch');
  assert.match(name.out, /alert internal error.*SSL alert number 80/);

  const v12 = await destinationAgainst(t, { caFile: join(pki(), 'ca.pem') }, 'server-ca2', ['-tls1_2']);
  assert.equal(v12.failure?.reason, 'unknown_ca');
  assert.doesNotMatch(v12.out, /SSL alert number/);
});

test('a source sends the alert only when its context sends no session tickets', async () => {
  captureLogs();
  logs.length = 0;
  const P = pki();
  const ep = createTlsEndpoint('server', { keyFile: join(P, 'server.key'), certFile: join(P, 'server.pem'), caFile: join(P, 'ca.pem') }, undefined, { handshakeTimeoutMs: 5000 });
  const ticketsOn = (await ticketsFromRealServer(readFileSync(join(P, 'server.key')), readFileSync(join(P, 'server.pem')))) > 0;
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const accepted = once(server, 'connection').then(([raw]) => ep.accept(raw as net.Socket, { address: '127.0.0.1', port: 1, family: 'IPv4' }));
  const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, key: readFileSync(join(P, 'rogue.key')), cert: readFileSync(join(P, 'rogue.pem')), minVersion: 'TLSv1.3' });
  let err: (Error & { code?: string }) | undefined;
  c.on('error', (e) => (err = e));
  c.resume();
  const failure = await accepted.then(() => undefined, (e: unknown) => e as TlsFailure);
  server.close();
  // not events.once: it would reject on the 'error' the alert causes
  await new Promise((r) => c.once('close', r));
  assert.equal(failure?.reason, 'unknown_ca');
  if (ticketsOn) {
    assert.ok(logs.some((l) => l.text === 'No TLS alert sent to the rejected peer, closing' && l.tags.why === 'tickets_on'), JSON.stringify(logs.map((l) => l.text)));
    assert.notEqual(err?.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  } else {
    assert.ok(logs.some((l) => l.text === 'TLS alert sent to the rejected peer' && l.tags.alert === 48));
    assert.equal(err?.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  }
});
