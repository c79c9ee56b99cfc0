/**
 * What the daemon reports about itself: each happening one event
 * (core/telemetry.ts), one line and one counter. A stop ends with exactly one
 * of the two stop events, so an operator reads in one line whether everything
 * that was read got written. A reload's `trigger` (SIGHUP, the control socket)
 * is its only label: it is bounded.
 */
import { defineEvent } from '../core/telemetry.ts';
import type { ReloadCounts } from './protocol.ts';

export interface StopReport {
  /** messages the sources handed to the log paths since start */
  read: number;
  /** messages read but not written, over all destinations */
  lost: number;
  /** how long the destinations had to write what was read */
  deadlineMs: number;
  /** per destination: `name: N written, M lost (Q unwritten at the deadline, D dropped while stopping)` */
  perDestination: string;
}

const tags = ({ read, lost, deadlineMs, perDestination }: StopReport) => ({ read, lost, deadline_ms: deadlineMs, destinations: perDestination });

export const stopFlushed = defineEvent<StopReport>({
  name: 'stop_flushed',
  level: 'notice',
  text: 'Stopped reading and wrote every message read',
  counter: 'stops_flushed_total',
  labels: () => ({}),
  tags,
});

export const stopLostMessages = defineEvent<StopReport>({
  name: 'stop_lost_messages',
  level: 'warning',
  text: 'Stopped reading; messages read but not written by the deadline are lost',
  counter: 'stops_with_lost_messages_total',
  labels: () => ({}),
  tags,
});

const spell = (c: ReloadCounts): string => `kept=${c.kept} restarted=${c.restarted} added=${c.added} removed=${c.removed}`;

export const reloadFinished = defineEvent<{ trigger: string; file: string; sources: ReloadCounts; destinations: ReloadCounts; failed: string[] }>({
  name: 'reload_finished',
  level: 'notice',
  text: 'Configuration reload finished',
  counter: 'daemon_reloads_total',
  labels: ({ trigger }) => ({ trigger }),
  tags: ({ trigger, file, sources, destinations, failed }) => ({
    trigger,
    config: file,
    sources: spell(sources),
    destinations: spell(destinations),
    // a driver of the new config that could not start (its port is taken…): said here, not hidden
    not_started: failed.length > 0 ? failed.join(' | ') : undefined,
  }),
});

export const reloadFailed = defineEvent<{ trigger: string; location: string | undefined; reason: string }>({
  name: 'reload_failed',
  level: 'error',
  text: 'Error reloading configuration, the previous configuration keeps running',
  counter: 'daemon_reload_failures_total',
  labels: ({ trigger }) => ({ trigger }),
  tags: ({ trigger, location, reason }) => ({ location, reason, trigger }),
});

export interface ExpiryNear {
  /** own, ca (certificates) or crl */
  role: 'own' | 'ca' | 'crl';
  driver: string;
  /** the certificate's subject, or the CRL's issuer */
  subject: string;
  serial: string | undefined;
  /** not-after or next-update, unix seconds */
  expires: number;
  daysLeft: number;
}

/** At most once a day per certificate or CRL (main/expiry-warnings.ts), not per connection. */
export const tlsExpiryNear = defineEvent<ExpiryNear>({
  name: 'tls_expiry_near',
  level: 'warning',
  text: 'TLS material expires soon; replace it before it does (a CRL: re-sign it)',
  counter: 'tls_expiry_warnings_total',
  labels: ({ role }) => ({ role }),
  tags: ({ role, driver, subject, serial, expires, daysLeft }) => ({
    role,
    driver,
    subject,
    ...(serial !== undefined ? { serial } : {}),
    expires: new Date(expires * 1000).toISOString(),
    days_left: daysLeft,
  }),
});
