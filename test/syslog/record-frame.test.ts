/** frameRecord() gives, for one record, exactly the bytes BatchEncoder writes for it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchEncoder } from '../../src/syslog/framing/batch-encoder.ts';
import { frameRecord } from '../../src/syslog/framing/record-frame.ts';

const SAMPLES: Array<string | Buffer> = [
  '<13>Nov 26 11:00:00 host app: hello\n',
  '<13>1 2026-11-26T11:00:00Z host app - - - h\u00e9llo \u{1F600} w\u00f6rld',
  'x'.repeat(9),
  'y'.repeat(10),
  'z'.repeat(100_000),
  Buffer.from([0x3c, 0x31, 0x3e, 0xff, 0xfe, 0x0a]),
];

test('frameRecord matches BatchEncoder byte for byte, with and without octet counting', () => {
  for (const framing of ['none', 'octet-counted'] as const) {
    for (const s of SAMPLES) {
      const e = new BatchEncoder({ framing, flushLines: 1 });
      e.add(s);
      assert.ok(frameRecord(s, framing === 'octet-counted').equals(e.take()), `${framing}: ${String(s).slice(0, 30)}`);
    }
  }
  assert.equal(frameRecord('', true).length, 0, 'an empty record stays empty (not sent)');
});
