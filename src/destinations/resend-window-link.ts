/**
 * The plain link: what a disk-buffered destination speaks to any syslog
 * receiver (RFC 6587 / RFC 5425 framing, no acknowledgement). Records go out
 * as their payloads, concatenated. Nothing tells us the receiver wrote them,
 * so a record leaves the buffer only once the connection has stayed up for a
 * resend window after the kernel took it: `windowMs` of time, or (when
 * `windowBytes` > 0) that many bytes written after it on the same
 * connection. A connection that breaks before then is noticed, the link is
 * closed, and the destination sends everything not yet ackable again.
 *
 * The bounds this gives (README, docs/disk-buffer.md): a record is resent
 * (possibly a duplicate) only if it was written within the window before the
 * break was noticed; a record is lost only if the receiver had it for longer
 * than the window without writing it (stalled or very slow) when it died.
 */
import type { DeliveryLink, LinkContext, LinkFactory, LinkRecord } from './delivery-link.ts';

export interface ResendWindow {
  /** ms the connection must stay up after a record was written */
  windowMs: number;
  /** bytes written after a record that make it ackable as well; 0 = time only */
  windowBytes: number;
}

interface Written {
  seq: number;
  at: number;
  /** the connection's byte count just after this write */
  end: number;
}

export class ResendWindowLink implements DeliveryLink {
  onAckable: (seq: number) => void = () => {};
  private readonly w: ResendWindow;
  private readonly now: () => number;
  /** writes not yet ackable, oldest first */
  private pending: Written[] = [];
  private head = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(w: ResendWindow, now: () => number = Date.now) {
    this.w = w;
    this.now = now;
  }

  encode(records: readonly LinkRecord[]): Buffer {
    return records.length === 1 ? records[0].payload : Buffer.concat(records.map((r) => r.payload));
  }

  written(lastSeq: number, bytes: number): void {
    if (this.closed) return;
    this.total += bytes;
    this.pending.push({ seq: lastSeq, at: this.now(), end: this.total });
    this.check();
  }

  /** Makes ackable every write whose window has passed; arms the timer for the next one. */
  private check(): void {
    if (this.closed) return;
    const now = this.now();
    let ackable: number | undefined;
    while (this.head < this.pending.length) {
      const p = this.pending[this.head];
      const byTime = now - p.at >= this.w.windowMs;
      const byBytes = this.w.windowBytes > 0 && this.total - p.end >= this.w.windowBytes;
      if (!byTime && !byBytes) break;
      ackable = p.seq;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (!this.timer && this.head < this.pending.length) {
      const wait = Math.max(1, this.pending[this.head].at + this.w.windowMs - now);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, wait);
      // the connection keeps the process alive while it is up; the timer must not hold a stop
      this.timer.unref();
    }
    if (ackable !== undefined) this.onAckable(ackable);
  }

  /** a clean close: the receiver read up to its end of file, so everything written may go */
  peerClosed(): void {
    if (this.closed || this.head >= this.pending.length) return;
    const last = this.pending[this.pending.length - 1].seq;
    this.head = this.pending.length;
    this.onAckable(last);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.head = 0;
  }

  /** records written and not yet ackable (for tests and the stop wait) */
  get waiting(): number {
    return this.pending.length - this.head;
  }
}

/** The factory chooseLink() is given for this destination. */
export function resendWindowLink(w: ResendWindow): LinkFactory {
  return (_ctx: LinkContext) => new ResendWindowLink(w);
}
