/**
 * Soft backpressure between destinations and readers, on even without
 * flags(flow-control). A destination whose writer is working but behind
 * (queue past its mark while it can write) marks itself congested, and
 * readers stop taking bytes until it catches up, so TCP slows the senders
 * instead of the queue dropping what a momentarily busy CPU could not format
 * yet. A destination that cannot write at all (disconnected) never marks
 * itself: then syslog-ng's rule holds, the queue fills to log-fifo-size and
 * drops, and other destinations keep flowing.
 */

export class Congestion {
  private readonly marked = new Set<object>();
  private waiters: Array<() => void> = [];

  get active(): boolean {
    return this.marked.size > 0;
  }

  set(who: object, congested: boolean): void {
    if (congested) {
      this.marked.add(who);
      return;
    }
    if (!this.marked.delete(who) || this.marked.size > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** runs `fn` once nothing is congested (at once when nothing is) */
  whenClear(fn: () => void): void {
    if (this.marked.size === 0) fn();
    else this.waiters.push(fn);
  }
}
