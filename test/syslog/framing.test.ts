import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDecoder, type FramingKind, type DecoderOptions, type FramingError } from '../../src/syslog/framing/decoder.ts';
import { AutoDecoder, detectFraming } from '../../src/syslog/framing/auto-decoder.ts';
import { decodeDatagram } from '../../src/syslog/framing/datagram.ts';
import { createEncodingConverter } from '../../src/syslog/encoding.ts';
import { VECTORS_FILE } from '../helpers/fixtures.ts';

const VECTORS = VECTORS_FILE;

interface Run {
  frames: Buffer[];
  /** buffers the frames were views of */
  owners: Buffer[];
  error: FramingError | undefined;
  endError: FramingError | undefined;
}

/** Feeds chunks to a fresh decoder; `callEnd` false models an I/O error after the last chunk. */
function run(kind: FramingKind, opts: DecoderOptions, chunks: Buffer[], callEnd = true): Run {
  const r: Run = { frames: [], owners: [], error: undefined, endError: undefined };
  const dec = createDecoder(kind, opts, (buf, s, e) => {
    r.frames.push(Buffer.from(buf.subarray(s, e)));
    r.owners.push(buf);
  });
  for (const c of chunks) {
    const err = dec.push(c);
    if (err) {
      r.error = err;
      return r;
    }
  }
  if (callEnd) r.endError = dec.end();
  return r;
}

const str = (frames: Buffer[]) => frames.map((f) => f.toString('latin1'));
const bytes = (s: string) => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------- public vectors

interface StreamVector {
  id: string;
  source: { repo: string | null; test: string };
  kind: string;
  bytes: 'utf-8' | 'latin1';
  chunks: string[];
  delivery: string | string[];
  framing: 'octet-counting' | 'non-transparent' | 'auto-detect';
  options: Record<string, unknown>;
  expect: { frames?: string[]; end?: string | null; end_error?: string; handshake?: string };
}

const vectors: StreamVector[] = readFileSync(VECTORS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l))
  .filter((v) => v.kind === 'stream' && v.source.repo === 'syslog-ng/syslog-ng');

/** source encoding() conversion happens after framing, in the source driver; these vectors need it */
const CONVERTERS: Record<string, ((b: Buffer) => Buffer) | undefined> = {};
for (const name of ['iso-8859-2', 'GB18030']) {
  const conv = createEncodingConverter(name);
  CONVERTERS[name] = conv && ((b: Buffer) => conv(b, 0, b.length));
}

function split(chunks: Buffer[], delivery: string): Buffer[] {
  if (delivery === 'single-reader') return [Buffer.concat(chunks)];
  if (delivery === 'one-byte-per-read') {
    const all = Buffer.concat(chunks);
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i++) out.push(all.subarray(i, i + 1));
    return out;
  }
  return chunks;
}

test('syslog-ng stream vectors from the public file', async (t) => {
  let passed = 0;
  let skipped = 0;
  for (const v of vectors) {
    const enc = v.bytes === 'utf-8' ? 'utf8' : 'latin1';
    const chunks = v.chunks.map((c) => Buffer.from(c, enc));
    const mm = v.options.max_msg_size;
    const opts: DecoderOptions = {
      maxMsgSize: typeof mm === 'number' ? mm : 65536,
      trimLargeMessages: v.options.trim_large_messages === true,
      // these tests look at syslog-ng's logproto layer, which hands out frames byte-exact
      exact: true,
    };
    const kind: FramingKind = v.framing === 'octet-counting' ? 'octet-counted' : v.framing === 'auto-detect' ? 'auto' : 'newline';
    const conv = typeof v.options.encoding === 'string' ? CONVERTERS[v.options.encoding] : (b: Buffer) => b;
    const ioError = v.options.inject_after_chunks !== undefined;
    for (const delivery of Array.isArray(v.delivery) ? v.delivery : [v.delivery]) {
      await t.test(`${v.id} ${v.source.test} (${delivery})`, (st) => {
        if (!conv) {
          skipped++;
          st.skip(`needs encoding(${String(v.options.encoding)}) conversion, not a framing matter`);
          return;
        }
        const r = run(kind, opts, split(chunks, delivery), !ioError);
        const got = r.frames.map((f) => conv(f) as Buffer);
        const want = (v.expect.frames ?? []).map((s) => Buffer.from(s, enc));
        assert.deepEqual(str(got), str(want));
        if (v.expect.end === 'error') {
          assert.ok(r.error, 'expected a framing error');
          assert.equal(r.error.fatal, true);
          assert.ok(r.error.message.startsWith(v.expect.end_error ?? ''), r.error.message);
        } else if (v.expect.end === 'eof') {
          assert.equal(r.error, undefined);
          assert.equal(r.endError, undefined);
        } else {
          assert.equal(r.error, undefined);
        }
        passed++;
      });
    }
  }
  console.log(`# syslog-ng stream vectors: ${passed} passed, ${skipped} skipped, of ${vectors.length} vectors`);
  assert.ok(passed >= 7, `only ${passed} vector runs passed`);
});

// ---------------------------------------------------------------- octet counting

const MAX = 64;
const oct = (chunks: (string | Buffer)[], opts: Partial<DecoderOptions> = {}, callEnd = true) =>
  run('octet-counted', { maxMsgSize: MAX, ...opts }, chunks.map((c) => (typeof c === 'string' ? bytes(c) : c)), callEnd);

test('octet: many frames in one chunk are views of that chunk, no copy', () => {
  const parts: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const m = `<13>1 - h p - - - message ${i}`;
    parts.push(`${m.length} ${m}`);
  }
  const chunk = bytes(parts.join(''));
  const r = oct([chunk]);
  assert.equal(r.frames.length, 1000);
  assert.equal(r.frames[999].toString(), '<13>1 - h p - - - message 999');
  assert.ok(r.owners.every((o) => o === chunk));
});

test('octet: split at every byte boundary (two and three pieces) gives the same frames', () => {
  const stream = bytes('5 hello11 hello world0 3 abc2 \r\n1 x');
  const want = str(oct([stream]).frames);
  assert.deepEqual(want, ['hello', 'hello world', 'abc', '\r', 'x']);
  for (let a = 0; a <= stream.length; a++) {
    assert.deepEqual(str(oct([stream.subarray(0, a), stream.subarray(a)]).frames), want, `split at ${a}`);
    for (let b = a; b <= stream.length; b += 3) {
      const pieces = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
      assert.deepEqual(str(oct(pieces).frames), want, `split at ${a},${b}`);
    }
  }
});

test('octet: trailing LF/NUL cut by default (CR kept), byte-exact with exact; empty frame rules', () => {
  // observed on syslog-ng 3.38 with a syslog(flags(no-parse)) source
  const input = '5 abc\r\n5 abc\n\r3 \r\nx0 4 \n\n\n\n';
  assert.deepEqual(str(oct([input]).frames), ['abc\r', 'abc\n\r', '\r\nx', '']);
  assert.deepEqual(str(oct([input], { exact: true }).frames), ['abc\r\n', 'abc\n\r', '\r\nx', '\n\n\n\n']);
  assert.deepEqual(str(oct(['0 3 abc'], { emptyLines: true }).frames), ['', 'abc']);
  // a space with no digits is a zero-length frame in syslog-ng
  assert.deepEqual(str(oct([' 3 abc']).frames), ['abc']);
});

test('octet: invalid headers are fatal and name the digits read so far', () => {
  for (const [input, header] of [
    ['1q 0123', '1'],
    ['<13>1 - - -', ''],
    ['12345678901 x', '1234567890'],
    ['5 hello-1 x', ''],
  ] as const) {
    for (const pieces of [[input], [...input].map((c) => c)]) {
      const r = oct(pieces);
      assert.ok(r.error, input);
      assert.deepEqual({ m: r.error.message, t: r.error.tags, f: r.error.fatal }, { m: 'Invalid frame header', t: { header }, f: true });
    }
  }
  // the frame before a bad header is still delivered; nothing after it is accepted
  const frames: string[] = [];
  const dec = createDecoder('octet-counted', { maxMsgSize: MAX }, (b, s, e) => frames.push(b.toString('latin1', s, e)));
  assert.ok(dec.push(bytes('5 hellox')));
  assert.deepEqual(frames, ['hello']);
  assert.equal(dec.push(bytes('3 abc'))?.message, 'Invalid frame header');
  assert.equal(dec.end()?.message, 'Invalid frame header');
  assert.deepEqual(frames, ['hello']);
});

test('octet: frame larger than log-msg-size is fatal with both sizes as tags', () => {
  const r = oct(['2 ok', `65 ${'a'.repeat(65)}`]);
  assert.deepEqual(str(r.frames), ['ok']);
  assert.deepEqual(r.error, {
    message: 'Incoming frame larger than log_msg_size()',
    tags: { log_msg_size: MAX, frame_length: 65 },
    fatal: true,
  });
  // exactly log-msg-size is fine
  assert.equal(oct([`64 ${'a'.repeat(64)}`]).frames[0].length, 64);
});

test('octet: trim-large-messages hands out the head and skips the rest, at any split', () => {
  const stream = bytes(`2 ok70 ${'x'.repeat(64)}TAIL!!3 end`);
  const want = ['ok', 'x'.repeat(64), 'end'];
  assert.deepEqual(str(oct([stream], { trimLargeMessages: true }).frames), want);
  for (let a = 0; a <= stream.length; a++) {
    const r = oct([stream.subarray(0, a), stream.subarray(a)], { trimLargeMessages: true });
    assert.deepEqual(str(r.frames), want, `split at ${a}`);
  }
});

test('octet: an incomplete frame at EOF is dropped without error', () => {
  const r = oct(['7 foobar\n6 fooba']);
  assert.deepEqual(str(r.frames), ['foobar']);
  assert.equal(r.endError, undefined);
});

test('octet: a frame split across chunks is assembled into one buffer of its size', () => {
  const owners: Buffer[] = [];
  const dec = createDecoder('octet-counted', { maxMsgSize: 1 << 20 }, (b, s, e) => {
    owners.push(b);
    assert.equal(e - s, 1000);
  });
  const payload = Buffer.alloc(1000, 0x61);
  const stream = Buffer.concat([bytes('1000 '), payload]);
  for (let i = 0; i < stream.length; i += 7) dec.push(stream.subarray(i, i + 7));
  assert.equal(owners.length, 1);
  assert.equal(owners[0].length, 1000);
});

// ---------------------------------------------------------------- text framing

const txt = (chunks: (string | Buffer)[], opts: Partial<DecoderOptions> = {}, kind: FramingKind = 'newline', callEnd = true) =>
  run(kind, { maxMsgSize: MAX, ...opts }, chunks.map((c) => (typeof c === 'string' ? bytes(c) : c)), callEnd);

test('text: LF or NUL ends a record; trailing CR/LF/NUL cut; leading CR kept (syslog-ng 3.38, observed)', () => {
  const input = 'a\n\rb\n\r\n\x00c\r\x00\n  d  \n\r\r\nlast';
  const want = ['a', '\rb', 'c', '  d  ', 'last'];
  assert.deepEqual(str(txt([input]).frames), want);
  const all = bytes(input);
  for (let a = 0; a <= all.length; a++) {
    assert.deepEqual(str(txt([all.subarray(0, a), all.subarray(a)]).frames), want, `split at ${a}`);
  }
});

test('text: empty records only with empty-lines', () => {
  assert.deepEqual(str(txt(['a\n\n\r\nb\n']).frames), ['a', 'b']);
  assert.deepEqual(str(txt(['a\n\n\r\nb\n'], { emptyLines: true }).frames), ['a', '', '', 'b']);
});

test('text: final unterminated record is delivered at EOF, not after an I/O error', () => {
  assert.deepEqual(str(txt(['x\nlast\r']).frames), ['x', 'last']);
  assert.deepEqual(str(txt(['x\nlast'], {}, 'newline', false).frames), ['x']);
});

test('text: a line reaching log-msg-size is emitted and the rest continues as the next record', () => {
  const line = 'a'.repeat(MAX) + 'b'.repeat(10) + '\n' + 'c'.repeat(MAX - 1) + '\n';
  const want = ['a'.repeat(MAX), 'b'.repeat(10), 'c'.repeat(MAX - 1)];
  const all = bytes(line);
  assert.deepEqual(str(txt([all]).frames), want);
  for (let a = 0; a <= all.length; a += 5) {
    assert.deepEqual(str(txt([all.subarray(0, a), all.subarray(a)]).frames), want, `split at ${a}`);
  }
  // exactly log-msg-size bytes then LF: the buffer is full before the LF is seen
  assert.deepEqual(str(txt(['z'.repeat(MAX) + '\nq\n'], { emptyLines: true }).frames), ['z'.repeat(MAX), '', 'q']);
});

test('text: text-with-nuls keeps NULs, nul-terminated keeps LFs', () => {
  assert.deepEqual(str(txt(['a\x00b\nc\x00\n'], {}, 'text-with-nuls').frames), ['a\x00b', 'c']);
  assert.deepEqual(str(txt(['a\nb\x00c\n\x00'], {}, 'nul-terminated').frames), ['a\nb', 'c']);
});

test('text: many records per chunk are views of the chunk', () => {
  const chunk = bytes(Array.from({ length: 500 }, (_, i) => `<13>line ${i}`).join('\n') + '\n');
  const r = txt([chunk]);
  assert.equal(r.frames.length, 500);
  assert.ok(r.owners.every((o) => o === chunk));
});

test('bounded memory: 100 MB of one never-terminated line buffers at most log-msg-size', () => {
  const max = 65536;
  let frames = 0;
  let bytesOut = 0;
  const dec = createDecoder('newline', { maxMsgSize: max }, (_b, s, e) => {
    frames++;
    bytesOut += e - s;
  });
  // odd chunk size so records straddle chunks and go through the assembly buffer
  const chunk = Buffer.alloc(1_000_003, 0x61);
  let fed = 0;
  while (fed < 100_000_000) {
    dec.push(chunk);
    fed += chunk.length;
    const carry = (dec as unknown as { carry?: Buffer }).carry;
    assert.ok(carry === undefined || carry.length <= max, `carry grew to ${carry?.length}`);
  }
  dec.end();
  assert.equal(bytesOut, fed);
  assert.equal(frames, Math.ceil(fed / max));
});

test('bounded memory: a 100 MB trimmed octet frame keeps only log-msg-size bytes', () => {
  const max = 65536;
  const frames: number[] = [];
  const dec = createDecoder('octet-counted', { maxMsgSize: max, trimLargeMessages: true }, (_b, s, e) => frames.push(e - s));
  const total = 100_000_000;
  assert.equal(dec.push(bytes(`${total} `)), undefined);
  const chunk = Buffer.alloc(999_999, 0x62);
  let fed = 0;
  while (fed < total) {
    const n = Math.min(chunk.length, total - fed);
    dec.push(chunk.subarray(0, n));
    fed += n;
    const carry = (dec as unknown as { carry?: Buffer }).carry;
    assert.ok(carry === undefined || carry.length <= max);
  }
  dec.push(bytes('3 end'));
  assert.deepEqual(frames, [max, 3]);
});

// ---------------------------------------------------------------- auto detection and datagrams

test('auto: detection rules (digits, at most 10, then a space)', () => {
  const d = (s: string) => detectFraming(bytes(s), s.length);
  assert.equal(d('<13>'), 'text');
  assert.equal(d('12 x'), 'octet-counted');
  assert.equal(d('1234567890 '), 'octet-counted');
  assert.equal(d('12345678901'), 'text');
  assert.equal(d('12a'), 'text');
  assert.equal(d('123'), undefined);
  assert.equal(d(''), undefined);
});

test('auto: chooses once per connection, at any split of the header', () => {
  const stream = bytes('10 <13>1 abcd5 hello');
  for (let a = 0; a <= stream.length; a++) {
    const r = run('auto', { maxMsgSize: MAX }, [stream.subarray(0, a), stream.subarray(a)]);
    assert.deepEqual(str(r.frames), ['<13>1 abcd', 'hello'], `split at ${a}`);
  }
  const frames: string[] = [];
  const dec = new AutoDecoder({ maxMsgSize: MAX }, (b, s, e) => frames.push(b.toString('latin1', s, e)));
  dec.push(bytes('<13>a\n'));
  dec.push(bytes('5 hello\n'));
  assert.equal(dec.detected, 'text');
  assert.deepEqual(frames, ['<13>a', '5 hello']);
});

test('auto: EOF during detection delivers the bytes as a text record', () => {
  const r = run('auto', { maxMsgSize: MAX }, [bytes('12')]);
  assert.deepEqual(str(r.frames), ['12']);
});

test('datagram: one datagram is one message, cut at log-msg-size, trailing LF/NUL removed', () => {
  const got: string[] = [];
  const h = (b: Buffer, s: number, e: number) => got.push(b.toString('latin1', s, e));
  decodeDatagram(bytes('<13>hi\r\n\x00'), { maxMsgSize: MAX }, h);
  decodeDatagram(bytes(''), { maxMsgSize: MAX }, h);
  decodeDatagram(bytes('\n'), { maxMsgSize: MAX }, h);
  decodeDatagram(bytes('x'.repeat(100)), { maxMsgSize: MAX }, h);
  decodeDatagram(bytes('a\nb\n'), { maxMsgSize: MAX, exact: true }, h);
  assert.deepEqual(got, ['<13>hi\r', '', 'x'.repeat(MAX), 'a\nb\n']);
  const dec = createDecoder('datagram', { maxMsgSize: MAX, emptyLines: true }, h);
  dec.push(Buffer.alloc(0));
  assert.equal(got.at(-1), '');
});

test('the caller pauses between chunks: frames of a chunk are delivered before push returns, nothing after', () => {
  const got: string[] = [];
  const dec = createDecoder('newline', { maxMsgSize: MAX }, (b, s, e) => got.push(b.toString('latin1', s, e)));
  dec.push(bytes('a\nb\nc'));
  assert.deepEqual(got, ['a', 'b']);
  dec.push(bytes('\n'));
  assert.deepEqual(got, ['a', 'b', 'c']);
});
