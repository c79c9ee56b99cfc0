/**
 * The thread model: which state lives where, and the messages between the daemon's main thread
 * and its workers.
 *
 * The main thread (src/daemon/daemon.ts, src/daemon/main/, and the signal handlers of
 * src/cli/run.ts) owns what exists once per process:
 *   - the configuration: it compiles the Plan and checks it by building every driver without
 *     opening anything (main/compile.ts; `-s` runs the same check, so both fail the same way,
 *     with file:line:col);
 *   - TLS material: it reads every file a tls() block names (key, certificate chain, CA file,
 *     ca-dir(), crl-dir(), PKCS#12, DH parameters) into a plain-data MaterialSnapshot
 *     (tls/material.ts) and reports what is wrong with them; certificate watchers go here;
 *   - signals, the pidfile, reload (Daemon.reload: SIGHUP and the control socket's RELOAD,
 *     main/control-socket.ts);
 *   - counter totals: the sum of the latest snapshot each worker reported (main/counter-totals.ts).
 * A worker (src/daemon/worker/) owns what carries traffic: its listeners and connections, the
 * router, the destinations and their queues, built from the Plan and the material it was sent
 * (worker/prepare.ts), and TLS endpoints built from snapshots (worker/tls-endpoints.ts). It
 * reads no configuration or certificate file.
 *
 * Every message below is plain data (structured-clone-able: no class instances, functions,
 * KeyObject or X509Certificate), so the same messages serve a worker in the main thread (today:
 * one, main/in-process-worker.ts, which already delivers structured clones) and a
 * node:worker_threads Worker (later: one per core, listeners shared with reusePort).
 *   start      main → `init` (Plan, the material of every tls() block a driver uses, log flags,
 *              PID); worker → `ready` (driver names) or `failed` (the error as data; a config
 *              error keeps its location and renders as before).
 *   rotation   the main thread re-reads the files of every tls() block and, only when all load,
 *              sends `tls-material`; the worker gives each block's new material to every
 *              endpoint built from it, so new handshakes, also on listeners already open, use
 *              it, and sessions already up keep theirs → `tls-material-applied` (how many
 *              endpoints took it, and errors; an endpoint that fails keeps its old material).
 *              main/tls-rotation.ts starts it when a watched file changes (main/tls-watcher.ts),
 *              per block and only with material that validates; blocks whose CA or CRL
 *              changed are named in `recheck`, and the worker disconnects their live peers
 *              that the new material refuses (`disconnected`).
 *   reload     the main thread compiles and checks the new Plan (a bad one changes nothing),
 *              reads its material and sends `apply-settings`; the worker builds the new plan
 *              through the start path (worker/reload.ts), keeping every source and destination
 *              whose declaration is unchanged (listeners, connections, queues), rebuilding the
 *              changed ones (a rebuilt destination takes over the old queue), and swaps the log
 *              paths between two messages → `settings-applied` (`changes`: the counts).
 *   counters   `report-counters` → `counters` (the worker's counters; the main thread sums).
 *   stats      `report-stats` → `stats`: per source and destination, what syslog-ng-ctl's STATS
 *              shows (worker/driver-stats.ts); the main thread sums the workers' rows.
 *   reopen     `reopen` → `reopened`: file() destinations let go of their files (control REOPEN).
 *   peers      `report-peers` (a limit) → `peers`: the certificates of the TLS peers connected
 *              now, per tls() block, for the /metrics certificate gauges (main/tls-gauges.ts).
 *   positions  the main thread owns the persist file (main/persist-keeper.ts): `init` carries the
 *              positions it loaded, keyed by persist name; periodically `report-positions` →
 *              `positions` (each file() source's acknowledged offset, inode and size), which it
 *              writes to the file; a worker's sources resume from them.
 *   stop       `stop` (reason, drain deadline) → `counters`, `positions`, then `stopped` with what the worker read,
 *              wrote and lost (worker/stop.ts); the main thread reports all workers' in one line.
 *   stdin      a stdin() source at end of input sends `stdin-eof`; the main thread decides to stop.
 *
 * The acknowledged-transfer journal (pipeline/ack-ledger.ts) is the worker's: `init` names it,
 * the worker opens it before building drivers and closes it after they stopped. With several
 * workers each needs its own (or one owner and messages), as senders' records would meet in one.
 *
 * Not covered yet: logferry's own log (core/internal-log.ts) and the counters (core/stats.ts) are
 * module state, per thread; the one in-process worker connects the log to its internal() source
 * and stderr. With real threads, workers will forward their log events to the thread that owns
 * internal(), and the main thread's own lines (starting up, shutting down) must travel too.
 */
import type { Plan } from '../config/plan.ts';
import type { SourceLocation } from '../core/location.ts';
import type { Labels } from '../core/stats.ts';
import type { FilePosition } from '../sources/file-position.ts';
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
  /** the source and destination declarations that use this block (for metric labels) */
  drivers?: string[];
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
  /** saved file() source positions, by persist name (from the persist file) */
  positions?: PositionMap;
  /** the persist file's directory: disk-buffer() directories without dir() go here */
  stateDir?: string;
  /** the acknowledged-transfer journal beside the persist file (pipeline/ack-ledger.ts); undefined: no logferry-ack/1 */
  ackJournal?: string;
}

/** file() source positions by persist name (`affile_sd_curpos(PATH)`), as the persist file keeps them */
export type PositionMap = Record<string, FilePosition>;

export interface CounterValue {
  name: string;
  labels: Labels;
  value: number;
}

/** A connected TLS peer's certificate, as /metrics labels it. */
export interface PeerCertificate {
  /** the tls() block (TlsMaterialEntry.key) whose endpoint holds the session */
  key: string;
  subject: string;
  serial: string;
  /** notAfter, unix seconds */
  notAfter: number;
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

/** A worker's stop, for the one report line: what its sources read and what each destination did with it. */
export interface StopOutcome {
  /** messages the sources handed to the log paths since start */
  read: number;
  deadlineMs: number;
  destinations: Array<{
    name: string;
    written: number;
    /** accepted, not written by the deadline (queued, or in a write not confirmed) */
    unwritten: number;
    /** dropped (queue full) after the stop began */
    droppedWhileStopping: number;
    /** disk-buffer(): records left in the buffer, sent after the next start (not lost) */
    kept?: number;
  }>;
}

/** One counter of one driver, in syslog-ng's legacy stats terms (`dst.file;d#0;/path;a;written;7`). */
export interface StatsRow {
  /** syslog-ng's component: `src.network`, `dst.file`, `source`, `destination`, `center` */
  component: string;
  /** the statement name, `#N` added per driver (`s_net#0`), or '' */
  id: string;
  /** what the driver reads or writes (a file's name, `tcp,127.0.0.1:514`), or '' */
  instance: string;
  /** `processed`, `written`, `dropped`, `queued` */
  type: string;
  value: number;
}

export type MainToWorker =
  | ({ type: 'init' } & WorkerInit)
  /** `recheck`: keys of the blocks whose CA or CRL files changed: their live peers are judged again */
  | { type: 'tls-material'; entries: TlsMaterialEntry[]; recheck?: string[] }
  | { type: 'apply-settings'; plan: Plan; tls: TlsMaterialEntry[] }
  | { type: 'report-counters' }
  /** at most `limit` peers in the answer (peers choose their subjects: the series must stay bounded) */
  | { type: 'report-peers'; limit: number }
  | { type: 'report-positions' }
  | { type: 'report-stats' }
  | { type: 'reopen' }
  | { type: 'stop'; reason: string; deadlineMs: number };

export type WorkerToMain =
  | { type: 'ready'; sources: string[]; destinations: string[] }
  | { type: 'failed'; error: ErrorData }
  | { type: 'tls-material-applied'; keys: string[]; endpoints: number; errors: ErrorData[]; disconnected?: number }
  | { type: 'settings-applied'; applied: boolean; reason?: string; changes?: ReloadChanges }
  | { type: 'counters'; counters: CounterValue[] }
  | { type: 'peers'; peers: PeerCertificate[] }
  | { type: 'positions'; positions: PositionMap }
  | { type: 'stats'; rows: StatsRow[] }
  /** how many destinations were asked to reopen (those that have files) */
  | { type: 'reopened'; destinations: number }
  | { type: 'stdin-eof' }
  /** `outcome` is undefined when the worker had built nothing */
  | { type: 'stopped'; outcome: StopOutcome | undefined };

/** What a reload did, per declaration (a source or destination block, by name). */
export interface ReloadCounts {
  /** unchanged: still running, with its sockets, connections and queue */
  kept: number;
  /** changed: rebuilt (a destination hands its queue to the rebuilt one) */
  restarted: number;
  added: number;
  removed: number;
}

export interface ReloadChanges {
  sources: ReloadCounts;
  destinations: ReloadCounts;
  /** drivers of the new config that did not start (each with why); the others run */
  failed: ErrorData[];
}

/** A worker as the main thread sees it: a mailbox in each direction. */
export interface WorkerHandle {
  post(msg: MainToWorker): void;
  on(listener: (msg: WorkerToMain) => void): void;
}

/** The main thread as a worker sees it. */
export interface MainPort {
  post(msg: WorkerToMain): void;
}
