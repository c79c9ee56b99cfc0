import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { MAX_FRAME_LEN, octetFrame, writeFrameHeader } from '../../src/syslog/framing/octet-encoder.ts';
import { BatchEncoder } from '../../src/syslog/framing/batch-encoder.ts';
import { createDecoder } from '../../src/syslog/framing/decoder.ts';

test('octetFrame prefixes MSG-LEN SP', () => {
  assert.equal(octetFrame(Buffer.from('<13>1 - - - - - - hi\n')).toString(), '21 <13>1 - - - - - - hi\n');
  assert.equal(octetFrame(Buffer.alloc(0)).toString(), '0 ');
  const b = Buffer.alloc(12);
  assert.equal(writeFrameHeader(b, 2, 1234567), 10);
  assert.equal(b.toString('latin1', 2, 10), '1234567 ');
});

test('payloads over 9999999 bytes are cut, with syslog-ng\'s warning', (t) => {
  const events: InternalEvent[] = [];
  setInternalSinks([(ev) => events.push(ev)]);
  t.after(() => setInternalSinks([]));
  const big = Buffer.alloc(MAX_FRAME_LEN + 5, 0x61);
  const f = octetFrame(big);
  assert.equal(f.toString('latin1', 0, 8), '9999999 ');
  assert.equal(f.length, 8 + MAX_FRAME_LEN);
  const enc = new BatchEncoder({ framing: 'octet-counted' });
  enc.add(big);
  assert.equal(enc.take().length, 8 + MAX_FRAME_LEN);
  assert.equal(events.length, 2);
  assert.deepEqual(
    { level: events[0].level, text: events[0].text, tags: events[0].tags },
    { level: 'warning', text: 'Error, message length too large for framed protocol, truncated', tags: { length: MAX_FRAME_LEN + 5 } },
  );
});

test('encoder output decodes back to the same records at any split', () => {
  const enc = new BatchEncoder({ framing: 'octet-counted' });
  const recs = ['<13>1 - - - - - - a\n', '<13>1 - - - - - - \u00e9\u00e9\n', '<13>1 - - - - - - b\n'];
  for (const r of recs) enc.add(r);
  const wire = enc.take();
  for (let a = 0; a <= wire.length; a++) {
    const got: string[] = [];
    const dec = createDecoder('octet-counted', { maxMsgSize: 1024, exact: true }, (b, s, e) => got.push(b.toString('utf8', s, e)));
    dec.push(wire.subarray(0, a));
    dec.push(wire.subarray(a));
    assert.deepEqual(got, recs);
  }
});
