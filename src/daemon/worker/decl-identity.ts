/**
 * When a reload may keep a running driver: its declaration, as the driver is
 * built from it, is the same. Where a setting was written does not count (a
 * line added above a source must not drop its connections), except for a
 * tls() block, whose location is part of its identity across threads
 * (protocol.ts materialKey): a source whose tls() block moved is rebuilt.
 */
import type { DestinationDecl, SourceDecl } from '../../config/plan.ts';

/** keys that only say where something was written */
const WHERE = new Set(['loc', 'where']);

/** plain data in a stable spelling: object keys sorted, Set and Map as sorted arrays, locations left out */
function canonical(v: unknown): unknown {
  if (v instanceof Map) return ['Map', [...v.entries()].map(([k, x]) => [canonical(k), canonical(x)]).sort(byJson)];
  if (v instanceof Set) return ['Set', [...v].map(canonical).sort(byJson)];
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!WHERE.has(k)) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

function byJson(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** where a driver's tls() block was written: the location its endpoint is keyed by */
function tlsLocations(settings: object): unknown {
  const s = settings as { tls?: unknown; where?: { tls?: unknown }; loc?: unknown };
  return s.tls === undefined ? null : (s.where?.tls ?? s.loc ?? null);
}

/** Equal strings mean a kept driver behaves as a freshly built one would. */
export function declIdentity(decl: SourceDecl | DestinationDecl): string {
  return JSON.stringify(decl.drivers.map((d) => [d.driver, canonical(d.settings), tlsLocations(d.settings)]));
}
