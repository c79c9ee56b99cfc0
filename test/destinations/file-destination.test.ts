/**
 * file() destinations under logrotate and full disks: reopen() sends new lines
 * to a new file after the old one was renamed, with nothing lost or written
 * twice; a failed write (ENOSPC from /dev/full, or injected through the write
 * seam) is reported once, retried every time-reopen(), keeps the messages
 * queued, and is followed by one "written again" line once it works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { getCounter } from '../../src/core/stats.ts';
import { FileDestination, type FileDestinationOptions } from '../../src/destinations/file.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { tempDir } from '../helpers/peers.ts';

function dest(o: Partial<FileDestinationOptions> & { path: string; name?: string }): FileDestination {
  return new FileDestination({
    name: o.name ?? 'd',
    fifoSize: 1000,
    flushLines: 10,
    timeReopenMs: 50,
    throttle: 0,
    fileName: () => o.path,
    format: (m) => `${m.message}\n`,
    createDirs: true,
    perm: 0o600,
    dirPerm: 0o700,
    timeReapMs: 60_000,
    fsync: false,
    ...o,
  });
}

function msg(text: string): LogMessage {
  const m = new LogMessage({ sec: 1, usec: 0, gmtoff: 0 });
  m.message = text;
  return m;
}

/** delivers `texts` flow-controlled; resolves when every one is acknowledged (written) */
function deliverAll(d: FileDestination, texts: string[]): Promise<void> {
  return Promise.all(texts.map((t) => new Promise<void>((resolve) => d.deliver(msg(t), resolve)))).then(() => undefined);
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

function captureLog(): { lines: InternalEvent[]; restore(): void } {
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => void lines.push(ev)]);
  return { lines, restore: () => setInternalSinks([]) };
}

function readLines(p: string): string[] {
  return fs.readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
}

test('reopen() after logrotate renamed the file: new lines go to a new file, none lost or written twice', async (t) => {
  const dir = tempDir('lf-reopen');
  t.after(() => dir.remove());
  const out = join(dir.path, 'out.log');
  const d = dest({ path: out });
  await d.start();
  await deliverAll(d, range('a', 0, 500));
  fs.renameSync(out, out + '.1');
  // before reopen() the open file is still the renamed one, as with syslog-ng until SIGHUP
  await deliverAll(d, range('b', 0, 100));
  d.reopen();
  await deliverAll(d, range('c', 0, 400));
  await d.stop(1000);
  assert.deepEqual(readLines(out + '.1'), [...range('a', 0, 500), ...range('b', 0, 100)]);
  assert.deepEqual(readLines(out), range('c', 0, 400));
});

test('reopen() while a batch is being written: the batch finishes in the old file, the next one opens the new', async (t) => {
  const dir = tempDir('lf-reopen-busy');
  t.after(() => dir.remove());
  const out = join(dir.path, 'out.log');
  let hold: (() => void) | undefined;
  const d = dest({
    path: out,
    // the first write waits until the test has renamed the file and asked for reopen()
    write: (fd, buf, off, len, cb) => {
      const go = () => fs.write(fd, buf, off, len, null, cb);
      if (hold === undefined) hold = go;
      else go();
    },
  });
  await d.start();
  const first = deliverAll(d, range('a', 0, 10));
  while (hold === undefined) await new Promise((r) => setImmediate(r));
  fs.renameSync(out, out + '.1');
  d.reopen();
  hold();
  await first;
  await deliverAll(d, range('b', 0, 10));
  await d.stop(1000);
  assert.deepEqual(readLines(out + '.1'), range('a', 0, 10));
  assert.deepEqual(readLines(out), range('b', 0, 10));
});

test('a full disk (ENOSPC from /dev/full): one line with the path and reason, retried, delivered once it recovers, one recovery line', async (t) => {
  const dir = tempDir('lf-enospc');
  t.after(() => dir.remove());
  const log = captureLog();
  t.after(() => log.restore());
  const out = join(dir.path, 'out.log');
  // the path leads to /dev/full (every write fails with ENOSPC) until the test replaces the link
  fs.symlinkSync('/dev/full', out);
  const before = getCounter('file_write_failures_total', { destination: 'full' });
  let attempts = 0;
  const countingWrite: FileDestinationOptions['write'] = (fd, buf, off, len, cb) => {
    attempts++;
    fs.write(fd, buf, off, len, null, cb);
  };
  const d2 = dest({ path: out, name: 'full', write: countingWrite });
  await d2.start();
  let acked = 0;
  for (const m of range('m', 0, 200)) d2.deliver(msg(m), () => void acked++);
  const deadline = Date.now() + 10_000;
  // retries go on at time-reopen() (50 ms): wait for several
  while (attempts < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(attempts >= 5, `retried (${attempts} attempts)`);
  assert.equal(acked, 0, 'nothing counts as written while the disk is full');
  const failures = log.lines.filter((l) => /Cannot write to the destination file/.test(l.text));
  assert.equal(failures.length, 1, 'reported once, however often retried');
  assert.equal(failures[0].level, 'error');
  assert.equal(failures[0].tags.filename, out);
  assert.match(String(failures[0].tags.error), /ENOSPC|no space/i);
  assert.equal(getCounter('file_write_failures_total', { destination: 'full' }) - before, 1);

  // the disk has room again
  fs.unlinkSync(out);
  while (acked < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await d2.stop(1000);
  assert.deepEqual(readLines(out), range('m', 0, 200), 'every queued message once, in order');
  assert.equal(log.lines.filter((l) => /Cannot write to the destination file/.test(l.text)).length, 1);
  const recovered = log.lines.filter((l) => /destination file is written again/.test(l.text));
  assert.equal(recovered.length, 1);
  assert.equal(recovered[0].tags.filename, out);
});

test('a write that fails part-way (disk full in the middle of a batch): the retry writes only the rest, no line twice or cut', async (t) => {
  const dir = tempDir('lf-partial');
  t.after(() => dir.remove());
  const log = captureLog();
  t.after(() => log.restore());
  const a = join(dir.path, 'a.log');
  const b = join(dir.path, 'b.log');
  let room = 1000; // bytes the "disk" takes before ENOSPC, over both files
  const write: FileDestinationOptions['write'] = (fd, buf, off, len, cb) => {
    if (room <= 0) return cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 0);
    const n = Math.min(len, room);
    room -= n;
    fs.write(fd, buf, off, n, null, cb);
  };
  // two files per batch: one may be written whole while the other fails
  const d = dest({ path: a, write, flushLines: 50, fileName: (m) => (Number(m.message.slice(1)) % 2 ? b : a) });
  await d.start();
  const texts = range('m', 0, 300);
  const all = deliverAll(d, texts);
  const deadline = Date.now() + 10_000;
  while (log.lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  room = Infinity;
  await all;
  await d.stop(1000);
  assert.deepEqual(readLines(a), texts.filter((_, i) => i % 2 === 0));
  assert.deepEqual(readLines(b), texts.filter((_, i) => i % 2 === 1));
  assert.equal(log.lines.filter((l) => /Cannot write/.test(l.text)).length, 1);
});

test('while the disk is full the queue holds what fits; what overflows is counted as dropped, never a crash', async (t) => {
  const dir = tempDir('lf-enospc-overflow');
  t.after(() => dir.remove());
  const log = captureLog();
  t.after(() => log.restore());
  const out = join(dir.path, 'out.log');
  fs.symlinkSync('/dev/full', out);
  const d = dest({ path: out, name: 'overflow', fifoSize: 100, flushLines: 10 });
  const before = getCounter('dropped_messages_total', { destination: 'overflow' });
  await d.start();
  // without flow control: the queue may drop when full
  for (const m of range('m', 0, 150)) d.deliver(msg(m));
  const deadline = Date.now() + 10_000;
  while (!log.lines.some((l) => /Cannot write/.test(l.text)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // the queue counts drops at once; the counter and its line follow once per interval, and at stop
  const dropped = d.deliveryCounts().dropped;
  fs.unlinkSync(out);
  while (!fs.existsSync(out) || readLines(out).length < 150 - dropped) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await d.stop(1000);
  const written = readLines(out).length;
  assert.ok(dropped > 0, 'some were dropped');
  assert.equal(written + dropped, 150, `written ${written} + dropped ${dropped}: every message accounted for`);
  assert.equal(getCounter('dropped_messages_total', { destination: 'overflow' }) - before, dropped, 'the counter has them all once stopped');
});
