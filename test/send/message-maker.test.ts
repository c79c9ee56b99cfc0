/** send's records: what a receiver parses out of them, and --size arithmetic on every framing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage } from '../../src/message/log-message.ts';
import { DEFAULT_PARSE_FLAGS, defaultParseOptions, ParseFlag, parseMessage } from '../../src/syslog/parse.ts';
import { BatchEncoder } from '../../src/syslog/framing/batch-encoder.ts';
import { DEFAULT_TEXT, MessageMaker, PROGRAM, recordLengthForFrame, SD_ID, type WireFraming } from '../../src/send/message-maker.ts';

function parse(rec: string): LogMessage {
  const buf = Buffer.from(rec.replace(/\n$/, ''));
  const m = new LogMessage();
  parseMessage(buf, 0, buf.length, defaultParseOptions(rec.startsWith('<14>1 ') ? { flags: DEFAULT_PARSE_FLAGS | ParseFlag.SYSLOG_PROTOCOL } : {}), m);
  return m;
}

/** bytes on the wire for one record, framed as the connection frames it */
function frame(rec: string, framing: WireFraming): number {
  const enc = new BatchEncoder({ framing: framing === 'octet' ? 'octet-counted' : 'none' });
  enc.add(rec);
  return enc.take().length;
}

test('RFC 5424: sender and seq in structured data, the default text as MSG', () => {
  const mk = new MessageMaker({ format: '5424', framing: 'octet', sender: 'abcd1234-2', host: 'h1', pid: 77 });
  const m = parse(mk.synthetic(42));
  assert.equal(m.get(`.SDATA.${SD_ID}.sender`), 'abcd1234-2');
  assert.equal(m.get(`.SDATA.${SD_ID}.seq`), '42');
  assert.equal(m.message, DEFAULT_TEXT);
  assert.equal(m.program, PROGRAM);
  assert.equal(m.host, 'h1');
  assert.equal(m.pid, '77');
  assert.equal(m.pri, 14);
  assert.ok(Math.abs(m.stamp.sec * 1000 + m.stamp.usec / 1000 - Date.now()) < 5000, 'timestamp is now');
});

test('RFC 3164: sender and seq lead the MSG text', () => {
  const mk = new MessageMaker({ format: '3164', framing: 'newline', sender: 'abcd1234-1', host: 'h1', pid: 77 });
  const rec = mk.withText(7, 'hello world');
  assert.match(rec, /^<14>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d h1 logferry-send\[77\]: sender=abcd1234-1 seq=7 hello world\n$/);
  const m = parse(rec);
  assert.equal(m.program, PROGRAM);
  assert.equal(m.message, 'sender=abcd1234-1 seq=7 hello world');
});

test('a line from a file becomes the MSG unchanged', () => {
  const mk = new MessageMaker({ format: '5424', framing: 'newline', sender: 's-1' });
  assert.equal(parse(mk.withText(1, 'árvíztűrő "quoted" ] line')).message, 'árvíztűrő "quoted" ] line');
});

test('--size: every frame is exactly BYTES, as the sequence number grows a digit', () => {
  for (const framing of ['octet', 'newline', 'datagram'] as const) {
    for (const size of [130, 300, 1000, 9999, 10001]) {
      // a fixed host and PID: the header's length must not depend on the machine
      const mk = new MessageMaker({ format: '5424', framing, sender: 'abcd1234-1', size, host: 'host', pid: 4242 });
      for (const seq of [1, 9, 10, 99999, 100000, 123456789]) {
        assert.equal(frame(mk.synthetic(seq), framing), size, `${framing} size ${size} seq ${seq}`);
      }
      assert.equal(frame(mk.withText(5, 'short line'), framing), size, `${framing} line ${size}`);
    }
  }
});

test('--size pads lines, but never cuts a longer one', () => {
  const mk = new MessageMaker({ format: '3164', framing: 'newline', sender: 'abcd1234-1', size: 100 });
  const long = 'y'.repeat(300);
  const rec = mk.withText(1, long);
  assert.ok(rec.includes(long));
  assert.ok(frame(rec, 'newline') > 100);
  assert.match(mk.withText(1, 'a'), /sender=abcd1234-1 seq=1 a x+\n$/);
});

test('recordLengthForFrame accounts for the MSG-LEN header width', () => {
  assert.equal(recordLengthForFrame(100, 'newline'), 100);
  assert.equal(recordLengthForFrame(100, 'octet'), 97); // "97 " + 97
  assert.equal(recordLengthForFrame(11, 'octet'), 9); // "9 " + 9
  assert.equal(recordLengthForFrame(1005, 'octet'), 1000); // "1000 " + 1000
  // 12 has no exact split ("10 " + 10 is 13): one byte less, never more
  assert.equal(recordLengthForFrame(12, 'octet'), 9);
});
