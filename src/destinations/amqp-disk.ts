/**
 * amqp() with disk-buffer(): every message is encoded once (amqp-record.ts)
 * and appended to the crash-safe buffer (buffer/disk-buffer.ts, intake and
 * flow control by buffer-intake.ts). A pump reads records in order and
 * publishes them on a confirm channel; a record leaves the buffer only once
 * the broker confirmed it and every record before it. A nack, or a channel or
 * connection that closes, starts a new round: reading starts again after the
 * buffer's cursor, so every unconfirmed record is published again, in order
 * (to the next failover() server after a lost connection). Confirms of the
 * old round are ignored. A record the broker had taken but not confirmed may
 * therefore arrive twice; none is lost. What a stop leaves unconfirmed stays
 * on disk and goes after the next start.
 */
import { DiskBufferError, type DiskBuffer } from '../buffer/disk-buffer.ts';
import { LockError } from '../buffer/lock.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { Ack, BufferCounters, DeliveryCounts, DestinationDriver } from '../pipeline/types.ts';
import { leaseBuffer, type BufferLease } from './buffer-leases.ts';
import { BufferIntake } from './buffer-intake.ts';
import { AgeMarks } from './age-marks.ts';
import { AmqpLink, type AmqpLinkOptions } from './amqp-link.ts';
import { showPublish, type AmqpEncoder } from './amqp-encode.ts';
import { decodeAmqpRecord, encodeAmqpRecord } from './amqp-record.ts';

export interface AmqpDiskOptions {
  name: string;
  dir: string;
  reliable: boolean;
  maxBytes: number;
  /** bytes published and not yet confirmed at most */
  memBufSize: number;
  readBatch: number;
  persistent: boolean;
  link: AmqpLinkOptions;
  encode: AmqpEncoder;
  location?: SourceLocation;
}

export class AmqpDiskBufferedDestination implements DestinationDriver {
  readonly name: string;
  readonly link: AmqpLink;
  private readonly o: AmqpDiskOptions;
  private lease: BufferLease | undefined;
  private buffer: DiskBuffer | undefined;
  private readonly intake: BufferIntake;
  private readonly ages = new AgeMarks();
  /** bumps on connect, disconnect and nack: a new round republishes from the cursor */
  private round = 0;
  private pumpRound = -1;
  private inFlightBytes = 0;
  /** the highest record confirmed (with all before it) in this round */
  private confirmed = 0;
  private ackQueued = false;
  private ackChain: Promise<void> = Promise.resolve();
  private kicked = false;
  private signal: (() => void) | undefined;
  private halted = false;
  private pumpDone: Promise<void> | undefined;
  private progressWaiters: Array<() => void> = [];
  private delivered = 0;
  private writtenBytes = 0;
  private lastWrittenAt = 0;
  private keptAtStop: number | undefined;
  /** rounds started by a nack (tests) */
  nacks = 0;
  /** after a nack: no publishing before time-reopen() has passed (a full queue would nack a spin) */
  private pauseTimer: NodeJS.Timeout | undefined;
  readonly effective: Record<string, unknown>;

  constructor(o: AmqpDiskOptions) {
    this.o = o;
    this.effective = { ...o, ...o.link, format: (m: LogMessage) => showPublish(o.encode(m)) };
    this.name = o.name;
    this.intake = new BufferIntake({ name: o.name, reliable: o.reliable, maxBytes: o.maxBytes }, (seq) => {
      this.ages.mark(seq, Date.now());
      this.wake();
    });
    this.link = new AmqpLink(
      o.link,
      () => this.newRound(),
      () => this.newRound(),
    );
  }

  async start(): Promise<void> {
    try {
      this.lease = await leaseBuffer(this.o.dir, { maxBytes: this.o.maxBytes, reliable: this.o.reliable, name: this.name });
    } catch (err) {
      if (err instanceof DiskBufferError || err instanceof LockError || typeof (err as NodeJS.ErrnoException).code === 'string') {
        throw new LocatedError(`disk-buffer() of ${this.name} cannot open ${this.o.dir}: ${(err as Error).message}`, this.o.location);
      }
      throw err;
    }
    this.buffer = this.lease.buffer;
    if (this.buffer.unacknowledged > 0) this.ages.mark(this.buffer.acknowledged + this.buffer.unacknowledged, Date.now());
    this.intake.attach(this.buffer);
    this.link.start();
    const lease = this.lease;
    this.pumpDone = lease.readerTurn.then(() => this.pump());
  }

  deliver(msg: LogMessage, ack?: Ack): void {
    this.intake.deliver(encodeAmqpRecord(this.o.encode(msg)), ack);
  }

  bufferCounters(): BufferCounters {
    return { bytes: this.buffer?.size ?? 0, records: this.buffer?.unacknowledged ?? 0 };
  }

  private newRound(): void {
    this.round++;
    this.wake();
  }

  private wake = (): void => {
    this.kicked = true;
    const s = this.signal;
    this.signal = undefined;
    s?.();
  };

  private waitSignal(): Promise<void> {
    if (this.kicked) return Promise.resolve();
    return new Promise<void>((r) => (this.signal = r));
  }

  private async pump(): Promise<void> {
    const buffer = this.buffer!;
    // bounded by halted: every turn reads, publishes or waits for a signal
    while (!this.halted) {
      this.kicked = false;
      if (!this.link.up) {
        await this.waitSignal();
        continue;
      }
      if (this.pumpRound !== this.round) {
        // everything read and not confirmed is read again, from the cursor on
        await this.ackChain;
        buffer.rewind();
        this.pumpRound = this.round;
        this.inFlightBytes = 0;
        this.confirmed = buffer.acknowledged;
      }
      if (this.pauseTimer || this.inFlightBytes >= this.o.memBufSize) {
        await this.waitSignal();
        continue;
      }
      const round = this.round;
      let records;
      try {
        records = await buffer.read(this.o.readBatch);
      } catch (err) {
        this.intake.fail(err as Error);
        return;
      }
      if (round !== this.round || this.halted) continue;
      if (records.length === 0) {
        await this.waitSignal();
        continue;
      }
      let full = false;
      for (const r of records) {
        const p = decodeAmqpRecord(r.payload);
        const size = r.payload.length;
        this.inFlightBytes += size;
        const seq = r.seq;
        full = !this.link.publish(p.routingKey, p.body, p.headers, this.o.persistent, (err) => this.onConfirm(round, seq, size, err));
        this.writtenBytes += p.body.length;
      }
      this.lastWrittenAt = Date.now();
      if (full) await this.link.drained();
    }
  }

  private onConfirm(round: number, seq: number, size: number, err: unknown): void {
    if (round !== this.round) return;
    this.inFlightBytes -= size;
    if (err) {
      // a nack (or the channel closing): publish again from the first unconfirmed record
      if (this.link.up) {
        this.nacks++;
        clearTimeout(this.pauseTimer);
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = undefined;
          this.wake();
        }, this.o.link.timeReopenMs);
      }
      this.newRound();
      return;
    }
    // confirms arrive in publish order, so this one covers every record before it
    if (seq > this.confirmed) this.confirmed = seq;
    if (!this.ackQueued) {
      this.ackQueued = true;
      const buffer = this.buffer!;
      this.ackChain = this.ackChain
        .then(() => {
          this.ackQueued = false;
          const upTo = this.confirmed;
          const before = buffer.acknowledged;
          if (upTo <= before) return;
          return buffer.ack(upTo).then(() => {
            this.delivered += upTo - before;
            this.ages.release(upTo);
            if (this.intake.heldCount > 0) this.intake.retryHeld();
            this.progress();
          });
        })
        .catch((e: Error) => this.intake.fail(e));
    }
    this.wake();
  }

  private progress(): void {
    const w = this.progressWaiters;
    this.progressWaiters = [];
    for (const f of w) f();
  }

  private get drained(): boolean {
    return this.intake.heldCount === 0 && (this.buffer?.unacknowledged ?? 0) === 0;
  }

  async stop(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    // while connected, publish on until everything is confirmed or the deadline: the rest stays on disk
    while (this.link.up && !this.intake.failed && !this.drained && Date.now() < end) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => this.progressWaiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, end - Date.now()))))]);
      clearTimeout(timer);
    }
    this.halted = true;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.wake();
    await this.pumpDone;
    await this.link.close();
    this.lease?.releaseReader();
    await this.ackChain;
    this.intake.flushDrops();
    this.keptAtStop = this.buffer?.unacknowledged ?? 0;
    await this.buffer?.flush();
    await this.lease?.release();
    this.intake.detach();
  }

  deliveryCounts(): DeliveryCounts {
    const held = this.intake.oldestHeldAt;
    const buffered = (this.buffer?.unacknowledged ?? 0) > 0 ? this.ages.oldest() : 0;
    return {
      written: this.delivered,
      unwritten: this.intake.heldCount,
      dropped: this.intake.dropped,
      lastWrittenAt: this.lastWrittenAt,
      writtenBytes: this.writtenBytes,
      diskBufferBytes: this.buffer?.size ?? 0,
      oldestUnwrittenAt: held && buffered ? Math.min(held, buffered) : held || buffered,
      kept: this.keptAtStop ?? this.buffer?.unacknowledged ?? 0,
    };
  }
}
