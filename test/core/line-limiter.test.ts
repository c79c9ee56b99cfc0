/** internal() rate limit: per text at most N lines a window, then one summary with the count; verbose/debug unlimited. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineLimiter } from '../../src/core/line-limiter.ts';
import { flushInternalLimits, internalLog, setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { INTERNAL_LINES_PER_WINDOW } from '../../src/core/line-limiter.ts';

test('LineLimiter: per text, max lines per window; the held ones are summed in one summary when the window ends', () => {
  let now = 0;
  const summaries: Array<[string, number]> = [];
  const l = new LineLimiter({ max: 3, windowMs: 1000, now: () => now, summary: (t, n) => summaries.push([t, n]) });
  const shown = Array.from({ length: 10 }, () => l.allow('A', 'error')).filter(Boolean).length;
  assert.equal(shown, 3);
  assert.equal(l.allow('B', 'error'), true, 'another text has its own budget');
  assert.deepEqual(summaries, []);
  now = 1000;
  assert.equal(l.allow('A', 'error'), true, 'a new window');
  assert.deepEqual(summaries, [['A', 7]]);
  now = 2500;
  l.flush();
  assert.deepEqual(summaries, [['A', 7]], 'a window with nothing held gives no summary');
});

test(`internalLog: a flood of one error gives ${INTERNAL_LINES_PER_WINDOW} lines and one summary; verbose lines are all written`, () => {
  const got: InternalEvent[] = [];
  setInternalSinks([(ev) => got.push(ev)], { verbose: true });
  try {
    for (let i = 0; i < 1000; i++) internalLog('error', 'Test flood line', { i });
    for (let i = 0; i < 300; i++) internalLog('verbose', 'Test verbose line', { i });
    flushInternalLimits();
    assert.equal(got.filter((e) => e.text === 'Test flood line').length, INTERNAL_LINES_PER_WINDOW);
    assert.equal(got.filter((e) => e.text === 'Test verbose line').length, 300);
    const summary = got.filter((e) => e.text === 'Suppressed repeated internal messages');
    assert.equal(summary.length, 1);
    assert.deepEqual({ message: summary[0].tags.message, suppressed: summary[0].tags.suppressed, level: summary[0].level }, { message: 'Test flood line', suppressed: 1000 - INTERNAL_LINES_PER_WINDOW, level: 'error' });
  } finally {
    setInternalSinks([]);
  }
});
