/**
 * A held reader stops turning bytes into messages within one slice: the rest of a chunk it has
 * already taken waits unparsed until the window opens again, and the stream's end does not force
 * it through. Without that, every chunk taken after the window closed (up to the socket's whole
 * buffer) became messages at once, past the window and past a full queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultParseOptions } from '../../src/syslog/parse.ts';
import { StreamReader } from '../../src/sources/reader.ts';
import type { Ack } from '../../src/pipeline/types.ts';

function reader(window: number) {
  const acks: Ack[] = [];
  const texts: string[] = [];
  const calls: string[] = [];
  const ends = { n: 0 };
  const r = new StreamReader(
    {
      sourceName: 's',
      framing: 'newline',
      maxMsgSize: 65536,
      trimLargeMessages: false,
      emptyLines: false,
      parse: defaultParseOptions(),
      hostRules: { keepHostname: true, chainHostnames: false, useDns: false, useFqdn: false, normalizeHostnames: false },
      window,
      tags: [],
      values: [],
      sender: { ip: '127.0.0.1', resolvedName: undefined },
      local: false,
    },
    (msg, ack) => {
      texts.push(msg.message);
      if (ack) acks.push(ack);
    },
    { pause: () => calls.push('pause'), resume: () => calls.push('resume'), ended: () => ends.n++ },
  );
  return { r, acks, texts, calls, ends };
}

const LINE = `<13>Nov 23 10:00:00 h app: ${'x'.repeat(70)}`; // 100 bytes with its newline

test('a reader whose window is used up frames no more than one slice of a big chunk', () => {
  const { r, acks, texts, calls } = reader(10);
  const lines = Array.from({ length: 1000 }, (_, i) => `${LINE.slice(0, -4)}${String(i).padStart(4, '0')}\n`);
  assert.equal(r.push(Buffer.from(lines.join(''))), true);
  assert.deepEqual(calls, ['pause']);
  assert.ok(texts.length >= 10 && texts.length <= 90, `${texts.length} messages from a 100 000-byte chunk with a window of 10`);
  // the end of the stream does not push the waiting bytes through
  r.end();
  const held = texts.length;
  assert.equal(texts.length, held);
  // acks open the window: the waiting bytes follow, in order, and only then does reading resume
  for (let round = 0; round < 200 && acks.length > 0; round++) for (const a of acks.splice(0)) a();
  assert.equal(texts.length, 1000);
  assert.deepEqual(texts.map((t) => t.slice(-4)), lines.map((l) => l.slice(-5, -1)));
});

test('bytes that wait are framed before new ones, and reading resumes only once they are all framed', () => {
  const { r, acks, texts, calls } = reader(5);
  r.push(Buffer.from(Array.from({ length: 200 }, (_, i) => `<13>Nov 23 10:00:00 h app: ${'y'.repeat(70)} ${String(i).padStart(3, '0')}\n`).join('')));
  assert.deepEqual(calls, ['pause']);
  let rounds = 0;
  while (acks.length > 0 && rounds++ < 500) {
    for (const a of acks.splice(0)) a();
  }
  assert.equal(texts.length, 200);
  assert.equal(calls.at(-1), 'resume');
  assert.deepEqual(texts.map((t) => Number(t.slice(-3))), Array.from({ length: 200 }, (_, i) => i));
});

test('flush() at stop frames every byte taken, held or not, so nothing read vanishes uncounted', () => {
  const { r, texts, ends } = reader(3);
  r.push(Buffer.from(Array.from({ length: 300 }, (_, i) => `<13>Nov 23 10:00:00 h app: ${'z'.repeat(70)} ${i}\n`).join('') + '<13>Nov 23 10:00:00 h app: last, unterminated'));
  assert.ok(texts.length < 100);
  r.end();
  assert.equal(ends.n, 0, 'the end waits for the held bytes');
  r.flush();
  assert.equal(texts.length, 301);
  assert.equal(texts.at(-1), 'last, unterminated');
  assert.equal(ends.n, 1);
});
