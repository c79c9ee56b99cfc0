/**
 * Parse + format micro-benchmark on one core: 300-byte loggen-style RFC 5424
 * and RFC 3164 messages through the parser alone, the formatter alone (into
 * a flush-lines batch), both, and the stream decoders.
 * Run: npm run bench:parse   (env BENCH_N = messages per measured run)
 */
import { LogMessage, type Timestamp } from '../src/message/log-message.ts';
import { defaultParseOptions, parseMessage, ParseFlag, type ParseOptions } from '../src/syslog/parse.ts';
import { SyslogProtocolFormatter } from '../src/syslog/format/syslog-protocol.ts';
import { BsdLineFormatter } from '../src/syslog/format/legacy.ts';
import type { Formatter } from '../src/syslog/format/formatter.ts';
import { BatchEncoder, type RecordFraming } from '../src/syslog/framing/batch-encoder.ts';
import { createDecoder, type FramingKind } from '../src/syslog/framing/decoder.ts';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const WARMUP = Math.min(200_000, N);
const DISTINCT = 1000;
const SIZE = 300;
const FLUSH_LINES = 100;

function pad(head: Buffer): Buffer {
  const out = Buffer.alloc(SIZE);
  head.copy(out);
  for (let i = head.length; i < SIZE; i++) out[i] = 'PADD'.charCodeAt((i - head.length) % 4);
  return out;
}

function body(i: number): string {
  return `seq: ${String(i).padStart(10, '0')}, thread: 0000, runid: 1700000000, stamp: 2026-11-22T10:00:00 `;
}
const rfc5424 = Array.from({ length: DISTINCT }, (_, i) =>
  pad(Buffer.concat([Buffer.from('<38>1 2026-11-22T10:00:00+01:00 localhost prg00000 1234 - - '), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body(i + 1))])),
);
const rfc3164 = Array.from({ length: DISTINCT }, (_, i) => pad(Buffer.from('<38>Nov 22 10:00:00 localhost prg00000[1234]: ' + body(i + 1))));

const recvd: Timestamp = { sec: 1_795_338_000, usec: 0, gmtoff: 3600 };
const opts5424 = defaultParseOptions({ flags: defaultParseOptions().flags | ParseFlag.SYSLOG_PROTOCOL });
const opts3164 = defaultParseOptions();

interface Row {
  name: string;
  msgs: number;
  sec: number;
  bytes?: number;
}
const rows: Row[] = [];

function measure(name: string, count: number, fn: (n: number) => void, bytesPerMsg?: number): void {
  fn(WARMUP);
  const t0 = process.hrtime.bigint();
  fn(count);
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  rows.push({ name, msgs: count, sec, bytes: bytesPerMsg === undefined ? undefined : bytesPerMsg * count });
}

function parseLoop(lines: Buffer[], opts: ParseOptions) {
  return (n: number) => {
    for (let i = 0; i < n; i++) {
      const b = lines[i % DISTINCT];
      const m = new LogMessage(recvd);
      parseMessage(b, 0, b.length, opts, m);
    }
  };
}

function formatLoop(msgs: LogMessage[], f: Formatter, framing: RecordFraming) {
  const enc = new BatchEncoder({ framing, flushLines: FLUSH_LINES });
  let sink = 0;
  return (n: number) => {
    for (let i = 0; i < n; i++) {
      enc.add(f.format(msgs[i % DISTINCT]));
      if (enc.full) sink += enc.take().length;
    }
    if (sink < 0) console.log(sink);
  };
}

function parseFormatLoop(lines: Buffer[], opts: ParseOptions, f: Formatter, framing: RecordFraming) {
  const enc = new BatchEncoder({ framing, flushLines: FLUSH_LINES });
  let sink = 0;
  return (n: number) => {
    for (let i = 0; i < n; i++) {
      const b = lines[i % DISTINCT];
      const m = new LogMessage(recvd);
      parseMessage(b, 0, b.length, opts, m);
      enc.add(f.format(m));
      if (enc.full) sink += enc.take().length;
    }
    if (sink < 0) console.log(sink);
  };
}

/** a stream of framed messages cut into 64 KiB reads, as a socket would deliver it */
function streamOf(kind: 'octet' | 'newline', lines: Buffer[]): Buffer[] {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(kind === 'octet' ? Buffer.concat([Buffer.from(`${l.length} `), l]) : Buffer.concat([l, Buffer.from('\n')]));
  const all = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += 65536) chunks.push(all.subarray(i, i + 65536));
  return chunks;
}

function framingLoop(kind: FramingKind, chunks: Buffer[]) {
  let frames = 0;
  return (n: number) => {
    const dec = createDecoder(kind, { maxMsgSize: 65536 }, () => {
      frames++;
    });
    const target = frames + n;
    while (frames < target) for (const c of chunks) dec.push(c);
  };
}

function parsed(lines: Buffer[], opts: ParseOptions): LogMessage[] {
  return lines.map((b) => {
    const m = new LogMessage(recvd);
    parseMessage(b, 0, b.length, opts, m);
    return m;
  });
}

const msgs5424 = parsed(rfc5424, opts5424);
const msgs3164 = parsed(rfc3164, opts3164);
const fmt5424 = new SyslogProtocolFormatter();
const fmt3164 = new BsdLineFormatter();

measure('RFC 5424 parse', N, parseLoop(rfc5424, opts5424), SIZE);
measure('RFC 3164 parse', N, parseLoop(rfc3164, opts3164), SIZE);
measure('RFC 5424 format (syslog(), octet-counted batch)', N, formatLoop(msgs5424, fmt5424, 'octet-counted'));
measure('RFC 3164 format (network(), BSD line batch)', N, formatLoop(msgs3164, fmt3164, 'none'));
measure('RFC 5424 parse + format', N, parseFormatLoop(rfc5424, opts5424, fmt5424, 'octet-counted'), SIZE);
measure('RFC 3164 parse + format', N, parseFormatLoop(rfc3164, opts3164, fmt3164, 'none'), SIZE);
// framing runs whole passes over a DISTINCT-message stream, so counts round up to that
const framingN = Math.ceil((N * 4) / DISTINCT) * DISTINCT;
measure('framing: octet-counted decode (64 KiB reads)', framingN, framingLoop('octet-counted', streamOf('octet', rfc5424)), SIZE + 4);
measure('framing: newline decode (64 KiB reads)', framingN, framingLoop('newline', streamOf('newline', rfc3164)), SIZE + 1);

const sample = fmt5424.format(msgs5424[0]);
console.log(`node ${process.version}, ${N} messages per run (+${WARMUP} warm-up), ${SIZE}-byte messages`);
console.log(`sample syslog() output: ${JSON.stringify(String(sample).slice(0, 100))}…`);
console.log('');
const w = Math.max(...rows.map((r) => r.name.length));
console.log(`${'case'.padEnd(w)}  ${'msgs/s'.padStart(12)}  ${'ns/msg'.padStart(8)}  ${'MB/s in'.padStart(8)}`);
console.log(`${'-'.repeat(w)}  ${'-'.repeat(12)}  ${'-'.repeat(8)}  ${'-'.repeat(8)}`);
for (const r of rows) {
  const rate = r.msgs / r.sec;
  const mb = r.bytes === undefined ? '' : (r.bytes / r.sec / 1e6).toFixed(0);
  console.log(`${r.name.padEnd(w)}  ${Math.round(rate).toLocaleString('en-US').padStart(12)}  ${((r.sec * 1e9) / r.msgs).toFixed(0).padStart(8)}  ${mb.padStart(8)}`);
}
