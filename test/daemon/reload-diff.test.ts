/**
 * What a reload keeps, rebuilds, adds and removes, in one process (Daemon.applySettings): an
 * unchanged source keeps its listener and an open connection, whose next lines take the new log
 * paths; a changed source is rebuilt on its new port; a kept destination is reopened, a changed
 * one rebuilt; what is gone stops; a new source that cannot listen is reported and its old driver
 * listens again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import { setInternalSinks } from '../../src/core/internal-log.ts';
import { subscribeEvents, type EmittedEvent } from '../../src/core/telemetry.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { FileDestination } from '../../src/destinations/file.ts';
import { freePorts } from '../helpers/ports.ts';
import { watchUntil } from '../helpers/peers.ts';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

const read = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

async function lineIn(file: string, text: string): Promise<void> {
  await watchUntil(file, async () => (read(file).includes(text) ? true : undefined), 10_000, async () => `${file} has no '${text}':\n${read(file)}`);
}

test('reload applies the difference: kept listener and connection, rebuilt and new drivers, removed ones stopped, a failed start reported and undone', async (t) => {
  setInternalSinks([]);
  const dir = mkdtempSync(join(tmpdir(), 'lf-reload-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [pa, pb, pb2, pc] = await freePorts(4);
  const file = join(dir, 'r.conf');
  const A = join(dir, 'a.log');
  const B = join(dir, 'b.log');
  const cfg = (o: { b?: string; tb: string; c?: boolean; a?: number }) =>
    [
      '@version: 4.27',
      'options { use-dns(no); };',
      `source a { network(ip("127.0.0.1") port(${o.a ?? pa}) flags(no-parse)); };`,
      o.b ? `source b { network(ip("127.0.0.1") port(${o.b}) flags(no-parse)); };` : '',
      o.c ? `source c { network(ip("127.0.0.1") port(${pc}) flags(no-parse)); };` : '',
      `destination da { file("${A}" template("a \${MSG}\\n")); };`,
      `destination db { file("${B}" template("${o.tb} \${MSG}\\n")); };`,
      // the paths: a → da; b → db; c → da and db
      'log { source(a); destination(da); };',
      o.b ? 'log { source(b); destination(db); };' : '',
      o.c ? 'log { source(c); destination(da); destination(db); };' : '',
      '',
    ].join('\n');

  const reopened: string[] = [];
  const had = Object.getOwnPropertyDescriptor(FileDestination.prototype, 'reopen');
  Object.defineProperty(FileDestination.prototype, 'reopen', { configurable: true, writable: true, value(this: FileDestination) { reopened.push(this.name); } });
  t.after(() => (had ? Object.defineProperty(FileDestination.prototype, 'reopen', had) : delete (FileDestination.prototype as { reopen?: unknown }).reopen));

  const daemon = new Daemon(parseConfigText(cfg({ b: String(pb), tb: 'one' }), file), { stderr: false, verbose: false, debug: false, pidfile: undefined, stopDeadlineMs: 2000 });
  t.after(() => daemon.stop('test end'));
  await daemon.start();
  const kept = await connect(pa);
  t.after(() => kept.destroy());
  let closed = false;
  kept.on('close', () => (closed = true));
  kept.write('first\n');
  await lineIn(A, 'a first');

  // b moves to another port, db gets a new template, c is new and also writes to db
  let r = await daemon.applySettings(parseConfigText(cfg({ b: String(pb2), tb: 'two', c: true }), file));
  assert.equal(r.applied, true);
  assert.deepEqual(r.changes, {
    sources: { kept: 1, restarted: 1, added: 1, removed: 0 },
    destinations: { kept: 1, restarted: 1, added: 0, removed: 0 },
    failed: [],
  });
  assert.deepEqual(reopened, ['da'], 'the kept destination is reopened (logrotate), the rebuilt one opens afresh');
  assert.equal(await refused(pb), true, 'the old port of the changed source is closed');
  const onB2 = await connect(pb2);
  onB2.end('via-b2\n');
  await lineIn(B, 'two via-b2');
  const onC = await connect(pc);
  onC.end('via-c\n');
  await lineIn(B, 'two via-c');
  await lineIn(A, 'a via-c');
  // the connection opened before the reload is still there, and its lines take the new paths
  kept.write('second\n');
  await lineIn(A, 'a second');
  assert.equal(closed, false);

  // b and its path go; db stays declared but unused: it stops
  r = await daemon.applySettings(parseConfigText(cfg({ tb: 'two' }), file));
  assert.deepEqual(r.changes, {
    sources: { kept: 1, restarted: 0, added: 0, removed: 2 },
    destinations: { kept: 1, restarted: 0, added: 0, removed: 1 },
    failed: [],
  });
  assert.equal(await refused(pb2), true);
  assert.equal(await refused(pc), true);

  // a moves to a port someone else holds: reported, and a listens on its old port again
  const taken = net.createServer();
  await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
  t.after(() => taken.close());
  const busy = (taken.address() as net.AddressInfo).port;
  r = await daemon.applySettings(parseConfigText(cfg({ tb: 'two', a: busy }), file));
  assert.equal(r.changes?.sources.restarted, 1);
  assert.equal(r.changes?.failed.length, 1);
  assert.match(r.changes!.failed[0].message, /EADDRINUSE/);
  const back = await connect(pa);
  back.end('after-failed-start\n');
  await lineIn(A, 'a after-failed-start');
});

test('a changed destination takes over a full queue: every queued line is written once, in order, by the rebuilt one', async (t) => {
  setInternalSinks([]);
  const dir = mkdtempSync(join(tmpdir(), 'lf-reload-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [port] = await freePorts(1);
  const file = join(dir, 'q.conf');
  const out = join(dir, 'out.log');
  // throttle() keeps most of the lines queued when the reload comes
  const cfg = (word: string) =>
    `@version: 4.27
options { use-dns(no); };
source s { network(ip("127.0.0.1") port(${port}) flags(no-parse)); };
destination d { file("${out}" template("${word} \${MSG}\\n") throttle(400) flush-lines(1)); };
log { source(s); destination(d); };
`;
  const daemon = new Daemon(parseConfigText(cfg('old'), file), { stderr: false, verbose: false, debug: false, pidfile: undefined, stopDeadlineMs: 2000 });
  t.after(() => daemon.stop('test end'));
  await daemon.start();
  const n = 1200;
  const c = await connect(port);
  t.after(() => c.destroy());
  c.write(Array.from({ length: n }, (_, i) => `m${i + 1}\n`).join(''));
  await watchUntil(out, async () => (read(out).split('\n').length > 100 ? true : undefined), 10_000, async () => read(out));

  const r = await daemon.applySettings(parseConfigText(cfg('new'), file));
  assert.deepEqual(r.changes?.destinations, { kept: 0, restarted: 1, added: 0, removed: 0 });
  await watchUntil(out, async () => (read(out).includes(`m${n}\n`) ? true : undefined), 15_000, async () => `${read(out).split('\n').length} lines`);
  const lines = read(out).split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.map((l) => l.split(' ')[1]), Array.from({ length: n }, (_, i) => `m${i + 1}`), 'each line once, in order');
  const firstNew = lines.findIndex((l) => l.startsWith('new '));
  assert.ok(firstNew > 100 && firstNew < n - 100, `the switch comes mid-queue (at ${firstNew})`);
  assert.ok(lines.slice(firstNew).every((l) => l.startsWith('new ')), 'what was queued is written by the rebuilt destination');
});

test('a changed file() source goes on where its predecessor stopped: no line read twice, none skipped', async (t) => {
  setInternalSinks([]);
  const dir = mkdtempSync(join(tmpdir(), 'lf-reload-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.log');
  const out = join(dir, 'out.log');
  const file = join(dir, 'r.conf');
  const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');
  writeFileSync(input, lines(0, 50));
  const cfg = (tag: string) =>
    ['@version: 4.27', `source f { file("${input}" flags(no-parse) program-override("${tag}")); };`, `destination d { file("${out}" template("\${PROGRAM} \${MSG}\\n")); };`, 'log { source(f); destination(d); };', ''].join('\n');
  const daemon = new Daemon(parseConfigText(cfg('one'), file), { stderr: false, verbose: false, debug: false, pidfile: undefined, stopDeadlineMs: 2000 });
  t.after(() => daemon.stop('test end'));
  await daemon.start();
  await lineIn(out, 'one line 49\n');
  const r = await daemon.applySettings(parseConfigText(cfg('two'), file));
  assert.equal(r.applied, true, r.reason);
  assert.deepEqual(r.changes?.sources, { kept: 0, restarted: 1, added: 0, removed: 0 }, 'the source changed, so it was rebuilt');
  appendFileSync(input, lines(50, 80));
  await lineIn(out, 'two line 79\n');
  const got = read(out).trimEnd().split('\n');
  assert.deepEqual(got.map((l) => l.split(' ').slice(1).join(' ')), Array.from({ length: 80 }, (_, i) => `line ${i}`), 'every line once, in order');
  assert.ok(got.slice(0, 50).every((l) => l.startsWith('one ')) && got.slice(50).every((l) => l.startsWith('two ')));
  // the stop report counts since start, across the reload
  const stops: EmittedEvent[] = [];
  const unsubscribe = subscribeEvents((ev) => void (ev.kind.startsWith('stop_') && stops.push(ev)));
  t.after(unsubscribe);
  await daemon.stop('test end');
  assert.equal(stops.length, 1);
  assert.equal((stops[0].fields as { read: number }).read, 80);
});
