import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ServerRotation } from '../../src/transport/server-rotation.ts';
import { captureLogs, type LogCapture } from './helpers.ts';

let logs: LogCapture;
before(() => {
  logs = captureLogs();
});
after(() => logs.stop());

function walk(r: ServerRotation, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.next().server);
  return out;
}

test('without failback the wrap returns to the primary', () => {
  const r = new ServerRotation('p', ['a', 'b']);
  assert.deepEqual(walk(r, 7), ['p', 'a', 'b', 'p', 'a', 'b', 'p']);
});

test('with failback the wrap skips the primary; leaving the primary is signalled once per departure', () => {
  const from = logs.events.length;
  const r = new ServerRotation('p', ['a', 'b'], { failback: true });
  const steps = Array.from({ length: 5 }, () => r.next());
  assert.deepEqual(steps.map((s) => s.server), ['p', 'a', 'b', 'a', 'b']);
  assert.deepEqual(steps.map((s) => s.leftPrimary), [false, true, false, false, false]);
  const texts = logs.events.slice(from).map((e) => e.text);
  assert.ok(texts.includes('Last failover server reached, trying the first failover again'));
  r.backToPrimary();
  assert.equal(r.current, 'p');
  assert.equal(r.next().leftPrimary, true);
});

test('a single server never rotates and never warns', () => {
  const from = logs.events.length;
  const r = new ServerRotation('only');
  assert.deepEqual(walk(r, 3), ['only', 'only', 'only']);
  assert.equal(logs.events.length, from);
});
