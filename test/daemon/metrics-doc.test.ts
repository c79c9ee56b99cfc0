/**
 * docs/metrics.md lists every series /metrics can show, and nothing else: the
 * counter of every telemetry event declared in src/, every per-driver value
 * the worker reports (a source and a destination with every optional count
 * filled), the certificate gauges and syslog-ng's names. A new series without
 * a line in the page, or a line naming a series that does not exist, fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventKinds } from '../../src/core/telemetry.ts';
import { CERT_NOT_AFTER, CRL_NEXT_UPDATE } from '../../src/daemon/main/tls-gauges.ts';
import { driverCounters } from '../../src/daemon/worker/driver-counters.ts';
import type { RouteSwitch } from '../../src/pipeline/route-switch.ts';
import type { DestinationDriver, SourceDriver } from '../../src/pipeline/types.ts';
import { HostsSeen } from '../../src/sources/hosts-seen.ts';
import { REPO_ROOT } from '../helpers/peers.ts';

const SRC = path.join(REPO_ROOT, 'src');

/** every module that declares events, loaded so its kinds are registered */
async function loadEventModules(): Promise<void> {
  const files = (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  for (const f of files) if (/\bdefineEvent\s*[<(]/.test(fs.readFileSync(path.join(SRC, f), 'utf8')) && !f.startsWith('core/')) await import(path.join(SRC, f));
}

function perDriverNames(): string[] {
  const routes = { receivedBySource: () => [['s', 1]] } as unknown as RouteSwitch;
  const source = { name: 's', start: async () => {}, stop: async () => {}, openConnections: () => 1, receivedBytes: () => 10 } as SourceDriver;
  const destination = {
    name: 'd',
    start: async () => {},
    deliver: () => {},
    stop: async () => {},
    deliveryCounts: () => ({ written: 1, unwritten: 1, dropped: 0, lastWrittenAt: 1000, writtenBytes: 10, oldestUnwrittenAt: 1000, diskBufferBytes: 0 }),
  } as DestinationDriver;
  const hosts = new HostsSeen(10);
  hosts.entry('s', '192.0.2.1');
  return driverCounters(routes, [destination], [source], Date.now(), hosts).map((c) => c.name);
}

test('docs/metrics.md names every series /metrics can show, and only those', async () => {
  await loadEventModules();
  const real = new Set([
    ...eventKinds().filter((k) => !k.name.startsWith('test_')).map((k) => `logferry_${k.counter}`),
    ...perDriverNames().map((n) => `logferry_${n}`),
    CERT_NOT_AFTER,
    CRL_NEXT_UPDATE,
    'syslogng_input_events_total',
    'syslogng_output_events_total',
  ]);
  assert.ok(real.has('logferry_tls_handshakes_total') && real.has('logferry_source_host_series_evicted_total'), 'the event modules were loaded');
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  // the series the tables name (code spans in table rows)
  const documented = new Set<string>();
  for (const line of doc.split('\n').filter((l) => l.startsWith('| `'))) {
    for (const m of line.split('|')[1].matchAll(/`((?:logferry|syslogng)_[a-z0-9_]+)`/g)) documented.add(m[1]);
  }
  const missing = [...real].filter((n) => !documented.has(n)).sort();
  const unknown = [...documented].filter((n) => !real.has(n)).sort();
  assert.deepEqual(missing, [], 'series /metrics shows that docs/metrics.md does not list');
  assert.deepEqual(unknown, [], 'series docs/metrics.md lists that do not exist');
});
