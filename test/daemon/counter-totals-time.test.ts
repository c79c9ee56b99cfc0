/** Counter totals over workers: counts add up, a `_timestamp_seconds` value is the latest of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterTotals } from '../../src/daemon/main/counter-totals.ts';

test('two workers: written counts are summed, the last-write time is the later one', () => {
  const t = new CounterTotals();
  const labels = { destination: 'd' };
  t.update(0, [{ name: 'destination_written_messages_total', labels, value: 3 }, { name: 'destination_last_write_timestamp_seconds', labels, value: 1000 }]);
  t.update(1, [{ name: 'destination_written_messages_total', labels, value: 4 }, { name: 'destination_last_write_timestamp_seconds', labels, value: 1500 }]);
  const byName = Object.fromEntries(t.totals().map((c) => [c.name, c.value]));
  assert.deepEqual(byName, { destination_written_messages_total: 7, destination_last_write_timestamp_seconds: 1500 });
});
