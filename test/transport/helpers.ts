/** Shared bits for the transport tests: captured internal log lines and a bounded waiter. */
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';

export interface LogCapture {
  events: InternalEvent[];
  find(text: string): InternalEvent | undefined;
  count(text: string): number;
  /** resolves at the first event with this text (also one already seen) */
  waitFor(text: string, timeoutMs?: number): Promise<InternalEvent>;
  stop(): void;
}

export function captureLogs(): LogCapture {
  const events: InternalEvent[] = [];
  const waiters: Array<{ text: string; resolve: (e: InternalEvent) => void }> = [];
  setInternalSinks(
    [
      (ev) => {
        events.push(ev);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].text === ev.text) waiters.splice(i, 1)[0].resolve(ev);
        }
      },
    ],
    { verbose: true, debug: false },
  );
  return {
    events,
    find: (text) => events.find((e) => e.text === text),
    count: (text) => events.filter((e) => e.text === text).length,
    waitFor(text, timeoutMs = 5000) {
      const seen = events.find((e) => e.text === text);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for log line: ${text}`)), timeoutMs);
        waiters.push({
          text,
          resolve: (e) => {
            clearTimeout(t);
            resolve(e);
          },
        });
      });
    },
    stop: () => setInternalSinks([]),
  };
}

/** Polls a condition on each macrotask turn, bounded in time (for state that has no event). */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
