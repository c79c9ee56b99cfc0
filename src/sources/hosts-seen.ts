/**
 * When each sending host was last heard from, per source: what /metrics shows
 * as logferry_source_host_last_seen_timestamp_seconds{source, host}, so an
 * alert can fire for a host that went silent. Unlike the peer-certificate
 * series, an entry OUTLIVES its connection (a silent host is the point), so
 * the table is bounded instead: at most `limit` hosts over all sources; when
 * a new host comes and the table is full, the host silent the longest is
 * evicted (counted by source_host_series_evicted_total). Trade-off: with more
 * senders than the limit, the hosts silent the longest — the very ones an
 * alert looks for — are the first forgotten; raise LOGFERRY_MAX_HOST_SERIES
 * above the fleet's size, or alert on the eviction counter.
 *
 * Updated per read (a stream chunk) or datagram, not per message: a stream
 * connection holds its entry, and a read stores the time in it and moves it to
 * the end of the recency order (two Set operations, no allocation), so finding
 * the longest silent host costs nothing even in a flood of new senders.
 */
import { defineEvent, emit } from '../core/telemetry.ts';

export const MAX_HOST_SERIES = 1000;

/** the limit in force: LOGFERRY_MAX_HOST_SERIES changes it (tests lower it) */
export function hostSeriesLimit(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.LOGFERRY_MAX_HOST_SERIES);
  return Number.isInteger(v) && v > 0 ? v : MAX_HOST_SERIES;
}

export const hostSeriesEvicted = defineEvent<{ source: string; host: string; lastSeen: number; limit: number }>({
  name: 'host_series_evicted',
  level: 'debug',
  text: 'A sending host was forgotten to make room for a new one; raise LOGFERRY_MAX_HOST_SERIES above the number of senders',
  counter: 'source_host_series_evicted_total',
  labels: () => ({}),
  tags: ({ source, host, lastSeen, limit }) => ({ source, host, last_seen: new Date(lastSeen).toISOString(), limit }),
});

/** one host of one source; a connection keeps it and stores the time of each read */
export interface HostEntry {
  readonly source: string;
  readonly host: string;
  /** ms since the epoch */
  at: number;
  /** false once evicted: the next read puts it back */
  present: boolean;
}

export class HostsSeen {
  private readonly bySource = new Map<string, Map<string, HostEntry>>();
  /** every entry, the longest silent first: a refresh moves an entry to the end, so eviction takes the first */
  private readonly byRecency = new Set<HostEntry>();
  limit: number;

  constructor(limit = hostSeriesLimit()) {
    this.limit = limit;
  }

  /** the entry of `host` on `source`, made when new; either way stamped `now` */
  entry(source: string, host: string, now = Date.now()): HostEntry {
    const e = this.bySource.get(source)?.get(host);
    if (e) {
      this.refresh(e, now);
      return e;
    }
    const made: HostEntry = { source, host, at: now, present: false };
    this.add(made);
    return made;
  }

  /** a read on a connection that holds `e` */
  touch(e: HostEntry, now = Date.now()): void {
    if (e.present) return this.refresh(e, now);
    e.at = now;
    // evicted while its connection stayed: back in, unless another connection of the host made a new entry
    const other = this.bySource.get(e.source)?.get(e.host);
    if (other) this.refresh(other, now);
    else this.add(e);
  }

  private refresh(e: HostEntry, now: number): void {
    e.at = now;
    this.byRecency.delete(e);
    this.byRecency.add(e);
  }

  private add(e: HostEntry): void {
    // bounded: each round removes one entry, and the table is not empty while it is full
    while (this.byRecency.size >= this.limit) {
      const oldest = this.byRecency.values().next().value!;
      this.remove(oldest);
      emit(hostSeriesEvicted, { source: oldest.source, host: oldest.host, lastSeen: oldest.at, limit: this.limit });
    }
    let hosts = this.bySource.get(e.source);
    if (!hosts) this.bySource.set(e.source, (hosts = new Map()));
    hosts.set(e.host, e);
    this.byRecency.add(e);
    e.present = true;
  }

  private remove(e: HostEntry): void {
    this.byRecency.delete(e);
    e.present = false;
    const hosts = this.bySource.get(e.source);
    if (!hosts || hosts.get(e.host) !== e) return;
    hosts.delete(e.host);
    if (hosts.size === 0) this.bySource.delete(e.source);
  }

  /** Reload: the hosts of sources the configuration no longer has are forgotten (not counted as evictions). */
  keepSources(names: ReadonlySet<string>): void {
    for (const [source, hosts] of [...this.bySource]) {
      if (names.has(source)) continue;
      for (const e of [...hosts.values()]) this.remove(e);
    }
  }

  entries(): Iterable<HostEntry> {
    return this.byRecency.values();
  }

  get count(): number {
    return this.byRecency.size;
  }
}

/** the worker's table (module state per thread, like the counters of core/stats.ts) */
export const hostsSeen = new HostsSeen();
