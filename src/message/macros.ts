/**
 * syslog-ng's macros: names whose value is computed from the message rather
 * than stored in it (`$FACILITY`, `$ISODATE`, `$MSGHDR`, ...). Each macro is
 * resolved once, when a template is compiled, to a small function; looking a
 * name up per message never happens.
 *
 * Output formats follow syslog-ng (lib/template/macros.c, lib/timeutils/format.c).
 */
import { hostname } from 'node:os';
import { backslashEscape } from './escape.ts';
import { nowTimestamp } from './log-message.ts';
import type { LogMessage, Timestamp } from './log-message.ts';
import { facilityNames, severityNames } from './names.ts';
import { formatSdata } from './sdata.ts';
import { effectiveOffset, formatFrac, formatOffset, formatStamp, monthNames, pad2, wallClock, weekdayNames } from './timefmt.ts';
import type { TsFormat, WallClock } from './timefmt.ts';
import type { Zone } from './timezone.ts';

/** What a template needs besides the message: the destination's time options. */
export interface MacroContext {
  tsFormat: TsFormat;
  fracDigits: number;
  timeZone?: Zone;
  /** per-destination sequence number of a local message; 0/undefined = none */
  seqnum?: number;
}

/** syslog-ng's value types, as far as logferry produces them (drives format-json and type-aware comparisons). */
export type ValueType = 'string' | 'integer' | 'double' | 'boolean' | 'datetime' | 'list' | 'json' | 'null';

export type MacroFn = (msg: LogMessage, ctx: MacroContext) => string;

export interface MacroDef {
  readonly name: string;
  readonly fn: MacroFn;
  readonly type: ValueType;
}

const fullMonthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const fullWeekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

let localHost = shortName(hostname());

/**
 * `${BSDTAG}`'s facility letter is `'A' + facility` as one byte; facilities
 * past 62 (PRI > 503) give a byte over 0x7f, kept as an escaped raw byte
 * (U+DC80..U+DCFF) so byte-exact destinations write that single byte as
 * syslog-ng does. The parser flags such messages MsgFlag.RAW_BYTES.
 */
export function bsdtagLetter(pri: number): string {
  const code = ((pri & 0x3f8) >> 3) + 65;
  return String.fromCharCode(code < 0x80 ? code : 0xdc00 + code);
}

function shortName(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Sets the name `$LOGHOST` expands to (syslog-ng: the short host name unless use-fqdn). */
export function setLoghost(name: string): void {
  localHost = name;
}

export function getLoghost(): string {
  return localHost;
}

// Consecutive date macros of one template (and consecutive messages) almost always
// share the second and offset, so the broken-down time of the last one is kept.
let wcSec = NaN;
let wcOff = NaN;
let wcVal: WallClock | undefined;

function wall(ts: Timestamp, zone: Zone | undefined): WallClock {
  const off = effectiveOffset(ts, zone);
  if (ts.sec === wcSec && off === wcOff && wcVal) return wcVal;
  wcVal = wallClock(ts, zone);
  wcSec = ts.sec;
  wcOff = off;
  return wcVal;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** ISO 8601 week number (weeks start on Monday, week 1 holds the first Thursday). */
export function isoWeek(w: WallClock): number {
  const isoWday = w.wday === 0 ? 7 : w.wday;
  // the week belongs to the year its Thursday is in
  let thursday = w.yday - isoWday + 4;
  if (thursday < 1) thursday += isLeap(w.year - 1) ? 366 : 365;
  else if (thursday > (isLeap(w.year) ? 366 : 365)) thursday -= isLeap(w.year) ? 366 : 365;
  return Math.floor((thursday - 1) / 7) + 1;
}

type StampPick = (msg: LogMessage) => Timestamp;
const pickStamp: StampPick = (m) => m.stamp;
const pickRecvd: StampPick = (m) => m.recvd;
// logferry keeps no separate "processed" time: like syslog-ng with it unset, use now
const pickNow: StampPick = () => nowTimestamp();

type DatePart = (ts: Timestamp, ctx: MacroContext) => string;

const dateParts: Record<string, { part: DatePart; type: ValueType }> = {
  DATE: { part: (ts, c) => formatStamp(ts, 'rfc3164', c.fracDigits, c.timeZone), type: 'string' },
  FULLDATE: { part: (ts, c) => formatStamp(ts, 'full', c.fracDigits, c.timeZone), type: 'string' },
  ISODATE: { part: (ts, c) => formatStamp(ts, 'rfc3339', c.fracDigits, c.timeZone), type: 'string' },
  STAMP: { part: (ts, c) => formatStamp(ts, c.tsFormat, c.fracDigits, c.timeZone), type: 'string' },
  YEAR: { part: (ts, c) => String(wall(ts, c.timeZone).year).padStart(4, '0'), type: 'string' },
  YEAR_DAY: { part: (ts, c) => String(wall(ts, c.timeZone).yday).padStart(3, '0'), type: 'string' },
  MONTH: { part: (ts, c) => pad2(wall(ts, c.timeZone).month), type: 'string' },
  MONTH_WEEK: {
    part: (ts, c) => {
      const w = wall(ts, c.timeZone);
      return String(Math.floor(w.day / 7) + (w.wday > 0 && w.day % 7 >= w.wday ? 1 : 0));
    },
    type: 'string',
  },
  MONTH_ABBREV: { part: (ts, c) => monthNames[wall(ts, c.timeZone).month - 1], type: 'string' },
  MONTH_NAME: { part: (ts, c) => fullMonthNames[wall(ts, c.timeZone).month - 1], type: 'string' },
  DAY: { part: (ts, c) => pad2(wall(ts, c.timeZone).day), type: 'string' },
  HOUR: { part: (ts, c) => pad2(wall(ts, c.timeZone).hour), type: 'string' },
  HOUR12: {
    part: (ts, c) => {
      const h = wall(ts, c.timeZone).hour;
      const h12 = h < 12 ? h : h - 12;
      return pad2(h12 === 0 ? 12 : h12);
    },
    type: 'string',
  },
  MIN: { part: (ts, c) => pad2(wall(ts, c.timeZone).min), type: 'string' },
  SEC: { part: (ts, c) => pad2(wall(ts, c.timeZone).sec), type: 'string' },
  MSEC: { part: (ts) => String(Math.floor(ts.usec / 1000)).padStart(3, '0'), type: 'string' },
  USEC: { part: (ts) => String(ts.usec).padStart(6, '0'), type: 'string' },
  AMPM: { part: (ts, c) => (wall(ts, c.timeZone).hour < 12 ? 'AM' : 'PM'), type: 'string' },
  WEEKDAY: { part: (ts, c) => weekdayNames[wall(ts, c.timeZone).wday], type: 'string' },
  WEEK_DAY: { part: (ts, c) => String(wall(ts, c.timeZone).wday + 1), type: 'string' },
  WEEK_DAY_ABBREV: { part: (ts, c) => weekdayNames[wall(ts, c.timeZone).wday], type: 'string' },
  WEEK_DAY_NAME: { part: (ts, c) => fullWeekdayNames[wall(ts, c.timeZone).wday], type: 'string' },
  WEEK: {
    part: (ts, c) => {
      const w = wall(ts, c.timeZone);
      // syslog-ng's formula: weeks start on Monday, days before the first Monday are week 00
      return pad2(Math.floor((w.yday - 1 - ((w.wday - 1 + 7) % 7) + 7) / 7));
    },
    type: 'string',
  },
  ISOWEEK: { part: (ts, c) => pad2(isoWeek(wall(ts, c.timeZone))), type: 'string' },
  TZOFFSET: { part: (ts, c) => formatOffset(effectiveOffset(ts, c.timeZone)), type: 'string' },
  TZ: { part: (ts, c) => formatOffset(effectiveOffset(ts, c.timeZone)), type: 'string' },
  UNIXTIME: { part: (ts, c) => String(ts.sec) + formatFrac(ts.usec, c.fracDigits), type: 'datetime' },
};

function sourceIp(msg: LogMessage): string {
  return msg.values.get('SOURCEIP') || '127.0.0.1';
}

function ipProto(msg: LogMessage): string {
  const set = msg.values.get('IP_PROTO');
  if (set) return set;
  const ip = msg.values.get('SOURCEIP');
  if (!ip) return '0';
  if (ip.includes(':')) return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? '4' : '6';
  return '4';
}

/** `PROGRAM[PID]: ` (or the stored legacy header), as `$MSGHDR` prints it. */
export function formatMsghdr(msg: LogMessage): string {
  if (msg.legacyMsghdr) return msg.legacyMsghdr;
  if (!msg.program) return '';
  return msg.pid ? msg.program + '[' + msg.pid + ']: ' : msg.program + ': ';
}

/** One element of a comma-separated list (`$TAGS`), quoted the way syslog-ng's str-repr does. */
export function encodeListItem(s: string): string {
  if (s === '') return '""';
  const apos = s.includes("'");
  const quote = s.includes('"');
  if (!apos && !quote && !/[\b\f\n\r\t\\ ,]/.test(s)) return s;
  if (!apos && quote) return "'" + backslashEscape(s, false, 'x') + "'";
  if (apos && !quote) return '"' + backslashEscape(s, false, 'x') + '"';
  return '"' + backslashEscape(s, true, 'x') + '"';
}

export function formatTags(msg: LogMessage): string {
  let out = '';
  for (let i = 0; i < msg.tags.length; i++) out += (i ? ',' : '') + encodeListItem(msg.tags[i]);
  return out;
}

const processStart = performance.now();

const plain: Record<string, { fn: MacroFn; type: ValueType }> = {
  FACILITY: {
    fn: (m) => {
      const f = (m.pri & 0x3f8) >> 3;
      return f < facilityNames.length ? facilityNames[f] : f.toString(16);
    },
    type: 'string',
  },
  FACILITY_NUM: { fn: (m) => String((m.pri & 0x3f8) >> 3), type: 'integer' },
  SEVERITY: { fn: (m) => severityNames[m.pri & 7], type: 'string' },
  SEVERITY_NUM: { fn: (m) => String(m.pri & 7), type: 'integer' },
  TAG: { fn: (m) => m.pri.toString(16).padStart(2, '0'), type: 'string' },
  TAGS: { fn: formatTags, type: 'list' },
  BSDTAG: { fn: (m) => String(m.pri & 7) + bsdtagLetter(m.pri), type: 'string' },
  PRI: { fn: (m) => String(m.pri), type: 'string' },
  HOST: { fn: (m) => m.host, type: 'string' },
  // MESSAGE is a name-value pair; MSG stays in the table so value-pairs `--key MSG` finds it
  MSG: { fn: (m) => m.message, type: 'string' },
  SDATA: { fn: (m, c) => formatSdata(m, c.seqnum), type: 'string' },
  MSGHDR: { fn: formatMsghdr, type: 'string' },
  SOURCEIP: { fn: sourceIp, type: 'string' },
  SOURCEPORT: { fn: (m) => m.values.get('SOURCEPORT') || '0', type: 'integer' },
  DESTIP: { fn: (m) => m.values.get('DESTIP') || '127.0.0.1', type: 'string' },
  DESTPORT: { fn: (m) => m.values.get('DESTPORT') || '0', type: 'integer' },
  PEERIP: { fn: (m) => m.values.get('PEERIP') || sourceIp(m), type: 'string' },
  PEERPORT: { fn: (m) => m.values.get('PEERPORT') || m.values.get('SOURCEPORT') || '0', type: 'integer' },
  IP_PROTO: { fn: ipProto, type: 'integer' },
  PROTO: { fn: (m) => m.values.get('PROTO') || '0', type: 'integer' },
  PROTO_NAME: {
    fn: (m) => {
      const p = m.values.get('PROTO');
      return p === '6' ? 'tcp' : p === '17' ? 'udp' : 'unknown';
    },
    type: 'string',
  },
  RAWMSG_SIZE: {
    fn: (m) => m.values.get('RAWMSG_SIZE') || '0',
    type: 'integer',
  },
  SEQNUM: { fn: (_m, c) => (c.seqnum ? String(c.seqnum) : ''), type: 'string' },
  CONTEXT_ID: { fn: () => '', type: 'string' },
  _: { fn: () => '', type: 'string' },
  RCPTID: { fn: (m) => m.values.get('RCPTID') ?? '', type: 'string' },
  RUNID: { fn: (m) => m.values.get('RUNID') ?? '', type: 'string' },
  HOSTID: { fn: (m) => m.values.get('HOSTID') ?? '', type: 'string' },
  UNIQID: { fn: (m) => m.values.get('UNIQID') ?? '', type: 'string' },
  LOGHOST: { fn: () => localHost, type: 'string' },
  SYSUPTIME: { fn: () => String(Math.floor((performance.now() - processStart) / 10)), type: 'string' },
};
plain.PRIORITY = plain.SEVERITY;
plain.LEVEL = plain.SEVERITY;
plain.LEVEL_NUM = plain.SEVERITY_NUM;

const table = new Map<string, MacroDef>();
for (const [name, d] of Object.entries(plain)) table.set(name, { name, fn: d.fn, type: d.type });
for (const [prefix, pick] of [['', pickStamp], ['R_', pickRecvd], ['S_', pickStamp], ['C_', pickNow], ['P_', pickNow]] as Array<[string, StampPick]>) {
  for (const [part, d] of Object.entries(dateParts)) {
    const f = d.part;
    table.set(prefix + part, { name: prefix + part, fn: (m, c) => f(pick(m), c), type: d.type });
  }
}

/** The macro of that exact (case-sensitive) name, or undefined when it is a plain name-value pair. */
export function lookupMacro(name: string): MacroDef | undefined {
  return table.get(name);
}

/** Every macro name, in syslog-ng's table order (used by value-pairs `all-macros`). */
export function allMacroNames(): string[] {
  return [...table.keys()];
}

/**
 * A getter for `$NAME`: the macro of that name, or else the name-value pair
 * (unset ⇒ ''). `SOURCEIP` and friends are macros even though sources store
 * them in `values`, so they get syslog-ng's fallbacks.
 */
export function resolveName(name: string): MacroFn {
  const m = table.get(name);
  if (m) return m.fn;
  return (msg) => msg.get(name) ?? '';
}

/** Value type of `$NAME` (name-value pairs are strings). */
export function nameType(name: string): ValueType {
  return table.get(name)?.type ?? 'string';
}
