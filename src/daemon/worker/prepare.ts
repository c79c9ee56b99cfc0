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
import type { SourceEnv } from '../../sources/common.ts';

export interface PrepareContext {
  /** build everything but open nothing (for -s) */
  dryRun?: boolean;
  onStdinEof?: () => void;
  /** the daemon's PID as users see it (default: this process) */
  pid?: number;
  /** where drivers get their TLS endpoints (default: read the files and build here) */
  tlsEndpoint?: SourceEnv['tlsEndpoint'];
}

export interface Prepared {
  sources: SourceDriver[];
  destinations: DestinationDriver[];
  routeFor(sourceName: string): Route;
  /** set when the config routes internal() somewhere */
  internalSink: InternalSink | undefined;
  router: Router;
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
  const env = { congestion: new Congestion(), hostname, dryRun, onStdinEof: ctx.onStdinEof, pid: ctx.pid ?? process.pid, tlsEndpoint: ctx.tlsEndpoint ?? createTlsEndpoint };

  const destinations = new Map<string, DestinationDriver[]>();
  for (const [name, decl] of plan.destinations) destinations.set(name, createDestinationDrivers(decl, env));

  const lookup = (name: string) => plan.filters.get(name)?.expr;
  const router = new Router(plan, {
    destinations,
    compileFilter: (expr) => compileFilter(expr, lookup),
    globalFlowControl: plan.globals.logFlowControl,
  });

  const sources: SourceDriver[] = [];
  const internalSinks: InternalSink[] = [];
  for (const [name, decl] of plan.sources) {
    // a source no log path reads from would only hold sockets open
    if (!router.usedSources.has(name) && !router.hasCatchall) continue;
    const created = createSourceDrivers(decl, env);
    sources.push(...created.drivers);
    for (const i of created.internal) internalSinks.push(i.sink);
  }

  return {
    sources,
    destinations: [...router.usedDestinations],
    routeFor: (sourceName) => (msg, ack) => router.route(msg, sourceName, ack),
    internalSink: internalSinks.length === 0 ? undefined : (ev) => internalSinks.forEach((s) => s(ev)),
    router,
  };
}
