/**
 * Non-transparent framing (RFC 6587 §3.4.2) as syslog-ng's text server does it:
 * a record ends at LF or NUL (or only LF: `text-with-nuls`; only NUL:
 * `nul-terminated`), trailing CR/LF/NUL are cut, empty records are dropped
 * unless empty-lines, a record that reaches log-msg-size() without a
 * terminator is handed out at that size and the rest starts the next record,
 * and an unterminated record is handed out at EOF. Leading CR is kept, as in
 * syslog-ng (a leading LF or NUL ends the previous record instead).
 */
import { trimCrLfNul, type DecoderOptions, type FrameDecoder, type FrameHandler } from './types.ts';

/** Which bytes end a record. */
export const Terminators = {
  LF_OR_NUL: 0,
  LF: 1,
  NUL: 2,
} as const;
export type Terminators = (typeof Terminators)[keyof typeof Terminators];

const State = {
  /** between records: nothing buffered */
  IDLE: 0,
  /** part of a record is held in `carry`, waiting for its end */
  PARTIAL: 1,
} as const;
type State = (typeof State)[keyof typeof State];

const MIN_CARRY = 256;

export class TextDecoder implements FrameDecoder {
  private state: State = State.IDLE;
  private readonly max: number;
  private readonly emptyLines: boolean;
  private readonly useLf: boolean;
  private readonly useNul: boolean;
  private readonly onFrame: FrameHandler;
  /** holds a record split across chunks; grows by doubling, never beyond log-msg-size() */
  private carry: Buffer | undefined;
  private carryLen = 0;

  constructor(opts: DecoderOptions, onFrame: FrameHandler, terminators: Terminators = Terminators.LF_OR_NUL) {
    this.max = opts.maxMsgSize > 0 ? opts.maxMsgSize : 1;
    this.emptyLines = opts.emptyLines === true;
    this.useLf = terminators !== Terminators.NUL;
    this.useNul = terminators !== Terminators.LF;
    this.onFrame = onFrame;
  }

  push(chunk: Buffer): undefined {
    const n = chunk.length;
    const max = this.max;
    let i = 0;
    // next terminator positions in this chunk: -2 = not searched yet, -1 = none left;
    // cached so a chunk of many records is scanned once per terminator kind
    let lf = this.useLf ? -2 : -1;
    let nul = this.useNul ? -2 : -1;
    while (i < n) {
      if (lf !== -1 && lf < i) lf = chunk.indexOf(0x0a, i);
      if (nul !== -1 && nul < i) nul = chunk.indexOf(0x00, i);
      const t = lf < 0 ? nul : nul < 0 || lf < nul ? lf : nul;
      const room = max - this.carryLen;
      if (t >= 0 && t - i < room) {
        if (this.state === State.IDLE) {
          this.emit(chunk, i, t);
        } else {
          this.append(chunk, i, t);
          this.flushCarry();
        }
        i = t + 1;
      } else if (n - i >= room) {
        // log-msg-size() reached without a terminator: hand out what we have, keep reading
        if (this.state === State.IDLE) {
          this.emit(chunk, i, i + room);
        } else {
          this.append(chunk, i, i + room);
          this.flushCarry();
        }
        i += room;
      } else {
        this.append(chunk, i, n);
        this.state = State.PARTIAL;
        i = n;
      }
    }
    return undefined;
  }

  pending(): number {
    return this.state === State.PARTIAL ? this.carryLen : 0;
  }

  end(): undefined {
    if (this.state === State.PARTIAL) this.flushCarry();
    this.carry = undefined;
    return undefined;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    const e = trimCrLfNul(buf, start, end);
    if (e > start || this.emptyLines) this.onFrame(buf, start, e);
  }

  private flushCarry(): void {
    const c = this.carry as Buffer;
    const len = this.carryLen;
    this.carryLen = 0;
    this.state = State.IDLE;
    this.emit(c, 0, len);
  }

  private append(src: Buffer, start: number, end: number): void {
    const need = this.carryLen + (end - start);
    if (this.carry === undefined || this.carry.length < need) {
      let size = this.carry === undefined ? MIN_CARRY : this.carry.length * 2;
      if (size < need) size = need;
      if (size > this.max) size = this.max;
      const grown = Buffer.allocUnsafe(size);
      if (this.carry !== undefined) this.carry.copy(grown, 0, 0, this.carryLen);
      this.carry = grown;
    }
    src.copy(this.carry, this.carryLen, start, end);
    this.carryLen = need;
  }
}
