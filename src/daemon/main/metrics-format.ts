/**
 * The Prometheus text exposition format 0.0.4, as pure functions: samples in,
 * text out. Kept apart from the HTTP server so the escaping rules are tested
 * without a socket.
 */
import type { Labels } from '../../core/stats.ts';

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  /** full metric name, prefix included */
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Sample[];
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** HELP text: backslash and newline escaped (quotes are literal there). */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and newline escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Metric and label names allow [a-zA-Z0-9_:] (labels without ':'); anything else becomes '_'. */
export function sanitizeName(s: string, label = false): string {
  const out = s.replace(label ? /[^a-zA-Z0-9_]/g : /[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return '{' + keys.map((k) => `${sanitizeName(k, true)}="${escapeLabelValue(labels[k])}"`).join(',') + '}';
}

/** The whole exposition: per family its HELP and TYPE lines, then its samples; families sorted by name. */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = sanitizeName(f.name);
    lines.push(`# HELP ${name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${name} ${f.type}`);
    for (const s of f.samples) lines.push(`${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/**
 * Groups flat named values into families under `prefix`: a name ending in
 * `_total` is a counter, anything else a gauge; `help` gives each family's text.
 */
export function familiesOf(values: ReadonlyArray<{ name: string; labels: Labels; value: number }>, prefix: string, help: (name: string) => string): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  for (const v of values) {
    let f = byName.get(v.name);
    if (!f) {
      f = { name: prefix + v.name, type: v.name.endsWith('_total') ? 'counter' : 'gauge', help: help(v.name), samples: [] };
      byName.set(v.name, f);
    }
    f.samples.push({ labels: v.labels, value: v.value });
  }
  return [...byName.values()];
}
