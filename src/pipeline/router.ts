/**
 * Log paths compiled into closures: which destinations a message from a
 * given source reaches, honouring filters, nesting, junctions, if/elif/else
 * and the final / fallback / catchall / flow-control flags.
 */
import type { LogMessage } from '../message/log-message.ts';
import type { FilterExpr, LogPathDecl, Plan } from '../config/plan.ts';
import type { Ack, DestinationDriver } from './types.ts';

export type FilterFn = (msg: LogMessage) => boolean;

type Item =
  | { k: 'filter'; f: FilterFn }
  | { k: 'dest'; drivers: DestinationDriver[] }
  | { k: 'group'; paths: CompiledPath[]; mustMatch: boolean }
  | { k: 'if'; branches: Array<{ cond: FilterFn | undefined; body: CompiledPath }> };

interface CompiledPath {
  sources: Set<string> | undefined;
  catchall: boolean;
  final: boolean;
  fallback: boolean;
  flowControl: boolean;
  items: Item[];
}

export interface RouterDeps {
  /** compiled destination drivers per destination name */
  destinations: Map<string, DestinationDriver[]>;
  /** compiles a filter expression (named filters are resolved by the compiler) */
  compileFilter: (expr: FilterExpr) => FilterFn;
  /** global log-flow-control() */
  globalFlowControl: boolean;
}

/** One delivery in progress: counts flow-controlled copies (every copy when `all`) until all are written. */
class Tracker {
  pending = 1;
  readonly ack: Ack;
  readonly all: boolean;
  constructor(ack: Ack, all: boolean) {
    this.ack = ack;
    this.all = all;
  }
  done = (): void => {
    if (--this.pending === 0) this.ack();
  };
}

export class Router {
  private readonly top: CompiledPath[];
  /** names of sources referenced by at least one path (others need not start) */
  readonly usedSources: Set<string>;
  /** drivers of destinations some path delivers to (others need not start) */
  readonly usedDestinations = new Set<DestinationDriver>();
  readonly hasCatchall: boolean;
  /** how many messages matched no log path at all */
  unmatched = 0;
  /** how many messages the sources handed in (the stop report's "read") */
  routed = 0;
  /** sources that reach a flow-controlled destination; `all` when a catchall path does */
  private readonly fcSources = new Set<string>();
  private fcAll = false;

  constructor(plan: Plan, deps: RouterDeps) {
    this.usedSources = new Set();
    this.top = plan.logPaths.map((p) => this.compilePath(p, deps, deps.globalFlowControl, true));
    this.hasCatchall = this.top.some((p) => p.catchall);
    for (const p of this.top) {
      if (!hasFlowControl(p)) continue;
      if (p.catchall) this.fcAll = true;
      for (const src of p.sources ?? []) this.fcSources.add(src);
    }
  }

  private compilePath(p: LogPathDecl, deps: RouterDeps, inheritedFc: boolean, topLevel: boolean): CompiledPath {
    const fc = p.flags.noFlowControl ? false : p.flags.flowControl || inheritedFc;
    for (const s of p.sources) this.usedSources.add(s);
    const items: Item[] = [];
    let group: CompiledPath[] | undefined;
    for (const it of p.items) {
      if (it.kind !== 'log') group = undefined;
      switch (it.kind) {
        case 'filter': {
          const f = deps.compileFilter({ kind: 'call', name: 'filter', args: [{ kind: 'value', text: it.name, quoted: false, loc: it.loc }], loc: it.loc });
          items.push({ k: 'filter', f });
          break;
        }
        case 'destination': {
          const drivers = deps.destinations.get(it.name);
          if (!drivers) throw new Error(`destination ${it.name} is not defined`);
          for (const d of drivers) this.usedDestinations.add(d);
          items.push({ k: 'dest', drivers });
          break;
        }
        case 'log': {
          // consecutive embedded log statements form one group: final/fallback apply among them
          if (!group) {
            group = [];
            items.push({ k: 'group', paths: group, mustMatch: false });
          }
          group.push(this.compilePath(it.path, deps, fc, false));
          break;
        }
        case 'junction':
          items.push({ k: 'group', paths: it.branches.map((b) => this.compilePath(b, deps, fc, false)), mustMatch: true });
          break;
        case 'if':
          items.push({
            k: 'if',
            branches: it.branches.map((b) => ({
              cond: b.cond ? deps.compileFilter(b.cond) : undefined,
              body: this.compilePath(b.body, deps, fc, false),
            })),
          });
          break;
      }
    }
    return {
      sources: topLevel || p.sources.length > 0 ? new Set(p.sources) : undefined,
      catchall: p.flags.catchall,
      final: p.flags.final,
      fallback: p.flags.fallback,
      flowControl: fc,
      items,
    };
  }

  /**
   * Routes one message from `source`. `ack` (flow control) fires once every
   * flow-controlled destination wrote it — immediately when there is none.
   * With `allWritten` it waits for every destination the message went to,
   * flow-controlled or not (an acknowledging connection acks its sender only
   * then), and those copies are never dropped from a full queue.
   */
  route(msg: LogMessage, source: string, ack?: Ack, allWritten = false): void {
    this.routed++;
    // most paths are not flow-controlled: no per-message tracker then
    if (ack && !allWritten && !this.fcAll && !this.fcSources.has(source)) {
      if (!this.runGroup(this.top, msg, source, undefined)) this.unmatched++;
      ack();
      return;
    }
    const t = ack ? new Tracker(ack, allWritten) : undefined;
    if (!this.runGroup(this.top, msg, source, t)) this.unmatched++;
    if (t) t.done();
  }

  private runGroup(paths: CompiledPath[], msg: LogMessage, source: string, t: Tracker | undefined): boolean {
    let matched = false;
    for (const p of paths) {
      if (p.fallback || !this.accepts(p, source)) continue;
      if (this.runPath(p, msg, source, t)) {
        matched = true;
        if (p.final) return true;
      }
    }
    if (matched) return true;
    for (const p of paths) {
      if (!p.fallback || !this.accepts(p, source)) continue;
      if (this.runPath(p, msg, source, t)) {
        matched = true;
        if (p.final) return true;
      }
    }
    return matched;
  }

  private accepts(p: CompiledPath, source: string): boolean {
    return p.catchall || p.sources === undefined || p.sources.has(source);
  }

  private runPath(p: CompiledPath, msg: LogMessage, source: string, t: Tracker | undefined): boolean {
    for (const it of p.items) {
      switch (it.k) {
        case 'filter':
          if (!it.f(msg)) return false;
          break;
        case 'dest':
          for (const d of it.drivers) {
            if (t && (p.flowControl || t.all)) {
              t.pending++;
              d.deliver(msg, t.done);
            } else d.deliver(msg);
          }
          break;
        case 'group':
          if (!this.runGroup(it.paths, msg, source, t) && it.mustMatch) return false;
          break;
        case 'if':
          for (const b of it.branches) {
            if (!b.cond || b.cond(msg)) {
              if (!this.runPath(b.body, msg, source, t)) return false;
              break;
            }
          }
          break;
      }
    }
    return true;
  }
}

function hasFlowControl(p: CompiledPath): boolean {
  for (const it of p.items) {
    if (it.k === 'dest' && p.flowControl) return true;
    if (it.k === 'group' && it.paths.some(hasFlowControl)) return true;
    if (it.k === 'if' && it.branches.some((b) => hasFlowControl(b.body))) return true;
  }
  return false;
}
