/**
 * Shared by the disk-buffer() daemon tests: configs of a sender (file()
 * source, flow control, a disk-buffered network() destination) and of a
 * receiver writing ${MSG} lines, the buffer's state as `logferry buffer
 * check` reads it, and counting what arrived by sequence number.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectBuffer } from '../../src/buffer/inspect.ts';
import { watchUntil } from '../helpers/peers.ts';

/** `line N` for N in 1..count, one per line */
export function writeNumberedLines(file: string, count: number, from = 1): void {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) out.push(`line ${i}`);
  writeFileSync(file, out.join('\n') + '\n');
}

export interface SenderConfig {
  input: string;
  port: number;
  /** dir() of disk-buffer() */
  bufBase: string;
  /** more disk-buffer() options */
  buffer?: string;
  /** more network() options */
  network?: string;
  /** the driver (network or syslog) */
  driver?: string;
}

export function senderConfig(c: SenderConfig): string {
  return `@version: 4.27
options { use-dns(no); };
source s { file("${c.input}" follow-freq(0.1) log-iw-size(1000) log-fetch-limit(100)); };
destination d { ${c.driver ?? 'network'}("127.0.0.1" port(${c.port}) time-reopen(1) ${c.network ?? ''}
  disk-buffer(reliable(yes) disk-buf-size(64MiB) dir("${c.bufBase}") ${c.buffer ?? ''})); };
log { source(s); destination(d); flags(flow-control); };
`;
}

export function receiverConfig(port: number, out: string, driver = 'network'): string {
  return `@version: 4.27
options { use-dns(no); };
source s { ${driver}(ip("127.0.0.1") port(${port}) flags(no-parse)); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`;
}

/** the one buffer directory under dir() */
export function bufferDirIn(base: string): string | undefined {
  if (!existsSync(base)) return undefined;
  const d = readdirSync(base).filter((n) => n.startsWith('lfbuf-'));
  return d.length === 1 ? join(base, d[0]) : undefined;
}

export interface BufferState {
  unacknowledged: number;
  segments: number;
  quarantined: number;
}

export function bufferState(base: string): BufferState | undefined {
  const dir = bufferDirIn(base);
  if (!dir) return undefined;
  try {
    const r = inspectBuffer(dir);
    return { unacknowledged: r.segments.reduce((n, s) => n + s.unacknowledged, 0), segments: r.segments.length, quarantined: r.quarantined.length };
  } catch {
    // a segment created or deleted while reading: look again
    return undefined;
  }
}

/** Waits until the buffer under `base` satisfies `ok`. */
export async function waitForBuffer(base: string, ok: (s: BufferState) => boolean, timeoutMs: number, what: string): Promise<BufferState> {
  return watchUntil(
    join(bufferDirIn(base) ?? join(base, 'x'), 'cursor.json'),
    async () => {
      const s = bufferState(base);
      return s && ok(s) ? s : undefined;
    },
    timeoutMs,
    async () => `the disk buffer under ${base} never became ${what}: ${JSON.stringify(bufferState(base))}`,
  );
}

export interface Tally {
  received: number;
  distinct: number;
  lost: number[];
  duplicates: number;
}

/** What arrived of `line 1..count` (other lines are an error) */
export function tally(lines: readonly string[], count: number): Tally {
  const seen = new Uint32Array(count + 1);
  let duplicates = 0;
  for (const l of lines) {
    // the receiver keeps the whole frame (no-parse): the sender's header, then the line
    const m = /\bline (\d+)$/.exec(l);
    if (!m) throw new Error(`unexpected line at the receiver: ${JSON.stringify(l)}`);
    const n = Number(m[1]);
    if (n < 1 || n > count) throw new Error(`line number out of range: ${n}`);
    if (seen[n]++ > 0) duplicates++;
  }
  const lost: number[] = [];
  for (let i = 1; i <= count; i++) if (seen[i] === 0) lost.push(i);
  return { received: lines.length, distinct: count - lost.length, lost, duplicates };
}
