/**
 * Load payloads in loggen's exact byte format, replayed by the s_client senders, so s_client and
 * loggen runs carry identical messages:
 *   syslog : `LEN <38>1 TS localhost prg00000 1234 - - BOM seq: NNNNNNNNNN, thread: 0000, runid: R, stamp: TS PADD...\n`
 *   network: `<38>TS localhost prg00000[1234]: seq: NNNNNNNNNN, thread: 0000, runid: R, stamp: TS PADD...\n`
 * Each message is `size` bytes (framing prefix excluded). Cached in the temp dir per shape.
 */
import { existsSync, renameSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Proto = 'syslog' | 'network';

function isoLocal(d: Date): { ts: string; tz: string } {
  const p = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return { ts: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`, tz };
}

export function buildPayload(proto: Proto, size: number, count: number, now = new Date()): Buffer {
  const { ts, tz } = isoLocal(now);
  const runid = Math.floor(now.getTime() / 1000);
  const pad = 'PADD'.repeat(Math.ceil(size / 4) + 1);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const seq = String(i).padStart(10, '0');
    if (proto === 'syslog') {
      const head = Buffer.from(`<38>1 ${ts}${tz} localhost prg00000 1234 - - \ufeffseq: ${seq}, thread: 0000, runid: ${runid}, stamp: ${ts} `);
      const body = Buffer.concat([head, Buffer.from(pad.slice(0, Math.max(0, size - 1 - head.length))), Buffer.from('\n')]);
      parts.push(Buffer.from(`${body.length} `), body);
    } else {
      const head = `<38>${ts} localhost prg00000[1234]: seq: ${seq}, thread: 0000, runid: ${runid}, stamp: ${ts} `;
      parts.push(Buffer.from(`${head}${pad.slice(0, Math.max(0, size - 1 - head.length))}\n`));
    }
  }
  return Buffer.concat(parts);
}

/** The cached payload for this shape, generated on first use. */
export function cachedPayload(proto: Proto, size: number, count: number): Buffer {
  const file = join(tmpdir(), `logferry-bench-payload-${proto}-${size}-${count}.bin`);
  if (existsSync(file)) return readFileSync(file);
  const buf = buildPayload(proto, size, count);
  writeFileSync(`${file}.tmp`, buf);
  renameSync(`${file}.tmp`, file);
  return buf;
}
