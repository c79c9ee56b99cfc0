/**
 * The start-up check of the open-file limit. Every accepted connection is a
 * file descriptor; when the soft RLIMIT_NOFILE is below what the stream
 * sources may accept at once, connections past it fail with EMFILE (and so
 * do file and disk-buffer opens) long after the start. Node cannot raise its
 * own limit (no setrlimit), so the check only says what to set.
 */
import * as fs from 'node:fs';
import type { Plan } from '../../config/plan.ts';

/** kept free beyond what is counted, as syslog-ng's reserve: DNS, reloads, short-lived files */
export const FD_MARGIN = 64;

export interface NofileLimit {
  /** undefined: unlimited */
  soft: number | undefined;
  hard: number | undefined;
}

/** Reads "Max open files" of /proc/self/limits (text given: tests). Undefined off Linux. */
export function readNofile(text?: string): NofileLimit | undefined {
  let t = text;
  if (t === undefined) {
    try {
      t = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(t);
  if (!m) return undefined;
  const num = (s: string) => (s === 'unlimited' ? undefined : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** descriptors open now (listeners, control socket, files, Node's own): the daemon's measured base */
export function openFdCount(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

export interface FdNeeds {
  /** Σ max-connections() of the stream sources */
  connections: number;
  /** stream sources counted */
  streamSources: number;
  /** destination drivers: one descriptor each (a connection or a file) */
  destinations: number;
  /** descriptors open at the check */
  openNow: number;
  margin: number;
  total: number;
}

/** What the plan may hold open at once, added to what is open now. */
export function fdNeeds(plan: Plan, openNow: number): FdNeeds {
  let connections = 0;
  let streamSources = 0;
  for (const s of plan.sources.values()) {
    for (const d of s.drivers) {
      const st = d.settings as unknown as { maxConnections?: unknown; transport?: { socket?: string } };
      // every listening stream driver (network, syslog, unix-stream) carries max-connections(); datagram ones hold one socket
      if (typeof st.maxConnections !== 'number' || st.transport?.socket === 'datagram') continue;
      connections += st.maxConnections;
      streamSources++;
    }
  }
  let destinations = 0;
  for (const d of plan.destinations.values()) destinations += d.drivers.length;
  const total = openNow + connections + destinations + FD_MARGIN;
  return { connections, streamSources, destinations, openNow, margin: FD_MARGIN, total };
}

/** The warning line when the soft limit is below the need, else undefined. */
export function fdLimitWarning(limit: NofileLimit | undefined, needs: FdNeeds): string | undefined {
  if (!limit || limit.soft === undefined || limit.soft >= needs.total) return undefined;
  const want = Math.max(needs.total, 1024);
  const hard = limit.hard !== undefined && limit.hard < want ? `, as root: the hard limit ${limit.hard} must be raised too` : '';
  return (
    `The open-file limit is ${limit.soft}, below the ${needs.total} descriptors this configuration may need ` +
    `(${needs.connections} max-connections() of ${needs.streamSources} stream sources, ${needs.destinations} destinations, ` +
    `${needs.openNow} open now, ${needs.margin} spare): connections past it fail with EMFILE; ` +
    `set LimitNOFILE=${want} in the systemd unit, or run 'ulimit -n ${want}' before starting logferry${hard}; Node cannot raise it itself`
  );
}
