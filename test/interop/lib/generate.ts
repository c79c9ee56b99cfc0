/**
 * Reproducible syslog input generator for the differential tests: a seeded PRNG drives RFC 5424
 * and RFC 3164 builders that mix well-formed messages with the edge cases parsers disagree on
 * (nil values, SD escapes, fractions, zones, BOM, invalid UTF-8, odd dates, missing PRI...).
 * Inputs are raw bytes; the RFC 5424 set travels octet-counted (any byte allowed), the RFC 3164
 * set newline-framed (so it never contains LF or NUL).
 */
import { readFileSync } from 'node:fs';

export interface GenInput {
  /** stable id: `<set>-<n>` or the vector id */
  id: string;
  bytes: Buffer;
}

/** sfc32: small, fast, good enough statistical quality, trivially seedable. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** uniform uint32 */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }

  /** true with probability p */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.next() % xs.length]!;
  }

  str(alphabet: string, lo: number, hi: number): string {
    const n = this.int(lo, hi);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.next() % alphabet.length];
    return s;
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const HOSTCH = `${LOWER}0123456789-.`;
const PRINTASCII = (() => {
  let s = '';
  for (let c = 33; c < 127; c++) s += String.fromCharCode(c);
  return s;
})();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const UTF8_WORDS = ['árvíztűrő', 'tükörfúrógép', 'Größe', 'naïve café', 'Ελληνικά', 'Ünïcödé', '日本語のテキスト', '😀 emoji', 'ʃɪbəlɛθ', 'Ω≈ç√∫'];
const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0x80, 0x81]), Buffer.from([0xfe, 0xfe]),
];
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const WORDS = ['connection', 'accepted', 'from', 'user', 'root', 'failed', 'password', 'session', 'opened', 'closed',
  'kernel:', 'a:b:c', 'key=value', '[brackets]', '"quoted"', 'back\\slash', 'tab\there', 'pid[12]', 'port 22', '-', '--'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Message text: words, UTF-8, controls and invalid bytes in proportions that hit edge cases. */
function genText(r: Prng, framing: 'octet' | 'newline'): Buffer {
  const parts: Buffer[] = [];
  const n = r.chance(0.02) ? r.int(200, 800) : r.int(0, 12);
  for (let i = 0; i < n; i++) {
    const k = r.int(0, 99);
    if (k < 60) parts.push(Buffer.from(r.pick(WORDS)));
    else if (k < 72) parts.push(Buffer.from(r.pick(UTF8_WORDS)));
    else if (k < 78) parts.push(r.pick(INVALID_UTF8));
    else if (k < 84) parts.push(Buffer.from(r.str(PRINTASCII, 1, 12)));
    else if (k < 88) parts.push(Buffer.from(r.pick(['\t', '\r', '  ', '\x01', '\x7f'])));
    else if (k < 91 && framing === 'octet') parts.push(Buffer.from(r.pick(['\n', '\r\n', '\0', '\n\n'])));
    else parts.push(Buffer.from(String(r.int(0, 100000))));
    if (r.chance(0.8)) parts.push(Buffer.from(' '));
  }
  let text = Buffer.concat(parts);
  if (r.chance(0.05)) text = Buffer.concat([Buffer.from(r.pick([' ', '  ', '\t'])), text]);
  if (r.chance(0.05)) text = Buffer.concat([text, Buffer.from(r.pick(framing === 'octet' ? ['\n', ' ', '\r\n', '\0'] : [' ', '\r', '\t']))]);
  return text;
}

// ---------------------------------------------------------------------------------------------
// RFC 5424

function gen5424Timestamp(r: Prng): string {
  if (r.chance(0.05)) return '-';
  if (r.chance(0.02)) return r.pick(['2020-13-01T00:00:00Z', '2021-02-30T10:00:00Z', '2020-01-01T24:00:00Z', '2020-01-01 00:00:00Z',
    '2020-01-01T00:00:60Z', '20-01-01T00:00:00Z', '2020-01-01T00:00:00', '2020-01-01T00:00:00+1:00', '2020-01-01T00:00:00.Z', 'now']);
  const year = r.chance(0.1) ? r.pick([1970, 1999, 2000, 2016, 2024, 2037, 2038, 2100]) : r.int(2000, 2030);
  const month = r.int(0, 11);
  const day = r.int(1, daysIn(year, month));
  let hour = r.int(0, 23);
  // Put a share of the stamps near the Budapest DST switches (last Sundays of March/October).
  if (r.chance(0.05)) hour = r.pick([1, 2, 3]);
  let ts = `${year}-${pad2(month + 1)}-${pad2(day)}T${pad2(hour)}:${pad2(r.int(0, 59))}:${pad2(r.int(0, 59))}`;
  const fk = r.int(0, 9);
  if (fk >= 4) ts += '.' + r.str('0123456789', 1, fk === 9 ? r.int(7, 9) : 6);
  const zk = r.int(0, 9);
  if (zk < 3) ts += 'Z';
  else if (zk < 9) {
    const sign = r.chance(0.5) ? '+' : '-';
    ts += `${sign}${pad2(r.int(0, 14))}:${r.pick(['00', '00', '30', '45'])}`;
  } else if (r.chance(0.5)) ts += 'z';
  return ts;
}

function gen5424Name(r: Prng, max: number, alphabet: string): string {
  if (r.chance(0.1)) return '-';
  if (r.chance(0.03)) return r.str(alphabet, max + 1, max + 20); // over the RFC limit
  return r.str(alphabet, 1, Math.min(max, 16));
}

function genHost(r: Prng): string {
  const k = r.int(0, 19);
  if (k === 0) return `${r.int(1, 254)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  if (k === 1) return r.pick(['::1', 'fe80::1', '2001:db8::42']);
  if (k === 2) return r.str(HOSTCH, 200, 270);
  if (k === 3) return r.pick(['host/with/slash', 'UPPER.Example.COM', 'under_score', 'host:colon', 'ho[st]']);
  return r.str(LOWER, 1, 10) + (r.chance(0.4) ? `.${r.str(LOWER, 2, 8)}.${r.pick(['com', 'org', 'hu', 'local'])}` : '');
}

function genSdName(r: Prng): string {
  const k = r.int(0, 9);
  if (k === 0) return r.pick(['timeQuality', 'origin', 'meta']);
  if (k === 1) return r.str(ALNUM, 33, 40); // longer than 32
  return r.str(ALNUM, 1, 8) + (r.chance(0.5) ? `@${r.int(1, 99999)}` : '');
}

function genSdValue(r: Prng): Buffer {
  const parts: Buffer[] = [];
  const n = r.int(0, 6);
  for (let i = 0; i < n; i++) {
    const k = r.int(0, 19);
    if (k < 10) parts.push(Buffer.from(r.str(ALNUM + ' .-_/', 1, 8)));
    else if (k < 13) parts.push(Buffer.from(r.pick(['\\"', '\\\\', '\\]'])));
    else if (k === 13) parts.push(Buffer.from(r.pick(['\\n', '\\x', '\\'])));
    else if (k === 14) parts.push(Buffer.from(r.pick(UTF8_WORDS)));
    else if (k === 15) parts.push(r.pick(INVALID_UTF8));
    else if (k === 16) parts.push(Buffer.from(r.pick(['=', '[', "'", '@'])));
    else parts.push(Buffer.from(String(r.int(0, 99999))));
  }
  return Buffer.concat(parts);
}

function gen5424Sd(r: Prng): Buffer {
  if (r.chance(0.35)) return Buffer.from('-');
  if (r.chance(0.04)) {
    return Buffer.from(r.pick(['[id a="unterminated', '[id a="x"]]', '[ id a="b"]', '[id a="q"q"]', '[id a=b]', '[id  a="b"]',
      '[id a="b" ]', '[]', '[id a="b"][id a="c"]', '[id a="b"', 'id a="b"]', '[id a="x]y"]', '[id=x a="b"]', '[id a="b"]x']));
  }
  const els: Buffer[] = [];
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const parts: Buffer[] = [Buffer.from(`[${genSdName(r)}`)];
    const np = r.int(0, 3);
    for (let j = 0; j < np; j++) {
      parts.push(Buffer.from(` ${r.chance(0.05) ? r.str(ALNUM, 33, 36) : r.str(ALNUM, 1, 8)}="`), genSdValue(r), Buffer.from('"'));
    }
    parts.push(Buffer.from(']'));
    els.push(Buffer.concat(parts));
  }
  return Buffer.concat(els);
}

function genPri(r: Prng): string {
  if (r.chance(0.03)) return r.pick(['<192>', '<999>', '<-1>', '<>', '<013>', '<1a>', '<13', '13>', '<00>', '<191>', '<0>']);
  return `<${r.int(0, 191)}>`;
}

export function gen5424(r: Prng): Buffer {
  const version = r.chance(0.02) ? r.pick(['2', '10', '0', '']) : '1';
  const head = [
    `${genPri(r)}${version}`,
    gen5424Timestamp(r),
    r.chance(0.1) ? '-' : genHost(r),
    gen5424Name(r, 48, ALNUM + '-_./[]:'),
    gen5424Name(r, 128, ALNUM + '-'),
    gen5424Name(r, 32, ALNUM + '-_'),
  ].join(r.chance(0.02) ? '  ' : ' ');
  const sd = gen5424Sd(r);
  const k = r.int(0, 19);
  if (k === 0) return Buffer.concat([Buffer.from(head + ' '), sd]); // no MSG at all
  if (k === 1) return Buffer.concat([Buffer.from(head + ' '), sd, Buffer.from(' ')]); // empty MSG
  const bom = r.chance(0.2) ? BOM : Buffer.alloc(0);
  return Buffer.concat([Buffer.from(head + ' '), sd, Buffer.from(' '), bom, genText(r, 'octet')]);
}

// ---------------------------------------------------------------------------------------------
// RFC 3164

function gen3164Timestamp(r: Prng): string {
  const k = r.int(0, 29);
  const mon = r.pick(MONTHS);
  const day = r.int(1, 28);
  const time = `${pad2(r.int(0, 23))}:${pad2(r.int(0, 59))}:${pad2(r.int(0, 59))}`;
  if (k < 14) return `${mon} ${String(day).padStart(2, ' ')} ${time}`;
  if (k < 16) return `${mon} ${pad2(day)} ${time}`;
  if (k < 18) return `${mon} ${String(day).padStart(2, ' ')} ${time}.${r.str('0123456789', 1, 6)}`;
  if (k < 20) return `${mon} ${String(day).padStart(2, ' ')} ${r.int(1990, 2030)} ${time}`;
  if (k === 20) return `${mon} ${String(day).padStart(2, ' ')} ${time} ${r.int(1990, 2030)}`;
  if (k < 23) return gen5424Timestamp(r).replace(/^-$/, '2020-02-02T02:02:02Z');
  if (k === 23) return '';
  if (k === 24) return `*${mon} ${String(day).padStart(2, ' ')} ${time}.${r.int(0, 999)} UTC:`;
  if (k === 25) return `${mon.toLowerCase()} ${day} ${time}`;
  return r.pick([`Feb 30 ${time}`, `Jan 32 ${time}`, `Jan  1 25:61:61`, `Foo  1 ${time}`, `Jan  1`, `${mon}  ${day} ${time}`, `Dec 31 23:59:60`]);
}

function genProgram(r: Prng): string {
  const k = r.int(0, 24);
  const name = r.chance(0.05) ? r.str(ALNUM, 33, 60) : r.pick([r.str(LOWER, 1, 10), 'sshd', 'CRON', 'kernel', 'postfix/smtpd', '/usr/sbin/cron', 'my.app', 'app-name_1', 'syslog-ng']);
  const pid = String(r.int(1, 99999));
  if (k < 10) return `${name}[${pid}]: `;
  if (k < 15) return `${name}: `;
  if (k === 15) return `${name}[${pid}]:`;
  if (k === 16) return `${name}:`;
  if (k === 17) return `${name} `;
  if (k === 18) return `${name}[${r.str(ALNUM, 1, 5)}]: `;
  if (k === 19) return `${name}[${pid}] : `;
  if (k === 20) return `${name}[]: `;
  if (k === 21) return `[${pid}]: `;
  if (k === 22) return `${name}[${pid}`;
  if (k === 23) return `${name} name: `;
  return '';
}

export function gen3164(r: Prng): Buffer {
  const pri = r.chance(0.05) ? '' : genPri(r);
  const ts = gen3164Timestamp(r);
  const parts = [pri + ts];
  const withHost = r.chance(0.8);
  if (withHost) parts.push(ts === '' && r.chance(0.5) ? '' : genHost(r));
  const text = genText(r, 'newline');
  const head = parts.filter((p, i) => i === 0 || p !== '').join(' ');
  const sep = head === '' || head.endsWith('>') ? '' : ' ';
  let line = Buffer.concat([Buffer.from(head + sep + genProgram(r)), r.chance(0.05) ? BOM : Buffer.alloc(0), text]);
  // Newline framing: LF and NUL would split the record, so they never appear inside it, and an
  // all-blank line would be dropped as empty.
  line = Buffer.from(line.map((b) => (b === 0x0a || b === 0x00 ? 0x20 : b)));
  if (line.toString('latin1').trim() === '') line = Buffer.from('<13>empty');
  return line;
}

// ---------------------------------------------------------------------------------------------
// Public test vectors

interface VectorLine {
  id: string;
  kind: string;
  bytes: 'utf-8' | 'latin1';
  input?: string;
}

/** The `message` vectors of syslog-vectors.public.jsonl as raw input bytes. */
export function loadMessageVectors(path: string): GenInput[] {
  const out: GenInput[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const v = JSON.parse(line) as VectorLine;
    if (v.kind !== 'message' || typeof v.input !== 'string') continue;
    out.push({ id: `vec-${v.id}`, bytes: Buffer.from(v.input, v.bytes === 'latin1' ? 'latin1' : 'utf8') });
  }
  return out;
}

/** `count` reproducible inputs of one format. */
export function generate(set: '5424' | '3164', count: number, seed: number): GenInput[] {
  const r = new Prng(seed ^ (set === '5424' ? 0x5424 : 0x3164));
  const out: GenInput[] = [];
  for (let i = 0; i < count; i++) out.push({ id: `${set}-${i}`, bytes: avoidMarkers(set === '5424' ? gen5424(r) : gen3164(r)) });
  return out;
}

/**
 * The differential tests cut the daemons' output at `<|>` and `<#END#>`; a random input that
 * happens to contain one would blur that cut, so its `|` becomes `!`.
 */
export function avoidMarkers(b: Buffer): Buffer {
  const t = b.toString('latin1');
  if (!t.includes('<|>') && !t.includes('<#END#>')) return b;
  return Buffer.from(t.replaceAll('<|>', '<!>').replaceAll('<#END#>', '<#E_D#>'), 'latin1');
}
