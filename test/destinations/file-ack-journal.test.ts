/**
 * file() with records of acknowledging connections (docs/ack-transfer.md): an
 * intent before each write and its completion after, records the file held
 * before a restart skipped (and still acked), a failed write cut back whole so
 * its retry writes each record once. Messages without an origin are untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { setInternalSinks } from '../../src/core/internal-log.ts';
import { FileDestination, type WriteFn } from '../../src/destinations/file.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { AckLedger, installAckLedger, setAckOrigin } from '../../src/pipeline/ack-ledger.ts';
import { tempDir } from '../helpers/peers.ts';

const S = 'aa'.repeat(16);

function dest(path: string, write?: WriteFn): FileDestination {
  return new FileDestination({
    name: 'd',
    fifoSize: 1000,
    flushLines: 100,
    timeReopenMs: 30,
    throttle: 0,
    fileName: () => path,
    format: (m) => `${m.message}\n`,
    createDirs: true,
    perm: 0o600,
    dirPerm: 0o700,
    timeReapMs: 60_000,
    fsync: false,
    write,
  });
}

function msg(text: string, seq?: number): LogMessage {
  const m = new LogMessage({ sec: 1, usec: 0, gmtoff: 0 });
  m.message = text;
  if (seq !== undefined) setAckOrigin(m, { sender: S, seq });
  return m;
}

function deliver(d: FileDestination, msgs: LogMessage[]): Promise<void> {
  return Promise.all(msgs.map((m) => new Promise<void>((r) => d.deliver(m, r)))).then(() => undefined);
}

function journalLines(j: string): Array<Record<string, unknown>> {
  return fs.readFileSync(j, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
}

test('an intent (offset, length, seqs) before the bytes, its completion after; plain messages add nothing', async (t) => {
  const dir = tempDir('lf-fileack');
  t.after(() => {
    installAckLedger(undefined);
    dir.remove();
  });
  const out = join(dir.path, 'out.log');
  const j = join(dir.path, 'p.acks');
  installAckLedger(AckLedger.open(j));
  const d = dest(out);
  await d.start();
  await deliver(d, [msg('plain0')]);
  assert.equal(fs.existsSync(j), false, 'no origin, no journal');
  await deliver(d, [msg('a1', 1), msg('plain1'), msg('a2', 2)]);
  await d.stop(1000);
  assert.equal(fs.readFileSync(out, 'utf8'), 'plain0\na1\nplain1\na2\n');
  const lines = journalLines(j);
  assert.deepEqual(lines[0], { i: 1, f: out, o: 7, n: 13, s: [[S, [[1, 2]]]] }, 'offset after plain0, the bytes of a1, plain1 and a2');
  assert.deepEqual(lines.at(-1), { c: 1 });
});

test('records the file held before the restart are skipped and acked; the others written', async (t) => {
  const dir = tempDir('lf-fileack-held');
  t.after(() => {
    installAckLedger(undefined);
    dir.remove();
  });
  const out = join(dir.path, 'out.log');
  const j = join(dir.path, 'p.acks');
  // the last run wrote a5..a6 and was killed before their completion line
  fs.writeFileSync(out, 'a5\na6\n');
  fs.writeFileSync(j, '{"format":"logferry-ack-journal","version":1}\n' + JSON.stringify({ i: 1, f: out, o: 0, n: 6, s: [[S, [[5, 6]]]] }) + '\n');
  installAckLedger(AckLedger.open(j));
  const d = dest(out);
  await d.start();
  await deliver(d, [msg('a5', 5), msg('a6', 6), msg('a7', 7)]);
  await d.stop(1000);
  assert.equal(fs.readFileSync(out, 'utf8'), 'a5\na6\na7\n');
});

test('a failed journaled write is cut back whole, so a kill before its retry leaves no half line', async (t) => {
  const dir = tempDir('lf-fileack-fail');
  setInternalSinks([() => {}]);
  t.after(() => {
    installAckLedger(undefined);
    setInternalSinks([]);
    dir.remove();
  });
  const out = join(dir.path, 'out.log');
  const j = join(dir.path, 'p.acks');
  fs.writeFileSync(out, 'old\n');
  installAckLedger(AckLedger.open(j));
  let calls = 0;
  let retried: (() => void) | undefined;
  const retry = new Promise<void>((r) => (retried = r));
  // the first write gets 2 bytes in, then fails (a full disk); the retry never finishes (the kill comes first)
  const write: WriteFn = (fd, buf, off, len, cb) => {
    if (calls++ === 0) {
      fs.writeSync(fd, buf, off, 2);
      return cb(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }), 0);
    }
    retried!();
  };
  const d = dest(out, write);
  await d.start();
  d.deliver(msg('a1', 1));
  d.deliver(msg('a2', 2));
  await retry;
  assert.equal(fs.readFileSync(out, 'utf8'), 'old\n', 'the 2 bytes of the failed write were cut back');
  assert.deepEqual(journalLines(j).map((l) => Object.keys(l)[0]), ['i', 'x', 'i'], 'failed (x), the retry begun');
  // killed now: the next start finds the retry's intent without completion and nothing of it in the file
  const next = AckLedger.open(j);
  assert.deepEqual(next.recovery, { rolledForward: 0, notWritten: 1, truncated: 0 });
  assert.equal(next.alreadyWritten(out, S, 1), false, 'a1 is written again by the resend, whole');
  next.close();
  await d.stop(50);
});
