/**
 * Counters, keyed by a metric name plus sorted labels. Cheap enough for
 * per-connection events; not meant for per-message hot loops (use a plain
 * number field there and publish it).
 */

export type Labels = Record<string, string>;

const counters = new Map<string, { name: string; labels: Labels; value: number }>();

function key(name: string, labels: Labels): string {
  const ks = Object.keys(labels).sort();
  return name + '{' + ks.map((k) => `${k}="${labels[k]}"`).join(',') + '}';
}

export function incCounter(name: string, labels: Labels = {}, by = 1): void {
  const k = key(name, labels);
  const c = counters.get(k);
  if (c) c.value += by;
  else counters.set(k, { name, labels: { ...labels }, value: by });
}

export function getCounter(name: string, labels: Labels = {}): number {
  return counters.get(key(name, labels))?.value ?? 0;
}

export function allCounters(): Array<{ name: string; labels: Labels; value: number }> {
  return [...counters.values()];
}

export function resetCounters(): void {
  counters.clear();
}
