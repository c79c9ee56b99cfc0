/**
 * Reading a buffer without opening it for use: what `logferry buffer check`
 * reports. Synchronous and read-only (it never cuts or renames), so it can
 * run on a copy or beside a stopped daemon, and says what the daemon would do.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseCursor, SENDER_ID_FILE, type Cursor } from './disk-buffer.ts';
import { CURSOR_FILE, QUARANTINE_SUFFIX, scanSegment, segmentIdOf, type SegmentScan } from './format.ts';

export interface SegmentReport {
  file: string;
  bytes: number;
  records: number;
  unacknowledged: number;
  firstSeq?: number;
  lastSeq?: number;
  /** what is wrong, if anything; `torn` only for the newest segment (a crash cut its last record) */
  problem?:
    | { kind: 'torn'; offset: number; bytes: number }
    | { kind: 'corrupt'; offset: number; reason: string }
    | { kind: 'newer'; version: number };
}

export interface BufferReport {
  segments: SegmentReport[];
  cursor?: Cursor;
  /** the cursor file exists but cannot be used: the sentence saying why */
  cursorProblem?: string;
  /** `*.corrupt` files beside the segments */
  quarantined: string[];
  /** the directory's sender id (file `sender-id`), when it has one */
  senderId?: string;
}

/** Checks a buffer directory, or one segment file (the newest of its directory may have a torn tail). */
export function inspectBuffer(path: string): BufferReport {
  const isDir = statSync(path).isDirectory();
  const dir = isDir ? path : dirname(path);
  const names = readdirSync(dir);
  const ids = names
    .map((n) => ({ n, id: segmentIdOf(n) }))
    .filter((x): x is { n: string; id: number } => x.id !== undefined)
    .sort((a, b) => a.id - b.id);
  const report: BufferReport = { segments: [], quarantined: isDir ? names.filter((n) => n.endsWith(QUARANTINE_SUFFIX)).sort() : [] };
  try {
    report.cursor = parseCursor(readFileSync(join(dir, CURSOR_FILE), 'utf8'), join(dir, CURSOR_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') report.cursorProblem = (err as Error).message;
  }
  if (isDir) {
    try {
      report.senderId = readFileSync(join(dir, SENDER_ID_FILE), 'utf8').trim();
    } catch {
      // made at the first open; a directory never opened has none
    }
  }
  const acked = report.cursor?.ackedSeq ?? 0;
  const newest = ids.at(-1)?.n;
  const files = isDir ? ids.map((x) => join(dir, x.n)) : [path];
  for (const file of files) report.segments.push(inspectSegment(file, basename(file) === newest, acked));
  return report;
}

function inspectSegment(file: string, newest: boolean, ackedSeq: number): SegmentReport {
  const bytes = readFileSync(file);
  let unacknowledged = 0;
  const scan: SegmentScan = scanSegment(bytes, (seq) => {
    if (seq > ackedSeq) unacknowledged++;
  });
  const r: SegmentReport = { file, bytes: bytes.length, records: scan.records, unacknowledged, firstSeq: scan.firstSeq, lastSeq: scan.lastSeq };
  const h = scan.headerProblem;
  if (h?.kind === 'newer') r.problem = { kind: 'newer', version: h.version };
  else if (h?.kind === 'bad') r.problem = { kind: 'corrupt', offset: 0, reason: h.reason };
  else if (h?.kind === 'short') r.problem = newest ? { kind: 'torn', offset: 0, bytes: bytes.length } : { kind: 'corrupt', offset: 0, reason: 'shorter than a segment header' };
  else if (scan.tail.kind === 'corrupt') r.problem = { kind: 'corrupt', offset: scan.tail.offset, reason: scan.tail.reason };
  else if (scan.tail.kind === 'torn') {
    r.problem = newest
      ? { kind: 'torn', offset: scan.tail.offset, bytes: scan.tail.bytes }
      : { kind: 'corrupt', offset: scan.tail.offset, reason: 'its last record is cut short, yet a later segment follows' };
  }
  return r;
}
