/**
 * The writing side of a disk-buffered destination: each framed record is
 * appended to the buffer. A flow-controlled message is acknowledged to its
 * source once its record is durable (reliable(yes): synced; told per batch by
 * the buffer) or at once when appended (reliable(no)). When the buffer is
 * full, flow-controlled messages wait here in order, unacknowledged (their
 * sources' windows stop them reading), until acknowledgements free room;
 * messages without flow control are dropped, counted and reported once per
 * interval. A buffer that cannot be written any more (disk error) is reported
 * once; what comes after is dropped and acknowledged, so no source waits for
 * ever.
 */
import type { DiskBuffer } from '../buffer/disk-buffer.ts';
import { DROP_REPORT_INTERVAL_MS, IntervalTally } from '../core/interval-tally.ts';
import { internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import type { Ack } from '../pipeline/types.ts';
import { diskBufferFailed, diskBufferFullDropped } from './events.ts';

export interface IntakeOptions {
  /** the destination, for log lines and counter labels */
  name: string;
  reliable: boolean;
  /** disk-buf-size(), for the drop report */
  maxBytes: number;
  dropReportMs?: number;
}

interface Held {
  payload: Buffer;
  ack: Ack;
  /** when it came (ms since the epoch) */
  at: number;
}

export class BufferIntake {
  private readonly o: IntakeOptions;
  private buffer: DiskBuffer | undefined;
  /** flow-controlled messages waiting for room in a full buffer, in order */
  private held: Held[] = [];
  /** reliable(yes): flow-controlled messages whose records are not yet durable, in order */
  private awaitingDurable: Array<{ seq: number; ack: Ack }> = [];
  private awaitingHead = 0;
  private readonly drops: IntervalTally;
  private warnedHuge = false;
  private unsubscribe: Array<() => void> = [];
  private readonly onDurable: (seq: number) => void;
  /** the buffer cannot be written any more */
  failed = false;

  /** `onDurable(seq)`: records up to seq are durable (the destination sends them) */
  constructor(o: IntakeOptions, onDurable: (seq: number) => void) {
    this.o = o;
    this.onDurable = onDurable;
    this.drops = new IntervalTally(o.dropReportMs ?? DROP_REPORT_INTERVAL_MS, (dropped, total) =>
      emit(diskBufferFullDropped, { destination: o.name, dropped, total, diskBufSize: o.maxBytes, records: this.buffer?.unacknowledged ?? 0 }),
    );
  }

  attach(buffer: DiskBuffer): void {
    this.buffer = buffer;
    this.unsubscribe.push(
      buffer.onDurable((seq) => this.durableUpTo(seq)),
      buffer.onFailure((err) => {
        this.fail(err);
        // their records will never be durable: the sources must not wait for them forever
        this.durableUpTo(Number.MAX_SAFE_INTEGER);
      }),
    );
  }

  detach(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** messages waiting for room */
  get heldCount(): number {
    return this.held.length;
  }

  /** when the oldest waiting message came; 0 when none waits */
  get oldestHeldAt(): number {
    return this.held[0]?.at ?? 0;
  }

  /** messages dropped since start, reported or not yet */
  get dropped(): number {
    return this.drops.total;
  }

  /** reports pending drops now (stop) */
  flushDrops(): void {
    this.drops.flush();
  }

  deliver(payload: Buffer, ack?: Ack): void {
    // an empty record is not sent (as syslog-ng skips empty template output)
    if (payload.length === 0 || this.failed || !this.buffer) {
      if (this.failed || !this.buffer) this.drops.add();
      ack?.();
      return;
    }
    if (this.held.length > 0 || !this.append(payload, ack)) {
      if (ack) this.held.push({ payload, ack, at: Date.now() });
      else this.drops.add();
    }
  }

  /** appends held messages while they fit (acknowledgements freed room) */
  retryHeld(): void {
    let i = 0;
    while (i < this.held.length && this.append(this.held[i].payload, this.held[i].ack)) i++;
    if (i > 0) this.held.splice(0, i);
  }

  fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    emit(diskBufferFailed, { destination: this.o.name, error: err.message });
  }

  /** false when the buffer is full (nothing written, the ack not called) */
  private append(payload: Buffer, ack: Ack | undefined): boolean {
    let seq: number | null;
    try {
      seq = this.buffer!.appendRecord(payload);
    } catch (err) {
      if (err instanceof RangeError) {
        // a record over the format's limit (64 MiB): this one is dropped, the buffer goes on
        this.drops.add();
        if (!this.warnedHuge) internalLog('error', 'Message too large for the disk buffer, dropped', { destination: this.o.name, bytes: payload.length });
        this.warnedHuge = true;
      } else this.fail(err as Error);
      ack?.();
      return true;
    }
    if (seq === null) return false;
    if (ack) {
      // reliable(yes): the source reads on once the record is synced; reliable(no): once appended
      if (this.o.reliable) this.awaitingDurable.push({ seq, ack });
      else ack();
    }
    return true;
  }

  private durableUpTo(seq: number): void {
    const q = this.awaitingDurable;
    let i = this.awaitingHead;
    while (i < q.length && q[i].seq <= seq) q[i++].ack();
    this.awaitingHead = i;
    if (i > 1024 && i * 2 > q.length) {
      this.awaitingDurable = q.slice(i);
      this.awaitingHead = 0;
    }
    this.onDurable(seq);
  }
}
