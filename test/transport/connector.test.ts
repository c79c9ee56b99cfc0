import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import type { TlsFailure } from '../../src/tls/types.ts';
import { createConnector, type ConnectInfo, type Connector, type ConnectorOptions, type DisconnectReason } from '../../src/transport/connector.ts';
import type { StreamConnection } from '../../src/transport/stream-connection.ts';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
import { freePort } from '../helpers/ports.ts';
import { asCompiled, captureLogs, until, type LogCapture } from './helpers.ts';
import { clientEndpoint, makePki, serverEndpoint, type TestPki } from './tls-fixture.ts';

let logs: LogCapture;
let pki: TestPki;
before(() => {
  logs = captureLogs();
  pki = makePki();
});
after(() => {
  logs.stop();
  pki.cleanup();
});

/** A tiny receiving server that records bytes per connection and can be stopped and restarted. */
class Sink {
  server: net.Server | undefined;
  sockets = new Set<net.Socket>();
  received = '';
  accepted = 0;
  #waiters: Array<{ text: string; resolve: () => void }> = [];
  readonly host: string;
  port: number;
  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }
  async start(): Promise<this> {
    const srv = net.createServer((s) => {
      this.accepted++;
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => this.sockets.delete(s));
      s.on('data', (d: Buffer) => {
        this.received += d.toString();
        for (let i = this.#waiters.length - 1; i >= 0; i--) if (this.received.includes(this.#waiters[i].text)) this.#waiters.splice(i, 1)[0].resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: this.host, port: this.port }, () => resolve());
    });
    this.port = (srv.address() as net.AddressInfo).port;
    this.server = srv;
    return this;
  }
  waitText(text: string): Promise<void> {
    if (this.received.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }
  async stop(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

interface Events {
  connects: ConnectInfo[];
  disconnects: DisconnectReason[];
  tlsFailures: TlsFailure[];
  nextConnect(): Promise<ConnectInfo>;
  nextDisconnect(): Promise<DisconnectReason>;
}

function connectorWith(opts: ConnectorOptions): { c: Connector; ev: Events } {
  const cw: Array<(i: ConnectInfo) => void> = [];
  const dw: Array<(r: DisconnectReason) => void> = [];
  const ev: Events = {
    connects: [],
    disconnects: [],
    tlsFailures: [],
    nextConnect: () => new Promise((resolve) => cw.push(resolve)),
    nextDisconnect: () => new Promise((resolve) => dw.push(resolve)),
  };
  const c = createConnector(opts, {
    onConnected(info) {
      ev.connects.push(info);
      for (const w of cw.splice(0)) w(info);
    },
    onDisconnect(reason) {
      ev.disconnects.push(reason);
      for (const w of dw.splice(0)) w(reason);
    },
    onTlsFailure(f) {
      ev.tlsFailures.push(f);
    },
  });
  return { c, ev };
}

function writeAck(c: Connector, text: string): Promise<Error | null> {
  return new Promise((resolve) => c.write(Buffer.from(text), (err) => resolve(err ?? null)));
}

test('connects, logs established, reconnects after the server restarts', async () => {
  const sink = await new Sink('127.0.0.1', 0).start();
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: sink.port, timeReopenMs: 100 });
  try {
    const first = ev.nextConnect();
    c.start();
    const info = await first;
    assert.equal(info.server, '127.0.0.1');
    assert.equal(info.remote.port, sink.port);
    const est = await logs.waitFor('Syslog connection established');
    assert.equal(est.level, 'notice');
    assert.equal(est.tags.server, `AF_INET(127.0.0.1:${sink.port})`);
    assert.equal(est.tags.local, 'AF_INET(0.0.0.0:0)');
    assert.equal(await writeAck(c, 'one\n'), null);
    await sink.waitText('one\n');

    const lost = ev.nextDisconnect();
    await sink.stop();
    assert.equal(await lost, 'closed');
    const closedLine = await logs.waitFor('Syslog connection closed');
    assert.equal(closedLine.tags.time_reopen, 0.1);
    assert.equal(c.connected, false);
    assert.ok((await writeAck(c, 'while down\n')) instanceof Error, 'writes fail while disconnected');
    const failed = await logs.waitFor('Syslog connection failed');
    assert.equal(failed.level, 'error');
    assert.equal(failed.tags.error, 'Connection refused (111)');
    assert.equal(failed.tags.time_reopen, 0.1);

    const again = ev.nextConnect();
    await sink.start();
    await again;
    assert.equal(await writeAck(c, 'two\n'), null);
    await sink.waitText('two\n');
    assert.equal(ev.connects.length, 2);
  } finally {
    c.destroy();
    await sink.stop();
  }
});

test('failover: primary down, every reconnect moves to the next server, wrapping to the primary', async () => {
  const port = await freePort('127.0.0.1');
  // nothing listens on 127.0.0.1:port (the primary)
  const s2 = await new Sink('127.0.0.2', port).start();
  const s3 = await new Sink('127.0.0.3', port).start();
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port, servers: ['127.0.0.2', '127.0.0.3'], timeReopenMs: 50, location: { file: 'f.conf', line: 7, column: 3 } });
  const before = logs.events.length;
  try {
    let next = ev.nextConnect();
    c.start();
    assert.equal((await next).server, '127.0.0.2');
    next = ev.nextConnect();
    for (const s of s2.sockets) s.destroy();
    assert.equal((await next).server, '127.0.0.3');
    next = ev.nextConnect();
    for (const s of s3.sockets) s.destroy();
    // wraps to the primary (refused), then on to the first failover
    assert.equal((await next).server, '127.0.0.2');
    const warnings = logs.events.slice(before).filter((e) => e.level === 'warning');
    assert.deepEqual(
      warnings.map((w) => [w.text, w.tags.next_failover_server ?? w.tags.host]),
      [
        ['Current primary server is inaccessible, sending the messages to the next failover server', '127.0.0.2'],
        ['Current failover server is inaccessible, sending the messages to the next failover server', '127.0.0.3'],
        ['Last failover server reached, trying the original host again', '127.0.0.1'],
        ['Current primary server is inaccessible, sending the messages to the next failover server', '127.0.0.2'],
      ],
    );
    assert.equal(warnings[0].tags.location, 'f.conf:7:3');
  } finally {
    c.destroy();
    await s2.stop();
    await s3.stop();
  }
});

test('failback: after N successful probes the connection moves back to the primary', async () => {
  const port = await freePort('127.0.0.1');
  const s2 = await new Sink('127.0.0.2', port).start();
  const primary = new Sink('127.0.0.1', port);
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port, servers: ['127.0.0.2'], failback: { probeIntervalMs: 50, probesRequired: 3 }, timeReopenMs: 50 });
  try {
    let next = ev.nextConnect();
    c.start();
    assert.equal((await next).server, '127.0.0.2');
    // probes fail while the primary is down
    const probeFail = await logs.waitFor('Connection towards primary server failed');
    assert.equal(probeFail.tags.server, `AF_INET(127.0.0.1:${port})`);
    next = ev.nextConnect();
    const left = ev.nextDisconnect();
    await primary.start();
    assert.equal(await left, 'failback');
    const info = await next;
    assert.equal(info.server, '127.0.0.1');
    assert.equal(info.remote.address, '127.0.0.1');
    assert.ok(logs.count('Probing primary server successful') >= 3);
    assert.ok(logs.find('Primary server seems to be stable, reconnecting to primary server'));
    // the last probe socket became the connection: 3 probes, no extra connect
    assert.equal(primary.accepted, 3);
    assert.equal(await writeAck(c, 'back home\n'), null);
    await primary.waitText('back home\n');
    await until(() => s2.sockets.size === 0, 'the failover connection is closed');
  } finally {
    c.destroy();
    await s2.stop();
    await primary.stop();
  }
});

test('close-on-input: a byte from the server closes and reconnects; close-on-input(no) ignores it', async () => {
  const sink = await new Sink('127.0.0.1', 0).start();
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: sink.port, timeReopenMs: 50 });
  const quiet = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: sink.port, timeReopenMs: 50, closeOnInput: false });
  try {
    let next = ev.nextConnect();
    c.start();
    await next;
    await until(() => sink.sockets.size === 1, 'server side socket');
    next = ev.nextConnect();
    const lost = ev.nextDisconnect();
    for (const s of sink.sockets) s.write('hello?');
    assert.equal(await lost, 'unexpected_input');
    const line = await logs.waitFor('Unexpected input, closing');
    assert.equal(line.level, 'error');
    assert.equal(typeof line.tags.fd, 'number');
    await next;
    assert.equal(ev.connects.length, 2);

    const qn = quiet.ev.nextConnect();
    quiet.c.start();
    await qn;
    await until(() => sink.sockets.size === 2, 'second connector accepted');
    for (const s of sink.sockets) s.write('ignored');
    assert.equal(await writeAck(quiet.c, 'still here\n'), null);
    await sink.waitText('still here\n');
    assert.deepEqual(quiet.ev.disconnects, []);
  } finally {
    c.destroy();
    quiet.c.destroy();
    await sink.stop();
  }
});

test('backpressure: write() returns false while the server does not read, drain follows', async () => {
  let conn!: StreamConnection;
  let got = 0;
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: 0 }, {
    onConnection(cn) {
      conn = cn;
      cn.pause();
      return { onData: (d) => void (got += d.length) };
    },
  });
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: l.address.port, writeHighWaterMark: 256 * 1024 });
  try {
    const next = ev.nextConnect();
    c.start();
    await next;
    await until(() => conn !== undefined, 'server connection');
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    let sent = 0;
    let acked = 0;
    let full = false;
    for (let i = 0; i < 16384 && !full; i++) {
      sent += chunk.length;
      full = !c.write(chunk, (err) => {
        if (!err) acked += chunk.length;
      });
    }
    assert.ok(full, 'write() reported a full buffer');
    assert.ok(acked < sent, 'some writes are not acknowledged yet');
    const drained = once(c, 'drain');
    conn.resume();
    await drained;
    await until(() => acked === sent, 'every write acknowledged');
    await until(() => got === sent, 'server got every byte');
  } finally {
    c.destroy();
    await l.close();
  }
});

test('broken connection: unacknowledged writes get an error before onDisconnect', async () => {
  let conn!: StreamConnection;
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: 0 }, {
    onConnection(cn) {
      conn = cn;
      cn.pause();
      return { onData: () => {} };
    },
  });
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: l.address.port, timeReopenMs: 60_000 });
  try {
    const next = ev.nextConnect();
    c.start();
    await next;
    await until(() => conn !== undefined, 'server connection');
    const chunk = Buffer.alloc(64 * 1024, 0x63);
    let writes = 0;
    const results: Array<'ok' | 'failed'> = [];
    let disconnectSawResults = -1;
    const lost = ev.nextDisconnect().then((r) => {
      disconnectSawResults = results.length;
      return r;
    });
    for (let i = 0; i < 16384; i++) {
      writes++;
      if (!c.write(chunk, (err) => results.push(err ? 'failed' : 'ok'))) break;
    }
    conn.destroy();
    assert.equal(await lost, 'broken');
    assert.equal(results.length, writes, 'every write got its callback');
    assert.equal(disconnectSawResults, writes, 'callbacks came before onDisconnect');
    assert.ok(results.includes('failed'), 'the unflushed tail is reported as not written');
    assert.ok(logs.find('Syslog connection broken'));
  } finally {
    c.destroy();
    await l.close();
  }
});

test('tls: the handshake happens at connect; a bad server certificate fails before any write', async () => {
  const ep = serverEndpoint(pki);
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tls', tls: ep, ip: '127.0.0.1', port: 0 }, { onConnection: () => ({ onData: () => {} }) });
  const good = connectorWith({ ...asCompiled.connector(), host: 'localhost', port: l.address.port, tls: clientEndpoint(pki), timeReopenMs: 50 });
  const other = makePki();
  const bad = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: l.address.port, tls: clientEndpoint(other), timeReopenMs: 50 });
  try {
    const n = good.ev.nextConnect();
    good.c.start();
    const info = await n;
    assert.ok(info.tls, 'connected means TLS is up');
    assert.equal(ep.handshakesStarted, 1, 'no write was needed to start the handshake');

    bad.c.start();
    await until(() => bad.ev.tlsFailures.length >= 2, 'the failure repeats on every reconnect');
    assert.deepEqual(bad.ev.connects, [], 'never reported as connected');
    assert.ok(logs.events.some((e) => e.text === 'Syslog connection broken' && e.tags.server === `AF_INET(127.0.0.1:${l.address.port})`));
  } finally {
    good.c.destroy();
    bad.c.destroy();
    other.cleanup();
    await l.close();
  }
});

test('close() flushes what was written and sends FIN; no reconnect afterwards', async () => {
  const sink = await new Sink('127.0.0.1', 0).start();
  const { c, ev } = connectorWith({ ...asCompiled.connector(), host: '127.0.0.1', port: sink.port, timeReopenMs: 20 });
  try {
    const next = ev.nextConnect();
    c.start();
    await next;
    c.write(Buffer.from('last words\n'));
    await c.close();
    await sink.waitText('last words\n');
    assert.deepEqual(ev.disconnects, ['stopped']);
    await until(() => sink.sockets.size === 0, 'server saw the close');
    assert.equal(ev.connects.length, 1);
  } finally {
    c.destroy();
    await sink.stop();
  }
});
