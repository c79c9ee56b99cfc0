/**
 * A worker's reload: the new plan is built by the start path (prepare), with
 * every declaration whose identity is unchanged (decl-identity.ts) taking the
 * running drivers instead of new ones. Then, in this order:
 *   1. sources that are gone or changed stop reading (what they read is routed
 *      by the old paths, into queues that are kept or handed over);
 *   2. new and changed destinations start; a changed one's predecessor stops
 *      writing, and in one turn its queue moves to the new driver and the
 *      router is swapped, so no message is lost, doubled or reordered;
 *   3. kept destinations reopen their files; new and changed sources start;
 *   4. destinations no longer used flush and close.
 * Nothing here throws once step 1 began: a driver that fails to start is
 * reported in `failed` (a changed source gets its old driver back).
 */
import { collectPositions, restorePositions } from './positions.ts';
import type { DestinationDecl, Plan, SourceDecl } from '../../config/plan.ts';
import { QueuedDestination } from '../../destinations/queued.ts';
import type { RouteSwitch } from '../../pipeline/route-switch.ts';
import type { DestinationDriver, SourceDriver } from '../../pipeline/types.ts';
import { errorToData } from '../error-data.ts';
import type { ErrorData, ReloadChanges, ReloadCounts, TlsMaterialEntry } from '../protocol.ts';
import { declIdentity, tlsKeys } from './decl-identity.ts';
import { prepare, type BuiltSource, type Prepared } from './prepare.ts';
import type { WorkerTlsEndpoints } from './tls-endpoints.ts';

export interface Running {
  plan: Plan;
  prepared: Prepared;
  tls: WorkerTlsEndpoints;
  routes: RouteSwitch;
}

export interface ReloadContext {
  pid: number;
  onStdinEof?: () => void;
  /** how long a destination that is no longer used may flush */
  drainMs: number;
  stateDir?: string;
}

const counts = (): ReloadCounts => ({ kept: 0, restarted: 0, added: 0, removed: 0 });

/**
 * Builds the new plan beside the running one. Throws (and changes nothing) when
 * it cannot be built; otherwise returns what `commit` will do.
 */
export function planReload(running: Running, plan: Plan, tls: readonly TlsMaterialEntry[], ctx: ReloadContext) {
  const old = running.prepared;
  const started = new Set(old.destinations);
  const keptSources = new Set<string>();
  const keptDestinations = new Set<string>();
  /** kept drivers whose tls() block moved: [old key, new key] */
  const rekeys: Array<[string, string]> = [];
  const moved = (was: SourceDecl | DestinationDecl, now: SourceDecl | DestinationDecl, role: 'server' | 'client') => {
    const before = tlsKeys(was, role);
    tlsKeys(now, role).forEach((k, i) => {
      if (k !== undefined && before[i] !== undefined && before[i] !== k) rekeys.push([before[i]!, k]);
    });
  };
  running.tls.remember(tls);
  const prepared = prepare(plan, {
    pid: ctx.pid,
    onStdinEof: ctx.onStdinEof,
    tlsEndpoint: running.tls.endpoint,
    stateDir: ctx.stateDir,
    congestion: old.congestion,
    reuse: {
      source(decl) {
        const was = running.plan.sources.get(decl.name);
        const built = old.sourcesByName.get(decl.name);
        if (!was || !built || declIdentity(was) !== declIdentity(decl)) return undefined;
        keptSources.add(decl.name);
        moved(was, decl, 'server');
        return built;
      },
      destination(decl) {
        const was = running.plan.destinations.get(decl.name);
        const built = old.destinationsByName.get(decl.name);
        // a destination that was declared but unused never started: build it afresh
        if (!was || !built || !built.every((d) => started.has(d)) || declIdentity(was) !== declIdentity(decl)) return undefined;
        keptDestinations.add(decl.name);
        moved(was, decl, 'client');
        return built;
      },
    },
  });
  // a destination the new log paths no longer use is not kept, even when its declaration stayed: it stops
  const used = new Set(prepared.destinations);
  for (const name of keptDestinations) if (!prepared.destinationsByName.get(name)!.some((d) => used.has(d))) keptDestinations.delete(name);
  return { prepared, keptSources, keptDestinations, rekeys };
}

export type ReloadPlan = ReturnType<typeof planReload>;

export async function commitReload(running: Running, next: ReloadPlan, plan: Plan, ctx: ReloadContext, connectLog: (p: Prepared) => void): Promise<{ running: Running; changes: ReloadChanges }> {
  const old = running.prepared;
  const { prepared, keptSources, keptDestinations, rekeys } = next;
  for (const [from, to] of rekeys) running.tls.rekey(from, to);
  const failed: ErrorData[] = [];
  const sources = counts();
  const destinations = counts();

  // 1. sources that go or change stop reading first
  const stopSources: Array<[string, BuiltSource]> = [];
  for (const [name, built] of old.sourcesByName) {
    if (keptSources.has(name)) continue;
    stopSources.push([name, built]);
    if (prepared.sourcesByName.has(name)) sources.restarted++;
    else sources.removed++;
  }
  sources.kept = keptSources.size;
  for (const name of prepared.sourcesByName.keys()) if (!old.sourcesByName.has(name)) sources.added++;
  await Promise.allSettled(stopSources.flatMap(([, b]) => b.drivers.map((s) => s.stop())));
  // a changed file() source goes on where its predecessor stopped, not from the file's start
  const carried = collectPositions(stopSources.flatMap(([, b]) => b.drivers));

  // 2. destinations: start the new ones; changed ones take over their predecessor's queue
  const oldStarted = new Set(old.destinations);
  const newStarted = new Set(prepared.destinations);
  const handovers: Array<[QueuedDestination, QueuedDestination]> = [];
  const retire: DestinationDriver[] = [];
  const oldUsedNames = new Set<string>();
  for (const [name, drivers] of old.destinationsByName) if (drivers.some((d) => oldStarted.has(d))) oldUsedNames.add(name);
  for (const [name, drivers] of prepared.destinationsByName) {
    if (!drivers.some((d) => newStarted.has(d))) continue;
    if (keptDestinations.has(name)) destinations.kept++;
    else if (oldUsedNames.has(name)) destinations.restarted++;
    else destinations.added++;
  }
  for (const name of oldUsedNames) {
    const now = prepared.destinationsByName.get(name);
    const before = old.destinationsByName.get(name) ?? [];
    if (keptDestinations.has(name)) continue;
    if (!now || !now.some((d) => newStarted.has(d))) destinations.removed++;
    before.forEach((d, i) => {
      const successor = now?.[i];
      if (successor && newStarted.has(successor) && d instanceof QueuedDestination && successor instanceof QueuedDestination) handovers.push([d, successor]);
      retire.push(d);
    });
  }
  const startedNow: DestinationDriver[] = [];
  for (const d of prepared.destinations) {
    if (oldStarted.has(d)) continue;
    try {
      await d.start();
      startedNow.push(d);
    } catch (err) {
      failed.push(errorToData(err));
    }
  }
  // a rebuilt destination that did not start gets no queue: its predecessor flushes what it holds when retired
  const held = await Promise.all(handovers.map(async ([from, to]) => startedNow.includes(to) && (await from.hold(ctx.drainMs))));
  const taking = handovers.filter((_, i) => held[i]);
  // one turn: the queues move and the new paths take over between two messages
  for (const [from, to] of taking) to.adoptQueued(from.takeQueued());
  running.routes.swap(prepared.router);
  connectLog(prepared);

  // 3. kept destinations reopen their files (logrotate's reload); new and changed sources start
  for (const d of prepared.destinations) if (oldStarted.has(d)) d.reopen?.();
  for (const [name, built] of prepared.sourcesByName) {
    if (keptSources.has(name)) continue;
    restorePositions(built.drivers, carried);
    for (const s of built.drivers) {
      try {
        await s.start(running.routes.routeFor(s.name));
      } catch (err) {
        failed.push(errorToData(err));
        await restoreOld(name, old.sourcesByName.get(name), running.routes, s, prepared);
      }
    }
  }

  // 4. what is no longer used flushes and closes
  await Promise.allSettled(retire.map((d) => d.stop(ctx.drainMs)));

  return { running: { plan, prepared, tls: running.tls, routes: running.routes }, changes: { sources, destinations, failed } };
}

/** A changed source whose new driver cannot start (its port is taken…) gets its old driver back, so it keeps listening. */
async function restoreOld(name: string, before: BuiltSource | undefined, routes: RouteSwitch, failedDriver: SourceDriver, prepared: Prepared): Promise<void> {
  const i = prepared.sourcesByName.get(name)?.drivers.indexOf(failedDriver) ?? -1;
  const previous = before?.drivers[i];
  if (!previous) return;
  try {
    await previous.start(routes.routeFor(previous.name));
    const list = prepared.sourcesByName.get(name)!.drivers;
    list[i] = previous;
    const j = prepared.sources.indexOf(failedDriver);
    if (j >= 0) prepared.sources[j] = previous;
  } catch {
    /* already reported: the new driver's error says why this source is not listening */
  }
}
