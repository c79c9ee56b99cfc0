/**
 * The transport half of a clean stop: a listener's close() stops every connection reading at
 * once, hands on what Node had already read, and does not wait for the peer; a connector's
 * close() does not wait long for a server that never closes its side.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { CLOSE_GRACE_MS, createConnector } from '../../src/transport/connector.ts';
import type { CloseReason, StreamConnection } from '../../src/transport/stream-connection.ts';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
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

/** 4 MiB of numbered lines: any byte delivered can be checked against its place in the stream */
const PAYLOAD = Buffer.from(Array.from({ length: 4 * 1024 * 1024 / 16 }, (_, i) => `${String(i).padStart(14, '0')}\n`).join(''));

for (const transport of ['tcp', 'tls'] as const) {
  test(`${transport}: close() delivers what Node had read, reads nothing more, and does not wait for a peer that keeps sending`, async () => {
    const delivered: Buffer[] = [];
    const reasons: CloseReason[] = [];
    let conn: StreamConnection | undefined;
    const l = await createStreamListener(
      { ...asCompiled.listener(), transport, tls: transport === 'tls' ? serverEndpoint(pki) : undefined, ip: '127.0.0.1', port: 0 },
      {
        onConnection(c) {
          conn = c;
          // a consumer that is behind: the bytes pile up in Node's stream buffer and the kernel's
          c.pause();
          return { onData: (b) => void delivered.push(b), onClose: (r) => void reasons.push(r) };
        },
      },
    );
    const client = transport === 'tls' ? await tlsClient(pki, l.address.port) : net.connect(l.address.port, '127.0.0.1');
    client.on('error', () => {});
    // its reset arrives as an error before the close
    const clientGone = new Promise((r) => client.once('close', r));
    // the peer never ends its stream: a close that waits for its FIN waits for ever
    client.write(PAYLOAD);
    await until(() => (conn?.socket.readableLength ?? 0) > 0, 'Node read ahead into its stream buffer');
    const buffered = conn!.socket.readableLength;
    assert.equal(delivered.length, 0, 'nothing delivered while paused');

    const t0 = performance.now();
    await l.close();
    const ms = performance.now() - t0;
    const got = Buffer.concat(delivered);
    assert.equal(got.length, buffered, 'exactly what Node had read is delivered');
    assert.ok(got.equals(PAYLOAD.subarray(0, got.length)), 'and it is the start of the stream');
    assert.ok(ms < 1000, `close() took ${ms.toFixed(0)} ms`);
    assert.deepEqual(reasons, ['closed']);
    // the peer learns at once that the rest was not taken
    await clientGone;
    assert.ok(client.destroyed);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(Buffer.concat(delivered).length, buffered, 'nothing read after the close');
  });
}

test('connector close(): a server that never closes its side is cut off after the grace, and gets what was written', async () => {
  const received: Buffer[] = [];
  const peers = new Set<net.Socket>();
  // allowHalfOpen: our FIN gets no FIN back
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    peers.add(s);
    s.on('error', () => {});
    s.on('data', (b) => received.push(b));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const c = createConnector({ ...asCompiled.connector(), host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, timeReopenMs: 60_000 });
  try {
    c.start();
    await until(() => c.connected, 'connected');
    await new Promise<void>((resolve, reject) => c.write(Buffer.from('last words\n'), (err) => (err ? reject(err) : resolve())));
    const t0 = performance.now();
    await c.close();
    const ms = performance.now() - t0;
    assert.ok(ms >= CLOSE_GRACE_MS - 20 && ms < CLOSE_GRACE_MS + 500, `close() took ${ms.toFixed(0)} ms with a grace of ${CLOSE_GRACE_MS}`);
    await until(() => Buffer.concat(received).toString() === 'last words\n', 'the server got what was written');
  } finally {
    c.destroy();
    for (const s of peers) s.destroy();
    server.close();
  }
});
