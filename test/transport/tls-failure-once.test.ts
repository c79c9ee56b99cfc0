/**
 * A refused TLS handshake is reported exactly once: one 'TLS handshake failed'
 * line and one increment of tls_handshake_failures_total, whichever layer
 * decided it (the endpoint's verdict, the listener's plain-text check, the
 * listener's timeout while the endpoint was still handshaking) and on both
 * sides. Before, the same failure was logged by tls/, counted by transport/
 * under a second name and reported again by the source driver.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, test } from 'node:test';
import { allCounters } from '../../src/core/stats.ts';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import type { TlsFailure } from '../../src/tls/types.ts';
import { createConnector } from '../../src/transport/connector.ts';
import { createStreamListener, type StreamListener } from '../../src/transport/stream-listener.ts';
import { startSourceToFile } from '../helpers/daemon.ts';
import { skipUnlessPeers, waitForLines } from '../helpers/peers.ts';
import { pki } from '../tls/helpers.ts';
import { asCompiled, captureLogs, type LogCapture } from './helpers.ts';

const skip = skipUnlessPeers('openssl');
let P = '';
let logs: LogCapture;
before(() => {
  if (skip) return;
  P = pki();
  logs = captureLogs();
});
after(() => logs?.stop());

const LOC = { file: 'once.conf', line: 3, column: 1 };

/** every tls_handshake_failures_total sample, summed; and whether any other TLS failure counter exists */
function tlsFailureCount(): number {
  return allCounters().filter((c) => c.name === 'tls_handshake_failures_total').reduce((n, c) => n + c.value, 0);
}
function otherTlsCounters(): string[] {
  return allCounters().filter((c) => /tls/.test(c.name) && c.name !== 'tls_handshake_failures_total' && c.name !== 'transport_tls_on_plain_total').map((c) => c.name);
}

/** A TLS source listener with the real endpoint; resolves each failure notification (which comes after the report). */
async function tlsSource(handshakeTimeoutMs = 5000): Promise<{ l: StreamListener; nextFailure(): Promise<TlsFailure> }> {
  const endpoint = createTlsEndpoint('server', { keyFile: `${P}/server.key`, certFile: `${P}/server.pem`, caDir: `${P}/ca.d`, peerVerify: 'required-trusted' }, LOC);
  let waiter: ((f: TlsFailure) => void) | undefined;
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tls', tls: endpoint, ip: '127.0.0.1', port: 0, handshakeTimeoutMs, location: LOC, groupName: 's_tls' }, {
    onConnection: () => ({ onData: () => {} }),
    onTlsFailure: (f) => waiter?.(f),
  });
  return { l, nextFailure: () => new Promise((resolve) => (waiter = resolve)) };
}

async function expectOneReport(reason: string, side: 'source' | 'destination', cause: () => Promise<TlsFailure>): Promise<void> {
  logs.events.length = 0;
  const before = tlsFailureCount();
  const f = await cause();
  assert.equal(f.reason, reason);
  const lines = logs.events.filter((e) => e.text === 'TLS handshake failed');
  assert.equal(lines.length, 1, `one line for ${reason}: ${JSON.stringify(lines.map((l) => l.tags))}`);
  assert.equal(lines[0].tags.reason, reason);
  // the raw failure text is not logged as a line of its own either
  assert.equal(logs.events.filter((e) => e.text === f.message).length, 0, 'no second line with the failure text');
  assert.equal(tlsFailureCount(), before + 1, `one count for ${reason} (${side})`);
  assert.deepEqual(otherTlsCounters(), [], 'no second counter for the same failure');
}

test('source, certificate refused by the endpoint (unknown CA): one line, one count', { skip }, async () => {
  const { l, nextFailure } = await tlsSource();
  try {
    await expectOneReport('unknown_ca', 'source', async () => {
      const failed = nextFailure();
      const c = tls.connect({ port: l.address.port, host: '127.0.0.1', key: readFileSync(`${P}/rogue.key`), cert: readFileSync(`${P}/rogue.pem`), rejectUnauthorized: false });
      c.on('error', () => {});
      const f = await failed;
      c.destroy();
      return f;
    });
  } finally {
    await l.close();
  }
});

test('source, plain text on the TLS port (decided by the listener): one line, one count', { skip }, async () => {
  const { l, nextFailure } = await tlsSource();
  try {
    await expectOneReport('plaintext_on_tls_port', 'source', async () => {
      const failed = nextFailure();
      const s = net.connect(l.address.port, '127.0.0.1');
      s.on('error', () => {});
      s.resume();
      s.write('<13>Nov 26 07:00:00 host app: plain\n');
      await once(s, 'close');
      return failed;
    });
  } finally {
    await l.close();
  }
});

test('source, handshake stalled inside the endpoint until the listener times out: one line, one count', { skip }, async () => {
  const { l, nextFailure } = await tlsSource(300);
  try {
    await expectOneReport('handshake_timeout', 'source', async () => {
      const failed = nextFailure();
      const s = net.connect(l.address.port, '127.0.0.1');
      s.on('error', () => {});
      s.resume();
      // a record header that promises a ClientHello which never comes: the endpoint has the socket when the timer fires
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01]));
      const f = await failed;
      await once(s, 'close');
      // the endpoint's own view of that close ("the client closed the connection") would be a second report
      await new Promise((r) => setImmediate(r));
      return f;
    });
  } finally {
    await l.close();
  }
});

test('destination, server certificate refused by the endpoint: one line, one count', { skip }, async () => {
  // a server whose CA this destination does not trust
  const server = tls.createServer({ key: readFileSync(`${P}/server-ca2.key`), cert: readFileSync(`${P}/server-ca2.pem`) });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const client = createTlsEndpoint('client', { caDir: `${P}/ca.d`, peerVerify: 'required-trusted' }, LOC);
  let onFailure!: (f: TlsFailure) => void;
  const failed = new Promise<TlsFailure>((r) => (onFailure = r));
  // a long time-reopen: exactly one attempt happens during the test
  const c = createConnector({ ...asCompiled.connector(), host: '127.0.0.1', port, tls: client, timeReopenMs: 60_000, location: LOC, name: 'd_tls' }, { onTlsFailure: (f) => onFailure(f) });
  try {
    await expectOneReport('unknown_ca', 'destination', async () => {
      c.start();
      return failed;
    });
  } finally {
    c.destroy();
    server.close();
  }
});

test('destination stopped during its TLS handshake: nothing is reported (giving up is not a failure)', { skip }, async () => {
  // a server that takes the connection and never answers the ClientHello
  const peers: net.Socket[] = [];
  let helloSeen!: () => void;
  const hello = new Promise<void>((r) => (helloSeen = r));
  const server = net.createServer((s) => {
    peers.push(s);
    s.on('error', () => {});
    s.once('data', () => helloSeen());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const client = createTlsEndpoint('client', { caDir: `${P}/ca.d`, peerVerify: 'required-trusted' }, LOC, { handshakeTimeoutMs: 30_000 });
  const c = createConnector({ ...asCompiled.connector(), host: '127.0.0.1', port, tls: client, timeReopenMs: 60_000, location: LOC, name: 'd_tls' });
  try {
    logs.events.length = 0;
    const before = tlsFailureCount();
    c.start();
    await hello;
    c.destroy();
    await new Promise((r) => peers[0].once('close', r));
    // the endpoint would have seen the close by now (same turn as the peer's) and a further turn to report it
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(logs.events.filter((e) => e.text === 'TLS handshake failed').map((e) => e.tags.reason), []);
    assert.equal(tlsFailureCount(), before);
  } finally {
    c.destroy();
    for (const s of peers) s.destroy();
    server.close();
  }
});

test('daemon: a refused client on a TLS source gives one TLS handshake failed line', { skip: skip || skipUnlessPeers('openssl'), timeout: 60_000 }, async (t) => {
  const { d, port, out } = await startSourceToFile(t, {
    name: 'lf-tls-once',
    source: (port) => `network(ip(127.0.0.1) port(${port}) transport(tls)
  tls(key-file("${P}/server.key") cert-file("${P}/server.pem") ca-dir("${P}/ca.d") peer-verify(required-trusted)));`,
  });
  const bad = tls.connect({ port, host: '127.0.0.1', key: readFileSync(`${P}/rogue.key`), cert: readFileSync(`${P}/rogue.pem`), rejectUnauthorized: false });
  bad.on('error', () => {});
  bad.resume();
  // (events.once would reject on the alert's 'error')
  await new Promise((r) => bad.once('close', r));
  // a good client afterwards: once its message is stored, the refused one was handled long before
  const good = tls.connect({ port, host: '127.0.0.1', key: readFileSync(`${P}/client1.key`), cert: readFileSync(`${P}/client1.pem`), ca: readFileSync(`${P}/ca.pem`), servername: 'localhost' });
  good.on('error', () => {});
  await once(good, 'secureConnect');
  good.end('<13>Nov 26 07:00:00 host app: after-the-refused-one\n');
  assert.deepEqual(await waitForLines(out, 1, 15_000), ['after-the-refused-one']);
  const said = d.stderr().split('\n').filter((s) => s.includes('TLS handshake failed'));
  assert.equal(said.length, 1, d.stderr());
  assert.match(said[0], /reason='unknown_ca'/);
});
