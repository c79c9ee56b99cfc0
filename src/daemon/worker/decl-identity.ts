/**
 * When a reload may keep a running driver: its declaration, as the driver is
 * built from it, is the same. Where a setting was written does not count: a
 * line added above a source must not drop its connections. A tls() block's
 * location is part of its key across threads (protocol.ts materialKey), so a
 * kept driver whose block moved has its endpoint filed under the new key
 * (tlsKeys gives both).
 */
import type { DestinationDecl, SourceDecl } from '../../config/plan.ts';
import type { SourceLocation } from '../../core/location.ts';
import type { TlsOptions } from '../../tls/types.ts';
import { materialKey } from '../protocol.ts';

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

/** Equal strings mean a kept driver behaves as a freshly built one would. */
export function declIdentity(decl: SourceDecl | DestinationDecl): string {
  return JSON.stringify(decl.drivers.map((d) => [d.driver, canonical(d.settings)]));
}

/** per driver, the key its TLS endpoint is filed under (as network drivers locate their tls() block), or undefined */
export function tlsKeys(decl: SourceDecl | DestinationDecl, role: 'server' | 'client'): Array<string | undefined> {
  return decl.drivers.map((d) => {
    const s = d.settings as { tls?: TlsOptions; where?: { tls?: SourceLocation }; loc?: SourceLocation };
    return s.tls === undefined ? undefined : materialKey(role, s.tls, s.where?.tls ?? s.loc);
  });
}
