/** Counter totals in the main thread: the sum of the latest snapshot of every worker (a snapshot replaces, never adds to, that worker's previous one). */
import type { CounterValue } from '../protocol.ts';

export class CounterTotals {
  private readonly byWorker = new Map<number, CounterValue[]>();

  update(worker: number, snapshot: CounterValue[]): void {
    this.byWorker.set(worker, snapshot);
  }

  totals(): CounterValue[] {
    const sum = new Map<string, CounterValue>();
    for (const snap of this.byWorker.values()) {
      for (const c of snap) {
        const k = JSON.stringify([c.name, Object.entries(c.labels).sort()]);
        const t = sum.get(k);
        // a time is the latest over the workers, an age the largest: neither is a sum
        if (t) t.value = c.name.endsWith('_timestamp_seconds') || c.name.endsWith('_age_seconds') ? Math.max(t.value, c.value) : t.value + c.value;
        else sum.set(k, { name: c.name, labels: { ...c.labels }, value: c.value });
      }
    }
    return [...sum.values()];
  }
}
