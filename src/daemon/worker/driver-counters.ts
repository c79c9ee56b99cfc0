/**
 * Per-source and per-destination message counts for the counters report.
 * Counted in plain fields where messages pass (a counter increment per message
 * would cost too much), and turned into named values only when asked.
 */
import type { DeliveryCounts, DestinationDriver, SourceDriver } from '../../pipeline/types.ts';
import type { RouteSwitch } from '../../pipeline/route-switch.ts';
import type { CounterValue } from '../protocol.ts';

export function driverCounters(routes: RouteSwitch | undefined, destinations: readonly DestinationDriver[], sources: readonly SourceDriver[] = []): CounterValue[] {
  const out: CounterValue[] = [];
  if (routes) for (const [source, n] of routes.receivedBySource()) out.push({ name: 'source_received_messages_total', labels: { source }, value: n });
  const open = new Map<string, number>();
  for (const s of sources) if (s.openConnections) open.set(s.name, (open.get(s.name) ?? 0) + s.openConnections());
  for (const [source, n] of open) out.push({ name: 'source_open_connections', labels: { source }, value: n });
  // a declaration may build several drivers (one per destination driver in its block): sum by name
  const byName = new Map<string, DeliveryCounts>();
  for (const d of destinations) {
    const c = d.deliveryCounts?.();
    if (!c) continue;
    const t = byName.get(d.name) ?? { written: 0, unwritten: 0, dropped: 0 };
    t.written += c.written;
    t.unwritten += c.unwritten;
    t.dropped += c.dropped;
    t.lastWrittenAt = Math.max(t.lastWrittenAt ?? 0, c.lastWrittenAt ?? 0);
    byName.set(d.name, t);
  }
  for (const [destination, c] of byName) {
    out.push({ name: 'destination_written_messages_total', labels: { destination }, value: c.written });
    out.push({ name: 'destination_dropped_messages_total', labels: { destination }, value: c.dropped });
    out.push({ name: 'destination_queued_messages', labels: { destination }, value: c.unwritten });
    // a destination that never wrote has no such time: no series rather than a 1970 date
    if (c.lastWrittenAt) out.push({ name: 'destination_last_write_timestamp_seconds', labels: { destination }, value: Math.floor(c.lastWrittenAt / 1000) });
  }
  return out;
}
