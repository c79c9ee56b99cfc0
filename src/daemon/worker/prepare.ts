/**
 * Turns a Plan into ready-to-start drivers: compiles templates and filters,
 * builds TLS endpoints, builds the router. Everything a user can get wrong
 * fails here with a location, so `logferry -s` catches it without opening
 * a socket. A worker runs it to build what it starts; the main thread runs it
 * with dryRun to check a config and to collect its TLS material.
 */
import * as fs from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type { Plan } from '../../config/plan.ts';
import { ConfigError } from '../../config/errors.ts';
import { LocatedError } from '../../core/location.ts';
import type { InternalSink } from '../../core/internal-log.ts';
import { setLocalHostname } from '../../message/template.ts';
import { compileFilter, FilterError } from '../../pipeline/filter.ts';
import { Router } from '../../pipeline/router.ts';
import { Congestion } from '../../pipeline/congestion.ts';
import type { DestinationDriver, Route, SourceDriver } from '../../pipeline/types.ts';
import { createSourceDrivers } from '../../sources/index.ts';
import { createDestinationDrivers } from '../../destinations/index.ts';
import { createTlsEndpoint } from '../../tls/endpoint.ts';
import type { TlsOptions } from '../../tls/types.ts';
import type { SourceLocation } from '../../core/location.ts';
import type { SourceEnv } from '../../sources/common.ts';
import type { DestinationDecl, SourceDecl } from '../../config/plan.ts';
import type { InternalSource } from '../../sources/internal.ts';

/** A source declaration's drivers, and which of them are internal() (their log sink). */
export interface BuiltSource {
  drivers: SourceDriver[];
  internal: InternalSource[];
}

/** A reload's running drivers to use instead of building new ones (undefined: build). */
export interface Reuse {
  source(decl: SourceDecl): BuiltSource | undefined;
  destination(decl: DestinationDecl): DestinationDriver[] | undefined;
}

export interface PrepareContext {
  /** build everything but open nothing (for -s) */
  dryRun?: boolean;
  onStdinEof?: () => void;
  /** the daemon's PID as users see it (default: this process) */
  pid?: number;
  /** where drivers get their TLS endpoints (default: read the files and build here) */
  tlsEndpoint?: SourceEnv['tlsEndpoint'];
  /** the readers' backpressure, shared by the drivers a reload keeps and those it builds */
  congestion?: Congestion;
  /** reload: drivers kept from the running config */
  reuse?: Reuse;
  /** where disk-buffer() directories go without dir() (the persist file's directory) */
  stateDir?: string;
}

export interface Prepared {
  sources: SourceDriver[];
  destinations: DestinationDriver[];
  routeFor(sourceName: string): Route;
  /** set when the config routes internal() somewhere */
  internalSink: InternalSink | undefined;
  router: Router;
  /** the drivers per declaration name (reload compares and hands them over by name) */
  sourcesByName: Map<string, BuiltSource>;
  destinationsByName: Map<string, DestinationDriver[]>;
  congestion: Congestion;
}

/** A LocatedError as a ConfigError, with the offending line read from the file. */
export function toConfigError(err: LocatedError | FilterError): ConfigError {
  const loc = err.loc;
  let sourceLine: string | undefined;
  if (loc) {
    try {
      sourceLine = fs.readFileSync(loc.file, 'utf8').split('\n')[loc.line - 1];
    } catch {
      sourceLine = undefined;
    }
  }
  return new ConfigError(err instanceof FilterError ? err.reason : err.message, loc, { sourceLine });
}

function located<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LocatedError || err instanceof FilterError) throw toConfigError(err);
    throw err;
  }
}

export function prepare(plan: Plan, ctx: PrepareContext = {}): Prepared {
  return located(() => build(plan, ctx));
}

function build(plan: Plan, ctx: PrepareContext): Prepared {
  const hostname = osHostname().split('.')[0];
  setLocalHostname(hostname);
  const dryRun = !!ctx.dryRun;
  const congestion = ctx.congestion ?? new Congestion();
  const env = { congestion, hostname, dryRun, onStdinEof: ctx.onStdinEof, pid: ctx.pid ?? process.pid, tlsEndpoint: ctx.tlsEndpoint ?? createTlsEndpoint, stateDir: ctx.stateDir };
  const tlsEndpoint = env.tlsEndpoint;
  // each declaration's drivers name it when they ask for a TLS endpoint
  const envFor = (name: string) => ({ ...env, tlsEndpoint: (role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation) => tlsEndpoint(role, opts, loc, name) });

  const destinations = new Map<string, DestinationDriver[]>();
  for (const [name, decl] of plan.destinations) destinations.set(name, ctx.reuse?.destination(decl) ?? createDestinationDrivers(decl, envFor(name)));

  const lookup = (name: string) => plan.filters.get(name)?.expr;
  const router = new Router(plan, {
    destinations,
    compileFilter: (expr) => compileFilter(expr, lookup),
    globalFlowControl: plan.globals.logFlowControl,
  });

  const sources: SourceDriver[] = [];
  const internalSinks: InternalSink[] = [];
  const sourcesByName = new Map<string, BuiltSource>();
  for (const [name, decl] of plan.sources) {
    // a source no log path reads from would only hold sockets open
    if (!router.usedSources.has(name) && !router.hasCatchall) continue;
    const created = ctx.reuse?.source(decl) ?? createSourceDrivers(decl, envFor(name));
    sourcesByName.set(name, created);
    sources.push(...created.drivers);
    for (const i of created.internal) internalSinks.push(i.sink);
  }

  return {
    sources,
    destinations: [...router.usedDestinations],
    routeFor: (sourceName) => (msg, ack, allWritten) => router.route(msg, sourceName, ack, allWritten),
    internalSink: internalSinks.length === 0 ? undefined : (ev) => internalSinks.forEach((s) => s(ev)),
    router,
    sourcesByName,
    destinationsByName: destinations,
    congestion,
  };
}
