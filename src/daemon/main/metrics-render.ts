/**
 * What one scrape of /metrics (or a STATS PROMETHEUS request) shows: the
 * per-driver counts under syslog-ng's names, the counter totals under
 * `logferry_`, with HELP from the telemetry event that bumps each (or the
 * table below for the per-driver counts a worker reads from its drivers), and
 * the certificate gauges. One text for both, so they never disagree.
 */
import { eventKinds } from '../../core/telemetry.ts';
import type { CounterValue, PeerCertificate, StatsRow, TlsMaterialEntry } from '../protocol.ts';
import { syslogNgFamilies } from './stats-formats.ts';
import { familiesOf, formatExposition } from './metrics-format.ts';
import { tlsGaugeFamilies } from './tls-gauges.ts';

/** HELP of the values no telemetry event declares (worker/driver-counters.ts) */
const DRIVER_HELP: Record<string, string> = {
  source_received_messages_total: 'Messages a source handed to the log paths',
  source_open_connections: 'Connections a stream source holds now (handshaking or established)',
  destination_written_messages_total: 'Messages a destination wrote',
  destination_dropped_messages_total: 'Messages a destination dropped because its queue was full',
  destination_queued_messages: 'Messages a destination accepted and has not written yet',
  destination_last_write_timestamp_seconds: 'When a destination last wrote successfully, unix seconds',
  source_received_bytes_total: 'Bytes a network source read from its sockets (stream reads and datagrams)',
  source_host_last_seen_timestamp_seconds: 'When a sending host (peer address) was last read from by a source, unix seconds; kept after it disconnects, at most LOGFERRY_MAX_HOST_SERIES hosts',
  destination_written_bytes_total: 'Bytes a destination wrote to its socket, file or stdout',
  destination_oldest_queued_message_age_seconds: 'Age of the oldest message a destination accepted and has not written yet (from its receipt), seconds; 0 when none waits',
  destination_disk_buffer_bytes: 'Bytes a disk-buffered destination holds in its disk buffer',
};

export function helpOf(name: string): string {
  return eventKinds().find((k) => k.counter === name)?.text ?? DRIVER_HELP[name] ?? `logferry ${name.replace(/_/g, ' ')}`;
}

export interface MetricsInput {
  rows: readonly StatsRow[];
  counters: readonly CounterValue[];
  tls: readonly TlsMaterialEntry[];
  peers: readonly PeerCertificate[];
  maxPeers: number;
}

export function renderMetrics(m: MetricsInput): string {
  return formatExposition([...syslogNgFamilies(m.rows), ...familiesOf(m.counters, 'logferry_', helpOf), ...tlsGaugeFamilies(m.tls, m.peers, m.maxPeers)]);
}
