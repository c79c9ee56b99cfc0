/**
 * One acknowledging connection's receiver, without sockets: acks carry W and
 * never more than this connection sent; its window pauses and resumes the
 * connection; a record routed by another connection is not routed again and
 * its ack waits for that write; a payload that does not frame is one error
 * line and counts as handled; a malformed stream closes the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag, defaultParseOptions } from '../../src/syslog/parse.ts';
import { AckLedger } from '../../src/pipeline/ack-ledger.ts';
import { AckReceiver } from '../../src/sources/ack-receiver.ts';
import { AckDecoder, encodeHello, encodeRecords } from '../../src/syslog/framing/ack-protocol.ts';
import type { Ack } from '../../src/pipeline/types.ts';

const S = 'ab'.repeat(16);
const turn = () => new Promise((r) => setImmediate(r));

function setup(t: { after(fn: () => void): void }, ledger?: AckLedger) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-ackrx-'));
  const l = ledger ?? AckLedger.open(path.join(dir, 'p.acks'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const routed: Array<{ text: string; ack: Ack }> = [];
  const io = { calls: [] as string[], acks: [] as number[], dec: new AckDecoder() };
  const hostRules = { keepHostname: true, chainHostnames: false, useDns: false, useFqdn: false, normalizeHostnames: false, local: false };
  const rx = new AckReceiver(
    {
      recipe: { sourceName: 's', parse: defaultParseOptions({ flags: DEFAULT_PARSE_FLAGS | ParseFlag.SYSLOG_PROTOCOL }), hostRules, tags: [], local: false },
      hostRules,
      framing: 'octet-counted',
      decoder: { maxMsgSize: 65536 },
      values: [],
      sender: { ip: '127.0.0.1', resolvedName: undefined },
      window: 4,
      peer: '127.0.0.1:5555',
    },
    (msg, ack, all) => {
      assert.equal(all, true, 'routed to wait for every destination');
      routed.push({ text: msg.message, ack: ack! });
    },
    l,
    {
      pause: () => io.calls.push('pause'),
      resume: () => io.calls.push('resume'),
      write: (b) => io.acks.push(...io.dec.push(b)),
      destroy: () => io.calls.push('destroy'),
    },
  );
  return { rx, routed, io, ledger: l };
}

const frame = (s: string) => Buffer.from(`${Buffer.byteLength(s)} ${s}`);
const recs = (from: number, to: number) => encodeRecords(Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, payload: frame(`<13>1 - h a - - - m${from + i}`) })));

test('acks follow W once journaled; the window pauses and resumes the connection', async (t) => {
  const { rx, routed, io } = setup(t);
  rx.push(Buffer.concat([encodeHello(S, 1), recs(1, 6)]));
  assert.deepEqual(routed.map((r) => r.text), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  assert.deepEqual(io.calls, ['pause'], '6 routed, window 4');
  routed[1].ack();
  routed[2].ack();
  await turn();
  assert.deepEqual(io.acks, [], 'm1 not written: nothing acked');
  routed[0].ack();
  await turn();
  assert.deepEqual(io.acks, [3]);
  assert.deepEqual(io.calls, ['pause'], '3 still in flight');
  routed[3].ack();
  assert.deepEqual(io.calls, ['pause', 'resume'], 'resumed at half the window');
  for (const r of routed.slice(4)) r.ack();
  await turn();
  assert.deepEqual(io.acks, [3, 6], 'one ack per turn, for the highest written');
  rx.close();
});

test('a record another connection routed is not routed again; a duplicate of W is acked at once', async (t) => {
  const a = setup(t);
  a.rx.push(Buffer.concat([encodeHello(S, 1), recs(1, 2)]));
  const b = setup(t, a.ledger);
  b.rx.push(Buffer.concat([encodeHello(S, 1), recs(1, 3)]));
  assert.deepEqual(b.routed.map((r) => r.text), ['m3'], 'only the new one');
  assert.equal(b.rx.counts.duplicates, 2);
  a.routed[0].ack();
  a.routed[1].ack();
  await turn();
  assert.deepEqual(b.io.acks, [2], "b's ack waited for a's writes");
  b.routed[0].ack();
  await turn();
  assert.deepEqual(b.io.acks, [2, 3]);
  const c = setup(t, a.ledger);
  c.rx.push(Buffer.concat([encodeHello(S, 1), recs(1, 3)]));
  assert.equal(c.routed.length, 0);
  await turn();
  assert.deepEqual(c.io.acks, [3], 'all at or below W: one ack');
});

test('a payload that does not frame: one error line, nothing routed, the record handled; a malformed stream: closed', async (t) => {
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => void lines.push(ev)]);
  t.after(() => setInternalSinks([]));
  const { rx, routed, io } = setup(t);
  rx.push(Buffer.concat([encodeHello(S, 1), encodeRecords([{ seq: 1, payload: Buffer.from('x bad header') }])]));
  assert.equal(routed.length, 0);
  await turn();
  assert.deepEqual(io.acks, [1], 'handled: the sender does not resend it forever');
  assert.ok(lines.some((l) => l.level === 'error' && /Invalid frame header/.test(l.text)), JSON.stringify(lines));
  rx.push(Buffer.from([0x7a]));
  assert.deepEqual(io.calls, ['destroy']);
  const bad = lines.find((l) => /Malformed logferry-ack\/1 stream/.test(l.text));
  assert.ok(bad, 'one line');
  assert.match(JSON.stringify(bad), /127\.0\.0\.1:5555/);
});
