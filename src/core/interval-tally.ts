/**
 * Counts happenings that can come by the thousand per second (dropped messages) and reports
 * them at most once per interval: one line saying how many since the last line, instead of one
 * line per happening. The first happening after a quiet interval starts the clock, so a single
 * drop is reported within one interval, and nothing is reported (no timer runs) while there is
 * nothing to say.
 */

/** How often drops are reported while they go on (the first one within this time). */
export const DROP_REPORT_INTERVAL_MS = 10_000;

export class IntervalTally {
  private pending = 0;
  private reported = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly report: (sinceLast: number, total: number) => void;

  /** `report` gets the count since its last call and the count over the tally's life */
  constructor(intervalMs: number, report: (sinceLast: number, total: number) => void) {
    this.intervalMs = intervalMs;
    this.report = report;
  }

  /** everything counted so far, reported or not */
  get total(): number {
    return this.reported + this.pending;
  }

  add(n = 1): void {
    this.pending += n;
    if (this.timer) return;
    this.timer = setTimeout(this.tick, this.intervalMs);
    this.timer.unref();
  }

  /** reports what is pending now (at stop: nothing may stay unreported) */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emit();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.emit();
  };

  private emit(): void {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    this.reported += n;
    this.report(n, this.reported);
  }
}
