/**
 * The main thread's half of start-up and reload: checks a compiled Plan by
 * building every driver without opening anything (the same errors, with the
 * same file:line:col, as `logferry -s`) and reads the files of every tls()
 * block the drivers use, once, into plain data for the workers.
 */
import type { Plan } from '../../config/plan.ts';
import { LocatedError, type SourceLocation } from '../../core/location.ts';
import { loadTlsBlock } from '../../tls/endpoint.ts';
import type { TlsEndpoint, TlsOptions } from '../../tls/types.ts';
import { materialKey, type TlsMaterialEntry } from '../protocol.ts';
import { prepare, toConfigError } from '../worker/prepare.ts';

export interface CompiledForWorkers {
  plan: Plan;
  /** one entry per tls() block a driver uses */
  tls: TlsMaterialEntry[];
}

/** Stands in for an endpoint while checking: the main thread never handshakes. */
function checkedOnly(role: 'server' | 'client', location: SourceLocation): TlsEndpoint {
  const refuse = () => Promise.reject(new Error('the main thread only checks tls() blocks; handshakes happen in a worker'));
  return { role, location, accept: refuse, connect: refuse, reload: refuse };
}

export function compileForWorkers(plan: Plan, ctx: { pid?: number } = {}): CompiledForWorkers {
  const tls = new Map<string, TlsMaterialEntry>();
  const record = (role: 'server' | 'client', opts: TlsOptions, location: SourceLocation, driver?: string): TlsEndpoint => {
    const key = materialKey(role, opts, location);
    if (!tls.has(key)) tls.set(key, { key, role, opts, location, snapshot: loadTlsBlock(role, opts, location), drivers: [] });
    const drivers = tls.get(key)!.drivers!;
    if (driver !== undefined && !drivers.includes(driver)) drivers.push(driver);
    return checkedOnly(role, location);
  };
  prepare(plan, { dryRun: true, pid: ctx.pid, tlsEndpoint: record });
  return { plan, tls: [...tls.values()] };
}

/**
 * Reads the files of the same tls() blocks again (certificate rotation). All
 * or nothing: a block whose new files do not load is a ConfigError at its
 * location, and the workers keep what they have.
 */
export function rereadTlsMaterial(entries: readonly TlsMaterialEntry[]): TlsMaterialEntry[] {
  return entries.map((e) => {
    try {
      return { ...e, snapshot: loadTlsBlock(e.role, e.opts, e.location, { rereading: true }) };
    } catch (err) {
      throw toConfigError(new LocatedError((err as Error).message, e.location));
    }
  });
}
