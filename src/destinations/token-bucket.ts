/**
 * throttle(): at most `perSecond` records a second, from a bucket that holds
 * at most one second of them (as the memory queue's writer, queued.ts).
 * 0 = unlimited.
 */
export class TokenBucket {
  private readonly perSecond: number;
  private tokens: number;
  private refilled = Date.now();
  private waiting: { timer: NodeJS.Timeout; done: () => void } | undefined;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
    this.tokens = perSecond;
  }

  /** how many may go now (Infinity when unlimited) */
  allowance(): number {
    if (this.perSecond <= 0) return Infinity;
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilled) * this.perSecond) / 1000);
    this.refilled = now;
    return Math.floor(this.tokens);
  }

  take(n: number): void {
    if (this.perSecond > 0) this.tokens -= n;
  }

  /** resolves when the next token is due (or cancel() is called) */
  wait(): Promise<void> {
    const ms = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
    return new Promise<void>((done) => {
      this.waiting = { timer: setTimeout(done, ms), done };
    });
  }

  /** a wait in progress ends at once */
  cancel(): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    clearTimeout(w.timer);
    w.done();
  }
}
