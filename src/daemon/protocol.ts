/**
 * The thread model: what the daemon's main thread and its workers say to each other.
 *
 * The main thread (src/daemon/daemon.ts, src/daemon/main/) owns what exists once per process:
 *   - the configuration: it compiles the Plan and checks it by building every driver without
 *     opening anything (so `-s` and start-up fail the same way, with file:line:col);
 *   - TLS material: it reads every file a tls() block names (certificates, keys, CAs, CRLs,
 *     ca-dir()/crl-dir(), PKCS#12, DH parameters) and is where certificate watchers go;
 *   - signals, the pidfile, reload (SIGHUP) and, later, the control socket;
 *   - counter totals: the sum of the last snapshot each worker reported.
 * A worker (src/daemon/worker/) owns what carries traffic: its listeners and connections, the
 * router and the destinations' queues, built from the Plan and the material it was sent. It
 * reads no configuration or certificate file.
 *
 * How new state reaches workers: every message below is plain data (structured-clone-able: no
 * class instances, functions or X509Certificate objects), so the same messages work whether the
 * worker runs in the main thread (today: one worker, `inProcessWorker()`) or in a
 * `node:worker_threads` Worker (later: one per core). Start: `init` (Plan + material of every
 * tls() block) → `ready` or `failed`. Certificate rotation: the main thread re-reads the files
 * and posts `tls-material`; each worker hands the new material to the endpoints of those tls()
 * blocks, so NEW handshakes, also on listeners already open, use it, while established sessions
 * keep theirs → `tls-material-applied`. Reload: `apply-settings` with a freshly compiled Plan and
 * its material → `settings-applied` (today always `applied: false`: the worker does not swap
 * drivers yet). Stop: `stop` → `counters`, `stopped`. Counters on demand: `report-counters` →
 * `counters`. A stdin() source reaching end of input sends `stdin-eof`; stopping is the main
 * thread's decision.
 *
 * Not covered yet: logferry's own log (core/internal-log.ts) is process-wide state that the one
 * in-process worker connects to its internal() source; with real threads each worker will need
 * to forward its internal events to the worker that owns internal().
 */
import type { Plan } from '../config/plan.ts';
import type { SourceLocation } from '../core/location.ts';
import type { Labels } from '../core/stats.ts';
import type { MaterialSnapshot } from '../tls/material.ts';
import type { TlsOptions } from '../tls/types.ts';

/** One tls() block as a driver uses it: its identity, and the material read for it. */
export interface TlsMaterialEntry {
  /** materialKey(role, opts, location) */
  key: string;
  role: 'server' | 'client';
  opts: TlsOptions;
  location: SourceLocation | undefined;
  snapshot: MaterialSnapshot;
}

/** Identifies a tls() block across threads and re-reads: the same block compiles to the same key. */
export function materialKey(role: 'server' | 'client', opts: TlsOptions, location: SourceLocation | undefined): string {
  return JSON.stringify([role, location ?? null, opts]);
}

/** How logferry's own log is shown (the -e, -v, -d flags). */
export interface LoggingFlags {
  stderr: boolean;
  verbose: boolean;
  debug: boolean;
}

/** Everything a worker needs to build and start its drivers. */
export interface WorkerInit {
  plan: Plan;
  tls: TlsMaterialEntry[];
  logging: LoggingFlags;
  /** the daemon's PID as users see it */
  pid: number;
}

export interface CounterValue {
  name: string;
  labels: Labels;
  value: number;
}

/** An error as data; a ConfigError keeps what its rendering needs. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  loc?: SourceLocation;
  sourceLine?: string;
  includeChain?: Array<{ file: string; line: number; column: number }>;
  expected?: string[];
  hint?: string;
}

export type MainToWorker =
  | ({ type: 'init' } & WorkerInit)
  | { type: 'tls-material'; entries: TlsMaterialEntry[] }
  | { type: 'apply-settings'; plan: Plan; tls: TlsMaterialEntry[] }
  | { type: 'report-counters' }
  | { type: 'stop'; reason: string; deadlineMs: number };

export type WorkerToMain =
  | { type: 'ready'; sources: string[]; destinations: string[] }
  | { type: 'failed'; error: ErrorData }
  | { type: 'tls-material-applied'; keys: string[]; endpoints: number; errors: ErrorData[] }
  | { type: 'settings-applied'; applied: boolean; reason?: string }
  | { type: 'counters'; counters: CounterValue[] }
  | { type: 'stdin-eof' }
  | { type: 'stopped' };

/** A worker as the main thread sees it: a mailbox in each direction. */
export interface WorkerHandle {
  post(msg: MainToWorker): void;
  on(listener: (msg: WorkerToMain) => void): void;
}

/** The main thread as a worker sees it. */
export interface MainPort {
  post(msg: WorkerToMain): void;
}
