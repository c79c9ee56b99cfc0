import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import type { TlsFailure } from '../../src/tls/types.ts';
import type { CloseReason, StreamConnection } from '../../src/transport/stream-connection.ts';
import { createStreamListener, type StreamListener, type StreamListenerOptions } from '../../src/transport/stream-listener.ts';
import { asCompiled, captureLogs, until, type LogCapture } from './helpers.ts';
import { makePki, serverEndpoint, tlsClient, type TestPki } from './tls-fixture.ts';

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

interface Received {
  conns: StreamConnection[];
  data: Map<StreamConnection, Buffer[]>;
  closes: Array<{ conn: StreamConnection; reason: CloseReason }>;
  failures: TlsFailure[];
  /** resolves with the next connection whose bytes include `text` */
  waitText(text: string): Promise<StreamConnection>;
  waitClose(): Promise<{ conn: StreamConnection; reason: CloseReason }>;
  waitFailure(): Promise<TlsFailure>;
}

async function listen(opts: Partial<StreamListenerOptions> & Pick<StreamListenerOptions, 'transport'>, onConn?: (c: StreamConnection) => void): Promise<{ l: StreamListener; r: Received }> {
  const textWaiters: Array<{ text: string; resolve: (c: StreamConnection) => void }> = [];
  const closeWaiters: Array<(v: { conn: StreamConnection; reason: CloseReason }) => void> = [];
  const failWaiters: Array<(f: TlsFailure) => void> = [];
  const r: Received = {
    conns: [],
    data: new Map(),
    closes: [],
    failures: [],
    waitText: (text) => {
      for (const [c, bufs] of r.data) if (Buffer.concat(bufs).toString().includes(text)) return Promise.resolve(c);
      return new Promise((resolve) => textWaiters.push({ text, resolve }));
    },
    waitClose: () => (r.closes.length ? Promise.resolve(r.closes[r.closes.length - 1]) : new Promise((resolve) => closeWaiters.push(resolve))),
    waitFailure: () => (r.failures.length ? Promise.resolve(r.failures[r.failures.length - 1]) : new Promise((resolve) => failWaiters.push(resolve))),
  };
  const l = await createStreamListener(
    { ...asCompiled.listener(), ip: '127.0.0.1', port: 0, ...opts },
    {
      onConnection(conn) {
        r.conns.push(conn);
        r.data.set(conn, []);
        onConn?.(conn);
        return {
          onData(chunk) {
            r.data.get(conn)!.push(chunk);
            const all = Buffer.concat(r.data.get(conn)!).toString();
            for (let i = textWaiters.length - 1; i >= 0; i--) if (all.includes(textWaiters[i].text)) textWaiters.splice(i, 1)[0].resolve(conn);
          },
          onClose(reason) {
            const v = { conn, reason };
            r.closes.push(v);
            for (const w of closeWaiters.splice(0)) w(v);
          },
        };
      },
      onTlsFailure(f) {
        r.failures.push(f);
        for (const w of failWaiters.splice(0)) w(f);
      },
    },
  );
  return { l, r };
}

function plainClient(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

test('plain tcp: bytes arrive, accepted/closed lines carry client and local', async () => {
  const { l, r } = await listen({ transport: 'tcp' });
  try {
    const c = await plainClient(l.address.port);
    c.write('<13>hello plain\n');
    const conn = await r.waitText('hello plain');
    assert.equal(conn.tls, undefined);
    assert.equal(conn.peer.address, '127.0.0.1');
    assert.equal(conn.peer.port, c.localPort);
    const acc = logs.events.find((e) => e.text === 'Syslog connection accepted' && e.tags.client === `AF_INET(127.0.0.1:${c.localPort})`);
    assert.ok(acc, 'accepted line');
    assert.equal(acc.level, 'verbose');
    assert.equal(acc.tags.local, `AF_INET(127.0.0.1:${l.address.port})`);
    c.end();
    const closed = await r.waitClose();
    assert.equal(closed.reason, 'eof');
    assert.ok(logs.events.some((e) => e.text === 'Syslog connection closed' && e.tags.client === `AF_INET(127.0.0.1:${c.localPort})`));
    assert.equal(l.connectionCount, 0);
  } finally {
    await l.close();
  }
});

test('ip-protocol(6) on :: accepts IPv4 (mapped) and IPv6 clients', async () => {
  const { l, r } = await listen({ transport: 'tcp', ip: '::', ipProtocol: 6 });
  try {
    assert.equal(l.address.address, '::');
    const c4 = await plainClient(l.address.port, '127.0.0.1');
    c4.write('v4 here\n');
    const conn4 = await r.waitText('v4 here');
    assert.equal(conn4.peer.address, '::ffff:127.0.0.1');
    const c6 = await plainClient(l.address.port, '::1');
    c6.write('v6 here\n');
    const conn6 = await r.waitText('v6 here');
    assert.equal(conn6.peer.address, '::1');
    c4.destroy();
    c6.destroy();
  } finally {
    await l.close();
  }
});

test('tls: handshake through the endpoint, session facts on the connection', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep });
  try {
    const c = await tlsClient(pki, l.address.port);
    c.write('<13>hello tls\n');
    const conn = await r.waitText('hello tls');
    assert.ok(conn.tls);
    assert.match(conn.tls.protocol, /^TLSv1\.[23]$/);
    assert.equal(ep.handshakesStarted, 1);
    c.end();
    assert.equal((await r.waitClose()).reason, 'eof');
  } finally {
    await l.close();
  }
});

test('auto: TLS and plain clients on the same port', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'auto', tls: ep });
  try {
    const t = await tlsClient(pki, l.address.port);
    t.write('from tls client\n');
    const p = await plainClient(l.address.port);
    p.write('<13>from plain client\n');
    const ct = await r.waitText('from tls client');
    const cp = await r.waitText('from plain client');
    assert.ok(ct.tls, 'TLS connection has a session');
    assert.equal(cp.tls, undefined, 'plain connection has none');
    // the first byte the detector looked at is not lost
    assert.equal(Buffer.concat(r.data.get(cp)!).toString(), '<13>from plain client\n');
    assert.equal(ep.handshakesStarted, 1);
    t.destroy();
    p.destroy();
  } finally {
    await l.close();
  }
});

test('auto without an endpoint is plain only', async () => {
  const { l, r } = await listen({ transport: 'auto' });
  try {
    const p = await plainClient(l.address.port);
    p.write('\x16 not really tls\n');
    const conn = await r.waitText('not really tls');
    assert.equal(conn.tls, undefined);
    p.destroy();
  } finally {
    await l.close();
  }
});

test('max-connections: the connection over the limit is closed before any handshake', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep, maxConnections: 1, groupName: 's_tls', location: { file: '/etc/lf.conf', line: 3, column: 10 } });
  try {
    const first = await tlsClient(pki, l.address.port);
    first.write('first\n');
    await r.waitText('first');
    assert.equal(ep.handshakesStarted, 1);

    const second = await plainClient(l.address.port);
    const secondPort = second.localPort;
    second.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]));
    const got: Buffer[] = [];
    second.on('data', (d: Buffer) => got.push(d));
    second.on('error', () => {});
    await once(second, 'close');
    assert.equal(Buffer.concat(got).length, 0, 'no ServerHello or alert was sent');
    assert.equal(ep.handshakesStarted, 1, 'the endpoint never saw the rejected socket');
    const line = logs.events.find((e) => e.text === 'Number of allowed concurrent connections reached, rejecting connection');
    assert.ok(line);
    assert.equal(line.level, 'error');
    assert.deepEqual(Object.keys(line.tags), ['client', 'local', 'group_name', 'location', 'max']);
    assert.equal(line.tags.client, `AF_INET(127.0.0.1:${secondPort})`);
    assert.equal(line.tags.group_name, 's_tls');
    assert.equal(line.tags.location, '/etc/lf.conf:3:10');
    assert.equal(line.tags.max, 1);
    first.write('still served\n');
    await r.waitText('still served');
    first.destroy();
  } finally {
    await l.close();
  }
});

test('handshake timeout: a silent client is closed and its slot freed', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep, maxConnections: 1, handshakeTimeoutMs: 300 });
  try {
    const silent = await plainClient(l.address.port);
    silent.on('error', () => {});
    silent.resume();
    const t0 = Date.now();
    await once(silent, 'close');
    assert.ok(Date.now() - t0 >= 250, 'not closed before the timeout');
    const f = await r.waitFailure();
    assert.equal(f.reason, 'handshake_timeout');
    assert.equal(r.failures.length, 1, 'reported once');
    assert.equal(ep.handshakesStarted, 0);
    await until(() => l.connectionCount === 0, 'slot freed');
    // the single slot is usable again
    const c = await tlsClient(pki, l.address.port);
    c.write('after timeout\n');
    await r.waitText('after timeout');
    c.destroy();
    assert.equal(r.failures.length, 1);
  } finally {
    await l.close();
  }
});

test('handshake timeout also covers a stalled handshake inside the endpoint', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep, handshakeTimeoutMs: 300 });
  try {
    const slow = await plainClient(l.address.port);
    slow.on('error', () => {});
    slow.resume();
    // a record header that promises a ClientHello which never comes
    slow.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01]));
    await once(slow, 'close');
    const f = await r.waitFailure();
    assert.equal(f.reason, 'handshake_timeout');
    assert.equal(ep.handshakesStarted, 1);
    assert.equal(r.failures.length, 1, 'the endpoint rejection after our timeout is not reported again');
  } finally {
    await l.close();
  }
});

test('plain text sent to a TLS port is detected and reported as such', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep });
  try {
    const c = await plainClient(l.address.port);
    const clientPort = c.localPort;
    c.on('error', () => {});
    c.resume();
    c.write('<13>Oct 11 22:14:15 host app: plain on tls\n');
    await once(c, 'close');
    const f = await r.waitFailure();
    assert.equal(f.reason, 'plaintext_on_tls_port');
    assert.equal(f.peer?.port, clientPort);
    assert.match(f.fix, /transport\(tls\)/);
    assert.equal(ep.handshakesStarted, 0);
    assert.equal(r.conns.length, 0);
  } finally {
    await l.close();
  }
});

test('garbage after a handshake byte fails that connection only; others are served', async () => {
  const ep = serverEndpoint(pki);
  const { l, r } = await listen({ transport: 'tls', tls: ep });
  try {
    const bad = await plainClient(l.address.port);
    bad.on('error', () => {});
    bad.resume();
    bad.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10]), Buffer.alloc(16, 0xee), Buffer.alloc(64, 0x41)]));
    await once(bad, 'close');
    const f = await r.waitFailure();
    assert.equal(f.reason, 'handshake_failed');
    const good = await tlsClient(pki, l.address.port);
    good.write('good client\n');
    await r.waitText('good client');
    good.destroy();
  } finally {
    await l.close();
  }
});

test('pause() stops reading: the sender fills up; resume() delivers everything', async () => {
  let paused!: StreamConnection;
  const { l, r } = await listen({ transport: 'tcp' }, (c) => {
    c.pause();
    paused = c;
  });
  try {
    const c = await plainClient(l.address.port);
    await until(() => r.conns.length === 1, 'connection');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    // bounded: 1 GiB would be far beyond any loopback buffering
    for (let i = 0; i < 16384; i++) {
      sent += chunk.length;
      if (!c.write(chunk)) break;
    }
    assert.ok(c.writableLength > 0, 'the sender has bytes it cannot hand to the kernel');
    // let the event loop run so the kernel buffers settle: still nothing read
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(paused.bytesIn, 0, 'nothing was read while paused');
    assert.ok(sent > 1024 * 1024, `the kernel buffers absorbed ${sent} bytes before push-back`);
    paused.resume();
    await once(c, 'drain');
    c.end();
    await r.waitClose();
    assert.equal(paused.bytesIn, sent);
  } finally {
    await l.close();
  }
});

test('idle-timeout closes a quiet connection', async () => {
  const { l, r } = await listen({ transport: 'tcp', idleTimeout: 0.2 });
  try {
    const c = await plainClient(l.address.port);
    c.write('one line\n');
    await r.waitText('one line');
    await once(c, 'close');
    assert.equal((await r.waitClose()).reason, 'idle_timeout');
  } finally {
    await l.close();
  }
});

test('close() stops accepting and closes established connections', async () => {
  const { l, r } = await listen({ transport: 'tcp' });
  const c = await plainClient(l.address.port);
  c.write('x\n');
  await r.waitText('x');
  const closedByServer = once(c, 'end');
  c.on('end', () => c.end());
  await l.close();
  await closedByServer;
  assert.equal(r.closes[0].reason, 'closed');
  await assert.rejects(plainClient(l.address.port), { code: 'ECONNREFUSED' });
});

test('2000 concurrent connections: memory bounded, a TLS client still gets through', { timeout: 60_000 }, async (t) => {
  const ep = serverEndpoint(pki);
  const N = 2000;
  const { l, r } = await listen({ transport: 'auto', tls: ep, maxConnections: N + 10, listenBacklog: 1024 });
  const clients: net.Socket[] = [];
  try {
    // a real GC before each reading, so earlier tests' garbage does not blur the numbers
    setFlagsFromString('--expose-gc');
    const gcOnce = runInNewContext('gc') as () => void;
    // external (Buffer) memory is released by callbacks of the first collection
    const gc = async (): Promise<void> => {
      gcOnce();
      await new Promise((resolve) => setImmediate(resolve));
      gcOnce();
    };
    await gc();
    const before = process.memoryUsage();
    // batches keep the accept queue within the backlog
    for (let b = 0; b < N; b += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, () => plainClient(l.address.port)));
      for (const s of batch) {
        s.on('error', () => {});
        s.write(`<13>conn ${clients.length}\n`);
        clients.push(s);
      }
    }
    await until(() => r.conns.length === N, `${N} connections established`, 30_000);
    assert.equal(l.connectionCount, N);
    await gc();
    const now = process.memoryUsage();
    const heap = now.heapUsed + now.external - before.heapUsed - before.external;
    const rss = now.rss - before.rss;
    // both ends live in this process; a few KiB each is expected, not megabytes
    assert.ok(heap < 64 * 1024 * 1024, `heap grew by ${Math.round(heap / 1024 / 1024)} MiB for ${N} connections`);
    assert.ok(rss < 200 * 1024 * 1024, `rss grew by ${Math.round(rss / 1024 / 1024)} MiB for ${N} connections`);
    await until(() => [...r.data.values()].every((b) => b.length > 0), 'every connection delivered its line');
    const good = await tlsClient(pki, l.address.port);
    good.write('well behaved\n');
    const conn = await r.waitText('well behaved');
    assert.ok(conn.tls);
    good.destroy();
    t.diagnostic(`${N} connections: heap+external ${Math.round(heap / 1024)} KiB (${Math.round(heap / N)} B each), rss ${Math.round(rss / 1024 / 1024)} MiB`);
  } finally {
    for (const s of clients) s.destroy();
    await l.close();
  }
});

test('transport(tls) without an endpoint is refused with the spec text', async () => {
  await assert.rejects(createStreamListener({ ...asCompiled.listener(), transport: 'tls', port: 0, ip: '127.0.0.1' }, { onConnection: () => ({ onData: () => {} }) }), {
    message: 'transport(tls) was specified, but tls() options missing',
  });
});

test('so-reuseport(): two TCP listeners share a port; without it the second bind fails', async () => {
  const a = await createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: 0, soReuseport: true }, { onConnection: () => ({ onData: () => {} }) });
  try {
    const b = await createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: a.address.port, soReuseport: true }, { onConnection: () => ({ onData: () => {} }) });
    assert.equal(b.address.port, a.address.port);
    await b.close();
    await assert.rejects(createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: a.address.port }, { onConnection: () => ({ onData: () => {} }) }), { code: 'EADDRINUSE' });
  } finally {
    await a.close();
  }
});
