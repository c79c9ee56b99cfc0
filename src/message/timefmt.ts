/**
 * Timestamp text as syslog-ng produces it. The hot formats (ISO, BSD) cache
 * the text of the last second they printed, because consecutive messages
 * almost always share it.
 */
import type { Timestamp } from './log-message.ts';
import type { Zone } from './timezone.ts';

export type TsFormat = 'rfc3164' | 'rfc3339' | 'full' | 'unix';

export const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const weekdayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Broken-down wall-clock time in some offset. */
export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  /** 0 = Sunday */
  wday: number;
  /** 1..366 */
  yday: number;
  gmtoff: number;
}

export function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Offset seconds to use: the zone's if given, else the timestamp's own. */
export function effectiveOffset(ts: Timestamp, zone: Zone | undefined): number {
  return zone ? zone.offsetAt(ts.sec) : ts.gmtoff;
}

export function wallClock(ts: Timestamp, zone?: Zone): WallClock {
  const off = effectiveOffset(ts, zone);
  const d = new Date((ts.sec + off) * 1000);
  const year = d.getUTCFullYear();
  const yday = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86400000) + 1;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    wday: d.getUTCDay(),
    yday,
    gmtoff: off,
  };
}

/** `+HH:MM` / `-HH:MM` (never `Z`). */
export function formatOffset(off: number, colon = true): string {
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return sign + pad2(Math.floor(a / 3600)) + (colon ? ':' : '') + pad2(Math.floor((a % 3600) / 60));
}

/** `.ddd` with `digits` digits of the microseconds (truncated), or '' for 0 digits. */
export function formatFrac(usec: number, digits: number): string {
  if (digits <= 0) return '';
  const d = digits > 6 ? 6 : digits;
  let s = String(Math.floor(usec / 10 ** (6 - d)));
  while (s.length < d) s = '0' + s;
  return '.' + s;
}

let isoSec = NaN;
let isoOff = NaN;
let isoHead = '';
let isoTail = '';
/** isoHead + isoTail, so the common no-fraction case allocates nothing */
let isoText = '';

/** `YYYY-MM-DDTHH:MM:SS[.frac]+HH:MM` */
export function formatIso(ts: Timestamp, fracDigits = 0, zone?: Zone): string {
  const off = effectiveOffset(ts, zone);
  if (ts.sec !== isoSec || off !== isoOff) {
    const w = wallClock(ts, zone);
    isoHead = `${w.year}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.min)}:${pad2(w.sec)}`;
    isoTail = formatOffset(off);
    isoText = isoHead + isoTail;
    isoSec = ts.sec;
    isoOff = off;
  }
  return fracDigits > 0 ? isoHead + formatFrac(ts.usec, fracDigits) + isoTail : isoText;
}

let bsdSec = NaN;
let bsdOff = NaN;
let bsdText = '';

/** `Mmm dd HH:MM:SS[.frac]` with the day padded by a space */
export function formatBsd(ts: Timestamp, fracDigits = 0, zone?: Zone): string {
  const off = effectiveOffset(ts, zone);
  if (ts.sec !== bsdSec || off !== bsdOff) {
    const w = wallClock(ts, zone);
    bsdText = `${monthNames[w.month - 1]} ${w.day < 10 ? ' ' + w.day : w.day} ${pad2(w.hour)}:${pad2(w.min)}:${pad2(w.sec)}`;
    bsdSec = ts.sec;
    bsdOff = off;
  }
  return fracDigits > 0 ? bsdText + formatFrac(ts.usec, fracDigits) : bsdText;
}

/** `YYYY Mmm dd HH:MM:SS[.frac]` */
export function formatFull(ts: Timestamp, fracDigits = 0, zone?: Zone): string {
  const w = wallClock(ts, zone);
  return `${w.year} ${monthNames[w.month - 1]} ${w.day < 10 ? ' ' + w.day : w.day} ${pad2(w.hour)}:${pad2(w.min)}:${pad2(w.sec)}${formatFrac(ts.usec, fracDigits)}`;
}

/** seconds since the epoch[.frac] */
export function formatUnix(ts: Timestamp, fracDigits = 0): string {
  return String(ts.sec) + formatFrac(ts.usec, fracDigits);
}

/** A timestamp in one of the `ts-format()` styles. */
export function formatStamp(ts: Timestamp, format: TsFormat, fracDigits = 0, zone?: Zone): string {
  switch (format) {
    case 'rfc3339':
      return formatIso(ts, fracDigits, zone);
    case 'full':
      return formatFull(ts, fracDigits, zone);
    case 'unix':
      return formatUnix(ts, fracDigits);
    default:
      return formatBsd(ts, fracDigits, zone);
  }
}

/** Canonical `ts-format()` value for a config word, or undefined. */
export function parseTsFormat(word: string): TsFormat | undefined {
  switch (word.toLowerCase()) {
    case 'rfc3164':
    case 'bsd':
      return 'rfc3164';
    case 'rfc3339':
    case 'iso':
      return 'rfc3339';
    case 'full':
      return 'full';
    case 'unix':
    case 'utc':
      return 'unix';
  }
  return undefined;
}
