/**
 * The stream listener with a PROXY header in front (proxied-tcp, proxied-tls,
 * proxied-tls-passthrough): the header's addresses reach the connection, the
 * bytes after it reach the reader (or the TLS layer) untouched however the
 * header was split, and a missing, late, truncated or LOCAL header never
 * becomes a connection — reported once when it is the peer's fault, quiet
 * when it is a health check or our own close.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, test } from 'node:test';
import { getCounter } from '../../src/core/stats.ts';
import type { StreamConnection } from '../../src/transport/stream-connection.ts';
import { createStreamListener, type StreamListener, type StreamListenerOptions } from '../../src/transport/stream-listener.ts';
import { asCompiled, captureLogs, until, type LogCapture } from './helpers.ts';
import { makePki, serverEndpoint, type TestPki } from './tls-fixture.ts';

const REFUSED = 'Connection closed: no valid PROXY protocol header; send through the load balancer with the PROXY protocol (v1 or v2) turned on';
const V1 = Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.10 4242 514\r\n');
const V2 = Buffer.concat([
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c]),
  Buffer.from([203, 0, 113, 7, 198, 51, 100, 10, 0x10, 0x92, 0x02, 0x02]),
]);

let pki: TestPki;
let logs: LogCapture;
before(() => {
  pki = makePki();
  logs = captureLogs();
});
after(() => {
  logs.stop();
  pki.cleanup();
});

interface Got {
  l: StreamListener;
  conns: StreamConnection[];
  text(c: StreamConnection): string;
  next(): Promise<StreamConnection>;
}

async function listen(opts: Partial<StreamListenerOptions>): Promise<Got> {
  const conns: StreamConnection[] = [];
  const data = new Map<StreamConnection, Buffer[]>();
  const waiters: Array<(c: StreamConnection) => void> = [];
  const l = await createStreamListener(
    { ...asCompiled.listener(), ip: '127.0.0.1', port: 0, proxyTimeoutMs: 300, ...opts },
    {
      onConnection(conn) {
        conns.push(conn);
        data.set(conn, []);
        waiters.shift()?.(conn);
        return { onData: (chunk) => data.get(conn)!.push(chunk) };
      },
    },
  );
  return {
    l,
    conns,
    text: (c) => Buffer.concat(data.get(c) ?? []).toString('latin1'),
    next: () => (conns.length ? Promise.resolve(conns[conns.length - 1]!) : new Promise((r) => waiters.push(r))),
  };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => {});
  await once(s, 'connect');
  s.setNoDelay(true);
  return s;
}

/** writes one byte per write, each after the previous left the socket */
async function dribble(s: net.Socket, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length; i++) await new Promise<void>((r) => s.write(bytes.subarray(i, i + 1), () => r()));
}

test('proxied-tcp: a header written byte by byte, data in the same write as its last byte; the connection gets the header addresses', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain' });
  try {
    const s = await connect(g.l.address.port);
    await dribble(s, V1.subarray(0, -1));
    s.write(Buffer.concat([V1.subarray(-1), Buffer.from('first line\nsecond line\n')]));
    const c = await g.next();
    await until(() => g.text(c).includes('second line\n'), 'both lines');
    assert.equal(g.text(c), 'first line\nsecond line\n');
    assert.deepEqual(c.proxied, { source: { address: '203.0.113.7', port: 4242, family: 'IPv4' }, destination: { address: '198.51.100.10', port: 514, family: 'IPv4' } });
    assert.equal(c.peer.address, '127.0.0.1', 'the TCP peer stays the balancer');
    const accepted = logs.events.filter((e) => e.text === 'Syslog connection accepted').pop();
    assert.equal(accepted?.tags?.proxied, 'AF_INET(203.0.113.7:4242)');
    assert.match(String(accepted?.tags?.client), /^AF_INET\(127\.0\.0\.1:\d+\)$/);
    s.destroy();
  } finally {
    await g.l.close();
  }
});

test('a v2 header and data in one write', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain' });
  try {
    const s = await connect(g.l.address.port);
    s.write(Buffer.concat([V2, Buffer.from('x\n')]));
    const c = await g.next();
    await until(() => g.text(c) === 'x\n', 'the line');
    assert.equal(c.proxied?.source.address, '203.0.113.7');
    assert.equal(c.proxied?.destination.port, 514);
    s.destroy();
  } finally {
    await g.l.close();
  }
});

test('bounded time: a silent peer, and one that stalls inside the header, are refused after proxyTimeoutMs with one line each and free their slot', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain', proxyTimeoutMs: 200, groupName: 'pp-timeout' });
  try {
    const before = logs.count(REFUSED);
    const silent = await connect(g.l.address.port);
    const stalled = await connect(g.l.address.port);
    stalled.write(V1.subarray(0, 10));
    const t0 = Date.now();
    await Promise.all([once(silent, 'close'), once(stalled, 'close')]);
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 3000, `closed after ${took} ms`);
    const lines = logs.events.filter((e) => e.text === REFUSED).slice(before);
    assert.equal(lines.length, 2);
    const reasons = lines.map((e) => String(e.tags?.reason)).sort();
    assert.deepEqual(reasons, ['no PROXY header within 200 ms', 'only 10 byte(s) of a PROXY header within 200 ms']);
    assert.equal(getCounter('transport_proxy_refused_total', { group: 'pp-timeout' }), 2);
    await until(() => g.l.connectionCount === 0, 'slots freed');
    assert.equal(g.conns.length, 0);
  } finally {
    await g.l.close();
  }
});

test('a peer that closes inside the header is refused as truncated; one that only connects and closes is no refusal', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain', groupName: 'pp-trunc' });
  try {
    const before = logs.count(REFUSED);
    const probe = await connect(g.l.address.port);
    probe.end();
    await once(probe, 'close');
    const cut = await connect(g.l.address.port);
    cut.end(V2.subarray(0, 20));
    await logs.waitFor(REFUSED);
    await until(() => logs.count(REFUSED) > before, 'the refusal');
    const line = logs.events.filter((e) => e.text === REFUSED).slice(before);
    assert.equal(line.length, 1);
    assert.equal(line[0]!.tags?.reason, 'the peer closed the connection after 20 byte(s) of an unfinished PROXY header');
    assert.equal(getCounter('transport_proxy_refused_total', { group: 'pp-trunc' }), 1);
  } finally {
    await g.l.close();
  }
});

test('LOCAL (v2) and UNKNOWN (v1) are health checks: closed, counted, no connection handed over, no error line', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain', groupName: 'pp-local' });
  try {
    const before = logs.count(REFUSED);
    const local = Buffer.from(V2);
    local[12] = 0x20;
    for (const h of [local, Buffer.from('PROXY UNKNOWN\r\n')]) {
      const s = await connect(g.l.address.port);
      s.write(Buffer.concat([h, Buffer.from('not a message\n')]));
      await once(s, 'close');
    }
    assert.equal(getCounter('transport_proxy_health_checks_total', { group: 'pp-local' }), 2);
    assert.equal(g.conns.length, 0);
    assert.equal(logs.count(REFUSED), before);
  } finally {
    await g.l.close();
  }
});

test('connections waiting for their header hold max-connections slots; close() while waiting reports nothing', async () => {
  const g = await listen({ transport: 'tcp', proxy: 'plain', maxConnections: 2, proxyTimeoutMs: 10_000 });
  const before = logs.count(REFUSED);
  const a = await connect(g.l.address.port);
  const b = await connect(g.l.address.port);
  await until(() => g.l.connectionCount === 2, 'two slots held');
  const c = await connect(g.l.address.port);
  await once(c, 'close');
  assert.ok(logs.find('Number of allowed concurrent connections reached, rejecting connection'));
  await g.l.close();
  await Promise.all([a.closed ? undefined : once(a, 'close'), b.closed ? undefined : once(b, 'close')]);
  assert.equal(logs.count(REFUSED), before);
});

test('proxied-tls-passthrough: header and ClientHello in one TCP write; TLS starts on the bytes after the header', async () => {
  const ep = serverEndpoint(pki);
  const g = await listen({ transport: 'tls', tls: ep, proxy: 'before-tls' });
  try {
    const raw = await connect(g.l.address.port);
    // corked: the header and the ClientHello leave in one write, so the header's chunk holds TLS bytes too
    raw.cork();
    raw.write(V1);
    const s = tls.connect({ socket: raw, ca: pki.ca, servername: 'localhost' });
    process.nextTick(() => raw.uncork());
    await once(s, 'secureConnect');
    s.write('over tls\n');
    const c = await g.next();
    await until(() => g.text(c) === 'over tls\n', 'the line');
    assert.equal(c.proxied?.source.address, '203.0.113.7');
    assert.ok(c.tls, 'a TLS connection');
    s.destroy();
  } finally {
    await g.l.close();
  }
});

test('proxied-tls: the header inside TLS, split across records; a header sent before TLS is a plain-text-on-TLS failure, no handshake', async () => {
  const ep = serverEndpoint(pki);
  const g = await listen({ transport: 'tls', tls: ep, proxy: 'inside-tls' });
  try {
    const s = tls.connect({ host: '127.0.0.1', port: g.l.address.port, ca: pki.ca, servername: 'localhost' });
    await once(s, 'secureConnect');
    await new Promise<void>((r) => s.write(V2.subarray(0, 7), () => r()));
    s.write(Buffer.concat([V2.subarray(7), Buffer.from('inside\n')]));
    const c = await g.next();
    await until(() => g.text(c) === 'inside\n', 'the line');
    assert.equal(c.proxied?.source.port, 4242);
    s.destroy();

    const started = ep.handshakesStarted;
    const plain = await connect(g.l.address.port);
    plain.write(V1);
    await once(plain, 'close');
    assert.equal(ep.handshakesStarted, started);
  } finally {
    await g.l.close();
  }
});
