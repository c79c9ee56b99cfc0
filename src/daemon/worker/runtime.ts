/**
 * A worker: builds its drivers from an `init` message, starts destinations
 * before sources (so nothing is routed into a closed writer), stops in the
 * reverse order, and answers the main thread. It knows nothing of threads:
 * whoever hosts it passes messages to handle() and carries what it posts.
 */
import { setInternalSinks, stderrSink, type InternalSink } from '../../core/internal-log.ts';
import { allCounters } from '../../core/stats.ts';
import { errorToData } from '../error-data.ts';
import type { LoggingFlags, MainPort, MainToWorker, WorkerInit } from '../protocol.ts';
import { collectPositions, restorePositions } from './positions.ts';
import { prepare, type Prepared } from './prepare.ts';
import { stopInOrder } from './stop.ts';
import { WorkerTlsEndpoints } from './tls-endpoints.ts';

export interface BuiltWorker {
  prepared: Prepared;
  tls: WorkerTlsEndpoints;
}

/** The drivers an init message describes, built but not started. */
export function buildWorker(init: WorkerInit, onStdinEof?: () => void): BuiltWorker {
  const tls = new WorkerTlsEndpoints(init.tls);
  const prepared = prepare(init.plan, { pid: init.pid, onStdinEof, tlsEndpoint: tls.endpoint });
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
        // reload will rebuild what changed through the start path; until then the running drivers stay
        this.main.post({ type: 'settings-applied', applied: false, reason: 'not supported yet: restart the daemon to apply a new configuration' });
        return;
      case 'report-counters':
        this.postCounters();
        return;
      case 'report-positions':
        this.postPositions();
        return;
      case 'stop':
        return this.stop(msg.deadlineMs);
    }
  }

  private async start(init: WorkerInit): Promise<void> {
    try {
      this.built = buildWorker(init, () => this.main.post({ type: 'stdin-eof' }));
      const p = this.built.prepared;
      connectInternalLog(p.internalSink, init.logging);
      this.logging = init.logging;
      restorePositions(p.sources, init.positions);
      for (const d of p.destinations) await d.start();
      for (const s of p.sources) await s.start(p.routeFor(s.name));
      this.main.post({ type: 'ready', sources: p.sources.map((s) => s.name), destinations: p.destinations.map((d) => d.name) });
    } catch (err) {
      this.main.post({ type: 'failed', error: errorToData(err) });
    }
  }

  private async stop(deadlineMs: number): Promise<void> {
    const p = this.built?.prepared;
    const outcome = p ? await stopInOrder(p, deadlineMs) : undefined;
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
    this.main.post({ type: 'counters', counters: allCounters().map((c) => ({ name: c.name, labels: { ...c.labels }, value: c.value })) });
  }
}
