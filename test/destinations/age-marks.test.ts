/** AgeMarks: the oldest waiting batch's time, dropped as acknowledgements pass it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgeMarks } from '../../src/destinations/age-marks.ts';

test('the oldest mark still waiting; released marks go; 0 when none waits', () => {
  const a = new AgeMarks();
  assert.equal(a.oldest(), 0);
  a.mark(10, 1000);
  a.mark(20, 2000);
  a.mark(20, 2500);
  a.mark(30, 3000);
  assert.equal(a.oldest(), 1000);
  a.release(9);
  assert.equal(a.oldest(), 1000, 'record 10 still waits');
  a.release(10);
  assert.equal(a.oldest(), 2000);
  a.release(25);
  assert.equal(a.oldest(), 3000, 'a batch partly released still waits with its time');
  a.release(30);
  assert.equal(a.oldest(), 0);
  for (let i = 1; i <= 5000; i++) a.mark(30 + i, 4000 + i);
  a.release(4030);
  assert.equal(a.oldest(), 8001);
});
