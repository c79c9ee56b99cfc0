/**
 * The part every destination shares: a bounded memory queue, a write loop
 * that takes up to flush-lines messages at a time, formats them into one
 * buffer and hands it to the concrete writer, and acks flow-controlled
 * messages only after their bytes were accepted. A failed write puts the
 * batch back at the front and retries after time-reopen.
 *
 * Busy or slow: a writer behind because formatting has to share the CPU with
 * the readers holds them back (pipeline/congestion.ts). A writer whose write
 * waits on its peer (a receiver that reads slowly, a full socket) or on
 * throttle() is slow, and holding the readers would only make every source
 * as slow as it: without flow control syslog-ng's rule applies instead — the
 * queue fills to log-fifo-size() and what does not fit is dropped, counted
 * and reported once per interval (core/interval-tally.ts).
 */
import type { LogMessage } from '../message/log-message.ts';
import { internalLog } from '../core/internal-log.ts';
import { emit } from '../core/telemetry.ts';
import { DROP_REPORT_INTERVAL_MS, IntervalTally } from '../core/interval-tally.ts';
import { messageDropped } from './events.ts';
import { MemoryQueue, type QueueEntry } from '../pipeline/queue.ts';
import type { Ack, DeliveryCounts, DestinationDriver } from '../pipeline/types.ts';
import type { Congestion } from '../pipeline/congestion.ts';

export interface QueuedOptions {
  name: string;
  /** shared with the readers: marked while this writer works but is behind */
  congestion?: Congestion;
  fifoSize: number;
  flushLines: number;
  timeReopenMs: number;
  /** throttle(): messages per second at most; 0 = unlimited */
  throttle: number;
  /** how often drops are reported (tests shorten it) */
  dropReportMs?: number;
}

/**
 * Most messages one write takes. flush-lines() is how many make a batch worth
 * writing; when more are waiting (a burst), they all go out together, or a
 * busy reader would outrun a writer that moves one small batch per event-loop turn.
 */
const MAX_BATCH = 4096;

/** A write still waiting for its peer after this long makes the writer slow, not busy. */
export const STALL_MS = 1000;

export abstract class QueuedDestination implements DestinationDriver {
  readonly name: string;
  protected readonly queue: MemoryQueue;
  protected readonly flushLines: number;
  protected readonly timeReopenMs: number;
  private writing = false;
  /** messages in the write under way (not confirmed yet) */
  private inFlight = 0;
  private scheduled = false;
  private stopped = false;
  /** a reload is handing this queue to a rebuilt destination: write nothing more */
  private held = false;
  private writeSettled: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  written = 0;
  /** when a batch was last written (ms since the epoch); 0: never */
  lastWrittenAt = 0;
  /** bytes the writer got out (socket, file, stdout): subclasses add them with addWrittenBytes() */
  private writtenBytes = 0;
  /** receipt time (ms) of the first message of the write under way; 0: none */
  private inFlightSince = 0;
  private readonly congestion: Congestion | undefined;
  /** queue length from which readers are asked to wait, and the one at which they may go on */
  private readonly highMark: number;
  private readonly lowMark: number;
  /** throttle(): a token bucket holding at most one second of messages, as syslog-ng's writer */
  private readonly throttle: number;
  private tokens: number;
  private refilled = Date.now();
  /** this writer asked the readers to wait */
  private congested = false;
  /** waiting on its peer or throttle(): never holds the readers until it has caught up */
  private slow = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly drops: IntervalTally;

  constructor(o: QueuedOptions) {
    this.name = o.name;
    this.queue = new MemoryQueue(o.fifoSize);
    this.flushLines = Math.max(1, o.flushLines);
    this.timeReopenMs = o.timeReopenMs;
    this.congestion = o.congestion;
    this.highMark = Math.max(1, Math.min(o.fifoSize >> 1, MAX_BATCH >> 1));
    this.lowMark = this.highMark >> 2;
    this.throttle = o.throttle;
    this.tokens = this.throttle;
    this.drops = new IntervalTally(o.dropReportMs ?? DROP_REPORT_INTERVAL_MS, (dropped, total) =>
      emit(messageDropped, { destination: this.name, dropped, total, fifoSize: this.queue.fifoSize, queueLen: this.queue.length }),
    );
  }

  /** messages dropped because the queue was full, reported or not yet */
  get dropped(): number {
    return this.drops.total;
  }

  /** how many messages throttle() lets through now (all when unthrottled) */
  private allowance(): number {
    if (this.throttle <= 0) return Infinity;
    const now = Date.now();
    this.tokens = Math.min(this.throttle, this.tokens + ((now - this.refilled) * this.throttle) / 1000);
    this.refilled = now;
    return Math.floor(this.tokens);
  }

  abstract start(): Promise<void>;
  /** true when the writer can take a batch now (connected, not blocked) */
  protected ready(): boolean {
    return true;
  }
  /** write the batch; call `done(err)` once the bytes were accepted or failed */
  protected abstract writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void;
  protected abstract close(): Promise<void>;

  deliver(msg: LogMessage, ack?: Ack): void {
    if (!this.queue.push(msg, ack, this.congested)) {
      this.drops.add();
      return;
    }
    if (!this.congested && !this.slow && this.queue.length >= this.highMark && this.ready()) this.setCongested(true);
    this.kick();
  }

  private setCongested(on: boolean): void {
    if (this.congested === on || !this.congestion) return;
    this.congested = on;
    this.congestion.set(this, on);
  }

  private readonly onStall = (): void => {
    this.stallTimer = undefined;
    this.slow = true;
    this.setCongested(false);
  };

  /** try to write soon (new messages, or the writer became ready) */
  protected kick(): void {
    if (this.scheduled || this.writing || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  private pump = (): void => {
    this.scheduled = false;
    if (this.held) return;
    // once stopped (deadline passed, writer closing) no new write starts: what is left is reported lost
    if (this.stopped || this.writing || this.queue.length === 0 || !this.ready()) {
      if (this.queue.length === 0) this.notifyIdle();
      if (!this.writing) this.setCongested(false);
      return;
    }
    const allowed = this.allowance();
    if (allowed < 1) {
      // throttle() makes it slow on purpose
      this.slow = true;
      this.setCongested(false);
      // wait for the next token rather than spinning
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, Math.ceil(((1 - this.tokens) * 1000) / this.throttle));
      this.retryTimer.unref?.();
      return;
    }
    const batch = this.queue.take(Math.min(allowed, Math.max(this.flushLines, Math.min(this.queue.length, MAX_BATCH))));
    if (this.throttle > 0) this.tokens -= batch.length;
    this.writing = true;
    this.inFlight = batch.length;
    this.inFlightSince = receivedAt(batch[0].msg);
    this.stallTimer = setTimeout(this.onStall, STALL_MS);
    this.stallTimer.unref();
    this.writeBatch(batch, (err) => {
      this.writing = false;
      this.inFlight = 0;
      this.inFlightSince = 0;
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      if (!err && this.queue.length <= this.lowMark) this.slow = false;
      // cleared on failure too: a writer that cannot write must not hold the readers (it drops instead)
      if (err || this.queue.length <= this.lowMark) this.setCongested(false);
      if (err) {
        this.queue.unshift(batch);
        this.onWriteError(err);
        if (!this.stopped && !this.held) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, this.timeReopenMs);
          this.retryTimer.unref?.();
        } else this.notifyIdle();
        this.settleWrite();
        return;
      }
      this.written += batch.length;
      // per batch, not per message: what the delivery-health gauge of /metrics reads
      this.lastWrittenAt = Date.now();
      for (const e of batch) if (e.ack) e.ack();
      if (this.queue.length > 0) this.kick();
      else this.notifyIdle();
      this.settleWrite();
    });
  };

  private settleWrite(): void {
    const f = this.writeSettled;
    this.writeSettled = undefined;
    f?.();
  }

  /**
   * Reload, first step of handing this queue to a destination rebuilt with new
   * settings: writes nothing more, and resolves once a write in flight is done
   * (a failed batch is back in the queue by then), so no line is written twice
   * or out of order. Messages delivered meanwhile are queued as before. A write
   * that does not settle within `timeoutMs` (a peer that stopped reading) ends
   * the hold: false, and this destination goes on writing its own queue.
   */
  async hold(timeoutMs: number): Promise<boolean> {
    this.held = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.writing) return true;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      new Promise<boolean>((r) => (this.writeSettled = () => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!settled) {
      this.writeSettled = undefined;
      this.held = false;
      this.kick();
    }
    return settled;
  }

  /** Second step, in the same turn as the router swap: every queued entry (acks included), in order. */
  takeQueued(): QueueEntry[] {
    this.congestion?.set(this, false);
    return this.queue.take(this.queue.length);
  }

  /** The rebuilt destination's side: the old queue goes before anything it was given since. */
  adoptQueued(entries: QueueEntry[]): void {
    if (entries.length === 0) return;
    this.queue.unshift(entries);
    if (this.congestion && this.queue.length >= this.highMark && this.ready()) this.congestion.set(this, true);
    this.kick();
  }

  /** bytes that reached the socket, file or stdout (a failed write may still have put some there) */
  protected addWrittenBytes(n: number): void {
    this.writtenBytes += n;
  }

  protected onWriteError(err: Error): void {
    internalLog('error', 'I/O error occurred while writing', { destination: this.name, error: err.message });
  }

  private notifyIdle(): void {
    if (this.writing || (this.queue.length > 0 && !this.stopped)) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** resolves once the queue is empty (or the deadline passes) */
  protected drain(deadlineMs: number): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((f) => f !== done);
        resolve();
      }, deadlineMs);
      const done = () => {
        if (this.queue.length === 0 && !this.writing) {
          clearTimeout(t);
          resolve();
        } else this.idleWaiters.push(done);
      };
      this.idleWaiters.push(done);
      this.kick();
    });
  }

  async stop(deadlineMs: number): Promise<void> {
    await this.drain(deadlineMs);
    this.stopped = true;
    this.setCongested(false);
    clearTimeout(this.stallTimer);
    this.drops.flush();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // what is still queued is lost: the daemon's stop reports it, with every other destination's, in one line
    await this.close();
  }

  deliveryCounts(): DeliveryCounts {
    // the write under way holds the oldest messages; without one, the queue's front does
    const front = this.queue.peek();
    const oldestUnwrittenAt = this.inFlightSince || (front ? receivedAt(front.msg) : 0);
    return { written: this.written, unwritten: this.queue.length + this.inFlight, dropped: this.queue.dropped, lastWrittenAt: this.lastWrittenAt, writtenBytes: this.writtenBytes, oldestUnwrittenAt };
  }
}

/** when logferry received a message (not the sender's own timestamp, whose clock may be off), ms since the epoch */
function receivedAt(msg: LogMessage): number {
  return msg.recvd.sec * 1000 + Math.floor(msg.recvd.usec / 1000);
}
