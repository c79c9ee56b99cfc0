/**
 * One record framed on its own, byte for byte what BatchEncoder puts in a
 * batch for it: the formatted text as UTF-8, with octet counting prefixed by
 * `MSG-LEN SP` (cut at MAX_FRAME_LEN, with the same warning). For writers
 * that keep each record apart (the disk buffer stores them one by one).
 */
import { decimalDigits, MAX_FRAME_LEN, warnFrameTooLarge, writeFrameHeader } from './octet-encoder.ts';

export function frameRecord(record: string | Buffer, octetCounted: boolean): Buffer {
  const body = typeof record === 'string' ? Buffer.from(record, 'utf8') : record;
  if (!octetCounted || body.length === 0) return body;
  let n = body.length;
  if (n > MAX_FRAME_LEN) {
    warnFrameTooLarge(n);
    n = MAX_FRAME_LEN;
  }
  const head = decimalDigits(n) + 1;
  const out = Buffer.allocUnsafe(head + n);
  writeFrameHeader(out, 0, n);
  body.copy(out, head, 0, n);
  return out;
}
