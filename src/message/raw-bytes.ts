/**
 * Writing back bytes that arrived as invalid UTF-8. The parser keeps each
 * such byte as one lone surrogate U+DC80..U+DCFF; here they turn back into
 * the original byte while everything else is encoded as UTF-8. Only messages
 * flagged MsgFlag.RAW_BYTES take this path.
 *
 * One pass into a shared scratch buffer, then one exact-size copy: a Buffer
 * per escaped byte cost more heap than the message itself.
 */

let scratch = Buffer.allocUnsafeSlow(16384);

export function encodeWithRawBytes(s: string): Buffer {
  // at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units)
  if (scratch.length < s.length * 3) scratch = Buffer.allocUnsafeSlow(Math.max(s.length * 3, scratch.length * 2));
  const b = scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      b[n++] = c;
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      b[n++] = 0xf0 | (cp >> 18);
      b[n++] = 0x80 | ((cp >> 12) & 0x3f);
      b[n++] = 0x80 | ((cp >> 6) & 0x3f);
      b[n++] = 0x80 | (cp & 0x3f);
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      // a lone low surrogate in this range is an escaped byte
      b[n++] = c - 0xdc00;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // any other lone surrogate: what Buffer.from(s, 'utf8') writes for it
      b[n++] = 0xef;
      b[n++] = 0xbf;
      b[n++] = 0xbd;
    } else {
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 0x3f);
      b[n++] = 0x80 | (c & 0x3f);
    }
  }
  const out = Buffer.allocUnsafe(n);
  b.copy(out, 0, 0, n);
  if (scratch.length > 1 << 20) scratch = Buffer.allocUnsafeSlow(16384);
  return out;
}
