/**
 * Rate limit for logferry's own log lines: a peer that fails its handshake a
 * thousand times a second must not turn internal() into a flood of the same
 * sentence. Per constant text, at most `max` lines per `windowMs`; what is held
 * back is counted, and one summary line says how many when the window ends.
 * verbose and debug lines are not limited: whoever turned them on asked for them.
 */

export interface LimiterOptions {
  max: number;
  windowMs: number;
  now?: () => number;
  /** called once per window in which lines of `text` were held back */
  summary: (text: string, suppressed: number, level: string) => void;
}

export const INTERNAL_LINES_PER_WINDOW = 100;
export const INTERNAL_WINDOW_MS = 10_000;

interface Window {
  start: number;
  shown: number;
  held: number;
  level: string;
}

export class LineLimiter {
  private readonly o: LimiterOptions;
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(o: LimiterOptions) {
    this.o = o;
  }

  /** true: write the line; false: it is counted for the window's summary */
  allow(text: string, level: string): boolean {
    const now = (this.o.now ?? Date.now)();
    let w = this.windows.get(text);
    if (w && now - w.start >= this.o.windowMs) {
      this.close(text, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, shown: 0, held: 0, level };
      this.windows.set(text, w);
    }
    if (w.shown < this.o.max) {
      w.shown++;
      return true;
    }
    w.held++;
    this.arm();
    return false;
  }

  /** ends every window that is over (its summary written); the timer calls it, tests may too */
  flush(all = false): void {
    const now = (this.o.now ?? Date.now)();
    for (const [text, w] of this.windows) if (all || now - w.start >= this.o.windowMs) this.close(text, w);
  }

  private close(text: string, w: Window): void {
    this.windows.delete(text);
    if (w.held > 0) this.o.summary(text, w.held, w.level);
  }

  /** a summary must come even when no further line of that text arrives */
  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
      if ([...this.windows.values()].some((w) => w.held > 0)) this.arm();
    }, this.o.windowMs);
    this.timer.unref();
  }
}
