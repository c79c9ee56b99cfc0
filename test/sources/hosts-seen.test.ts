/**
 * The last-seen table behind logferry_source_host_last_seen_timestamp_seconds:
 * bounded by its limit, evicting the host silent the longest (and counting
 * it), a read on a connection whose host was evicted puts it back, hosts of
 * removed sources go, and LOGFERRY_MAX_HOST_SERIES sets the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCounter } from '../../src/core/stats.ts';
import { HostsSeen, MAX_HOST_SERIES, hostSeriesLimit } from '../../src/sources/hosts-seen.ts';

const view = (h: HostsSeen) => [...h.entries()].map((e) => `${e.source}/${e.host}@${e.at}`).sort();
const evicted = () => getCounter('source_host_series_evicted_total');

test('at most `limit` hosts: a new one evicts the host silent the longest, and the eviction is counted', () => {
  const h = new HostsSeen(2);
  const before = evicted();
  h.entry('s', '10.0.0.1', 1000);
  h.entry('s', '10.0.0.2', 2000);
  // 10.0.0.1 speaks again: 10.0.0.2 is now the longest silent
  h.entry('s', '10.0.0.1', 3000);
  h.entry('u', '10.0.0.3', 4000);
  assert.deepEqual(view(h), ['s/10.0.0.1@3000', 'u/10.0.0.3@4000']);
  assert.equal(h.count, 2);
  assert.equal(evicted() - before, 1);
});

test('a host that disconnects keeps its time; one still connected but evicted comes back at its next read', () => {
  const h = new HostsSeen(1);
  const held = h.entry('s', 'a', 1000);
  h.entry('s', 'b', 2000);
  assert.deepEqual(view(h), ['s/b@2000'], 'a evicted');
  h.touch(held, 3000);
  assert.deepEqual(view(h), ['s/a@3000'], 'a back, b (silent longer) evicted');
  h.touch(held, 4000);
  assert.deepEqual(view(h), ['s/a@4000']);
});

test('the same host on two sources is two entries; a source that is gone takes its hosts along, uncounted', () => {
  const h = new HostsSeen(10);
  h.entry('s1', 'a', 1);
  h.entry('s2', 'a', 2);
  assert.equal(h.count, 2);
  const before = evicted();
  h.keepSources(new Set(['s2']));
  assert.deepEqual(view(h), ['s2/a@2']);
  assert.equal(evicted(), before);
});

test('LOGFERRY_MAX_HOST_SERIES sets the limit; anything but a positive integer keeps the default', () => {
  assert.equal(hostSeriesLimit({ LOGFERRY_MAX_HOST_SERIES: '25' }), 25);
  assert.equal(hostSeriesLimit({}), MAX_HOST_SERIES);
  assert.equal(hostSeriesLimit({ LOGFERRY_MAX_HOST_SERIES: '0' }), MAX_HOST_SERIES);
  assert.equal(hostSeriesLimit({ LOGFERRY_MAX_HOST_SERIES: 'many' }), MAX_HOST_SERIES);
});

test('a flood of 10 000 new senders keeps the newest 1000, each eviction counted', () => {
  const h = new HostsSeen(1000);
  const before = evicted();
  for (let i = 0; i < 10_000; i++) h.entry('s_udp', `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i);
  assert.equal(h.count, 1000);
  assert.equal(evicted() - before, 9000);
  assert.equal(Math.min(...[...h.entries()].map((e) => e.at)), 9000, 'the survivors are the last 1000');
});
