/**
 * Invalid UTF-8 survives parsing and formatting byte for byte: decodeEscaped
 * turns each bad byte into a lone surrogate, encodeWithRawBytes turns it back.
 * Both work in one flat pass: a field of bad bytes must cost about what its
 * text costs, not a heap object per byte.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEscaped } from '../../src/syslog/utf8.ts';
import { encodeWithRawBytes } from '../../src/message/raw-bytes.ts';

test('any bytes: decode then encode gives the same bytes back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
      const buf = Buffer.from(a);
      assert.deepEqual(encodeWithRawBytes(decodeEscaped(buf, 0, buf.length)), buf);
    }),
    { numRuns: 2000 },
  );
});

test('valid UTF-8 decodes as Node decodes it, and any string without escapes encodes as Buffer.from does', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
      const buf = Buffer.from(s, 'utf8');
      assert.equal(decodeEscaped(buf, 0, buf.length), buf.toString('utf8'));
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => {
      // lone surrogates other than U+DC80..U+DCFF become U+FFFD's bytes, as Buffer.from writes them
      if (/[\udc80-\udcff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return;
      assert.deepEqual(encodeWithRawBytes(s), Buffer.from(s, 'utf8'));
    }),
    { numRuns: 1000 },
  );
});

test('a field of a subarray is decoded from its own bounds only', () => {
  const buf = Buffer.from([0x41, 0xff, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0x42]);
  const s = decodeEscaped(buf, 1, 10);
  assert.deepEqual([...s].map((c) => c.codePointAt(0)), [0xdcff, 0x20ac, 0x1f600, 0xdcc3]);
  assert.deepEqual(encodeWithRawBytes(s), buf.subarray(1, 10));
});

test('a megabyte of invalid bytes: the decoded field is one flat string, not a heap object per byte', () => {
  const buf = Buffer.alloc(1 << 20);
  for (let i = 0; i < buf.length; i++) buf[i] = 0x80 | (i & 0x3f);
  const before = process.memoryUsage().heapUsed;
  const s = decodeEscaped(buf, 0, buf.length);
  const grew = process.memoryUsage().heapUsed - before;
  assert.equal(s.length, buf.length);
  // a flat two-byte string is 2 bytes per unit; a rope of one-char pieces was about 55 per byte
  assert.ok(grew < buf.length * 6, `heap grew ${grew} bytes for ${buf.length} input bytes`);
  assert.deepEqual(encodeWithRawBytes(s), buf);
});
