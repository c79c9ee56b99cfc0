/**
 * The router sources push into, replaceable while they run. A reload builds
 * the new log paths aside and swaps them in between two messages, so a source
 * (and every connection) it keeps is routed by the new configuration from its
 * next message on, without being restarted.
 */
import type { LogMessage } from '../message/log-message.ts';
import type { Router } from './router.ts';
import type { Ack, Route } from './types.ts';

export class RouteSwitch {
  private current: Router;
  /** messages each source handed in since start, by source name (kept across reloads: the control socket's STATS) */
  private readonly counts = new Map<string, { n: number }>();

  constructor(router: Router) {
    this.current = router;
  }

  get router(): Router {
    return this.current;
  }

  /** the Route a source named `source` is started with; it always reaches the current router */
  routeFor(source: string): Route {
    // one slot per source, looked up once here, not per message
    let slot = this.counts.get(source);
    if (!slot) this.counts.set(source, (slot = { n: 0 }));
    const counted = slot;
    return (msg: LogMessage, ack?: Ack, allWritten?: boolean) => {
      counted.n++;
      this.current.route(msg, source, ack, allWritten);
    };
  }

  /** messages routed from the source named `source` since start */
  received(source: string): number {
    return this.counts.get(source)?.n ?? 0;
  }

  /** every source's count, for the /metrics counters (the same numbers STATS shows) */
  *receivedBySource(): IterableIterator<[string, number]> {
    for (const [source, slot] of this.counts) yield [source, slot.n];
  }

  /** messages from now on take the new paths (a message already routed keeps its deliveries and acks) */
  swap(router: Router): void {
    // the counts are since start, not since the last reload (the stop report adds them up)
    router.routed += this.current.routed;
    router.unmatched += this.current.unmatched;
    this.current = router;
  }
}
