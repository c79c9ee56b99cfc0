/** The --rate token bucket on a fake clock: the long-run rate holds, bursts are bounded, waits are timers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket, unlimited } from '../../src/send/rate-limiter.ts';

test('tokens accrue at the rate, capped at a twentieth of a second', () => {
  let now = 0;
  const b = new TokenBucket(1000, () => now);
  assert.equal(b.take(100), 1, 'one token at the start');
  now += 10;
  assert.equal(b.take(100), 10);
  now += 10_000; // a long pause does not bank 10 000 tokens
  assert.equal(b.take(100_000), 50);
  now += 1;
  assert.equal(b.take(100_000), 1);
});

test('over a simulated second the grants add up to the rate', () => {
  let now = 0;
  const b = new TokenBucket(5000, () => now);
  let total = 0;
  for (let ms = 0; ms < 1000; ms++) {
    now = ms;
    const n = b.take(256);
    assert.equal(typeof n, 'number');
    total += n as number;
  }
  assert.ok(total >= 4990 && total <= 5001, `granted ${total}`);
});

test('short of a token, take() waits on a timer and close() releases waiters with 0', async () => {
  const b = new TokenBucket(2); // real clock: one token every 500 ms
  assert.equal(b.take(1), 1);
  const p = b.take(1);
  assert.ok(p instanceof Promise, 'waits');
  const t0 = performance.now();
  assert.equal(await p, 1);
  assert.ok(performance.now() - t0 >= 300, 'waited for the next token');
  const q = b.take(1);
  b.close();
  assert.equal(await q, 0);
  assert.equal(b.take(1), 0);
});

test('refund gives unused tokens back; unlimited grants everything', () => {
  let now = 0;
  const b = new TokenBucket(100, () => now);
  assert.equal(b.take(10), 1);
  b.refund(1);
  assert.equal(b.take(10), 1);
  assert.equal(unlimited.take(256), 256);
});
