/**
 * Collects formatted records into one Buffer so a destination writes up to
 * flush-lines() messages with one socket write instead of one per message.
 * Strings are encoded straight into the batch (no intermediate Buffer per
 * record); with octet counting the MSG-LEN header is written in place.
 */
import { decimalDigits, MAX_FRAME_LEN, warnFrameTooLarge, writeFrameHeader } from './octet-encoder.ts';

export type RecordFraming = 'none' | 'octet-counted';

export interface BatchEncoderOptions {
  /** 'octet-counted' prefixes every record with `MSG-LEN SP` (syslog() over TCP/TLS) */
  framing: RecordFraming;
  /** records per batch; syslog-ng's flush-lines() default is 100 */
  flushLines?: number;
  /** how strings become bytes; LogMessage text is UTF-8 unless the parser says otherwise */
  encoding?: 'utf8' | 'latin1';
}

const MIN_SIZE = 4096;

/** room for `9999999 ` */
const MAX_HEADER = 8;

export class BatchEncoder {
  readonly flushLines: number;
  private readonly octet: boolean;
  private readonly encoding: 'utf8' | 'latin1';
  private buf: Buffer;
  private len = 0;
  private records = 0;
  /** batch size seen last time, so the next buffer is allocated at the right size once */
  private hint = MIN_SIZE;

  constructor(opts: BatchEncoderOptions) {
    this.octet = opts.framing === 'octet-counted';
    this.flushLines = opts.flushLines !== undefined && opts.flushLines > 0 ? opts.flushLines : 100;
    this.encoding = opts.encoding ?? 'utf8';
    this.buf = Buffer.allocUnsafe(MIN_SIZE);
  }

  /** records in the pending batch */
  get count(): number {
    return this.records;
  }
  /** bytes in the pending batch */
  get byteLength(): number {
    return this.len;
  }
  /** the batch holds flush-lines() records: time to write */
  get full(): boolean {
    return this.records >= this.flushLines;
  }

  /**
   * Appends one formatted record. An empty record is skipped (syslog-ng does
   * not send empty template output); returns the bytes appended.
   */
  add(record: string | Buffer): number {
    if (record.length === 0) return 0;
    const start = this.len;
    if (typeof record === 'string') this.addString(record);
    else this.addBuffer(record);
    this.records++;
    return this.len - start;
  }

  /** Hands out the pending batch (the caller owns it) and starts a new one. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    if (this.len > this.hint) this.hint = this.len;
    this.buf = Buffer.allocUnsafe(this.hint + (this.hint >> 2));
    this.len = 0;
    this.records = 0;
    return out;
  }

  private addBuffer(rec: Buffer): void {
    let n = rec.length;
    if (!this.octet) {
      this.reserve(n);
      rec.copy(this.buf, this.len);
      this.len += n;
      return;
    }
    if (n > MAX_FRAME_LEN) {
      warnFrameTooLarge(n);
      n = MAX_FRAME_LEN;
    }
    this.reserve(MAX_HEADER + n);
    const at = writeFrameHeader(this.buf, this.len, n);
    rec.copy(this.buf, at, 0, n);
    this.len = at + n;
  }

  private addString(rec: string): void {
    const maxBytes = this.encoding === 'utf8' ? rec.length * 3 : rec.length;
    if (!this.octet) {
      this.reserve(maxBytes);
      this.len += this.buf.write(rec, this.len, this.encoding);
      return;
    }
    this.reserve(MAX_HEADER + maxBytes);
    // guess the header width from the UTF-16 length (exact for ASCII), fix it up if wrong
    const guess = decimalDigits(rec.length > MAX_FRAME_LEN ? MAX_FRAME_LEN : rec.length) + 1;
    let n = this.buf.write(rec, this.len + guess, this.encoding);
    if (n > MAX_FRAME_LEN) {
      warnFrameTooLarge(n);
      n = MAX_FRAME_LEN;
    }
    const width = decimalDigits(n) + 1;
    if (width !== guess) this.buf.copyWithin(this.len + width, this.len + guess, this.len + guess + n);
    writeFrameHeader(this.buf, this.len, n);
    this.len += width + n;
  }

  private reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    if (size < need) size = need;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}
