/**
 * The plain link's resend window: a record becomes ackable only once the
 * connection stayed up for the window after it was written (or, with
 * resend-window-bytes(), that many bytes followed it); a link closed before
 * then (a broken connection) makes nothing ackable, so it is all resent.
 * Timers and the clock are node:test's mocks: no real waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResendWindowLink } from '../../src/destinations/resend-window-link.ts';

function link(windowMs: number, windowBytes = 0) {
  const l = new ResendWindowLink({ windowMs, windowBytes });
  const acks: number[] = [];
  l.onAckable = (seq) => acks.push(seq);
  return { l, acks };
}

test('encode: the payloads as they are, concatenated in order (what a plain peer gets)', () => {
  const { l } = link(1000);
  const recs = [1, 2, 3].map((seq) => ({ seq, payload: Buffer.from(`<13>rec ${seq}\n`) }));
  assert.equal(l.encode(recs).toString(), '<13>rec 1\n<13>rec 2\n<13>rec 3\n');
  assert.equal(l.encode(recs.slice(0, 1)), recs[0].payload, 'one record: its payload, no copy');
});

test('time window: ackable only after windowMs with the connection up, newest first-come in one call', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const { l, acks } = link(2000);
  l.written(10, 500);
  t.mock.timers.tick(1000);
  l.written(20, 500);
  assert.deepEqual(acks, [], 'nothing before its window passed');
  t.mock.timers.tick(999);
  assert.deepEqual(acks, []);
  t.mock.timers.tick(1);
  assert.deepEqual(acks, [10], 'record 10 after 2 s');
  t.mock.timers.tick(1000);
  assert.deepEqual(acks, [10, 20]);
  assert.equal(l.waiting, 0);
  l.close();
});

test('writes whose windows passed together are acknowledged in one call, up to the newest', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_000 });
  const { l, acks } = link(100);
  for (let seq = 1; seq <= 5; seq++) l.written(seq, 10);
  t.mock.timers.tick(100);
  assert.deepEqual(acks, [5]);
  l.close();
});

test('a link closed before the window passed (the connection broke) makes nothing ackable', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { l, acks } = link(2000);
  l.written(1, 100);
  l.written(2, 100);
  t.mock.timers.tick(1500);
  l.close();
  t.mock.timers.tick(10_000);
  l.written(3, 100);
  t.mock.timers.tick(10_000);
  assert.deepEqual(acks, [], 'records 1-3 stay in the buffer and are resent on the next connection');
});

test('byte window: a record is ackable once windowBytes were written after it, before its time', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { l, acks } = link(60_000, 1000);
  l.written(1, 600);
  l.written(2, 600);
  assert.deepEqual(acks, [], '600 bytes after record 1: not yet');
  l.written(3, 500);
  assert.deepEqual(acks, [1], '1100 bytes after record 1');
  l.written(4, 500);
  assert.deepEqual(acks, [1, 2], '1000 bytes after record 2');
  t.mock.timers.tick(60_000);
  assert.deepEqual(acks, [1, 2, 4], 'the rest by time');
  l.close();
});

test('resend-window-bytes(0): time only, however much follows', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { l, acks } = link(1000, 0);
  l.written(1, 10);
  for (let seq = 2; seq < 100; seq++) l.written(seq, 1_000_000);
  assert.deepEqual(acks, []);
  t.mock.timers.tick(1000);
  assert.deepEqual(acks, [99]);
  l.close();
});

test('peerClosed (a clean close: the peer read to its end of file) releases everything written, at once; after close() nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { l, acks } = link(60_000);
  l.written(1, 10);
  l.written(7, 10);
  l.peerClosed();
  assert.deepEqual(acks, [7]);
  l.peerClosed();
  assert.deepEqual(acks, [7], 'once');
  const other = link(60_000);
  other.l.written(1, 10);
  other.l.close();
  other.l.peerClosed();
  assert.deepEqual(other.acks, []);
});
