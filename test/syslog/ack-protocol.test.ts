/**
 * The logferry-ack/1 codec: what is encoded decodes to the same frames from
 * any split of the stream, bounds are checked before allocation, and a
 * malformed stream is one typed error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ACK_PROTOCOL_ALPN,
  AckDecoder,
  AckProtocolError,
  SenderFrameDecoder,
  encodeAck,
  encodeHello,
  encodeRecords,
  type SenderFrame,
} from '../../src/syslog/framing/ack-protocol.ts';
import { ACK_ALPN } from '../../src/destinations/delivery-link.ts';

/** cuts `buf` at the given offsets (sorted, deduplicated, within bounds) */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

const senderId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const seqStart = fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER - 100), fc.nat({ max: Number.MAX_SAFE_INTEGER - 100 }));
const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 });

test('the ALPN name the receiver selects is the one the sender link offers', () => {
  assert.equal(ACK_PROTOCOL_ALPN, ACK_ALPN);
});

test('hello and records round-trip through any split of the stream', () => {
  fc.assert(
    fc.property(senderId, seqStart, payloads, fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.nat(3), { maxLength: 30 }), (id, first, pls, cuts, gaps) => {
      let seq = first;
      const records = pls.map((p, i) => {
        const r = { seq, payload: Buffer.from(p) };
        seq += 1 + (gaps[i] ?? 0);
        return r;
      });
      if (records.length > 0 && records[records.length - 1].seq > Number.MAX_SAFE_INTEGER) return;
      const wire = Buffer.concat([encodeHello(id, first), encodeRecords(records)]);
      const dec = new SenderFrameDecoder();
      const got: SenderFrame[] = [];
      for (const c of split(wire, cuts)) got.push(...dec.push(c));
      assert.deepEqual(got, [{ type: 'hello', version: 1, senderId: id, firstSeq: first }, ...records.map((r) => ({ type: 'record', ...r }))]);
      assert.equal(dec.pending, 0);
    }),
    { numRuns: 300 },
  );
});

test('acks round-trip through any split of the stream', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), (raw, cuts) => {
      const seqs = [...raw].sort((a, b) => a - b);
      const wire = Buffer.concat(seqs.map(encodeAck));
      const dec = new AckDecoder();
      const got: number[] = [];
      for (const c of split(wire, cuts)) got.push(...dec.push(c));
      assert.deepEqual(got, seqs);
    }),
    { numRuns: 300 },
  );
});

test('random bytes after a hello end in AckProtocolError or frames, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const dec = new SenderFrameDecoder(64);
      try {
        dec.push(Buffer.concat([encodeHello('a', 0), Buffer.from(bytes)]));
      } catch (err) {
        assert.ok(err instanceof AckProtocolError, String(err));
      }
    }),
    { numRuns: 500 },
  );
});

test('malformed streams: each a clear error', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['no hello first', encodeRecords([{ seq: 1, payload: Buffer.from('x') }]), /does not start with a hello/],
    ['unknown version', Buffer.from([0x48, 9, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 0]), /version 9/],
    ['bad sender id', Buffer.from([0x48, 1, 1, 0x20, 0, 0, 0, 0, 0, 0, 0, 0]), /sender id/],
    ['second hello', Buffer.concat([encodeHello('a', 0), encodeHello('a', 0)]), /second hello/],
    ['oversized record', Buffer.concat([encodeHello('a', 0), Buffer.from([0x52, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x10, 0])]), /4096 bytes is larger than the 100/],
    ['seq going back', Buffer.concat([encodeHello('a', 0), encodeRecords([{ seq: 5, payload: Buffer.alloc(0) }, { seq: 5, payload: Buffer.alloc(0) }])]), /record 5 does not follow record 5/],
    ['seq above 2^53', Buffer.concat([encodeHello('a', 0), Buffer.from([0x52, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]), /larger than 2\^53/],
    ['unknown type', Buffer.concat([encodeHello('a', 0), Buffer.from('<13>plain syslog')]), /unknown frame type 0x3c/],
  ];
  for (const [what, wire, re] of cases) {
    const dec = new SenderFrameDecoder(100);
    assert.throws(() => dec.push(wire), (e: unknown) => e instanceof AckProtocolError && re.test(e.message), what);
    assert.throws(() => dec.push(Buffer.from('H')), AckProtocolError, `${what}: nothing more is taken`);
  }
  const acks = new AckDecoder();
  assert.throws(() => acks.push(Buffer.concat([encodeAck(7), encodeAck(6)])), /ack 6 goes back from ack 7/);
  assert.throws(() => new AckDecoder().push(Buffer.from('x')), /unknown frame type 0x78 from the receiver/);
});

test('encoders refuse what the decoder could not carry', () => {
  assert.throws(() => encodeHello('has space', 0), RangeError);
  assert.throws(() => encodeHello('a'.repeat(65), 0), RangeError);
  assert.throws(() => encodeAck(-1), RangeError);
  assert.throws(() => encodeAck(2 ** 53), RangeError);
});
