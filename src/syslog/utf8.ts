/**
 * Byte → string decoding for parsed fields, and syslog-ng's UTF-8 checks.
 *
 * Rule for every field: bytes that are valid UTF-8 decode as UTF-8; bytes
 * that are not become escape characters (see decodeEscaped), so no byte is
 * ever lost or replaced by U+FFFD. Short ASCII fields take the latin1 fast path.
 */
import { isUtf8 } from 'node:buffer';

/** Buffer's internal slice decoders skip toString()'s encoding lookup. */
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const SHORT = 24;

/** Decodes `buf[start, end)` by the field rule above. */
export function decodeField(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '';
  const fast = buf as unknown as FastSlices;
  if (end - start <= SHORT) {
    let i = start;
    while (i < end && buf[i] < 0x80) i++;
    if (i === end) return fast.latin1Slice(start, end);
    return isUtf8(buf.subarray(start, end)) ? fast.utf8Slice(start, end) : decodeEscaped(buf, start, end);
  }
  // Decoding first saves a Buffer view and a validation pass for the common case:
  // every invalid byte shows up as U+FFFD, so a result without one is exact.
  const s = fast.utf8Slice(start, end);
  if (s.indexOf('\ufffd') < 0 || isUtf8(buf.subarray(start, end))) return s;
  return decodeEscaped(buf, start, end);
}

/** set whenever a field needed byte escapes; parseMessage turns it into MsgFlag.RAW_BYTES */
export const decodeState = { escaped: false };

/** length of the well-formed UTF-8 sequence at i, or 0 */
function utf8SeqLen(buf: Buffer, i: number, end: number): number {
  const c = buf[i];
  let n: number;
  let min: number;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) (n = 2), (min = 0x80);
  else if (c >= 0xe0 && c <= 0xef) (n = 3), (min = 0x800);
  else if (c >= 0xf0 && c <= 0xf4) (n = 4), (min = 0x10000);
  else return 0;
  if (i + n > end) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const b = buf[i + k];
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/** UTF-16 units of the field being escaped; grown on demand, shared (decoding is synchronous) */
let units = new Uint16Array(4096);

/**
 * Bytes that are not UTF-8 become U+DC80..U+DCFF (one lone surrogate per
 * byte, as Python's surrogateescape does), so a destination can write the
 * original bytes back exactly (message/raw-bytes.ts) while valid parts stay text.
 *
 * The units are written into one array and turned into one flat string:
 * appending a string per escaped byte built a rope of thousands of pieces per
 * field (about 55 bytes of heap per input byte until it was flattened).
 */
export function decodeEscaped(buf: Buffer, start: number, end: number): string {
  decodeState.escaped = true;
  // every byte gives at most one unit (a 4-byte sequence gives two)
  if (units.length < end - start) units = new Uint16Array(Math.max(end - start, units.length * 2));
  const u = units;
  let n = 0;
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c < 0x80) {
      u[n++] = c;
      i++;
      continue;
    }
    const len = utf8SeqLen(buf, i, end);
    if (len === 0) {
      u[n++] = 0xdc00 + c;
      i++;
      continue;
    }
    let cp = c & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) cp = (cp << 6) | (buf[i + k] & 0x3f);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u[n++] = 0xd800 + (cp >> 10);
      u[n++] = 0xdc00 + (cp & 0x3ff);
    } else u[n++] = cp;
    i += len;
  }
  const out = Buffer.from(u.buffer, u.byteOffset, n * 2).toString('utf16le');
  // a field far larger than usual should not keep its scratch array alive
  if (units.length > 65536) units = new Uint16Array(4096);
  return out;
}

/**
 * Header fields (HOST, PROGRAM, PID, MSGID, SD names) repeat from message to
 * message: a small direct-mapped cache of their decoded strings saves a
 * native slice and a string allocation per field on the hot path.
 */
const CACHE_SLOTS = 512;
const CACHE_MAX_LEN = 64;
const cacheBytes: Array<Buffer | undefined> = new Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array(CACHE_SLOTS);

/** `decodeField` for short, frequently repeated fields. */
export function decodeShort(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len > CACHE_MAX_LEN) return decodeField(buf, start, end);
  let h = len;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    high |= c;
    h = (Math.imul(h, 31) + c) | 0;
  }
  if (high >= 0x80) return decodeField(buf, start, end);
  const slot = (h ^ (h >>> 9)) & (CACHE_SLOTS - 1);
  const hit = cacheBytes[slot];
  if (hit !== undefined && hit.length === len) {
    let i = 0;
    while (i < len && hit[i] === buf[start + i]) i++;
    if (i === len) return cacheStrings[slot];
  }
  const str = (buf as unknown as FastSlices).latin1Slice(start, end);
  const copy = Buffer.allocUnsafeSlow(len);
  buf.copy(copy, 0, start, end);
  cacheBytes[slot] = copy;
  cacheStrings[slot] = str;
  return str;
}

/** Decodes a range already known to be pure ASCII (scanned by the caller). */
export function decodeAscii(buf: Buffer, start: number, end: number): string {
  return end <= start ? '' : (buf as unknown as FastSlices).latin1Slice(start, end);
}

/**
 * g_utf8_validate() with an explicit length: well-formed UTF-8 (no overlong
 * forms, surrogates or code points above U+10FFFF) and no NUL byte.
 */
export function isValidUtf8(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return true;
  const view = buf.subarray(start, end);
  return isUtf8(view) && view.indexOf(0) < 0;
}

const HEX = '0123456789abcdef';

/**
 * syslog-ng's sanitize-utf8 escaping (`append_unsafe_utf8_as_escaped_binary`):
 * well-known controls as `\n \r \t \b \f`, other controls and every byte of
 * an invalid sequence as `\xNN`, backslash as `\\`, valid characters as is.
 */
export function sanitizeUtf8(buf: Buffer, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b >= 0x20 && b < 0x80) {
      if (b === 0x5c) out += '\\\\';
      else out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (b < 0x20) {
      out += controlEscape(b);
      i++;
      continue;
    }
    const n = utf8SeqLen(buf, i, end);
    if (n === 0) {
      out += '\\x' + HEX[b >> 4] + HEX[b & 15];
      i++;
    } else {
      out += buf.toString('utf8', i, i + n);
      i += n;
    }
  }
  return out;
}

function controlEscape(b: number): string {
  switch (b) {
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
  }
  return '\\x' + HEX[b >> 4] + HEX[b & 15];
}
