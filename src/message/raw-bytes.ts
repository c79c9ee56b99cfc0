/**
 * Writing back bytes that arrived as invalid UTF-8. The parser keeps each
 * such byte as one lone surrogate U+DC80..U+DCFF; here they turn back into
 * the original byte while everything else is encoded as UTF-8. Only messages
 * flagged MsgFlag.RAW_BYTES take this path.
 */

export function encodeWithRawBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      // a real low surrogate follows a high one; only a lone one is an escaped byte
      const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
      if (run < i) parts.push(Buffer.from(s.slice(run, i), 'utf8'));
      parts.push(Buffer.of(c - 0xdc00));
      run = i + 1;
    }
  }
  if (parts.length === 0) return Buffer.from(s, 'utf8');
  if (run < s.length) parts.push(Buffer.from(s.slice(run), 'utf8'));
  return Buffer.concat(parts);
}
