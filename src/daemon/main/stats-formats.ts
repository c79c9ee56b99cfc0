/**
 * The control socket's STATS and QUERY answers, in the forms syslog-ng-ctl
 * prints (AxoSyslog 4.27 lib/stats/stats-csv.c, stats-prometheus.c,
 * stats-query-commands.c), from the workers' per-driver rows
 * (worker/driver-stats.ts) and the event counters (core/stats.ts).
 *
 * Event counters that have no syslog-ng equivalent keep their logferry name:
 * in the CSV as `logferry;NAME;LABELS;a;processed;N` (LABELS `k=v,k=v`); the
 * exposition (STATS PROMETHEUS and /metrics) is metrics-render.ts's. The per-driver rows already say
 * what dropped_messages_total and disk_buffer_dropped_messages_total say per destination, so they are not repeated.
 */
import type { CounterValue, StatsRow } from '../protocol.ts';
import type { MetricFamily } from './metrics-format.ts';

export const CSV_HEADER = 'SourceName;SourceId;SourceInstance;State;Type;Number';

/** counters the per-driver rows already show under syslog-ng's names */
const SHOWN_AS_ROWS = new Set(['dropped_messages_total', 'disk_buffer_dropped_messages_total']);

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** rows for the event counters that have no syslog-ng name */
export function counterRows(counters: CounterValue[]): StatsRow[] {
  return counters
    .filter((c) => !SHOWN_AS_ROWS.has(c.name))
    .map((c) => ({ component: 'logferry', id: c.name, instance: labelText(c.labels), type: 'processed', value: c.value }))
    .sort((a, b) => (a.id + ';' + a.instance < b.id + ';' + b.instance ? -1 : 1));
}

/** syslog-ng quotes a field holding ';' or '"', with '"' escaped by a backslash */
function csvField(v: string): string {
  return /[;"]/.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;
}

export function statsCsv(rows: StatsRow[]): string {
  const lines = [CSV_HEADER];
  for (const r of rows) lines.push([r.component, r.id, r.instance, 'a', r.type, String(r.value)].map(csvField).join(';'));
  return lines.join('\n') + '\n';
}

const RESULT: Record<string, string> = { written: 'delivered', dropped: 'dropped', queued: 'queued' };

/**
 * The per-driver rows under AxoSyslog's exposition names: sources as
 * syslogng_input_events_total{id}, destinations as
 * syslogng_output_events_total{id, driver, result="delivered|dropped|queued"}.
 * STATS PROMETHEUS and /metrics both show these beside logferry's own series
 * (metrics-render.ts), so a dashboard built for either daemon reads logferry.
 */
export function syslogNgFamilies(rows: readonly StatsRow[]): MetricFamily[] {
  const input: MetricFamily = { name: 'syslogng_input_events_total', type: 'counter', help: 'Messages a source handed to the log paths (syslog-ng name)', samples: [] };
  const output: MetricFamily = { name: 'syslogng_output_events_total', type: 'counter', help: 'Messages a destination delivered, dropped or holds queued (syslog-ng name)', samples: [] };
  const labels = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== ''));
  const perDriver = new Set(rows.filter((r) => r.component.startsWith('src.')).map((r) => r.id.replace(/#\d+$/, '')));
  for (const r of rows) {
    if (r.component === 'source' && !perDriver.has(r.id)) input.samples.push({ labels: labels({ id: r.id }), value: r.value });
    else if (r.component.startsWith('src.')) input.samples.push({ labels: labels({ id: r.id, driver: r.component.slice(4), instance: r.instance }), value: r.value });
    else if (r.component.startsWith('dst.') && RESULT[r.type]) {
      output.samples.push({ labels: labels({ id: r.id, driver: r.component.slice(4), instance: r.instance, result: RESULT[r.type] }), value: r.value });
    }
  }
  return [input, output].filter((f) => f.samples.length > 0);
}

/** a row's name for QUERY: its non-empty fields joined by '.', as syslog-ng-ctl query lists them */
export function queryName(r: StatsRow): string {
  return [r.component, r.id, r.instance, r.type].filter((x) => x !== '').join('.');
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * QUERY GET|GET_SUM|LIST GLOB (without GLOB: every counter); `null` for a
 * sub-command syslog-ng-ctl does not send (the _RESET forms are refused:
 * logferry's counters are never reset, so a rate computed from them stays right).
 */
export function statsQuery(args: string, rows: StatsRow[]): { ok: boolean; text: string } {
  const sp = args.indexOf(' ');
  const sub = (sp < 0 ? args : args.slice(0, sp)).toUpperCase();
  const glob = sp < 0 ? '*' : args.slice(sp + 1).trim() || '*';
  const re = globRegExp(glob);
  const hits = rows.filter((r) => re.test(queryName(r)));
  switch (sub) {
    case 'GET':
      return { ok: true, text: hits.map((r) => `${queryName(r)}=${r.value}\n`).join('') || '\n' };
    case 'LIST':
      return { ok: true, text: hits.map((r) => `${queryName(r)}\n`).join('') || '\n' };
    case 'GET_SUM':
      return { ok: true, text: `${hits.reduce((s, r) => s + r.value, 0)}\n` };
    default:
      return { ok: false, text: `QUERY ${sub || '(nothing)'} is not answered; logferry answers QUERY GET, GET_SUM and LIST (its counters are never reset)` };
  }
}
