/**
 * max-connection-lifetime() in the connector: the jitter, and a renewal that neither
 * waits for a server that never closes nor loses a write it acknowledged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createConnector, jitteredLifetime, LIFETIME_JITTER, type DisconnectReason } from '../../src/transport/connector.ts';
import { captureLogs } from './helpers.ts';

test('a lifetime is spread uniformly over ±10 % of the configured one', () => {
  assert.equal(LIFETIME_JITTER, 0.1);
  assert.equal(jitteredLifetime(60_000, 0), 54_000);
  assert.equal(jitteredLifetime(60_000, 0.5), 60_000);
  assert.equal(jitteredLifetime(60_000, 0.999999), 66_000);
  const seen = Array.from({ length: 2000 }, () => jitteredLifetime(60_000));
  assert.ok(seen.every((v) => v >= 54_000 && v <= 66_000));
  assert.ok(Math.min(...seen) < 55_000 && Math.max(...seen) > 65_000, 'the whole range is used, so senders started together drift apart');
});

const RENEWED = 'Syslog connection reached max-connection-lifetime(); closing it cleanly and reconnecting';

test('the connection is renewed at its lifetime even when the server never closes its side, and every acknowledged write arrives', async (t) => {
  const logs = captureLogs();
  t.after(() => logs.stop());
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  // allowHalfOpen: our FIN does not make the server close: a peer that never closes
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (d) => received.push(d.toString()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as net.AddressInfo).port;
  const reasons: DisconnectReason[] = [];
  let connected = 0;
  let wake: (() => void) | undefined;
  const conn = createConnector(
    { host: '127.0.0.1', port, servers: [], failback: undefined, ipProtocol: 4, localip: undefined, localport: 0, timeReopenMs: 60_000, closeOnInput: false, soKeepalive: false, tcpKeepaliveTime: 0, maxLifetimeMs: 300 },
    {
      onConnected: () => {
        connected++;
        wake?.();
      },
      onDisconnect: (r) => void reasons.push(r),
    },
  );
  conn.start();
  const t0 = Date.now();
  let n = 0;
  const acked = new Set<number>();
  while (Date.now() - t0 < 1500 && n < 100_000) {
    if (!conn.connected) {
      // the next connection (bounded: time-reopen is 60 s, so only an immediate reconnect passes the test)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
      continue;
    }
    const i = ++n;
    conn.write(Buffer.from(`m${i}\n`), (err) => void (err || acked.add(i)));
    await new Promise((r) => setTimeout(r, 2));
  }
  await conn.close(500);
  const renewals = reasons.filter((r) => r === 'lifetime').length;
  assert.ok(connected >= 4, `${connected} connections in 1.5 s with a 300 ms lifetime, although the server never closed one`);
  assert.ok(renewals >= 3, reasons.join(','));
  const got = new Set(received.join('').split('\n').filter(Boolean).map((l) => Number(l.slice(1))));
  assert.deepEqual([...acked].filter((i) => !got.has(i)), [], 'every acknowledged write arrived');
  assert.ok(acked.size > 100, `${acked.size} writes acknowledged`);
  // a renewal under way when close() came has its line but ends as 'closed': at most one such
  const lines = logs.count(RENEWED);
  assert.ok(lines === renewals || lines === renewals + 1, `one line per renewal: ${lines} lines, ${renewals} renewals`);
});
