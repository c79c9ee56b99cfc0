/**
 * A worker: builds its drivers from an `init` message, starts destinations
 * before sources (so nothing is routed into a closed writer), stops in the
 * reverse order, and answers the main thread. It knows nothing of threads:
 * whoever hosts it passes messages to handle() and carries what it posts.
 */
import { setInternalSinks, stderrSink, type InternalSink } from '../../core/internal-log.ts';
import { allCounters } from '../../core/stats.ts';
import { errorToData } from '../error-data.ts';
import type { LoggingFlags, MainPort, MainToWorker, TlsMaterialEntry, WorkerInit } from '../protocol.ts';
import type { Plan } from '../../config/plan.ts';
import { RouteSwitch } from '../../pipeline/route-switch.ts';
import { driverStats } from './driver-stats.ts';
import { driverCounters } from './driver-counters.ts';
import { AckLedger, currentAckLedger, installAckLedger } from '../../pipeline/ack-ledger.ts';
import { collectPositions, restorePositions } from './positions.ts';
import { prepare, type Prepared } from './prepare.ts';
import { commitReload, planReload, type Running } from './reload.ts';
import { stopInOrder } from './stop.ts';
import { WorkerTlsEndpoints } from './tls-endpoints.ts';

export interface BuiltWorker {
  prepared: Prepared;
  tls: WorkerTlsEndpoints;
}

/** The drivers an init message describes, built but not started. */
export function buildWorker(init: WorkerInit, onStdinEof?: () => void): BuiltWorker {
  const tls = new WorkerTlsEndpoints(init.tls);
  const prepared = prepare(init.plan, { pid: init.pid, onStdinEof, tlsEndpoint: tls.endpoint, stateDir: init.stateDir });
  return { prepared, tls };
}

/** Where logferry's own log goes: the internal() source when routed, and stderr as the flags say. */
function connectInternalLog(internalSink: InternalSink | undefined, logging: LoggingFlags): void {
  const sinks: InternalSink[] = [];
  if (internalSink) sinks.push(internalSink);
  // nothing may vanish silently: without an internal() source, problems go to stderr
  if (logging.stderr) sinks.push(stderrSink);
  else if (!internalSink) sinks.push((ev) => (ev.level === 'error' || ev.level === 'warning' || ev.level === 'notice' ? stderrSink(ev) : undefined));
  setInternalSinks(sinks, { verbose: logging.verbose, debug: logging.debug });
}

export class WorkerRuntime {
  private readonly main: MainPort;
  private built: BuiltWorker | undefined;
  private logging: LoggingFlags | undefined;
  /** what runs now: replaced by each reload */
  private running: Running | undefined;
  private init: WorkerInit | undefined;
  /** messages are handled one at a time, in order (a stop waits for a start in progress) */
  private turn: Promise<void> = Promise.resolve();

  constructor(main: MainPort) {
    this.main = main;
  }

  handle(msg: MainToWorker): void {
    // a failure is reported, and the next message is still handled
    this.turn = this.turn.then(() => this.dispatch(msg)).catch((err) => this.main.post({ type: 'failed', error: errorToData(err) }));
  }

  private async dispatch(msg: MainToWorker): Promise<void> {
    switch (msg.type) {
      case 'init':
        return this.start(msg);
      case 'tls-material': {
        const r = this.built?.tls.apply(msg.entries, msg.recheck) ?? { endpoints: 0, errors: [] };
        this.main.post({ type: 'tls-material-applied', keys: msg.entries.map((e) => e.key), ...r });
        return;
      }
      case 'apply-settings':
        return this.reload(msg.plan, msg.tls);
      case 'report-counters':
        this.postCounters();
        return;
      case 'report-peers':
        this.main.post({ type: 'peers', peers: this.built?.tls.peers(msg.limit) ?? [] });
        return;
      case 'report-positions':
        this.postPositions();
        return;
      case 'report-stats': {
        const r = this.running;
        this.main.post({ type: 'stats', rows: r ? driverStats(r.plan, r.prepared, r.routes) : [] });
        return;
      }
      case 'reopen': {
        // the same reopen a reload gives kept destinations (logrotate's files renamed away)
        const ds = (this.running?.prepared.destinations ?? []).filter((d) => d.reopen);
        for (const d of ds) d.reopen!();
        this.main.post({ type: 'reopened', destinations: ds.length });
        return;
      }
      case 'stop':
        return this.stop(msg.deadlineMs);
    }
  }

  private async start(init: WorkerInit): Promise<void> {
    try {
      this.init = init;
      // before the drivers: a kill's unfinished file writes are settled before any file opens
      installAckLedger(init.ackJournal ? AckLedger.open(init.ackJournal) : undefined);
      this.built = buildWorker(init, this.onStdinEof);
      const p = this.built.prepared;
      const routes = new RouteSwitch(p.router);
      this.running = { plan: init.plan, prepared: p, tls: this.built.tls, routes };
      connectInternalLog(p.internalSink, init.logging);
      this.logging = init.logging;
      restorePositions(p.sources, init.positions);
      for (const d of p.destinations) await d.start();
      // sources route through the switch, so a reload can give kept ones new log paths
      for (const s of p.sources) await s.start(routes.routeFor(s.name));
      this.main.post({ type: 'ready', sources: p.sources.map((s) => s.name), destinations: p.destinations.map((d) => d.name) });
    } catch (err) {
      this.main.post({ type: 'failed', error: errorToData(err) });
    }
  }

  private readonly onStdinEof = (): void => this.main.post({ type: 'stdin-eof' });

  /** The new plan through the start path; only what differs changes (reload.ts). A plan that cannot be built changes nothing. */
  private async reload(plan: Plan, tls: TlsMaterialEntry[]): Promise<void> {
    const running = this.running;
    const init = this.init;
    if (!running || !init) {
      this.main.post({ type: 'settings-applied', applied: false, reason: 'the worker has not started' });
      return;
    }
    const ctx = { pid: init.pid, onStdinEof: this.onStdinEof, drainMs: 5000, stateDir: init.stateDir };
    let next;
    try {
      next = planReload(running, plan, tls, ctx);
    } catch (err) {
      this.main.post({ type: 'settings-applied', applied: false, reason: errorToData(err).message });
      return;
    }
    const r = await commitReload(running, next, plan, ctx, (p) => connectInternalLog(p.internalSink, init.logging));
    this.running = r.running;
    this.built = { prepared: r.running.prepared, tls: running.tls };
    // kept endpoints take the material read for this reload (new handshakes use it, as rotation does)
    running.tls.forgetExcept(new Set(tls.map((e) => e.key)));
    running.tls.apply(tls);
    this.main.post({ type: 'settings-applied', applied: true, changes: r.changes });
  }

  private async stop(deadlineMs: number): Promise<void> {
    const p = this.built?.prepared;
    const outcome = p ? await stopInOrder(p, deadlineMs) : undefined;
    currentAckLedger()?.close();
    // internal() can no longer be written: the stop's own line (main/stop-report.ts) goes to stderr
    if (p && this.logging) connectInternalLog(undefined, this.logging);
    this.postCounters();
    // after the destinations drained, so the offsets cover every line they wrote
    this.postPositions();
    this.main.post({ type: 'stopped', outcome });
  }

  private postPositions(): void {
    this.main.post({ type: 'positions', positions: collectPositions(this.built?.prepared.sources ?? []) });
  }

  private postCounters(): void {
    const counters = allCounters().map((c) => ({ name: c.name, labels: { ...c.labels }, value: c.value }));
    counters.push(...driverCounters(this.running?.routes, this.running?.prepared.destinations ?? [], this.running?.prepared.sources ?? []));
    this.main.post({ type: 'counters', counters });
  }
}
