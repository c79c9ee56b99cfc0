/**
 * RFC 6587 §3.4.1 / RFC 5425 §4.3 octet counting: `MSG-LEN SP SYSLOG-MSG`.
 * Mirrors syslog-ng's framed server: up to 10 digits then one space, anything
 * else is a fatal header error; a frame over log-msg-size() is fatal unless
 * trimming, which hands out the first log-msg-size() bytes and skips the rest.
 */
import { trimLfNul, type DecoderOptions, type FrameDecoder, type FrameHandler, type FramingError } from './types.ts';

const MAX_DIGITS = 10;

const State = {
  /** reading MSG-LEN digits */
  HEADER: 0,
  /** collecting the frame body */
  BODY: 1,
  /** skipping the tail of a trimmed frame */
  DISCARD: 2,
  /** a fatal error happened; nothing more is accepted */
  FAILED: 3,
} as const;
type State = (typeof State)[keyof typeof State];

export class OctetCountedDecoder implements FrameDecoder {
  private state: State = State.HEADER;
  private readonly max: number;
  private readonly trim: boolean;
  private readonly emptyLines: boolean;
  private readonly exact: boolean;
  private readonly onFrame: FrameHandler;
  /** digits of the current header, kept only for the error text */
  private readonly hdr = Buffer.alloc(MAX_DIGITS);
  private hdrLen = 0;
  private frameLen = 0;
  /** body bytes still expected (BODY) or still to skip (DISCARD) */
  private remaining = 0;
  /** assembly buffer for a frame split across chunks; sized once per frame */
  private carry: Buffer | undefined;
  private carryLen = 0;
  /** bytes of the frame that are handed out (< frameLen when trimming) */
  private keep = 0;
  private failure: FramingError | undefined;

  constructor(opts: DecoderOptions, onFrame: FrameHandler) {
    this.max = opts.maxMsgSize;
    this.trim = opts.trimLargeMessages === true;
    this.emptyLines = opts.emptyLines === true;
    this.exact = opts.exact === true;
    this.onFrame = onFrame;
  }

  push(chunk: Buffer): FramingError | undefined {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.HEADER: {
          const b = chunk[i++];
          if (b >= 0x30 && b <= 0x39 && this.hdrLen < MAX_DIGITS) {
            this.hdr[this.hdrLen++] = b;
            this.frameLen = this.frameLen * 10 + (b - 0x30);
          } else if (b === 0x20) {
            const err = this.startBody();
            if (err) return err;
          } else {
            return this.fail({
              message: 'Invalid frame header',
              tags: { header: this.hdr.toString('latin1', 0, this.hdrLen) },
              fatal: true,
            });
          }
          break;
        }
        case State.BODY: {
          const avail = n - i;
          if (this.carry === undefined && avail >= this.remaining) {
            // the whole frame is inside this chunk: hand out a view, no copy
            const end = i + this.remaining;
            this.emit(chunk, i, end);
            i = end;
            this.afterBody();
            break;
          }
          if (this.carry === undefined) {
            this.carry = Buffer.allocUnsafe(this.keep);
            this.carryLen = 0;
          }
          const take = avail < this.remaining ? avail : this.remaining;
          chunk.copy(this.carry, this.carryLen, i, i + take);
          this.carryLen += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            const c = this.carry;
            this.carry = undefined;
            this.emit(c, 0, c.length);
            this.afterBody();
          }
          break;
        }
        case State.DISCARD: {
          const avail = n - i;
          const take = avail < this.remaining ? avail : this.remaining;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.resetHeader();
          break;
        }
        default:
          return this.failure;
      }
    }
    return undefined;
  }

  /** An incomplete frame at EOF is dropped silently, as syslog-ng does. */
  end(): FramingError | undefined {
    if (this.state === State.FAILED) return this.failure;
    this.carry = undefined;
    return undefined;
  }

  private startBody(): FramingError | undefined {
    const len = this.frameLen;
    if (len > this.max && !this.trim) {
      return this.fail({
        message: 'Incoming frame larger than log_msg_size()',
        tags: { log_msg_size: this.max, frame_length: len },
        fatal: true,
      });
    }
    if (len === 0) {
      // syslog-ng's reader drops zero-length records unless empty-lines
      if (this.emptyLines) this.onFrame(this.hdr, 0, 0);
      this.resetHeader();
      return undefined;
    }
    this.keep = len > this.max ? this.max : len;
    this.remaining = this.keep;
    this.state = State.BODY;
    return undefined;
  }

  private afterBody(): void {
    if (this.frameLen > this.keep) {
      this.remaining = this.frameLen - this.keep;
      this.state = State.DISCARD;
    } else {
      this.resetHeader();
    }
  }

  private emit(buf: Buffer, start: number, end: number): void {
    this.onFrame(buf, start, this.exact ? end : trimLfNul(buf, start, end));
  }

  private resetHeader(): void {
    this.state = State.HEADER;
    this.hdrLen = 0;
    this.frameLen = 0;
  }

  private fail(err: FramingError): FramingError {
    this.state = State.FAILED;
    this.failure = err;
    this.carry = undefined;
    return err;
  }
}
