/**
 * `logferry buffer check|dump`: look into a disk buffer (buffer/) without a
 * daemon. Both only read, so they are safe on a live buffer's copy and say
 * what logferry would do with what they find.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from './args.ts';
import { inspectBuffer, type BufferReport } from '../buffer/inspect.ts';
import { scanSegment, FORMAT_VERSION } from '../buffer/format.ts';

const OVERVIEW = `Usage: logferry buffer check FILE|DIR
       logferry buffer dump FILE [--json]

Looks into a disk buffer without a running logferry: a disk-buffer() directory or one of its
segment files (<16 hex digits>.lfseg). Both commands only read.

Commands:
  check FILE|DIR    verify every record; print segments, records, unacknowledged records, bytes
  dump FILE         print the records of one segment file

Try 'logferry buffer COMMAND --help'.
`;

const CHECK_HELP = `Usage: logferry buffer check FILE|DIR

Verifies every record of a disk buffer (a directory) or of one segment file: its length, its
checksum and its sequence number. Prints the segments, records, unacknowledged records and bytes,
and for a damaged segment where the damage starts ("corrupt at offset N"). A torn last record
in the newest segment is what a crash mid-write leaves: logferry cuts it when it opens the
buffer, so it is reported but is no error. A corrupt segment is moved aside (renamed *.corrupt)
when logferry reads it; the records after the damage in that segment are lost.

Options:
  --help    print this help and exit

Exit status: 0 every record checks out; 1 a segment is corrupt, of a newer format or unreadable;
2 usage error.
`;

const DUMP_HELP = `Usage: logferry buffer dump FILE [--json]

Prints the records of one segment file in order, one line each: the sequence number, the length
and the payload as text (control characters and invalid UTF-8 escaped). Stops at the first
record that fails its checks and says where.

Options:
  --json    one JSON object per record instead: {"seq":N,"offset":N,"length":N,"payload":"..."}
  --help    print this help and exit

Exit status: 0 every record printed; 1 a record fails its checks or the file cannot be read;
2 usage error.
`;

export function allBufferHelp(): Array<{ words: string; text: string }> {
  return [
    { words: 'logferry buffer', text: OVERVIEW },
    { words: 'logferry buffer check', text: CHECK_HELP },
    { words: 'logferry buffer dump', text: DUMP_HELP },
  ];
}

/** Runs `logferry buffer ARGS`; returns the exit code. Throws UsageError for usage mistakes. */
export function runBuffer(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    if (command === undefined) throw new UsageError('a command is missing: check or dump');
    out(OVERVIEW);
    return 0;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    if (command === 'check') out(CHECK_HELP);
    else if (command === 'dump') out(DUMP_HELP);
    else throw new UsageError(`unknown command '${command}'; the commands are check and dump`);
    return 0;
  }
  if (command === 'check') {
    const unknown = rest.find((a) => a.startsWith('-'));
    if (unknown) throw new UsageError(`check takes no option '${unknown}'`);
    if (rest.length !== 1) throw new UsageError('check needs exactly one FILE or DIR');
    return check(rest[0], out, err);
  }
  if (command === 'dump') {
    const json = rest.includes('--json');
    const args = rest.filter((a) => a !== '--json');
    const unknown = args.find((a) => a.startsWith('-'));
    if (unknown) throw new UsageError(`dump takes no option '${unknown}'`);
    if (args.length !== 1) throw new UsageError('dump needs exactly one segment FILE');
    return dump(args[0], json, out, err);
  }
  throw new UsageError(`unknown command '${command}'; the commands are check and dump`);
}

function readable(path: string, err: (s: string) => void): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    err(`logferry buffer: cannot read ${path} (${(e as NodeJS.ErrnoException).code}); give a disk-buffer directory or a .lfseg file.\n`);
    return false;
  }
}

function check(path: string, out: (s: string) => void, err: (s: string) => void): number {
  if (!readable(path, err)) return 1;
  let r: BufferReport;
  try {
    r = inspectBuffer(path);
  } catch (e) {
    err(`logferry buffer: cannot check ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  out(summary(path, r));
  const bad = r.segments.filter((s) => s.problem && s.problem.kind !== 'torn').length + (r.cursorProblem ? 1 : 0);
  return bad > 0 ? 1 : 0;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

function summary(path: string, r: BufferReport): string {
  const sum = (f: (s: BufferReport['segments'][number]) => number) => r.segments.reduce((n, s) => n + f(s), 0);
  const lines: string[] = [];
  const acked = r.cursor ? `, acknowledged up to sequence number ${r.cursor.ackedSeq}` : '';
  lines.push(
    `${path}: ${plural(r.segments.length, 'segment')}, ${plural(sum((s) => s.records), 'record')}, ${sum((s) => s.unacknowledged)} unacknowledged${acked}, ${plural(sum((s) => s.bytes), 'byte')}`,
  );
  if (r.senderId !== undefined) lines.push(`  sender id ${r.senderId}`);
  for (const s of r.segments) {
    const name = basename(s.file);
    const seqs = s.firstSeq !== undefined ? `, sequence numbers ${s.firstSeq}-${s.lastSeq}` : '';
    const p = s.problem;
    if (!p) lines.push(`  ${name}: ok, ${plural(s.records, 'record')}${seqs}, ${plural(s.bytes, 'byte')}`);
    else if (p.kind === 'torn') lines.push(`  ${name}: ${plural(s.records, 'record')}${seqs}; torn last record at offset ${p.offset} (${plural(p.bytes, 'byte')} a crash cut short; logferry truncates them when it opens the buffer)`);
    else if (p.kind === 'corrupt') lines.push(`  ${name}: corrupt at offset ${p.offset}: ${p.reason}; ${plural(s.records, 'good record')} before it${seqs}`);
    else lines.push(`  ${name}: format version ${p.version}, newer than this logferry reads (${FORMAT_VERSION}); use a newer logferry`);
  }
  if (r.cursorProblem) lines.push(`  ${r.cursorProblem}`);
  if (r.quarantined.length > 0) lines.push(`  ${plural(r.quarantined.length, 'quarantined segment file')} set aside earlier: ${r.quarantined.join(', ')}`);
  const bad = r.segments.filter((s) => s.problem && s.problem.kind !== 'torn').length + (r.cursorProblem ? 1 : 0);
  lines.push(bad === 0 ? 'OK: every record checks out.' : `NOT OK: ${plural(bad, 'problem')} found.`);
  return lines.join('\n') + '\n';
}

/** The payload as one line of text: control characters and bytes that are not UTF-8 escaped. */
function asText(payload: Buffer): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\\]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function dump(path: string, json: boolean, out: (s: string) => void, err: (s: string) => void): number {
  if (!readable(path, err)) return 1;
  if (statSync(path).isDirectory()) throw new UsageError(`dump takes one segment file, and ${path} is a directory`);
  const bytes = readFileSync(path);
  const chunks: string[] = [];
  const scan = scanSegment(bytes, (seq, payload, offset) => {
    chunks.push(json ? JSON.stringify({ seq, offset, length: payload.length, payload: payload.toString('utf8') }) : `seq=${seq} length=${payload.length} ${asText(payload)}`);
  });
  if (chunks.length > 0) out(chunks.join('\n') + '\n');
  const h = scan.headerProblem;
  if (h) {
    const why = h.kind === 'newer' ? `its format version ${h.version} is newer than this logferry reads (${FORMAT_VERSION})` : h.kind === 'bad' ? h.reason : 'it is shorter than a segment header';
    err(`logferry buffer: ${path} cannot be dumped: ${why}.\n`);
    return 1;
  }
  if (scan.tail.kind === 'corrupt') {
    err(`logferry buffer: corrupt at offset ${scan.tail.offset} (${scan.tail.reason}); the records before it are printed above.\n`);
    return 1;
  }
  if (scan.tail.kind === 'torn') {
    err(`logferry buffer: the last record at offset ${scan.tail.offset} is cut short (${plural(scan.tail.bytes, 'byte')}); the records before it are printed above.\n`);
    return 1;
  }
  return 0;
}
