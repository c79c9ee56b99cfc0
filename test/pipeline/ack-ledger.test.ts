/**
 * The receiver's exactly-once bookkeeping, each kill point made by hand
 * (journal lines and file contents as a kill leaves them), and W's rules:
 * duplicates, records routed by an earlier connection, out-of-order completion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AckLedger } from '../../src/pipeline/ack-ledger.ts';

function dir(t: { after(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-ackledger-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const HEAD = '{"format":"logferry-ack-journal","version":1}\n';
const S = 'aabbccddeeff00112233445566778899';

test('W moves over contiguous completed records only, is journaled, and tells subscribers after', async (t) => {
  const j = path.join(dir(t), 'p.acks');
  const l = AckLedger.open(j);
  assert.equal(fs.existsSync(j), false, 'no journal until something needs one');
  const seen: number[] = [];
  l.subscribe(S, (w) => seen.push(w));
  for (const s of [5, 6, 7]) assert.equal(l.admit(S, s), 'route');
  assert.equal(l.admit(S, 6), 'duplicate', 'routed by an earlier connection, not written yet');
  l.completed(S, 6);
  l.completed(S, 7);
  assert.equal(l.highestWritten(S), -1, '5 is not written: 6 and 7 wait');
  l.completed(S, 5);
  assert.equal(l.highestWritten(S), 7);
  assert.deepEqual(seen, [], 'subscribers hear only once W is in the journal');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [7]);
  assert.equal(l.admit(S, 7), 'duplicate');
  assert.equal(l.admit(S, 8), 'route');
  l.close();
  const again = AckLedger.open(j);
  assert.equal(again.highestWritten(S), 7, 'W survives a restart');
  assert.equal(again.admit(S, 8), 'route', 'routed but never written before the restart: routed again');
  again.close();
});

test('kill after the file write, before its completion was journaled: rolled forward, the file skips the resend', (t) => {
  const d = dir(t);
  const out = path.join(d, 'out.log');
  fs.writeFileSync(out, 'old\nm10\nm11\n');
  const j = path.join(d, 'p.acks');
  fs.writeFileSync(j, HEAD + JSON.stringify({ w: [S, 9] }) + '\n' + JSON.stringify({ i: 1, f: out, o: 4, n: 8, s: [[S, [[10, 11]]]] }) + '\n');
  const l = AckLedger.open(j);
  assert.deepEqual(l.recovery, { rolledForward: 1, notWritten: 0, truncated: 0 });
  assert.equal(fs.readFileSync(out, 'utf8'), 'old\nm10\nm11\n', 'the file is left alone');
  assert.equal(l.highestWritten(S), 9);
  assert.equal(l.alreadyWritten(out, S, 10), true);
  assert.equal(l.alreadyWritten(out, S, 11), true);
  assert.equal(l.alreadyWritten(out, S, 12), false);
  assert.equal(l.alreadyWritten(path.join(d, 'other.log'), S, 10), false, 'per file');
  l.close();
  // and it survives the next restart too, until W passes it
  const l2 = AckLedger.open(j);
  assert.equal(l2.alreadyWritten(out, S, 11), true);
  l2.admit(S, 10);
  l2.admit(S, 11);
  l2.completed(S, 10);
  l2.completed(S, 11);
  l2.flush();
  assert.equal(l2.alreadyWritten(out, S, 11), false, 'W covers it now: dropped at the source instead');
  l2.close();
});

test('kill in the middle of the write: the file is truncated back to the recorded offset', (t) => {
  const d = dir(t);
  const out = path.join(d, 'out.log');
  fs.writeFileSync(out, 'old\nm10\nm1');
  const j = path.join(d, 'p.acks');
  fs.writeFileSync(j, HEAD + JSON.stringify({ i: 3, f: out, o: 4, n: 8, s: [[S, [[10, 11]]]] }) + '\n');
  const l = AckLedger.open(j);
  assert.deepEqual(l.recovery, { rolledForward: 0, notWritten: 0, truncated: 1 });
  assert.equal(fs.readFileSync(out, 'utf8'), 'old\n');
  assert.equal(l.alreadyWritten(out, S, 10), false, 'the resend writes it');
  l.close();
});

test('kill after the intent, before any byte: nothing to undo; a completed or failed write is not settled again', (t) => {
  const d = dir(t);
  const out = path.join(d, 'out.log');
  fs.writeFileSync(out, 'old\n');
  const j = path.join(d, 'p.acks');
  const lines = [
    { i: 1, f: out, o: 4, n: 4, s: [[S, [[1, 1]]]] },
    { i: 2, f: out, o: 0, n: 4, s: [[S, [[2, 2]]]] },
    { x: 2 },
    { i: 3, f: out, o: 0, n: 4, s: [[S, [[3, 3]]]] },
    { c: 3 },
  ];
  fs.writeFileSync(j, HEAD + lines.map((x) => JSON.stringify(x)).join('\n') + '\n{"w":["cut');
  const l = AckLedger.open(j);
  assert.deepEqual(l.recovery, { rolledForward: 0, notWritten: 1, truncated: 0 });
  assert.equal(fs.readFileSync(out, 'utf8'), 'old\n');
  assert.equal(l.alreadyWritten(out, S, 1), false);
  assert.equal(l.alreadyWritten(out, S, 2), false, 'a failed write was rolled back when it failed');
  assert.equal(l.alreadyWritten(out, S, 3), true, 'a completed write above W');
  l.close();
  assert.doesNotMatch(fs.readFileSync(j, 'utf8'), /cut/, 'the torn last line is gone after the rewrite');
});

test('a journal that is not one: a one-sentence error with the fix', (t) => {
  const j = path.join(dir(t), 'p.acks');
  fs.writeFileSync(j, '{"format":"something-else"}\n');
  assert.throws(() => AckLedger.open(j), /is not a logferry acknowledged-transfer journal; move it away/);
  fs.writeFileSync(j, '{"format":"logferry-ack-journal","version":7}\n');
  assert.throws(() => AckLedger.open(j), /journal version 7, this logferry reads version 1/);
  fs.writeFileSync(j, HEAD + 'garbage\n{"w":["a",1]}\n');
  assert.throws(() => AckLedger.open(j), /line 2 is not valid JSON/);
});

test('intents journaled by a write are settled by the next open (a real write through beginWrite/endWrite)', (t) => {
  const d = dir(t);
  const out = path.join(d, 'out.log');
  const j = path.join(d, 'p.acks');
  const l = AckLedger.open(j);
  const id = l.beginWrite(out, 0, 6, new Map([[S, [1, 2, 3]]]));
  fs.writeFileSync(out, 'a\nb\nc\n');
  // killed here: no endWrite
  void id;
  const l2 = AckLedger.open(j);
  assert.deepEqual(l2.recovery, { rolledForward: 1, notWritten: 0, truncated: 0 });
  assert.equal(l2.alreadyWritten(out, S, 2), true);
  l2.close();
  l.close();
});
