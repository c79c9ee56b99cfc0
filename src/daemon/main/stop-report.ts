/**
 * The stop's one line, in the main thread: every worker's outcome summed per
 * destination, so a daemon with several workers still says it once.
 */
import { emit } from '../../core/telemetry.ts';
import { stopFlushed, stopLostMessages, type StopReport } from '../events.ts';
import type { StopOutcome } from '../protocol.ts';

export function reportStop(outcomes: readonly StopOutcome[]): StopReport {
  const byName = new Map<string, { written: number; unwritten: number; dropped: number; kept?: number }>();
  let read = 0;
  let deadlineMs = 0;
  for (const o of outcomes) {
    read += o.read;
    deadlineMs = Math.max(deadlineMs, o.deadlineMs);
    for (const d of o.destinations) {
      const t = byName.get(d.name) ?? { written: 0, unwritten: 0, dropped: 0 };
      t.written += d.written;
      t.unwritten += d.unwritten;
      t.dropped += d.droppedWhileStopping;
      if (d.kept !== undefined) t.kept = (t.kept ?? 0) + d.kept;
      byName.set(d.name, t);
    }
  }
  let lost = 0;
  const parts: string[] = [];
  for (const [name, d] of byName) {
    const n = d.unwritten + d.dropped;
    lost += n;
    // disk-buffer(): records still on disk are sent after the next start, not lost
    const kept = d.kept ? `, ${d.kept} kept in its disk buffer` : '';
    parts.push(n === 0 ? `${name}: ${d.written} written${kept}` : `${name}: ${d.written} written${kept}, ${n} lost (${d.unwritten} unwritten at the deadline, ${d.dropped} dropped while stopping)`);
  }
  const report: StopReport = { read, lost, deadlineMs, perDestination: parts.join('; ') };
  emit(lost === 0 ? stopFlushed : stopLostMessages, report);
  return report;
}
