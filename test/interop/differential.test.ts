/**
 * Differential test: the SAME generated inputs go through the real syslog-ng 3.38 and through
 * logferry with the SAME configuration; their outputs must agree byte for byte, field by field.
 *
 *   RFC 5424 set (octet-counted, so any byte travels) → syslog(transport(tcp)) source
 *       → file() with one template printing every deterministic macro
 *       → syslog() destination → a Node TCP receiver (on-the-wire RFC 5424 bytes)
 *   RFC 3164 set (newline framed)                      → network(transport(tcp)) source → file()
 *
 * Inputs: LF_DIFF_COUNT (default 5000) per format from a seeded PRNG (LF_DIFF_SEED), plus the
 * `message` vectors of test/fixtures/syslog-vectors.public.jsonl. Both daemons run with TZ=Europe/Budapest. Values that
 * depend on the moment of receipt are normalised (see `normalizeRecord`); everything else must be
 * equal unless an ALLOW entry below says why not. LF_DIFF_DUMP=<dir> writes every unaccepted
 * difference as JSON lines for offline classification.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_FILE } from '../helpers/fixtures.ts';
import { freePorts } from '../helpers/ports.ts';
import { octetFrame, sendTcp, SNG_TEST_OPTIONS, sngString, waitForText } from '../helpers/peers.ts';
import type { DaemonHandle } from '../helpers/peers.ts';
import { generate, loadMessageVectors } from './lib/generate.ts';
import type { GenInput } from './lib/generate.ts';
import { startImpl, skipUnlessImpl } from './lib/impls.ts';
import type { Impl } from './lib/impls.ts';
import {
  FIELD_SEP, frameSyncId, groupBySync, jsonish, RECORD_END, recordSyncId, splitFrames, splitRecords, syncMsg3164, syncMsg5424,
} from './lib/records.ts';
import { WireReceiver } from './lib/wire-receiver.ts';

const SEED = Number(process.env.LF_DIFF_SEED ?? 20261123);
const COUNT = Number(process.env.LF_DIFF_COUNT ?? 5000);
const TZ = 'Europe/Budapest';
const WAIT_MS = 90_000;

/**
 * Every macro of drivers.md §12 whose value depends only on the input and the config. PROGRAM and
 * MSG come first (the sync records are recognised by them). R_UNIXTIME is not compared: it only
 * tells which messages carry the receipt time as their own stamp.
 */
const FIELDS = [
  'PROGRAM', 'MSG', 'MESSAGE', 'MSGONLY', 'HOST', 'FULLHOST', 'HOST_FROM', 'FULLHOST_FROM', 'SOURCEIP', 'DESTIP', 'PROTO', 'LOGHOST',
  'PID', 'MSGID', 'PRI', 'FACILITY', 'FACILITY_NUM', 'SEVERITY', 'SEVERITY_NUM', 'PRIORITY', 'LEVEL', 'LEVEL_NUM', 'TAG', 'BSDTAG',
  'SDATA', 'MSGHDR', 'LEGACY_MSGHDR', 'TAGS', 'SOURCE', 'TRANSPORT', 'MSGFORMAT', 'IP_PROTO', 'PROTO_NAME',
  'ISODATE', 'STAMP', 'DATE', 'FULLDATE', 'UNIXTIME', 'YEAR', 'MONTH', 'MONTH_ABBREV', 'MONTH_NAME', 'DAY', 'WEEKDAY',
  'WEEK_DAY_NAME', 'WEEK', 'YEAR_DAY', 'HOUR', 'MIN', 'SEC', 'MSEC', 'USEC', 'TZOFFSET', 'TZ',
  'R_UNIXTIME',
] as const;
type Field = (typeof FIELDS)[number];
const IDX = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
const TIME_FIELDS: Field[] = ['ISODATE', 'STAMP', 'DATE', 'FULLDATE', 'UNIXTIME', 'YEAR', 'MONTH', 'MONTH_ABBREV', 'MONTH_NAME', 'DAY',
  'WEEKDAY', 'WEEK_DAY_NAME', 'WEEK', 'YEAR_DAY', 'HOUR', 'MIN', 'SEC', 'MSEC', 'USEC', 'TZOFFSET', 'TZ'];
const RECEIPT = '<receipt-time>';
const SELF_PID = '<self-pid>';
const ERROR_MSG = 'Error processing log message';

type SetName = '5424' | '3164' | 'wire';

interface Allowance {
  set: SetName | '*';
  /** '*' = any field of the record (the whole record is accepted) */
  field: Field | 'frame' | 'count' | '*';
  /** the difference is accepted when this holds (sng = syslog-ng's value, lf = logferry's) */
  when: (sng: string, lf: string, set: SetName, c: DiffContext) => boolean;
  reason: string;
}

/** What an allowance may look at besides the two values. */
interface DiffContext {
  set: SetName;
  /** the input, latin1 */
  input: string;
  /** the file() records of this input (for the wire set: those of the RFC 5424 file() output); [] if not exactly one */
  sngRec: string[];
  lfRec: string[];
  /** earlier inputs that syslog-ng turned into a parse-error message and logferry did not */
  errorsSkipped: number;
}

const ERR_HEAD = `${ERROR_MSG}: `;
const SEQ_SDATA = /^\[meta sequenceId="(\d+)"\]$/;
/** the parser tags AxoSyslog 4.x sets and syslog-ng 3.38 does not have */
const PARSER_TAGS_4X = new Set(['syslog.missing_pri', 'syslog.invalid_pri', 'syslog.missing_timestamp', 'syslog.rfc3164_missing_header',
  'syslog.invalid_hostname', 'syslog.unexpected_framing']);

function isErrorRec(r: string[]): boolean {
  return r.length === FIELDS.length && r[IDX.MSG]!.startsWith(ERR_HEAD);
}

/** The record as the parser sees it: trailing LF/NUL stripped; newline framing also takes a CR before the LF. */
function recordText(c: DiffContext): string {
  return (c.set === '3164' ? c.input.replace(/\r$/, '') : c.input).replace(/[\n\0]+$/, '');
}

/**
 * 4.x: `<` without digits and `>` is no parse error any more (syslog-format.c: tag syslog.invalid_pri, the whole line
 * becomes MESSAGE, default PRI user.notice); 3.38 piggybacks a parse error.
 */
function invalidPriKept(c: DiffContext): boolean {
  const l = c.lfRec;
  return isErrorRec(c.sngRec) && l.length === FIELDS.length && l[IDX.TAGS]!.split(',').includes('syslog.invalid_pri') &&
    /^<\d*[^\d>]/.test(c.input) && l[IDX.MSG] === recordText(c) && l[IDX.PRI] === '13' && l[IDX.PROGRAM] === '';
}

/**
 * 4.x accepts unquoted SD values (`a=b`, also empty `x=`), one space before `]` and one after `[` (syslog-format.c
 * `_syslog_format_parse_sd`); 3.38 stops there with a parse error whose `>@<` marker sits right at that spot
 * (for `[ id`, one byte before the space: `>@<[ id`).
 */
function sdLeniencyKept(c: DiffContext): boolean {
  if (!isErrorRec(c.sngRec) || c.lfRec.length !== FIELDS.length || c.lfRec[IDX.MSGFORMAT] !== 'syslog:rfc5424') return false;
  const m = c.sngRec[IDX.MSG]!;
  const at = m.indexOf('>@<');
  if (at < 0) return false;
  const after = m.slice(at + 3);
  return after.startsWith(' ]') || (after.startsWith('=') && after[1] !== '"') || (after.startsWith('[ ') && after[2] !== ' ');
}

/**
 * Both reject the line, but 3.38 already stops at an unquoted SD value (`k= "v"`), while 4.x reads the (empty) unquoted
 * value and stops at the stray quote after it: the same report with the `>@<` marker further on.
 */
function laterErrorMarker(c: DiffContext): boolean {
  if (!isErrorRec(c.sngRec) || !isErrorRec(c.lfRec)) return false;
  const s = c.sngRec[IDX.MSG]!;
  const l = c.lfRec[IDX.MSG]!;
  const at = s.indexOf('>@<');
  const after = s.slice(at + 3);
  return at >= 0 && after.startsWith('=') && after[1] !== '"' && l.indexOf('>@<') > at && s.replace('>@<', '') === l.replace('>@<', '');
}

/** ${MSGFORMAT} per AxoSyslog syslog-format.c / msg-format.c (spec §6, §12; see the note on `syslog-error` below) */
function expectedMsgformat(set: SetName, c: DiffContext): string {
  if (isErrorRec(c.lfRec)) return 'syslog-error';
  if (set === '3164') return 'syslog:rfc3164';
  return /^(\d{1,10} )?<\d*>0*1 /.test(c.input) ? 'syslog:rfc5424' : 'syslog:rfc3164';
}

/** logferry's parse-error frame is syslog-ng's with the local host name and a sequenceId that skipped the messages 4.x keeps */
function errorFrameAgrees(sng: string, lf: string, c: DiffContext): boolean {
  if (!sng.includes(` syslog-ng ${SELF_PID} - [meta sequenceId="`) || !isErrorRec(c.lfRec)) return false;
  const t = sng.split(' ');
  if (t[2] !== c.sngRec[IDX.SOURCEIP]) return false;
  t[2] = c.lfRec[IDX.LOGHOST]!;
  if (laterErrorMarker(c)) t.splice(8, t.length - 8, ...lf.split(' ').slice(8));
  const want = t.join(' ').replace(/\[meta sequenceId="(\d+)"\]/, (_m, n: string) => `[meta sequenceId="${Number(n) - c.errorsSkipped}"]`);
  return lf === want;
}

/**
 * Documented, accepted differences: behaviour that changed between syslog-ng 3.38 and AxoSyslog 4.x, where logferry
 * follows 4.x as the spec (drivers.md) says. Each entry still checks logferry's value against what 4.x produces.
 */
const ALLOW: Allowance[] = [
  { set: '*', field: 'TRANSPORT', when: (s, l, set) => s === '' && l === (set === '3164' ? 'bsdsyslog+tcp' : 'rfc6587'),
    reason: '${TRANSPORT} is a 4.x macro, empty in 3.38; spec §2 values' },
  { set: '*', field: 'MSGFORMAT', when: (s, l, set, c) => s === '' && l === expectedMsgformat(set, c),
    reason: '${MSGFORMAT} is empty in 3.38; 4.x sets syslog:rfc5424 / syslog:rfc3164 (spec §6, §12) and, after a parse error, ' +
      '"<format>-error" = syslog-error (AxoSyslog lib/msg-format.c; the spec text says syslog:error)' },
  { set: '*', field: 'IP_PROTO', when: (s, l) => s === '' && l === '4', reason: '${IP_PROTO} is 4.5+, empty in 3.38' },
  { set: '*', field: 'PROTO_NAME', when: (s, l) => s === '' && l === 'tcp', reason: '${PROTO_NAME} is 4.x, empty in 3.38' },
  { set: '5424', field: 'PROTO', when: (_s, l) => l === '6' || SELF_TEST,
    reason: 'syslog-ng 3.38 prints junk for ${PROTO} on syslog() sources (0, 4, 5, 6, 32, 49, 55, 63... for the same input ' +
      'in different runs); network() prints 6 consistently' },
  { set: '*', field: 'TAGS', reason: 'the parser tags syslog.missing_pri/invalid_pri/missing_timestamp/rfc3164_missing_header/' +
      'invalid_hostname are 4.x (spec §6, §7 check-hostname); 3.38 sets none of them',
    when: (s, l, _set, c) => {
      const a = s.split(',');
      const b = l.split(',');
      const extra = b.filter((t) => !a.includes(t));
      const body = c.input.replace(/^\d{1,10} /, '');
      return a.every((t) => b.includes(t)) && extra.every((t) => PARSER_TAGS_4X.has(t)) &&
        (!extra.includes('syslog.missing_pri') || !body.startsWith('<')) && (!extra.includes('syslog.invalid_pri') || body.startsWith('<'));
    } },
  { set: '*', field: '*', when: (_s, _l, _set, c) => invalidPriKept(c),
    reason: 'invalid PRI (`<1a>`, `<-1>`, `<13 x`): 4.x keeps the line as MESSAGE with tag syslog.invalid_pri, 3.38 makes a parse error' },
  { set: '5424', field: '*', when: (_s, _l, _set, c) => sdLeniencyKept(c),
    reason: 'unquoted SD values (`[id a=b]`, `[id x=]`), a space before `]` and one after `[` (`[ id a="b"]`, AxoSyslog 4.13+) ' +
      'are accepted by 4.x, parse errors in 3.38' },
  { set: 'wire', field: 'frame', when: (_s, l, _set, c) => (invalidPriKept(c) || sdLeniencyKept(c)) && l.startsWith(`<${c.lfRec[IDX.PRI]}>1 `),
    reason: 'the two rows above, on the wire: logferry forwards the message it kept, syslog-ng its parse-error report' },
  ...(['HOST', 'FULLHOST', 'HOST_FROM', 'FULLHOST_FROM'] as const).map((f): Allowance => ({
    set: '*', field: f, when: (s, l, _set, c) => isErrorRec(c.sngRec) && isErrorRec(c.lfRec) && s === c.sngRec[IDX.SOURCEIP] && l === c.lfRec[IDX.LOGHOST],
    reason: 'parse-error messages are LF_LOCAL in 4.x (lib/msg-format.c), so HOST/HOST_FROM are the local host name (spec §6); ' +
      '3.38 leaves them to the sender address',
  })),
  { set: '*', field: 'SDATA', reason: 'parse-error messages count `[meta sequenceId]` per destination; logferry\'s count lacks the ' +
      'inputs that only 3.38 rejects (rows above), so it must be exactly that many lower',
    when: (s, l, _set, c) => {
      const a = SEQ_SDATA.exec(s);
      const b = SEQ_SDATA.exec(l);
      return a !== null && b !== null && isErrorRec(c.sngRec) && Number(b[1]) === Number(a[1]) - c.errorsSkipped;
    } },
  { set: 'wire', field: 'frame', when: (s, l, _set, c) => errorFrameAgrees(s, l, c),
    reason: 'the HOST and sequenceId rows above, in the syslog() header of parse-error messages' },
  ...(['MSG', 'MESSAGE', 'MSGONLY'] as const).map((f): Allowance => ({
    set: '5424', field: f, when: (_s, _l, _set, c) => laterErrorMarker(c),
    reason: 'unquoted SD value followed by a stray quote: both report a parse error, 4.x one value later (`k=>@< "v"`, not `k>@<= "v"`)',
  })),
  { set: '*', field: 'MSGONLY', when: (s, l, _set, c) => l === c.lfRec[IDX.MSG] && l.includes('\0') && s === l.slice(0, l.indexOf('\0')),
    reason: '3.38 copies ${MSGONLY} as a C string and stops at the first NUL; spec §12: MSGONLY = MESSAGE (4.x behaviour not ' +
      'confirmed from source)' },
];

/** LOGFERRY_CMD runs syslog-ng in logferry's place: the harness checking itself. */
const SELF_TEST = /syslog-ng/.test(process.env.LOGFERRY_CMD ?? '');

// ---------------------------------------------------------------------------------------------

interface Inputs {
  set5424: GenInput[];
  set3164: GenInput[];
}

function buildInputs(): Inputs {
  const vectors = loadMessageVectors(VECTORS_FILE);
  assert.ok(vectors.length > 0, `no message vectors in ${VECTORS_FILE}`);
  const newlineSafe = vectors.filter((v) => !v.bytes.includes(0x0a) && !v.bytes.includes(0x00) && v.bytes.toString('latin1').trim() !== '');
  return {
    set5424: [...generate('5424', COUNT, SEED), ...vectors],
    set3164: [...generate('3164', COUNT, SEED), ...newlineSafe],
  };
}

/** Byte stream for the syslog() source: every input then its sync message, octet-counted. */
function stream5424(inputs: GenInput[]): Buffer {
  const parts: Buffer[] = [];
  for (const inp of inputs) parts.push(octetFrame(inp.bytes), octetFrame(syncMsg5424(inp.id)));
  return Buffer.concat(parts);
}

/** Byte stream for the network() source: every input then its sync message, one per line. */
function stream3164(inputs: GenInput[]): Buffer {
  const nl = Buffer.from('\n');
  const parts: Buffer[] = [];
  for (const inp of inputs) parts.push(inp.bytes, nl, syncMsg3164(inp.id), nl);
  return Buffer.concat(parts);
}

const TEMPLATE = FIELDS.map((f) => `\${${f}}`).join(FIELD_SEP) + RECORD_END;

export function diffConfig(p: { port5424: number; port3164: number; wirePort: number; out5424: string; out3164: string }): string {
  const tmpl = `template(${sngString(TEMPLATE)})`;
  return [
    '@version: 3.38',
    `options { ${SNG_TEST_OPTIONS} frac-digits(6); log-fifo-size(100000); log-msg-size(65536); };`,
    `source s_5424 { syslog(ip("127.0.0.1") port(${p.port5424}) transport(tcp)); };`,
    `source s_3164 { network(ip("127.0.0.1") port(${p.port3164}) transport(tcp)); };`,
    `destination d_5424 { file(${sngString(p.out5424)} ${tmpl}); };`,
    `destination d_3164 { file(${sngString(p.out3164)} ${tmpl}); };`,
    `destination d_wire { syslog("127.0.0.1" port(${p.wirePort}) transport(tcp) time-reopen(1)); };`,
    'log { source(s_5424); destination(d_5424); destination(d_wire); };',
    'log { source(s_3164); destination(d_3164); };',
    '',
  ].join('\n');
}

interface RunResult {
  impl: Impl;
  pid: number;
  file5424: Map<string, string[][]>;
  file3164: Map<string, string[][]>;
  wire: Map<string, string[]>;
  counts: { records5424: number; records3164: number; frames: number; wireConnections: number };
}

function normalizeRecord(rec: string, pid: number): string[] {
  const f = rec.split(FIELD_SEP);
  if (f.length !== FIELDS.length) return [rec]; // content contained the separator: compare whole
  if (f[IDX.UNIXTIME] === f[IDX.R_UNIXTIME]) for (const t of TIME_FIELDS) f[IDX[t]] = RECEIPT;
  f[IDX.R_UNIXTIME] = '';
  if (f[IDX.MSG]!.startsWith(ERROR_MSG)) {
    const p = String(pid);
    if (f[IDX.PID] === p) f[IDX.PID] = SELF_PID;
    for (const h of ['MSGHDR', 'LEGACY_MSGHDR'] as const) f[IDX[h]] = f[IDX[h]]!.replace(`[${p}]`, `[${SELF_PID}]`);
  }
  return f;
}

function isReceiptTime(recs: string[][] | undefined): boolean {
  return recs !== undefined && recs.some((r) => r.length === FIELDS.length && r[IDX.ISODATE] === RECEIPT);
}

function normalizeFrame(frame: string, pid: number, receipt: boolean): string {
  const t = frame.split(' ');
  if (t.length < 5) return frame;
  if (receipt) t[1] = RECEIPT;
  if (frame.includes(ERROR_MSG) && t[4] === String(pid)) t[4] = SELF_PID;
  return t.join(' ');
}

async function runImpl(impl: Impl, inputs: Inputs): Promise<RunResult> {
  const [port5424, port3164] = await freePorts(2);
  const wire = new WireReceiver();
  const wirePort = await wire.listen();
  let daemon: DaemonHandle | undefined;
  try {
    let out5424 = '';
    let out3164 = '';
    daemon = await startImpl(impl, {
      tz: TZ,
      readyPorts: [port5424!, port3164!],
      config: (wd) => {
        out5424 = join(wd, 'out-5424.log');
        out3164 = join(wd, 'out-3164.log');
        return diffConfig({ port5424: port5424!, port3164: port3164!, wirePort, out5424, out3164 });
      },
    });
    const last5424 = inputs.set5424[inputs.set5424.length - 1]!.id;
    const last3164 = inputs.set3164[inputs.set3164.length - 1]!.id;
    await Promise.all([sendTcp(port5424!, stream5424(inputs.set5424)), sendTcp(port3164!, stream3164(inputs.set3164))]);
    const [b5424, b3164, bWire] = await Promise.all([
      waitForText(out5424, `SYNC-${last5424}${FIELD_SEP}`, WAIT_MS),
      waitForText(out3164, `SYNC-${last3164}${FIELD_SEP}`, WAIT_MS),
      wire.waitForSuffix(`SYNC-${last5424}\n`, WAIT_MS),
    ]);
    const pid = daemon.pid;
    const group = (buf: Buffer): { map: Map<string, string[][]>; n: number } => {
      const recs = splitRecords(buf);
      const { groups } = groupBySync(recs, recordSyncId);
      const map = new Map<string, string[][]>();
      for (const [id, rs] of groups) map.set(id, rs.map((r) => normalizeRecord(r, pid)));
      return { map, n: recs.length };
    };
    const f5424 = group(b5424);
    const f3164 = group(b3164);
    const frames = splitFrames(bWire);
    const wg = groupBySync(frames, frameSyncId).groups;
    const wireMap = new Map<string, string[]>();
    for (const [id, fs] of wg) wireMap.set(id, fs.map((f) => normalizeFrame(f, pid, isReceiptTime(f5424.map.get(id)))));
    return {
      impl, pid, file5424: f5424.map, file3164: f3164.map, wire: wireMap,
      counts: { records5424: f5424.n, records3164: f3164.n, frames: frames.length, wireConnections: wire.connections },
    };
  } catch (err) {
    const extra = daemon !== undefined ? `\n${impl} stderr:\n${daemon.process.stderrTail(40)}` : '';
    throw new Error(`${(err as Error).message}${extra}`);
  } finally {
    await daemon?.stop();
    await wire.close();
  }
}

// ---------------------------------------------------------------------------------------------

interface Difference {
  set: SetName;
  id: string;
  field: string;
  sng: string;
  lf: string;
  ctx: DiffContext;
}

function allowed(d: Difference): Allowance | undefined {
  return ALLOW.find((a) => (a.set === '*' || a.set === d.set) && (a.field === '*' || a.field === d.field) && a.when(d.sng, d.lf, d.set, d.ctx));
}

type FileMaps = { sng: Map<string, string[][]>; lf: Map<string, string[][]> };

/** Context per input, in input order: its single file() records and how many earlier inputs only syslog-ng rejected. */
function contexts(set: SetName, inputs: GenInput[], files: FileMaps): Map<string, DiffContext> {
  const out = new Map<string, DiffContext>();
  let skipped = 0;
  for (const { id, bytes } of inputs) {
    const a = files.sng.get(id) ?? [];
    const b = files.lf.get(id) ?? [];
    const sngRec = a.length === 1 ? a[0]! : [];
    const lfRec = b.length === 1 ? b[0]! : [];
    out.set(id, { set, input: bytes.toString('latin1'), sngRec, lfRec, errorsSkipped: skipped });
    if (a.some(isErrorRec) && !b.some(isErrorRec)) skipped++;
  }
  return out;
}

function compareRecords(set: SetName, inputs: GenInput[], sng: Map<string, string[][]>, lf: Map<string, string[][]>, files: FileMaps): Difference[] {
  const diffs: Difference[] = [];
  const ctxs = contexts(set, inputs, files);
  for (const { id } of inputs) {
    const ctx = ctxs.get(id)!;
    const a = sng.get(id) ?? [];
    const b = lf.get(id) ?? [];
    if (!sng.has(id) || !lf.has(id)) {
      diffs.push({ set, id, field: 'count', sng: sng.has(id) ? `${a.length} records` : 'sync missing', lf: lf.has(id) ? `${b.length} records` : 'sync missing', ctx });
      continue;
    }
    if (a.length !== b.length) {
      diffs.push({ set, id, field: 'count', sng: `${a.length} records`, lf: `${b.length} records`, ctx });
      continue;
    }
    for (let k = 0; k < a.length; k++) {
      const ra = a[k]!;
      const rb = b[k]!;
      if (ra.length !== rb.length) {
        diffs.push({ set, id, field: 'frame', sng: ra.join(FIELD_SEP), lf: rb.join(FIELD_SEP), ctx });
        continue;
      }
      for (let i = 0; i < ra.length; i++) {
        if (ra[i] !== rb[i]) diffs.push({ set, id, field: ra.length === FIELDS.length ? FIELDS[i]! : 'frame', sng: ra[i]!, lf: rb[i]!, ctx });
      }
    }
  }
  return diffs;
}

function compareWire(inputs: GenInput[], sng: Map<string, string[]>, lf: Map<string, string[]>, files: FileMaps): Difference[] {
  const wrap = (m: Map<string, string[]>): Map<string, string[][]> => new Map([...m].map(([k, v]) => [k, v.map((f) => [f])]));
  return compareRecords('wire', inputs, wrap(sng), wrap(lf), files).map((d) => (d.field === 'PROGRAM' ? { ...d, field: 'frame' } : d));
}

/** Fails with a readable report: counts per field, then the first differences with their input. */
function reportDiffs(title: string, inputs: GenInput[], diffs: Difference[]): void {
  const byId = new Map(inputs.map((i) => [i.id, i.bytes]));
  const real = diffs.filter((d) => allowed(d) === undefined);
  const accepted = diffs.length - real.length;
  const perField = new Map<string, number>();
  for (const d of real) perField.set(d.field, (perField.get(d.field) ?? 0) + 1);
  const ids = new Set(real.map((d) => d.id));
  console.log(`# ${title}: ${inputs.length} inputs, ${ids.size} differ, ${real.length} field differences, ${accepted} allowed`);
  // LF_DIFF_DUMP=<dir>: every unaccepted difference as one JSON line, for offline classification.
  const dump = process.env.LF_DIFF_DUMP;
  if (dump !== undefined && dump !== '') {
    const lines = real.map((d) => JSON.stringify({ ...d, ctx: undefined, input: byId.get(d.id)?.toString('latin1') ?? '?' }));
    writeFileSync(join(dump, `${real[0]?.set ?? 'none'}-${title.replace(/\W+/g, '_')}.jsonl`), lines.join('\n') + '\n');
  }
  if (real.length === 0) return;
  const lines = [`${title}: ${ids.size} of ${inputs.length} inputs differ (${real.length} fields; ${accepted} allowed differences not counted)`,
    `  per field: ${[...perField].map(([f, n]) => `${f}=${n}`).join(' ')}`];
  for (const d of real.slice(0, 25)) {
    lines.push(`  [${d.id}] ${d.field}`, `      input:     ${jsonish(byId.get(d.id)?.toString('latin1') ?? '?')}`,
      `      syslog-ng: ${jsonish(d.sng)}`, `      logferry:  ${jsonish(d.lf)}`);
  }
  if (real.length > 25) lines.push(`  ... ${real.length - 25} more`);
  assert.fail(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------

describe('differential: syslog-ng 3.38 vs logferry on generated inputs', { skip: skipUnlessImpl('syslog-ng') }, () => {
  let inputs: Inputs;
  let sng: RunResult;
  let lf: RunResult | undefined;
  let lfError: Error | undefined;
  const lfSkip = skipUnlessImpl('logferry');

  before(async () => {
    inputs = buildInputs();
    const runs = await Promise.allSettled([runImpl('syslog-ng', inputs), lfSkip === false ? runImpl('logferry', inputs) : Promise.resolve(undefined)]);
    if (runs[0].status === 'rejected') throw runs[0].reason;
    sng = runs[0].value;
    if (runs[1].status === 'rejected') lfError = runs[1].reason as Error;
    else lf = runs[1].value;
  });
  after(() => {
    inputs = { set5424: [], set3164: [] };
  });

  it('generator is reproducible and covers the edge cases', () => {
    const again = generate('5424', 200, SEED);
    assert.deepEqual(again.map((i) => i.bytes), inputs.set5424.slice(0, 200).map((i) => i.bytes));
    assert.ok(inputs.set5424.length >= COUNT && inputs.set3164.length >= COUNT);
    const text = (xs: GenInput[], re: RegExp): number => xs.filter((i) => re.test(i.bytes.toString('latin1'))).length;
    const s5 = inputs.set5424;
    assert.ok(text(s5, /^<\d+>1 - /) > 0, 'nil timestamp');
    assert.ok(text(s5, /\\[\]"\\]/) > 0, 'SD escapes');
    assert.ok(text(s5, /\.\d{6}[Z+-]/) > 0, 'fractional seconds');
    assert.ok(s5.filter((i) => i.bytes.includes(Buffer.from([0xef, 0xbb, 0xbf]))).length > 0, 'BOM');
    assert.ok(s5.filter((i) => i.bytes.includes(0xff)).length > 0, 'invalid UTF-8');
    assert.ok(text(inputs.set3164, /^[A-Z][a-z]{2} [ \d]\d /) > 0, '3164 without PRI');
    assert.ok(text(inputs.set3164, /\[\d+\]: /) > 0, 'program[pid]');
    assert.ok(inputs.set3164.every((i) => !i.bytes.includes(0x0a) && !i.bytes.includes(0)), 'no LF/NUL in newline-framed inputs');
  });

  it('syslog-ng produced one sync-delimited record group per input (harness self-test)', () => {
    for (const [set, xs, map] of [['5424', inputs.set5424, sng.file5424], ['3164', inputs.set3164, sng.file3164], ['wire', inputs.set5424, sng.wire]] as const) {
      const missing = xs.filter((i) => !map.has(i.id));
      assert.equal(missing.length, 0, `${set}: no sync record for ${missing.slice(0, 5).map((m) => m.id).join(', ')}`);
    }
    const groups5424 = [...sng.file5424.values()];
    const parsed = groups5424.flat().filter((r) => r.length === FIELDS.length).length;
    const receipt = groups5424.filter((g) => isReceiptTime(g)).length;
    const errors = groups5424.flat().filter((r) => r[IDX.MSG]?.startsWith(ERROR_MSG)).length;
    console.log(`# syslog-ng: 5424 set ${inputs.set5424.length} inputs → ${sng.counts.records5424} records (${parsed} well-split, ` +
      `${receipt} with receipt-time stamp, ${errors} parse errors); 3164 set ${inputs.set3164.length} → ${sng.counts.records3164} records; ` +
      `wire ${sng.counts.frames} frames on ${sng.counts.wireConnections} connection(s)`);
    const total = groups5424.flat().length;
    assert.ok(parsed >= total * 0.99, `${total - parsed} of ${total} records not cut into ${FIELDS.length} fields`);
  });

  it('RFC 5424 set: file() output identical', { skip: lfSkip }, () => {
    if (lfError) throw lfError;
    reportDiffs('RFC 5424 via syslog() → file()', inputs.set5424, compareRecords('5424', inputs.set5424, sng.file5424, lf!.file5424, { sng: sng.file5424, lf: lf!.file5424 }));
  });

  it('RFC 3164 set: file() output identical', { skip: lfSkip }, () => {
    if (lfError) throw lfError;
    reportDiffs('RFC 3164 via network() → file()', inputs.set3164, compareRecords('3164', inputs.set3164, sng.file3164, lf!.file3164, { sng: sng.file3164, lf: lf!.file3164 }));
  });

  it('RFC 5424 set: syslog() destination bytes identical', { skip: lfSkip }, () => {
    if (lfError) throw lfError;
    reportDiffs('RFC 5424 via syslog() → syslog() wire', inputs.set5424, compareWire(inputs.set5424, sng.wire, lf!.wire, { sng: sng.file5424, lf: lf!.file5424 }));
  });
});
