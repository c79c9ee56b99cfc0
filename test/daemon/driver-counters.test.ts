/**
 * The per-destination values the worker reports, from its drivers' counts:
 * bytes summed over a declaration's drivers, the oldest waiting message's age
 * from the oldest over them (0 when none waits), and the disk-buffer gauge only
 * where a destination fills it (disk-buffered destinations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { driverCounters } from '../../src/daemon/worker/driver-counters.ts';
import type { DeliveryCounts, DestinationDriver } from '../../src/pipeline/types.ts';
import { HostsSeen } from '../../src/sources/hosts-seen.ts';

const dest = (name: string, c: DeliveryCounts) => ({ name, start: async () => {}, deliver: () => {}, stop: async () => {}, deliveryCounts: () => c }) as DestinationDriver;
const NOW = 1_700_000_000_000;

function values(ds: DestinationDriver[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of driverCounters(undefined, ds, [], NOW, new HostsSeen(1))) out[`${c.name}{${Object.values(c.labels).join(',')}}`] = c.value;
  return out;
}

test('bytes are summed, the age is the oldest driver\'s, from now; nothing waiting is 0', () => {
  const v = values([
    dest('d', { written: 1, unwritten: 2, dropped: 0, writtenBytes: 100, oldestUnwrittenAt: NOW - 2500 }),
    dest('d', { written: 1, unwritten: 1, dropped: 0, writtenBytes: 50, oldestUnwrittenAt: NOW - 7250 }),
    dest('e', { written: 3, unwritten: 0, dropped: 0, writtenBytes: 9, oldestUnwrittenAt: 0 }),
  ]);
  assert.equal(v['destination_written_bytes_total{d}'], 150);
  assert.equal(v['destination_oldest_queued_message_age_seconds{d}'], 7.25);
  assert.equal(v['destination_oldest_queued_message_age_seconds{e}'], 0);
});

test('the disk-buffer gauge appears only for destinations that fill it', () => {
  const v = values([dest('plain', { written: 0, unwritten: 0, dropped: 0 }), dest('buffered', { written: 0, unwritten: 0, dropped: 0, diskBufferBytes: 4096 })]);
  assert.equal(v['destination_disk_buffer_bytes{buffered}'], 4096);
  assert.equal(v['destination_disk_buffer_bytes{plain}'], undefined);
});
