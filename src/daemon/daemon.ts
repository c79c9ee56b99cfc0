/**
 * The running daemon, as the main thread holds it: compiles and checks the
 * plan, reads TLS material, hands both to its worker, and owns the pidfile,
 * reload, certificate rotation and counter totals. Which state lives where,
 * and the messages between the two sides: protocol.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flushInternalLimits, internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import type { Plan } from '../config/plan.ts';
import { loadConfig } from '../config/index.ts';
import { errorFromData, errorToData } from './error-data.ts';
import { reloadFailed, reloadFinished } from './events.ts';
import { controlCommands } from './main/control-commands.ts';
import { ControlSocket } from './main/control-socket.ts';
import { compileForWorkers, rereadTlsMaterial } from './main/compile.ts';
import { CounterTotals } from './main/counter-totals.ts';
import { MetricsServer } from './main/metrics-server.ts';
import { renderMetrics } from './main/metrics-render.ts';
import { StatsLog } from './main/stats-log.ts';
import { ExpiryWarnings } from './main/expiry-warnings.ts';
import { peerSeriesLimit } from './main/tls-gauges.ts';
import { inProcessWorker } from './main/in-process-worker.ts';
import { DEFAULT_PERSIST_INTERVAL_MS, PersistKeeper } from './main/persist-keeper.ts';
import { ackJournalPath } from '../pipeline/ack-ledger.ts';
import { reportStop } from './main/stop-report.ts';
import { DEFAULT_STOP_DEADLINE_MS } from './stop-deadline.ts';
import { TlsRotation, watchedBlock } from './main/tls-rotation.ts';
import { checkFdLimit } from './service/fd-check.ts';
import { bufferBases, handOverBuffers } from './service/state-owner.ts';
import { canRead, describeRunAs, dropPrivileges, stateDirWarning, unreadableAfterDrop, withPortHint, type RunAs } from './service/privileges.ts';
import type { SystemdNotifier } from './service/sd-notify.ts';
import type { CounterValue, StatsRow, TlsMaterialEntry, WorkerHandle, WorkerToMain } from './protocol.ts';

export interface DaemonFlags {
  stderr: boolean;
  verbose: boolean;
  debug: boolean;
  pidfile: string | undefined;
  /** how long stop() lets destinations write what was read (default DEFAULT_STOP_DEADLINE_MS) */
  stopDeadlineMs?: number;
  /** the persist file (-R); undefined: positions are not kept */
  persistFile?: string;
  /** how often positions are saved while running (a crash re-reads at most this much) */
  persistIntervalMs?: number;
  /** the control socket's path (-c); none when unset */
  control?: string;
  /** the path is the default, not asked for: when its directory is missing, run without a control socket */
  controlOptional?: boolean;
  /** --metrics-listen ADDR:PORT (wins over options { metrics-listen() }); unset and not configured: no endpoint */
  metricsListen?: string;
  /** reads the configuration again for a reload (default: the plan's file, without --define values) */
  load?: () => Plan;
  /** -u/-g, resolved: root is given up once every port is bound and every key read */
  runAs?: RunAs;
  /** systemd's NOTIFY_SOCKET (readiness, reload, stop, watchdog), when set */
  notifier?: SystemdNotifier;
}

export const VERSION = '0.1.0';

const zero = () => ({ kept: 0, restarted: 0, added: 0, removed: 0 });

type Reply<T extends WorkerToMain['type']> = Extract<WorkerToMain, { type: T }>;

export class Daemon {
  private plan: Plan;
  private control: ControlSocket | undefined;
  private metrics: MetricsServer | undefined;
  /** the address `metrics` listens on */
  private metricsSpec: string | undefined;
  /** options { stats(freq()) }: the periodic "Log statistics" line */
  private readonly statsLog = new StatsLog(() => this.driverStats());
  private expiry: ExpiryWarnings | undefined;
  /** reloads run one after another */
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly flags: DaemonFlags;
  private worker: WorkerHandle | undefined;
  /** the material every worker was last sent, per tls() block */
  private tls: TlsMaterialEntry[] = [];
  private readonly counters = new CounterTotals();
  private persist: PersistKeeper | undefined;
  private readonly waiting: Array<{ types: string[]; resolve: (m: WorkerToMain) => void }> = [];
  private stopping: Promise<void> | undefined;
  /** watches the tls() blocks' files and sends what changed and validates (main/tls-rotation.ts) */
  private rotation: TlsRotation | undefined;
  private resolveDone!: () => void;
  /** resolves when the daemon has stopped */
  readonly done: Promise<void>;

  constructor(plan: Plan, flags: DaemonFlags) {
    this.plan = plan;
    this.flags = flags;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  async start(): Promise<void> {
    const compiled = compileForWorkers(this.plan);
    this.tls = compiled.tls;
    // before any listener: once a port answers, so does the control socket (a RELOAD meanwhile waits for the start)
    await this.openControl();
    const worker = inProcessWorker();
    this.worker = worker;
    worker.on((m) => this.received(m));
    const { stderr, verbose, debug } = this.flags;
    if (this.flags.persistFile) this.persist = new PersistKeeper(this.flags.persistFile);
    const positions = this.persist?.load();
    const ackJournal = this.flags.persistFile ? ackJournalPath(this.flags.persistFile) : undefined;
    worker.post({ type: 'init', ...compiled, logging: { stderr, verbose, debug }, pid: process.pid, positions, stateDir: this.flags.persistFile ? path.dirname(path.resolve(this.flags.persistFile)) : undefined, ackJournal });
    const r = await this.reply('ready', 'failed');
    if (r.type === 'failed') {
      this.persist?.reportLoad();
      throw errorFromData(r.error);
    }
    // a stop that came while starting (SIGTERM) has already run: start nothing more, leave no pidfile
    if (this.stopping) return;
    this.persist?.every(this.flags.persistIntervalMs ?? DEFAULT_PERSIST_INTERVAL_MS, () => worker.post({ type: 'report-positions' }));
    // after the worker connected the daemon's own log, so the internal() source gets these too
    for (const w of this.plan.warnings) internalLog('warning', w);
    this.persist?.reportLoad();
    await this.openMetrics();
    if (this.flags.pidfile) fs.writeFileSync(this.flags.pidfile, `${process.pid}\n`);
    internalLog('notice', 'logferry starting up', { version: VERSION, config: this.plan.file });
    checkFdLimit(this.plan);
    // last, after the listeners, the metrics port, the pidfile and every key: a non-root user could open none of them
    if (this.flags.runAs) {
      const to = this.flags.runAs;
      // the disk buffers opened as root go on as the user: new segments are created after the drop
      if (to.uid !== undefined) handOverBuffers(bufferBases(this.plan, this.stateDir()), to.uid, to.gid);
      dropPrivileges(this.flags.runAs);
      internalLog('notice', 'Privileges dropped', { to: describeRunAs(this.flags.runAs) });
      const unreadable = unreadableAfterDrop(this.tls.flatMap((e) => watchedBlock(e).files), canRead);
      if (unreadable) internalLog('warning', unreadable);
      const state = stateDirWarning(this.stateDir());
      if (state) internalLog('warning', state);
    }
    this.startTlsWatch();
    this.expiry = new ExpiryWarnings({ entries: () => this.tls, days: () => this.plan.globals.tlsExpiryWarningDays });
    this.expiry.start();
    this.statsLog.set(this.plan.globals.stats.freq);
    this.flags.notifier?.ready(this.statusLine());
    this.flags.notifier?.startWatchdog();
  }

  /** where disk buffers without dir() live: the persist file's directory (as the worker's init gets it) */
  private stateDir(): string | undefined {
    return this.flags.persistFile ? path.dirname(path.resolve(this.flags.persistFile)) : undefined;
  }

  /** systemd's STATUS= text: what runs, from which file */
  private statusLine(): string {
    return `Running ${VERSION}: ${this.plan.sources.size} sources, ${this.plan.destinations.size} destinations from ${this.plan.file}`;
  }

  /** Watches the files of the tls() blocks in use; call again after this.tls changed its blocks (reload). */
  startTlsWatch(): void {
    void this.rotation?.stop();
    this.rotation = new TlsRotation({
      entries: () => this.tls,
      apply: async (entries, recheck) => {
        this.tls = this.tls.map((e) => entries.find((n) => n.key === e.key) ?? e);
        const r = this.ask({ type: 'tls-material', entries, recheck }, 'tls-material-applied');
        // a new certificate is a new item: warned about at once if it is also near its end
        this.expiry?.check();
        return r;
      },
    });
    this.rotation.start();
  }

  /**
   * Certificate rotation: reads every tls() block's files again and sends the
   * material to the worker; handshakes from now on use it. When a file does not
   * load, this rejects with the config error and the worker keeps the old material.
   */
  async rotateTlsMaterial(): Promise<{ endpoints: number }> {
    const entries = rereadTlsMaterial(this.tls);
    this.tls = entries;
    this.expiry?.check();
    const r = await this.ask({ type: 'tls-material', entries }, 'tls-material-applied');
    if (r.errors.length > 0) throw errorFromData(r.errors[0]);
    return { endpoints: r.endpoints };
  }

  /** Reload: checks the new plan here (a bad one throws and changes nothing), then the worker applies the difference. */
  async applySettings(plan: Plan): Promise<Reply<'settings-applied'>> {
    const compiled = compileForWorkers(plan);
    const r = await this.ask({ type: 'apply-settings', ...compiled }, 'settings-applied');
    if (r.applied) {
      this.plan = plan;
      this.tls = compiled.tls;
      // the watchers follow the blocks the new plan uses
      if (this.rotation) this.startTlsWatch();
      this.expiry?.check();
    }
    return r;
  }

  /**
   * SIGHUP and the control socket's RELOAD: reads the configuration file again
   * and applies it. Never throws: a config that does not load or check leaves
   * the running one alone and is reported in one line with file:line:col.
   */
  reload(trigger: string): Promise<{ ok: boolean; text: string }> {
    const n = this.flags.notifier;
    const run = this.reloading.then(async () => {
      if (this.stopping) return this.reloadNow(trigger);
      n?.reloading();
      const r = await this.reloadNow(trigger);
      // a failed reload leaves the old configuration running: ready again either way
      if (!this.stopping) n?.ready(r.ok ? this.statusLine() : `${this.statusLine()} (last reload failed)`);
      return r;
    });
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(trigger: string): Promise<{ ok: boolean; text: string }> {
    if (this.stopping) return { ok: false, text: 'the daemon is stopping' };
    const file = this.plan.file;
    let r: Reply<'settings-applied'>;
    try {
      const plan = (this.flags.load ?? (() => loadConfig(file)))();
      r = await this.applySettings(plan);
    } catch (err) {
      const d = errorToData(err);
      const location = d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.column}` : undefined;
      const reason = d.message.replace(/\s*\n\s*/g, ' ');
      emit(reloadFailed, { trigger, location, reason });
      return { ok: false, text: `${location ? location + ': ' : ''}${reason}, previous config remained intact` };
    }
    if (!r.applied) {
      const reason = r.reason ?? 'the worker did not take the new configuration';
      emit(reloadFailed, { trigger, location: undefined, reason });
      return { ok: false, text: `${reason}, previous config remained intact` };
    }
    for (const w of this.plan.warnings) internalLog('warning', w);
    await this.followMetricsListen();
    this.statsLog.set(this.plan.globals.stats.freq);
    const c = r.changes ?? { sources: zero(), destinations: zero(), failed: [] };
    const failed = c.failed.map((e) => withPortHint(e.message));
    emit(reloadFinished, { trigger, file: this.plan.file, sources: c.sources, destinations: c.destinations, failed });
    if (failed.length > 0) return { ok: false, text: `Config reloaded, but not everything started: ${failed.join(' | ')}` };
    return { ok: true, text: 'Config reload successful' };
  }

  private async openControl(): Promise<void> {
    const p = this.flags.control;
    if (!p) return;
    if (this.flags.controlOptional && !fs.existsSync(path.dirname(p))) {
      internalLog('verbose', 'No control socket: its default directory does not exist; give one with -c', { path: p });
      return;
    }
    try {
      this.control = await ControlSocket.open(p, controlCommands(this));
    } catch (err) {
      // asked for with -c: the user must know it is missing; the default path only says so
      if (!this.flags.controlOptional) throw err;
      internalLog('warning', 'Running without a control socket', { error: (err as Error).message });
    }
  }

  /** The /metrics endpoint, when asked for: by flag, else by options { metrics-listen() }. */
  private async openMetrics(): Promise<void> {
    const spec = this.flags.metricsListen ?? this.plan.globals.metricsListen;
    if (!spec) return;
    // a failure ends the start like a port a source cannot bind (the caller stops the worker)
    this.metrics = await MetricsServer.open(spec, () => this.renderMetrics());
    this.metricsSpec = spec;
    internalLog('notice', 'Metrics endpoint listening', { address: spec, port: this.metrics.port, path: '/metrics' });
  }

  /** Reload: options { metrics-listen() } changed (the flag, when given, stays): the endpoint moves, opens or closes. */
  private async followMetricsListen(): Promise<void> {
    if (this.flags.metricsListen !== undefined) return;
    const spec = this.plan.globals.metricsListen;
    if (spec === this.metricsSpec) return;
    await this.metrics?.close();
    this.metrics = undefined;
    this.metricsSpec = undefined;
    if (!spec) return;
    try {
      await this.openMetrics();
    } catch (err) {
      // the new configuration runs; only its endpoint is missing, and the line says why
      internalLog('error', 'The metrics endpoint did not open; the rest of the new configuration runs', { error: (err as Error).message });
    }
  }

  /** the port /metrics listens on (undefined without an endpoint) */
  get metricsPort(): number | undefined {
    return this.metrics?.port;
  }

  /** The Prometheus text (/metrics, STATS PROMETHEUS): counts freshly asked of the workers, certificate gauges from the material held now. */
  async renderMetrics(): Promise<string> {
    const maxPeers = peerSeriesLimit();
    const [rows, counters, peers] = await Promise.all([this.driverStats(), this.counterTotals(), this.ask({ type: 'report-peers', limit: maxPeers }, 'peers')]);
    return renderMetrics({ rows, counters, tls: this.tls, peers: peers.peers, maxPeers });
  }

  /** Counter totals over all workers, freshly reported. */
  async counterTotals(): Promise<CounterValue[]> {
    await this.ask({ type: 'report-counters' }, 'counters');
    return this.counters.totals();
  }

  /** STATS: every worker's per-driver rows (one worker today), freshly reported */
  async driverStats(): Promise<StatsRow[]> {
    return (await this.ask({ type: 'report-stats' }, 'stats')).rows;
  }

  /** REOPEN: file() destinations let go of their files, as at a reload (logrotate) */
  async reopen(): Promise<number> {
    return (await this.ask({ type: 'reopen' }, 'reopened')).destinations;
  }

  /** HEALTHCHECK: how late a ready callback runs here, and how long the worker takes to answer (seconds) */
  async latency(): Promise<{ mainLoop: number; workerRoundTrip: number }> {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t1 = process.hrtime.bigint();
    await this.ask({ type: 'report-counters' }, 'counters');
    const t2 = process.hrtime.bigint();
    return { mainLoop: Number(t1 - t0) / 1e9, workerRoundTrip: Number(t2 - t1) / 1e9 };
  }

  stop(reason = 'signal'): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      internalLog('notice', 'logferry shutting down', { version: VERSION, reason });
      this.statsLog.stop();
      this.flags.notifier?.stopping();
      // lines held back by the rate limit are counted before internal() closes
      flushInternalLimits();
      await this.control?.close();
      await this.metrics?.close();
      await this.rotation?.stop();
      this.expiry?.stop();
      // the worker's last positions come with its stop
      this.persist?.cancel();
      if (this.worker) {
        const r = await this.ask({ type: 'stop', reason, deadlineMs: this.flags.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS }, 'stopped');
        if (r.outcome) reportStop([r.outcome]);
      }
      if (this.flags.pidfile) {
        try {
          fs.unlinkSync(this.flags.pidfile);
        } catch {
          /* already gone */
        }
      }
      this.flags.notifier?.close();
      this.resolveDone();
    })();
    return this.stopping;
  }

  private received(m: WorkerToMain): void {
    if (m.type === 'counters') this.counters.update(0, m.counters);
    if (m.type === 'positions') this.persist?.update(m.positions);
    if (m.type === 'stdin-eof') {
      void this.stop('end of standard input');
      return;
    }
    const i = this.waiting.findIndex((w) => w.types.includes(m.type));
    if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    else if (m.type === 'failed') internalLog('error', 'Worker failed', { error: m.error.message });
  }

  private reply<T extends WorkerToMain['type']>(...types: T[]): Promise<Reply<T>> {
    return new Promise((resolve) => this.waiting.push({ types, resolve: resolve as (m: WorkerToMain) => void }));
  }

  private ask<T extends WorkerToMain['type']>(msg: Parameters<WorkerHandle['post']>[0], type: T): Promise<Reply<T>> {
    if (!this.worker) return Promise.reject(new Error('the daemon has not started'));
    const r = this.reply(type);
    this.worker.post(msg);
    return r;
  }
}
