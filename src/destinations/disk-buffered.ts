/**
 * A network()/syslog() stream destination with disk-buffer(): every message
 * is formatted and framed once (the bytes a plain peer gets) and appended to
 * a crash-safe buffer (buffer/disk-buffer.ts); a sender loop reads records
 * back in order and writes them to the connection through a delivery link
 * chosen per connection (choose-link.ts). Records leave the buffer only when
 * the link says so (delivery-link.ts): the plain link after its resend
 * window, an acknowledging one when the receiver wrote them.
 *
 * Appending, flow control and a full buffer: buffer-intake.ts.
 *
 * A broken connection: the link is closed and reading starts again after the
 * buffer's cursor, so whatever was not acknowledged is sent again. Stop:
 * sending goes on while connected until everything is written (plain link)
 * or acknowledged, or the deadline; the stream is ended, and a peer that
 * ends its side in answer has read it all (the plain link then releases
 * it). What is left stays in the buffer (reported as kept, not lost) and is
 * sent after the next start, which finds the same directory.
 */
import type * as net from 'node:net';
import { DiskBufferError, type DiskBuffer } from '../buffer/disk-buffer.ts';
import { LockError } from '../buffer/lock.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { Ack, BufferCounters, DeliveryCounts, DestinationDriver } from '../pipeline/types.ts';
import { createConnector, type Connector, type ConnectorOptions } from '../transport/connector.ts';
import { leaseBuffer, type BufferLease } from './buffer-leases.ts';
import { chooseLink } from './choose-link.ts';
import type { DeliveryLink, LinkFactory } from './delivery-link.ts';
import { resendWindowLink, type ResendWindow } from './resend-window-link.ts';
import { BufferIntake } from './buffer-intake.ts';
import { AgeMarks } from './age-marks.ts';
import { TokenBucket } from './token-bucket.ts';

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
  /** throttle(): records sent per second at most; 0 = unlimited */
  throttle?: number;
  dropReportMs?: number;
  location?: SourceLocation;
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
  private pumpDone: Promise<void> | undefined;
  private kicked = false;
  private signal: (() => void) | undefined;
  private ackChain: Promise<void> = Promise.resolve();
  private progressWaiters: Array<() => void> = [];
  /** no more reading: the pump ends */
  private halted = false;
  private readonly intake: BufferIntake;
  /** records acknowledged (left the buffer) since start */
  private delivered = 0;
  private keptAtStop: number | undefined;
  /** the newest record whose bytes the socket accepted, on this connection */
  private writtenSeq = 0;
  /** for /metrics: bytes the socket accepted since start, and when it last did */
  private writtenBytes = 0;
  private lastWrittenAt = 0;
  private readonly plain: LinkFactory;
  /** a connection ended for its lifetime, until its peer closed (see retire()) */
  private retiring: Promise<void> | undefined;
  /** resolves when stop() halts the pump */
  private halt!: () => void;
  private readonly halting = new Promise<void>((r) => (this.halt = r));
  private readonly ages = new AgeMarks();
  private readonly bucket: TokenBucket;

  constructor(o: DiskBufferedOptions) {
    this.o = o;
    this.bucket = new TokenBucket(o.throttle ?? 0);
    this.plain = resendWindowLink(o.resendWindow);
    this.name = o.name;
    this.effective = { ...o, ...o.connector, format: o.frame };
    this.intake = new BufferIntake({ name: o.name, reliable: o.reliable, maxBytes: o.maxBytes, dropReportMs: o.dropReportMs }, (seq) => {
      this.ages.mark(seq, Date.now());
      this.wake();
    });
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
    // records kept from before this start are at least this old
    if (this.buffer.unacknowledged > 0) this.ages.mark(this.buffer.acknowledged + this.buffer.unacknowledged, Date.now());
    this.intake.attach(this.buffer);
    this.connector = createConnector(this.o.connector, {
      onConnected: (info) => {
        this.socket = info.socket;
        this.connected = true;
        this.connGen++;
        this.o.onConnected?.();
        this.wake();
      },
      onDisconnect: (reason) => {
        if (!this.connected) return;
        this.connected = false;
        this.connGen++;
        if (reason === 'lifetime' && this.link && this.socket) this.retire(this.link, this.socket);
        // no more acks from this connection: what it did not make ackable is resent on the next
        else this.link?.close();
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

  /**
   * max-connection-lifetime(): the old connection was flushed and ended, and
   * its peer is reading the rest. If it ends its side in answer it read it
   * all: its link releases what was written, and the next connection starts
   * after that, so a renewal sends nothing twice.
   */
  private retire(link: DeliveryLink, sock: net.Socket): void {
    this.retiring = new Promise<void>((resolve) => {
      const done = () => {
        link.close();
        resolve();
      };
      if (sock.closed) return done();
      sock.once('end', () => link.peerClosed?.());
      sock.once('close', done);
    });
  }

  /** when the oldest message not yet delivered came: held for room, or in the buffer (0: none) */
  private oldestWaiting(): number {
    const held = this.intake.oldestHeldAt;
    const buffered = (this.buffer?.unacknowledged ?? 0) > 0 ? this.ages.oldest() : 0;
    return held && buffered ? Math.min(held, buffered) : held || buffered;
  }

  /** Bytes and records in the buffer (for /metrics). */
  bufferCounters(): BufferCounters {
    return { bytes: this.buffer?.size ?? 0, records: this.buffer?.unacknowledged ?? 0 };
  }

  deliver(msg: LogMessage, ack?: Ack): void {
    this.intake.deliver(this.o.frame(msg), ack);
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
      if (this.linkGen !== this.connGen) {
        if (this.retiring) {
          // what the retired connection's peer read is released before reading from the cursor again
          await Promise.race([this.retiring, this.halting]);
          this.retiring = undefined;
          await this.ackChain;
          continue;
        }
        this.newLink(buffer);
      }
      if (this.blocked || this.inFlightBytes >= this.o.memBufSize) {
        await this.waitSignal();
        continue;
      }
      const allowed = this.bucket.allowance();
      if (allowed < 1) {
        await this.bucket.wait();
        continue;
      }
      const gen = this.connGen;
      let records;
      try {
        records = await buffer.read(Math.min(allowed, this.o.readBatch ?? DEFAULT_READ_BATCH));
      } catch (err) {
        this.intake.fail(err as Error);
        return;
      }
      // the connection changed while reading: the next link starts again after the cursor
      if (gen !== this.connGen || this.halted) continue;
      if (records.length === 0) {
        await this.waitSignal();
        continue;
      }
      this.bucket.take(records.length);
      this.send(records);
    }
  }

  private newLink(buffer: DiskBuffer): void {
    this.link?.close();
    buffer.rewind();
    this.inFlight = [];
    this.inFlightHead = 0;
    this.inFlightBytes = 0;
    this.writtenSeq = 0;
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
      if (err || gen !== this.linkGen) return;
      link.written(last, bytes.length);
      this.writtenSeq = last;
      this.writtenBytes += bytes.length;
      this.lastWrittenAt = Date.now();
      this.progress();
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
          this.ages.release(seq);
          // acknowledged segments were deleted: room for held messages
          if (this.intake.heldCount > 0) this.intake.retryHeld();
          this.wake();
          this.progress();
        },
        (err: Error) => this.intake.fail(err),
      );
  }

  private progress(): void {
    const w = this.progressWaiters;
    this.progressWaiters = [];
    for (const f of w) f();
  }

  /** everything appended has been acknowledged */
  private get drained(): boolean {
    return this.intake.heldCount === 0 && (this.buffer?.unacknowledged ?? 0) === 0;
  }

  /**
   * A stop need not wait longer: everything is acknowledged, or the link
   * releases what was written on a clean close (the plain link) and all of
   * it was written.
   */
  private get stopReady(): boolean {
    if (this.drained) return true;
    const b = this.buffer;
    return !!b && !!this.link?.peerClosed && this.intake.heldCount === 0 && this.writtenSeq >= b.acknowledged + b.unacknowledged;
  }

  async stop(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    // while connected, send on until the buffer is empty or the deadline: what is left stays on disk
    while (this.connected && !this.intake.failed && !this.stopReady && Date.now() < end) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => this.progressWaiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, end - Date.now()))))]);
      clearTimeout(timer);
    }
    this.halted = true;
    this.halt();
    this.bucket.cancel();
    this.wake();
    await this.pumpDone;
    // the connector ends our side; a peer that ends its own in answer has read all we wrote
    const link = this.link;
    if (link && this.connected && this.socket) this.socket.once('end', () => link.peerClosed?.());
    await this.connector?.close();
    this.link?.close();
    this.link = undefined;
    this.lease?.releaseReader();
    await this.ackChain;
    this.intake.flushDrops();
    this.keptAtStop = this.buffer?.unacknowledged ?? 0;
    // held messages were never acknowledged to their sources (a file() source reads them again after a restart)
    // what was appended becomes durable (and its messages acknowledged) before this one lets go
    await this.buffer?.flush();
    await this.lease?.release();
    this.intake.detach();
  }

  deliveryCounts(): DeliveryCounts {
    return {
      written: this.delivered,
      unwritten: this.intake.heldCount,
      dropped: this.intake.dropped,
      lastWrittenAt: this.lastWrittenAt,
      writtenBytes: this.writtenBytes,
      diskBufferBytes: this.buffer?.size ?? 0,
      oldestUnwrittenAt: this.oldestWaiting(),
      kept: this.keptAtStop ?? this.buffer?.unacknowledged ?? 0,
    };
  }
}
