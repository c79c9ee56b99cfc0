/**
 * internal() source: logferry's own log lines as messages, so a config can
 * route them like any other. PROGRAM is `logferry`, facility syslog.
 */
import { LogMessage, MsgFlag } from '../message/log-message.ts';
import { formatInternal, levelSeverity, type InternalEvent } from '../core/internal-log.ts';
import type { Route, SourceDriver } from '../pipeline/types.ts';

const FAC_SYSLOG = 5;

/** internal() options: tags(), program-override(), host-override() */
export interface InternalSourceOptions {
  tags: readonly string[];
  /** unset: PROGRAM is logferry */
  programOverride: string | undefined;
  /** unset: HOST is this host's name */
  hostOverride: string | undefined;
}

export class InternalSource implements SourceDriver {
  readonly name: string;
  private route: Route | undefined;
  private readonly hostname: string;
  /** events before start() are kept (bounded) so start-up problems are not lost */
  private backlog: InternalEvent[] = [];

  private readonly pid: string;
  private readonly o: InternalSourceOptions;

  constructor(name: string, hostname: string, pid: number, o: InternalSourceOptions) {
    this.name = name;
    this.hostname = hostname;
    this.pid = String(pid);
    this.o = o;
  }

  /** the options, and what one fixed event becomes (HOST, PROGRAM, tags as routed) */
  get effective(): InternalSourceOptions & { sample: LogMessage } {
    return { ...this.o, sample: this.toMessage({ level: 'notice', text: 'sample', tags: {}, time: 0 }) };
  }

  readonly sink = (ev: InternalEvent): void => {
    if (!this.route) {
      if (this.backlog.length < 1000) this.backlog.push(ev);
      return;
    }
    this.route(this.toMessage(ev));
  };

  private toMessage(ev: InternalEvent): LogMessage {
    const ms = ev.time;
    const gmtoff = -new Date(ms).getTimezoneOffset() * 60;
    const m = new LogMessage({ sec: Math.floor(ms / 1000), usec: (ms % 1000) * 1000, gmtoff });
    m.pri = FAC_SYSLOG * 8 + levelSeverity[ev.level];
    m.host = this.o.hostOverride ?? this.hostname;
    m.hostFrom = this.hostname;
    m.program = this.o.programOverride ?? 'logferry';
    m.pid = this.pid;
    m.message = formatInternal(ev.text, ev.tags);
    m.msgformat = 'internal';
    m.flags |= MsgFlag.LOCAL;
    m.sourceName = this.name;
    m.setTag('.source.' + this.name);
    for (const t of this.o.tags) m.setTag(t);
    return m;
  }

  async start(route: Route): Promise<void> {
    this.route = route;
    const b = this.backlog;
    this.backlog = [];
    for (const ev of b) route(this.toMessage(ev));
  }

  async stop(): Promise<void> {
    this.route = undefined;
  }
}
