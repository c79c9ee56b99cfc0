/**
 * A destination's memory queue. Flow-controlled entries are never dropped
 * (their source stopped reading instead); the others are dropped, newest
 * first, once `fifoSize` of them are waiting — syslog-ng's log-fifo-size.
 */
import type { LogMessage } from '../message/log-message.ts';
import type { Ack } from './types.ts';

export interface QueueEntry {
  msg: LogMessage;
  ack: Ack | undefined;
}

export class MemoryQueue {
  private items: QueueEntry[] = [];
  private head = 0;
  private unflowed = 0;
  readonly fifoSize: number;
  dropped = 0;

  constructor(fifoSize: number) {
    this.fifoSize = fifoSize;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * false when the message was dropped because the queue is full. `mayExceed`:
   * the writer is working and the readers are already held back (congestion),
   * so the few messages still in flight from their last chunk are kept — up to
   * twice log-fifo-size, so memory stays bounded whatever the readers do.
   */
  push(msg: LogMessage, ack: Ack | undefined, mayExceed = false): boolean {
    if (!ack) {
      if (this.unflowed >= this.fifoSize && !(mayExceed && this.unflowed < this.fifoSize * 2)) {
        this.dropped++;
        return false;
      }
      this.unflowed++;
    }
    this.items.push({ msg, ack });
    return true;
  }

  /** the entry at the front (the oldest), without taking it */
  peek(): QueueEntry | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** removes and returns up to `max` entries from the front */
  take(max: number): QueueEntry[] {
    const n = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    for (const e of out) if (!e.ack) this.unflowed--;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** puts entries back at the front, in order (a write failed: send them again) */
  unshift(entries: QueueEntry[]): void {
    for (const e of entries) if (!e.ack) this.unflowed++;
    if (this.head >= entries.length) {
      this.head -= entries.length;
      for (let i = 0; i < entries.length; i++) this.items[this.head + i] = entries[i];
    } else {
      this.items = entries.concat(this.items.slice(this.head));
      this.head = 0;
    }
  }
}
