/** max-connection-lifetime()'s jitter: every lifetime within ±10 %, spread over the whole range. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jitteredLifetime, LIFETIME_JITTER } from '../../src/transport/connector.ts';

test('a lifetime is spread uniformly over ±10 % of the configured one', () => {
  assert.equal(LIFETIME_JITTER, 0.1);
  assert.equal(jitteredLifetime(60_000, 0), 54_000);
  assert.equal(jitteredLifetime(60_000, 0.5), 60_000);
  assert.equal(jitteredLifetime(60_000, 0.999999), 66_000);
  const seen = Array.from({ length: 2000 }, () => jitteredLifetime(60_000));
  assert.ok(seen.every((v) => v >= 54_000 && v <= 66_000));
  assert.ok(Math.min(...seen) < 55_000 && Math.max(...seen) > 65_000, 'the whole range is used, so senders started together drift apart');
});
