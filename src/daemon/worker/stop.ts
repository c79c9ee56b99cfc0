/**
 * A worker's stop, in the order that loses nothing it took:
 *   1. stop reading: every source is stopped in the same turn; a stream
 *      connection hands on what Node already read from the kernel and reads
 *      nothing more (transport/stream-connection.ts close()), so what is read
 *      is a fixed amount from here on;
 *   2. write it: every destination flushes its queue until the deadline, then
 *      closes (a peer that never closes its side is cut off after a short grace);
 *   3. account for it: what was read and not written — still queued, in a
 *      write not confirmed, or dropped by a full queue while stopping — goes
 *      back to the main thread, which reports it in one line
 *      (main/stop-report.ts).
 * Bytes still in kernel buffers were never read: the sender sees its
 * connection closed or reset and keeps them (or knows they were not taken).
 */
import type { DeliveryCounts, DestinationDriver } from '../../pipeline/types.ts';
import type { StopOutcome } from '../protocol.ts';
import type { Prepared } from './prepare.ts';

const NONE: DeliveryCounts = { written: 0, unwritten: 0, dropped: 0 };
const counts = (d: DestinationDriver): DeliveryCounts => d.deliveryCounts?.() ?? NONE;

/** Stops `p`'s drivers in that order; `deadlineMs` counts from the call. */
export async function stopInOrder(p: Prepared, deadlineMs: number): Promise<StopOutcome> {
  const started = Date.now();
  const droppedBefore = new Map(p.destinations.map((d) => [d, counts(d).dropped]));
  // map() calls every stop() before any of them awaits: no source reads on while another stops
  await Promise.allSettled(p.sources.map((s) => s.stop()));
  const left = Math.max(0, deadlineMs - (Date.now() - started));
  await Promise.allSettled(p.destinations.map((d) => d.stop(left)));
  return {
    read: p.router.routed,
    deadlineMs,
    destinations: p.destinations.map((d) => {
      const c = counts(d);
      return { name: d.name, written: c.written, unwritten: c.unwritten, droppedWhileStopping: c.dropped - (droppedBefore.get(d) ?? 0), ...(c.kept !== undefined ? { kept: c.kept } : {}) };
    }),
  };
}
