/**
 * What the daemon's main thread reports about reloads: each one event
 * (core/telemetry.ts), one line and one counter. `trigger` (SIGHUP, the
 * control socket) is the only label: it is bounded.
 */
import { defineEvent } from '../core/telemetry.ts';
import type { ReloadCounts } from './protocol.ts';

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
