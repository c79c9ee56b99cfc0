/**
 * A network()/syslog() stream destination with disk-buffer(): every message
 * is formatted and framed once (the bytes a plain peer gets) and appended to
 * a crash-safe buffer (buffer/disk-buffer.ts); a sender loop reads records
 * back in order and writes them to the connection through a delivery link
 * chosen per connection (choose-link.ts). Records leave the buffer only when
 * the link says so (delivery-link.ts): the plain link after its resend
 * window, an acknowledging one when the receiver wrote them.
 *
 * Flow control: a flow-controlled message is acknowledged to its source once
 * its record is durable (reliable(yes): synced) or appended (reliable(no));
 * when the buffer is full it is held in memory, unacknowledged, so the
 * source's window stops it reading, and appended as space frees. Messages
 * without flow control are dropped and counted when the buffer is full.
 *
 * A broken connection: the link is closed and reading starts again after the
 * buffer's cursor, so whatever was not acknowledged is sent again. Stop:
 * sending goes on while connected until the buffer is empty or the deadline;
 * what is left stays in the buffer (reported as kept, not lost) and is sent
 * after the next start, which finds the same directory.
 */
import type * as net from 'node:net';
import { DiskBufferError, type DiskBuffer } from '../buffer/disk-buffer.ts';
import { LockError } from '../buffer/lock.ts';
import { DROP_REPORT_INTERVAL_MS, IntervalTally } from '../core/interval-tally.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import { emit } from '../core/telemetry.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { Ack, DeliveryCounts, DestinationDriver } from '../pipeline/types.ts';
import { createConnector, type Connector, type ConnectorOptions } from '../transport/connector.ts';
import { leaseBuffer, type BufferLease } from './buffer-leases.ts';
import { chooseLink } from './choose-link.ts';
import type { DeliveryLink, LinkFactory } from './delivery-link.ts';
import { resendWindowLink, type ResendWindow } from './resend-window-link.ts';
import { diskBufferFailed, diskBufferFullDropped } from './events.ts';

export interface DiskBufferedOptions {
  name: string;
  /** the buffer's own directory */
  dir: string;
  reliable: boolean;
  /** disk-buf-size() */
  maxBytes: number;
  /** mem-buf-size(): bytes sent and not yet acknowledged at most */
  memBufSize: number;
  connector: ConnectorOptions;
  /** one message as the wire carries it to a plain peer: formatted and framed */
  frame(m: LogMessage): Buffer;
  /** a new connection is up (the formatter numbers messages per connection) */
  onConnected?(): void;
  /** the plain link's resend window (resend-window-link.ts), which chooseLink() falls back to */
  resendWindow: ResendWindow;
  /** records one read takes at most */
  readBatch?: number;
  dropReportMs?: number;
  location?: SourceLocation;
}

interface Held {
  payload: Buffer;
  ack: Ack;
}

export interface DiskBufferCounters {
  /** bytes the buffer's segment files take */
  bytes: number;
  /** records in the buffer not yet acknowledged */
  records: number;
}

const DEFAULT_READ_BATCH = 1024;

export class DiskBufferedDestination implements DestinationDriver {
  readonly name: string;
  readonly effective: Record<string, unknown>;
  private readonly o: DiskBufferedOptions;
  private lease: BufferLease | undefined;
  private buffer: DiskBuffer | undefined;
  private connector: Connector | undefined;
  private socket: net.Socket | undefined;
  private connected = false;
  /** bumps on every connect and disconnect */
  private connGen = 0;
  /** the connection the current link belongs to */
  private linkGen = -1;
  private link: DeliveryLink | undefined;
  /** the socket buffer is over its mark: wait for 'drain' */
  private blocked = false;
  /** records sent and not yet acknowledged, oldest first */
  private inFlight: Array<{ seq: number; bytes: number }> = [];
  private inFlightHead = 0;
  private inFlightBytes = 0;
  /** flow-controlled messages waiting for room in a full buffer, in order */
  private held: Held[] = [];
  private pumpDone: Promise<void> | undefined;
  private kicked = false;
  private signal: (() => void) | undefined;
  private ackChain: Promise<void> = Promise.resolve();
  private ackWaiters: Array<() => void> = [];
  /** no more reading: the pump ends */
  private halted = false;
  private failed = false;
  private readonly drops: IntervalTally;
  /** records acknowledged (left the buffer) since start */
  private delivered = 0;
  private keptAtStop: number | undefined;
  private readonly plain: LinkFactory;

  constructor(o: DiskBufferedOptions) {
    this.o = o;
    this.plain = resendWindowLink(o.resendWindow);
    this.name = o.name;
    this.effective = { ...o, ...o.connector, format: o.frame };
    this.drops = new IntervalTally(o.dropReportMs ?? DROP_REPORT_INTERVAL_MS, (dropped, total) =>
      emit(diskBufferFullDropped, { destination: this.name, dropped, total, diskBufSize: this.o.maxBytes, records: this.buffer?.unacknowledged ?? 0 }),
    );
  }

  async start(): Promise<void> {
    try {
      this.lease = await leaseBuffer(this.o.dir, { maxBytes: this.o.maxBytes, reliable: this.o.reliable, name: this.name });
    } catch (err) {
      // a directory this logferry must not or cannot use: one sentence at the disk-buffer() option
      if (err instanceof DiskBufferError || err instanceof LockError || typeof (err as NodeJS.ErrnoException).code === 'string') {
        throw new LocatedError(`disk-buffer() of ${this.name} cannot open ${this.o.dir}: ${(err as Error).message}`, this.o.location);
      }
      throw err;
    }
    this.buffer = this.lease.buffer;
    const lease = this.lease;
    this.connector = createConnector(this.o.connector, {
      onConnected: (info) => {
        this.socket = info.socket;
        this.connected = true;
        this.connGen++;
        this.o.onConnected?.();
        this.wake();
      },
      onDisconnect: () => {
        if (!this.connected) return;
        this.connected = false;
        this.connGen++;
        // no more acks from this connection: what it did not make ackable is resent on the next
        this.link?.close();
        this.link = undefined;
        this.blocked = false;
        this.wake();
      },
    });
    this.connector.on('drain', () => {
      this.blocked = false;
      this.wake();
    });
    this.connector.start();
    // the predecessor of a reload may still be reading: this one reads once it let go
    this.pumpDone = lease.readerTurn.then(() => this.pump());
  }

  /** Bytes and records in the buffer (for /metrics). */
  bufferCounters(): DiskBufferCounters {
    return { bytes: this.buffer?.size ?? 0, records: this.buffer?.unacknowledged ?? 0 };
  }

  deliver(msg: LogMessage, ack?: Ack): void {
    const payload = this.o.frame(msg);
    // an empty record is not sent (as syslog-ng skips empty template output)
    if (payload.length === 0 || this.failed || !this.buffer) {
      if (this.failed || !this.buffer) this.drops.add();
      ack?.();
      return;
    }
    if (this.held.length > 0) {
      if (ack) this.held.push({ payload, ack });
      else this.drops.add();
      return;
    }
    if (!this.append(payload, ack)) {
      if (ack) this.held.push({ payload, ack });
      else this.drops.add();
    }
  }

  /** false when the buffer is full (nothing written, the ack not called) */
  private append(payload: Buffer, ack: Ack | undefined): boolean {
    let r: ReturnType<DiskBuffer['append']>;
    try {
      r = this.buffer!.append(payload);
    } catch (err) {
      // a record over the format's limit (64 MiB): no buffer takes it
      this.fail(err as Error);
      ack?.();
      return true;
    }
    if (!r) return false;
    const reliable = this.o.reliable;
    if (ack && !reliable) ack();
    r.durable.then(
      () => {
        if (ack && reliable) ack();
        this.wake();
      },
      (err: Error) => {
        this.fail(err);
        if (ack && reliable) ack();
      },
    );
    return true;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    emit(diskBufferFailed, { destination: this.name, error: err.message });
  }

  /** appends held messages while they fit */
  private retryHeld(): void {
    let i = 0;
    while (i < this.held.length && this.append(this.held[i].payload, this.held[i].ack)) i++;
    if (i > 0) this.held.splice(0, i);
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
    // bounded by halted: every turn reads, sends or waits for a signal
    while (!this.halted) {
      this.kicked = false;
      if (!this.connected || !this.socket) {
        await this.waitSignal();
        continue;
      }
      if (this.linkGen !== this.connGen) this.newLink(buffer);
      if (this.blocked || this.inFlightBytes >= this.o.memBufSize) {
        await this.waitSignal();
        continue;
      }
      const gen = this.connGen;
      let records;
      try {
        records = await buffer.read(this.o.readBatch ?? DEFAULT_READ_BATCH);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      // the connection changed while reading: the next link starts again after the cursor
      if (gen !== this.connGen || this.halted) continue;
      if (records.length === 0) {
        await this.waitSignal();
        continue;
      }
      this.send(records);
    }
  }

  private newLink(buffer: DiskBuffer): void {
    this.link?.close();
    buffer.rewind();
    this.inFlight = [];
    this.inFlightHead = 0;
    this.inFlightBytes = 0;
    const gen = this.connGen;
    this.linkGen = gen;
    const link = chooseLink({ socket: this.socket!, senderId: buffer.senderId, firstSeq: buffer.acknowledged + 1 }, this.plain);
    link.onAckable = (seq) => {
      if (gen === this.linkGen) this.ackUpTo(seq);
    };
    this.link = link;
  }

  private send(records: Array<{ seq: number; payload: Buffer }>): void {
    const link = this.link!;
    const gen = this.linkGen;
    const bytes = link.encode(records);
    const last = records[records.length - 1].seq;
    for (const r of records) {
      this.inFlight.push({ seq: r.seq, bytes: r.payload.length });
      this.inFlightBytes += r.payload.length;
    }
    const ok = this.connector!.write(bytes, (err) => {
      if (!err && gen === this.linkGen) link.written(last, bytes.length);
    });
    if (!ok && this.connected) this.blocked = true;
  }

  private ackUpTo(seq: number): void {
    let n = 0;
    while (this.inFlightHead < this.inFlight.length && this.inFlight[this.inFlightHead].seq <= seq) {
      this.inFlightBytes -= this.inFlight[this.inFlightHead++].bytes;
      n++;
    }
    if (this.inFlightHead > 1024 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight = this.inFlight.slice(this.inFlightHead);
      this.inFlightHead = 0;
    }
    const buffer = this.buffer!;
    this.ackChain = this.ackChain
      .then(() => buffer.ack(seq))
      .then(
        () => {
          this.delivered += n;
          // acknowledged segments were deleted: room for held messages
          if (this.held.length > 0) this.retryHeld();
          this.wake();
          const w = this.ackWaiters;
          this.ackWaiters = [];
          for (const f of w) f();
        },
        (err: Error) => this.fail(err),
      );
  }

  /** everything appended has been acknowledged */
  private get drained(): boolean {
    return this.held.length === 0 && (this.buffer?.unacknowledged ?? 0) === 0;
  }

  async stop(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    // while connected, send on until the buffer is empty or the deadline: what is left stays on disk
    while (this.connected && !this.failed && !this.drained && Date.now() < end) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => this.ackWaiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, end - Date.now()))))]);
      clearTimeout(timer);
    }
    this.halted = true;
    this.wake();
    await this.pumpDone;
    this.link?.close();
    this.link = undefined;
    this.lease?.releaseReader();
    await this.connector?.close();
    await this.ackChain;
    this.drops.flush();
    this.keptAtStop = this.buffer?.unacknowledged ?? 0;
    // held messages were never acknowledged to their sources (a file() source reads them again after a restart)
    await this.lease?.release();
  }

  deliveryCounts(): DeliveryCounts {
    return {
      written: this.delivered,
      unwritten: this.held.length,
      dropped: this.drops.total,
      kept: this.keptAtStop ?? this.buffer?.unacknowledged ?? 0,
    };
  }
}
