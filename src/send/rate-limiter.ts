/**
 * --rate: a token bucket shared by every connection of a run, so R is the
 * total. Tokens accrue with the clock; a caller short of a token sleeps on a
 * timer until one is due (never a busy loop). The bucket holds at most a
 * twentieth of a second's worth, so a pause (a slow peer) is not followed by
 * a burst far above the rate.
 */

export interface Limiter {
  /** Up to `max` messages may go now; waits until at least one may. */
  take(max: number): number | Promise<number>;
  /** Gives back tokens that were taken but not used. */
  refund(n: number): void;
  /** Wakes every waiter with 0 (the run is stopping). */
  close(): void;
}

/** No --rate: everything asked for, at once. */
export const unlimited: Limiter = {
  take: (max) => max,
  refund: () => {},
  close: () => {},
};

export class TokenBucket implements Limiter {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  private closed = false;
  private readonly waiters = new Set<{ timer: NodeJS.Timeout; resolve: (n: number) => void }>();
  private readonly now: () => number;

  /** `rate` per second; `now` in milliseconds (tests pass a fake clock) */
  constructor(rate: number, now: () => number = () => performance.now()) {
    this.rate = rate;
    this.burst = Math.max(1, rate / 20);
    this.now = now;
    this.last = now();
    // start with one token: the first message goes at once
    this.tokens = 1;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
  }

  take(max: number): number | Promise<number> {
    if (this.closed) return 0;
    this.refill();
    if (this.tokens >= 1) {
      const n = Math.min(max, Math.floor(this.tokens));
      this.tokens -= n;
      return n;
    }
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
    return new Promise<number>((resolve) => {
      const w = {
        timer: setTimeout(() => {
          this.waiters.delete(w);
          resolve(this.take(max));
        }, waitMs),
        resolve,
      };
      this.waiters.add(w);
    });
  }

  refund(n: number): void {
    if (n > 0) this.tokens = Math.min(this.burst, this.tokens + n);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(0);
    }
    this.waiters.clear();
  }
}
