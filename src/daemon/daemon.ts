/**
 * The running daemon: instantiates a prepared plan, starts destinations
 * before sources (so nothing is routed into a closed writer), and stops in
 * the reverse order, draining queues within a deadline.
 */
import * as fs from 'node:fs';
import { internalLog, setInternalSinks, stderrSink, type InternalSink } from '../core/internal-log.ts';
import type { Plan } from '../config/plan.ts';
import { prepare, type Prepared } from './prepare.ts';

export interface DaemonFlags {
  stderr: boolean;
  verbose: boolean;
  debug: boolean;
  pidfile: string | undefined;
  /** how long stop() waits for queues to drain */
  stopDeadlineMs?: number;
}

export const VERSION = '0.1.0';

export class Daemon {
  private readonly plan: Plan;
  private readonly flags: DaemonFlags;
  private prepared: Prepared | undefined;
  private stopping: Promise<void> | undefined;
  private resolveDone!: () => void;
  /** resolves when the daemon has stopped */
  readonly done: Promise<void>;

  constructor(plan: Plan, flags: DaemonFlags) {
    this.plan = plan;
    this.flags = flags;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  async start(): Promise<void> {
    const p = prepare(this.plan, { onStdinEof: () => void this.stop('end of standard input') });
    this.prepared = p;
    const sinks: InternalSink[] = [];
    if (p.internalSink) sinks.push(p.internalSink);
    // nothing may vanish silently: without an internal() source, problems go to stderr
    if (this.flags.stderr) sinks.push(stderrSink);
    else if (!p.internalSink) sinks.push((ev) => (ev.level === 'error' || ev.level === 'warning' || ev.level === 'notice' ? stderrSink(ev) : undefined));
    setInternalSinks(sinks, { verbose: this.flags.verbose, debug: this.flags.debug });
    for (const w of this.plan.warnings) internalLog('warning', w);

    for (const d of p.destinations) await d.start();
    for (const s of p.sources) await s.start(p.routeFor(s.name));
    if (this.flags.pidfile) fs.writeFileSync(this.flags.pidfile, `${process.pid}\n`);
    internalLog('notice', 'logferry starting up', { version: VERSION, config: this.plan.file });
  }

  stop(reason = 'signal'): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      internalLog('notice', 'logferry shutting down', { version: VERSION, reason });
      const p = this.prepared;
      if (p) {
        await Promise.allSettled(p.sources.map((s) => s.stop()));
        const deadline = this.flags.stopDeadlineMs ?? 5000;
        await Promise.allSettled(p.destinations.map((d) => d.stop(deadline)));
      }
      if (this.flags.pidfile) {
        try {
          fs.unlinkSync(this.flags.pidfile);
        } catch {
          /* already gone */
        }
      }
      this.resolveDone();
    })();
    return this.stopping;
  }
}
