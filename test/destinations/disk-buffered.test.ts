/**
 * The disk-buffered destination in process, against a loopback TCP peer:
 * a connection cut mid-stream loses nothing (what was not yet ackable is
 * sent again on the next connection) and the buffer drains to empty; a full
 * buffer holds flow-controlled messages (their acks wait) and drops and
 * counts the others; without reliable() the ack fires at the append.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { join } from 'node:path';
import { DiskBufferedDestination, type DiskBufferedOptions } from '../../src/destinations/disk-buffered.ts';
import type { ConnectorOptions } from '../../src/transport/connector.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

/** A peer that keeps every line it got; `cut()` ends the current connection abruptly. */
function peer(port: number) {
  const lines: string[] = [];
  const conns = new Set<net.Socket>();
  let seen = 0;
  let rest = '';
  const waiters: Array<() => void> = [];
  const server = net.createServer((s) => {
    conns.add(s);
    seen++;
    for (const w of waiters.splice(0)) w();
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      const all = (rest + d).split('\n');
      rest = all.pop()!;
      lines.push(...all);
      for (const w of waiters.splice(0)) w();
    });
    s.on('close', () => conns.delete(s));
    s.on('error', () => {});
  });
  return {
    lines,
    connectionsSeen: () => seen,
    listen: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r)),
    cut: () => {
      rest = '';
      for (const s of conns) s.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of conns) s.destroy();
        server.close(() => r());
      }),
    /** resolves once `ok()` holds, checked on every line batch; bounded by timeoutMs */
    until: async (ok: () => boolean, timeoutMs: number, what: string) => {
      const end = Date.now() + timeoutMs;
      while (!ok()) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`peer: ${what} did not happen; ${lines.length} lines`);
        let t: NodeJS.Timeout | undefined;
        await new Promise<void>((r) => {
          waiters.push(r);
          t = setTimeout(r, Math.min(left, 200));
        });
        clearTimeout(t);
      }
    },
  };
}

function connector(port: number): ConnectorOptions {
  return { host: '127.0.0.1', port, servers: [], failback: undefined, ipProtocol: 4, localip: undefined, localport: 0, timeReopenMs: 50, closeOnInput: false, soKeepalive: false, tcpKeepaliveTime: 0 };
}

function msg(text: string): LogMessage {
  const m = new LogMessage({ sec: 1, usec: 0, gmtoff: 0 });
  m.set('MSG', text);
  return m;
}

function dest(dir: string, port: number, more: Partial<DiskBufferedOptions> = {}) {
  return new DiskBufferedDestination({
    name: 'd_test',
    dir: join(dir, 'buf'),
    reliable: true,
    maxBytes: 64 * 1024 * 1024,
    memBufSize: 64 * 1024 * 1024,
    connector: connector(port),
    frame: (m) => Buffer.from(`${m.get('MSG')}\n`),
    resendWindow: { windowMs: 100, windowBytes: 0 },
    ...more,
  });
}

/** the counts the stop report uses */
function counts(d: DiskBufferedDestination) {
  const { written, unwritten, dropped, kept } = d.deliveryCounts();
  return { written, unwritten, dropped, kept };
}

function numbers(lines: readonly string[]): { distinct: Set<number>; dups: number } {
  const distinct = new Set<number>();
  let dups = 0;
  for (const l of lines) {
    const n = Number(/^m(\d+)$/.exec(l)?.[1]);
    if (distinct.has(n)) dups++;
    distinct.add(n);
  }
  return { distinct, dups };
}

test('a connection cut mid-stream loses nothing: unacknowledged records are sent again, then the buffer is empty', async (t) => {
  const tmp = tempDir('lf-dbdest-cut');
  const port = await freePort();
  const p = peer(port);
  await p.listen();
  t.after(() => p.close());
  const d = dest(tmp.path, port, { resendWindow: { windowMs: 300, windowBytes: 0 } });
  await d.start();
  t.after(() => d.stop(0));
  // after the stops (hooks run in the order they were added): a stop still writes the cursor
  t.after(() => tmp.remove());
  const N = 20_000;
  let acked = 0;
  for (let i = 1; i <= N / 2; i++) d.deliver(msg(`m${i}`), () => acked++);
  await p.until(() => p.lines.length >= 2000, 10_000, 'first lines');
  p.cut();
  for (let i = N / 2 + 1; i <= N; i++) d.deliver(msg(`m${i}`), () => acked++);
  await p.until(() => numbers(p.lines).distinct.size === N, 15_000, 'every record');
  const { dups } = numbers(p.lines);
  await d.stop(5000);
  assert.equal(acked, N, 'every flow-controlled delivery was acknowledged (durable)');
  assert.equal(d.deliveryCounts().kept, 0, 'the buffer drained to empty');
  assert.equal(d.deliveryCounts().written, N);
  // the order: every record after a cut comes again from the cursor, so a second copy is only of a record sent before it
  assert.ok(dups > 0, 'records the peer had before the cut, not yet ackable, came again');
});

test('a full buffer holds flow-controlled messages (acks wait) and drops and counts the others; they go once there is room', async (t) => {
  const tmp = tempDir('lf-dbdest-full');
  const port = await freePort();
  const d = dest(tmp.path, port, { maxBytes: 256 * 1024, reliable: false, dropReportMs: 60_000 });
  await d.start();
  t.after(() => d.stop(0));
  // after the stops (hooks run in the order they were added): a stop still writes the cursor
  t.after(() => tmp.remove());
  const big = 'x'.repeat(1000);
  let acked = 0;
  let n = 0;
  // nobody listens: fill the buffer with flow-controlled messages until one is held
  for (; n < 1000 && acked === n; ) d.deliver(msg(`m${++n} ${big}`), () => acked++);
  const held = n - acked;
  assert.equal(held, 1, 'the first message that does not fit waits, unacknowledged');
  assert.ok(n > 100, `${n} messages fit in 256 KiB`);
  for (let i = 0; i < 5; i++) d.deliver(msg(`m${++n} ${big}`), () => acked++);
  assert.equal(n - acked, 6, 'later flow-controlled messages wait behind it, in order');
  d.deliver(msg('dropped 1'));
  d.deliver(msg('dropped 2'));
  assert.equal(d.deliveryCounts().dropped, 2, 'messages without flow control are dropped and counted');
  assert.equal(d.deliveryCounts().unwritten, 6);
  // the receiver comes: segments are acknowledged and deleted, the held messages go in and get their acks
  const p = peer(port);
  await p.listen();
  t.after(() => p.close());
  await p.until(() => p.lines.length >= n, 15_000, 'every flow-controlled message');
  assert.equal(acked, n, 'every held message was acknowledged once appended');
  assert.ok(!p.lines.some((l) => l.startsWith('dropped')), 'the dropped ones never went out');
  const got = p.lines.map((l) => Number(/^m(\d+) /.exec(l)?.[1]));
  assert.deepEqual(got.slice(0, n), Array.from({ length: n }, (_, i) => i + 1), 'in order, once each (no connection broke)');
});

test('reliable(no): a flow-controlled message is acknowledged when appended; stop keeps what was not sent', async (t) => {
  const tmp = tempDir('lf-dbdest-ack');
  const port = await freePort();
  const d = dest(tmp.path, port, { reliable: false });
  await d.start();
  let acked = 0;
  d.deliver(msg('m1'), () => acked++);
  assert.equal(acked, 1, 'acknowledged in deliver()');
  for (let i = 2; i <= 10; i++) d.deliver(msg(`m${i}`), () => acked++);
  await d.stop(100);
  assert.deepEqual(counts(d), { written: 0, unwritten: 0, dropped: 0, kept: 10 });
  // the next start (same directory) sends them
  const p = peer(port);
  await p.listen();
  t.after(() => p.close());
  const again = dest(tmp.path, port, { reliable: false });
  await again.start();
  t.after(() => again.stop(0));
  // after the stops (hooks run in the order they were added): a stop still writes the cursor
  t.after(() => tmp.remove());
  await p.until(() => p.lines.length >= 10, 10_000, 'the kept records');
  assert.deepEqual(p.lines.slice(0, 10), Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
});

test('a clean stop inside the resend window: the peer answers our end of stream with its own, so everything written leaves the buffer', async (t) => {
  const tmp = tempDir('lf-dbdest-clean');
  t.after(() => tmp.remove());
  const port = await freePort();
  const p = peer(port);
  await p.listen();
  t.after(() => p.close());
  const d = dest(tmp.path, port, { resendWindow: { windowMs: 60_000, windowBytes: 0 } });
  await d.start();
  for (let i = 1; i <= 1000; i++) d.deliver(msg(`m${i}`), () => {});
  await p.until(() => p.lines.length >= 1000, 10_000, '1000 lines');
  assert.equal(d.bufferCounters().records, 1000, 'nothing released inside the window');
  const started = Date.now();
  await d.stop(20_000);
  assert.ok(Date.now() - started < 10_000, 'the stop did not wait out its deadline');
  assert.deepEqual(counts(d), { written: 1000, unwritten: 0, dropped: 0, kept: 0 });
  assert.ok(d.deliveryCounts().writtenBytes! >= 1000 * 3 && d.deliveryCounts().lastWrittenAt! > 0);
  assert.equal(d.deliveryCounts().oldestUnwrittenAt, 0, 'nothing waits');
  const { inspectBuffer } = await import('../../src/buffer/inspect.ts');
  const r = inspectBuffer(join(tmp.path, 'buf'));
  assert.equal(r.segments.reduce((n, s) => n + s.unacknowledged, 0), 0, 'a restart sends nothing again');
});

test('a stop while the peer is down keeps everything (nothing was read): kept, not released', async (t) => {
  const tmp = tempDir('lf-dbdest-down');
  t.after(() => tmp.remove());
  const port = await freePort();
  const d = dest(tmp.path, port, { resendWindow: { windowMs: 10, windowBytes: 0 } });
  await d.start();
  for (let i = 1; i <= 50; i++) d.deliver(msg(`m${i}`), () => {});
  await d.stop(200);
  assert.deepEqual(counts(d), { written: 0, unwritten: 0, dropped: 0, kept: 50 });
  assert.ok(d.deliveryCounts().diskBufferBytes! > 50 * 3, 'the bytes it holds, for /metrics');
  assert.ok(d.deliveryCounts().oldestUnwrittenAt! > 0, 'and since when its oldest record waits');
});

test('max-connection-lifetime(): a renewal inside the resend window sends nothing twice (the retired peer read it all)', async (t) => {
  const tmp = tempDir('lf-dbdest-life');
  const port = await freePort();
  const p = peer(port);
  let connections = 0;
  await p.listen();
  t.after(() => p.close());
  const d = dest(tmp.path, port, { resendWindow: { windowMs: 60_000, windowBytes: 0 }, connector: { ...connector(port), maxLifetimeMs: 150 } });
  await d.start();
  t.after(() => d.stop(0));
  // after the stops (hooks run in the order they were added): a stop still writes the cursor
  t.after(() => tmp.remove());
  const N = 3000;
  // spread over several lifetimes: a batch each time the previous one arrived
  for (let i = 1; i <= N; i++) {
    d.deliver(msg(`m${i}`), () => {});
    if (i % 500 === 0) {
      await p.until(() => numbers(p.lines).distinct.size >= i, 10_000, `${i} lines`);
      const before = p.connectionsSeen();
      await p.until(() => p.connectionsSeen() > before, 10_000, 'a renewal');
      connections = p.connectionsSeen();
    }
  }
  await p.until(() => numbers(p.lines).distinct.size === N, 10_000, 'every line');
  assert.ok(connections >= 6, `${connections} connections: renewed every 150 ms`);
  assert.equal(numbers(p.lines).dups, 0, 'no record sent twice across renewals');
  assert.ok(d.bufferCounters().records < N, 'records of retired connections were released');
});

test('throttle(): records go out at most that many per second (a bucket of one second)', async (t) => {
  const tmp = tempDir('lf-dbdest-throttle');
  const port = await freePort();
  const p = peer(port);
  await p.listen();
  t.after(() => p.close());
  const d = dest(tmp.path, port, { throttle: 200, readBatch: 64 });
  await d.start();
  t.after(() => d.stop(0));
  // after the stops (hooks run in the order they were added): a stop still writes the cursor
  t.after(() => tmp.remove());
  for (let i = 1; i <= 300; i++) d.deliver(msg(`m${i}`), () => {});
  await p.until(() => p.lines.length >= 200, 10_000, 'the first second');
  const started = Date.now();
  await p.until(() => p.lines.length >= 300, 10_000, 'the rest');
  const took = Date.now() - started;
  assert.ok(took >= 350, `the last 100 took ${took} ms at 200 per second`);
});
