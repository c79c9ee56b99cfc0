/**
 * The sending side of octet counting: `MSG-LEN SP payload`. Like syslog-ng's
 * framed client, MSG-LEN is capped at 9999999 and a longer payload is cut,
 * with a warning.
 */
import { internalLog } from '../../core/internal-log.ts';

/** largest MSG-LEN syslog-ng writes (7 digits) */
export const MAX_FRAME_LEN = 9999999;

export function warnFrameTooLarge(length: number): void {
  internalLog('warning', 'Error, message length too large for framed protocol, truncated', { length });
}

/** number of decimal digits of a non-negative integer below 10^8 */
export function decimalDigits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : 8;
}

/** Writes `len` in decimal plus a space at `off`; returns the offset after it. */
export function writeFrameHeader(dst: Buffer, off: number, len: number): number {
  const digits = decimalDigits(len);
  let p = off + digits;
  dst[p] = 0x20;
  let v = len;
  do {
    dst[--p] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  return off + digits + 1;
}

/** One octet-counted frame around a raw payload (a new Buffer). */
export function octetFrame(payload: Buffer): Buffer {
  let len = payload.length;
  if (len > MAX_FRAME_LEN) {
    warnFrameTooLarge(len);
    len = MAX_FRAME_LEN;
  }
  const out = Buffer.allocUnsafe(decimalDigits(len) + 1 + len);
  const at = writeFrameHeader(out, 0, len);
  payload.copy(out, at, 0, len);
  return out;
}
