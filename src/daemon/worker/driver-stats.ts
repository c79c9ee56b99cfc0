/**
 * A worker's per-driver counts as syslog-ng-ctl's STATS names them, so the
 * tools that read syslog-ng's stats read logferry's too:
 *   source;s_net;;a;processed;N            messages the statement's drivers routed
 *   src.network;s_net#0;tcp,127.0.0.1;a;processed;N   the same per driver (one driver: the statement's count)
 *   destination;d;;a;processed;N           messages given to the statement's drivers
 *   dst.file;d#0;/var/log/x;a;written|dropped|queued|processed;N
 *   center;;received;a;processed;N         everything routed
 * A source statement's count is kept per statement (the router is told the
 * statement, not the driver), so per-driver rows appear only where the
 * statement has one driver: no row shows a number that is not its own.
 */
import type { DriverDecl, Plan } from '../../config/plan.ts';
import type { DestinationDriver } from '../../pipeline/types.ts';
import type { RouteSwitch } from '../../pipeline/route-switch.ts';
import type { StatsRow } from '../protocol.ts';
import type { Prepared } from './prepare.ts';

/** what syslog-ng puts in SourceInstance: the file name, or transport and address */
export function driverInstance(d: DriverDecl | undefined): string {
  if (!d) return '';
  const s = d.settings as { path?: unknown; transport?: { name?: unknown }; ip?: unknown; port?: unknown; host?: unknown };
  if (typeof s.path === 'string') return s.path;
  const transport = typeof s.transport?.name === 'string' ? s.transport.name : '';
  const host = typeof s.host === 'string' ? s.host : typeof s.ip === 'string' ? s.ip : (d.positional[0] ?? '');
  const addr = host && typeof s.port === 'number' ? `${host}:${s.port}` : host;
  return [transport, addr].filter((x) => x !== '').join(',');
}

function destinationRows(id: string, component: string, instance: string, d: DestinationDriver): StatsRow[] {
  const c = d.deliveryCounts?.() ?? { written: 0, unwritten: 0, dropped: 0 };
  const processed = c.written + c.unwritten + c.dropped;
  const row = (type: string, value: number): StatsRow => ({ component, id, instance, type, value });
  return [row('dropped', c.dropped), row('processed', processed), row('queued', c.unwritten), row('written', c.written)];
}

export function driverStats(plan: Plan, prepared: Prepared, routes: RouteSwitch): StatsRow[] {
  const rows: StatsRow[] = [];
  for (const [name, built] of prepared.sourcesByName) {
    const decl = plan.sources.get(name);
    const n = routes.received(name);
    rows.push({ component: 'source', id: name, instance: '', type: 'processed', value: n });
    if (built.drivers.length === 1 && decl?.drivers.length === 1) {
      const d = decl.drivers[0];
      rows.push({ component: `src.${d.driver}`, id: `${name}#0`, instance: driverInstance(d), type: 'processed', value: n });
    }
  }
  const used = new Set(prepared.destinations);
  for (const [name, drivers] of prepared.destinationsByName) {
    const decl = plan.destinations.get(name);
    let total = 0;
    const per: StatsRow[] = [];
    drivers.forEach((drv, i) => {
      if (!used.has(drv)) return;
      const d = decl?.drivers[i];
      const r = destinationRows(`${name}#${i}`, `dst.${d?.driver ?? 'unknown'}`, driverInstance(d), drv);
      total += r.find((x) => x.type === 'processed')!.value;
      per.push(...r);
    });
    if (per.length === 0) continue;
    rows.push({ component: 'destination', id: name, instance: '', type: 'processed', value: total }, ...per);
  }
  rows.push({ component: 'center', id: '', instance: 'received', type: 'processed', value: routes.router.routed });
  return rows;
}
