/**
 * Per-source and per-destination message counts for the counters report.
 * Counted in plain fields where messages pass (a counter increment per message
 * would cost too much), and turned into named values only when asked.
 */
import type { DeliveryCounts, DestinationDriver, SourceDriver } from '../../pipeline/types.ts';
import type { RouteSwitch } from '../../pipeline/route-switch.ts';
import { hostsSeen, type HostsSeen } from '../../sources/hosts-seen.ts';
import type { CounterValue } from '../protocol.ts';

export function driverCounters(
  routes: RouteSwitch | undefined,
  destinations: readonly DestinationDriver[],
  sources: readonly SourceDriver[] = [],
  now = Date.now(),
  hosts: HostsSeen = hostsSeen,
): CounterValue[] {
  const out: CounterValue[] = [];
  if (routes) for (const [source, n] of routes.receivedBySource()) out.push({ name: 'source_received_messages_total', labels: { source }, value: n });
  const open = new Map<string, number>();
  const bytesIn = new Map<string, number>();
  for (const s of sources) {
    if (s.openConnections) open.set(s.name, (open.get(s.name) ?? 0) + s.openConnections());
    if (s.receivedBytes) bytesIn.set(s.name, (bytesIn.get(s.name) ?? 0) + s.receivedBytes());
  }
  for (const [source, n] of open) out.push({ name: 'source_open_connections', labels: { source }, value: n });
  for (const [source, n] of bytesIn) out.push({ name: 'source_received_bytes_total', labels: { source }, value: n });
  // the hosts of sources a reload removed would look silent for ever: forgotten here
  hosts.keepSources(new Set(sources.map((s) => s.name)));
  for (const e of hosts.entries()) out.push({ name: 'source_host_last_seen_timestamp_seconds', labels: { source: e.source, host: e.host }, value: Math.floor(e.at / 1000) });
  // a declaration may build several drivers (one per destination driver in its block): sum by name
  const byName = new Map<string, DeliveryCounts>();
  for (const d of destinations) {
    const c = d.deliveryCounts?.();
    if (!c) continue;
    const t = byName.get(d.name) ?? { written: 0, unwritten: 0, dropped: 0, writtenBytes: 0 };
    t.written += c.written;
    t.unwritten += c.unwritten;
    t.dropped += c.dropped;
    t.lastWrittenAt = Math.max(t.lastWrittenAt ?? 0, c.lastWrittenAt ?? 0);
    t.writtenBytes = (t.writtenBytes ?? 0) + (c.writtenBytes ?? 0);
    // the oldest over the drivers: the smallest non-zero time
    if (c.oldestUnwrittenAt && (!t.oldestUnwrittenAt || c.oldestUnwrittenAt < t.oldestUnwrittenAt)) t.oldestUnwrittenAt = c.oldestUnwrittenAt;
    if (c.diskBufferBytes !== undefined) t.diskBufferBytes = (t.diskBufferBytes ?? 0) + c.diskBufferBytes;
    byName.set(d.name, t);
  }
  for (const [destination, c] of byName) {
    out.push({ name: 'destination_written_messages_total', labels: { destination }, value: c.written });
    out.push({ name: 'destination_dropped_messages_total', labels: { destination }, value: c.dropped });
    out.push({ name: 'destination_queued_messages', labels: { destination }, value: c.unwritten });
    out.push({ name: 'destination_written_bytes_total', labels: { destination }, value: c.writtenBytes ?? 0 });
    // 0 when nothing waits: the series stays, so an alert on it never mistakes an empty queue for missing data
    const age = c.oldestUnwrittenAt ? Math.max(0, now - c.oldestUnwrittenAt) / 1000 : 0;
    out.push({ name: 'destination_oldest_queued_message_age_seconds', labels: { destination }, value: age });
    if (c.diskBufferBytes !== undefined) out.push({ name: 'destination_disk_buffer_bytes', labels: { destination }, value: c.diskBufferBytes });
    // a destination that never wrote has no such time: no series rather than a 1970 date
    if (c.lastWrittenAt) out.push({ name: 'destination_last_write_timestamp_seconds', labels: { destination }, value: Math.floor(c.lastWrittenAt / 1000) });
  }
  return out;
}
