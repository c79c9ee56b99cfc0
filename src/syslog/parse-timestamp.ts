/**
 * Timestamp scanners for received messages, byte for byte like syslog-ng's
 * `scan_rfc3164_timestamp` / `scan_rfc5424_timestamp`: BSD `Mmm dd hh:mm:ss[.frac]`
 * (day padded with a space or not), Cisco PIX/ASA `Mmm dd yyyy hh:mm:ss[:]`,
 * Linksys `Mmm dd hh:mm:ss yyyy`, and ISO 8601 / RFC 3339 with `T` or space,
 * `.` or `,` before up to 6 fraction digits, `Z` or `±hh:mm`.
 *
 * The scanners fill the module-level `wct` (no allocation per message) and
 * return the position after the stamp, or -1 when there is no stamp there.
 */
import type { Zone } from '../message/timezone.ts';

/** "no zone in the stamp" / "no year in the stamp" */
export const NONE = -0x7fffffff;

export interface WallClock {
  year: number;
  /** 1..12 (may be out of range: conversion normalizes like mktime) */
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  usec: number;
  /** seconds east of UTC, or NONE */
  gmtoff: number;
}

export const wct: WallClock = { year: NONE, mon: 1, mday: 1, hour: 0, min: 0, sec: 0, usec: 0, gmtoff: NONE };

function resetWct(): void {
  wct.year = NONE;
  wct.mon = 1;
  wct.mday = 1;
  wct.hour = 0;
  wct.min = 0;
  wct.sec = 0;
  wct.usec = 0;
  wct.gmtoff = NONE;
}

const SP = 0x20;
const COLON = 0x3a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** scan cursor shared by the helpers below */
let cur = 0;

/**
 * `scan_positive_int`: exactly `width` characters, leading spaces allowed,
 * then digits. Advances `cur` on success; returns -1 (cursor kept) on failure.
 */
function posInt(buf: Buffer, end: number, width: number): number {
  let i = cur;
  let w = width;
  while (i < end && w > 0 && buf[i] === SP) {
    i++;
    w--;
  }
  let v = 0;
  while (i < end && w > 0 && isDigit(buf[i])) {
    v = v * 10 + buf[i] - 0x30;
    i++;
    w--;
  }
  if (w !== 0) return -1;
  cur = i;
  return v;
}

function expect(buf: Buffer, end: number, c: number): boolean {
  if (cur < end && buf[cur] === c) {
    cur++;
    return true;
  }
  return false;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `scan_month_abbrev`: first letter upper case exactly, the other two in any case; 1..12 or -1 */
function monthAbbrev(buf: Buffer, end: number): number {
  if (end - cur < 3) return -1;
  const c0 = buf[cur];
  // J F M A S O N D
  if (c0 !== 0x4a && c0 !== 0x46 && c0 !== 0x4d && c0 !== 0x41 && c0 !== 0x53 && c0 !== 0x4f && c0 !== 0x4e && c0 !== 0x44) return -1;
  const c1 = buf[cur + 1] | 0x20;
  const c2 = buf[cur + 2] | 0x20;
  const l0 = c0 | 0x20;
  for (let m = 0; m < 12; m++) {
    const name = MONTHS[m];
    if (name.charCodeAt(0) === l0 && name.charCodeAt(1) === c1 && name.charCodeAt(2) === c2) {
      cur += 3;
      return m + 1;
    }
  }
  return -1;
}

/** `HH:MM:SS` into wct; false when malformed */
function scanClock(buf: Buffer, end: number): boolean {
  const h = posInt(buf, end, 2);
  if (h < 0 || !expect(buf, end, COLON)) return false;
  const mi = posInt(buf, end, 2);
  if (mi < 0 || !expect(buf, end, COLON)) return false;
  const s = posInt(buf, end, 2);
  if (s < 0) return false;
  wct.hour = h;
  wct.min = mi;
  wct.sec = s;
  return true;
}

/** `.frac` / `,frac`: up to 6 digits kept, more skipped */
function scanUsec(buf: Buffer, end: number): void {
  if (cur < end && (buf[cur] === 0x2e || buf[cur] === 0x2c)) {
    cur++;
    let frac = 0;
    let div = 1;
    while (cur < end && div < 1000000 && isDigit(buf[cur])) {
      frac = frac * 10 + buf[cur] - 0x30;
      div *= 10;
      cur++;
    }
    while (cur < end && isDigit(buf[cur])) cur++;
    wct.usec = frac * (1000000 / div);
  }
}

function isoShape(buf: Buffer, p: number, end: number): boolean {
  return (
    end - p >= 19 &&
    buf[p + 4] === 0x2d &&
    buf[p + 7] === 0x2d &&
    (buf[p + 10] === 0x54 || buf[p + 10] === SP) &&
    buf[p + 13] === COLON &&
    buf[p + 16] === COLON
  );
}

/** `±hh:mm` not followed by a digit */
function hasIsoZone(buf: Buffer, p: number, end: number): boolean {
  const left = end - p;
  return (
    left >= 6 &&
    (buf[p] === 0x2b || buf[p] === 0x2d) &&
    isDigit(buf[p + 1]) &&
    isDigit(buf[p + 2]) &&
    buf[p + 3] === COLON &&
    isDigit(buf[p + 4]) &&
    isDigit(buf[p + 5]) &&
    (left < 7 || !isDigit(buf[p + 6]))
  );
}

function scanIso(buf: Buffer, end: number): boolean {
  const y = posInt(buf, end, 4);
  if (y < 0 || !expect(buf, end, 0x2d)) return false;
  const mo = posInt(buf, end, 2);
  if (mo < 0 || !expect(buf, end, 0x2d)) return false;
  const d = posInt(buf, end, 2);
  if (d < 0 || !(expect(buf, end, 0x54) || expect(buf, end, SP))) return false;
  if (!scanClock(buf, end)) return false;
  wct.year = y;
  wct.mon = mo;
  wct.mday = d;
  scanUsec(buf, end);
  if (cur < end && buf[cur] === 0x5a) {
    wct.gmtoff = 0;
    cur++;
  } else if (hasIsoZone(buf, cur, end)) {
    const sign = buf[cur] === 0x2d ? -1 : 1;
    const hh = (buf[cur + 1] - 0x30) * 10 + buf[cur + 2] - 0x30;
    const mm = (buf[cur + 4] - 0x30) * 10 + buf[cur + 5] - 0x30;
    wct.gmtoff = sign * (hh * 3600 + mm * 60);
    cur += 6;
  }
  return true;
}

function isPixOrAsa(buf: Buffer, p: number, end: number): boolean {
  return (
    end - p >= 21 &&
    buf[p + 3] === SP &&
    buf[p + 6] === SP &&
    buf[p + 11] === SP &&
    buf[p + 14] === COLON &&
    buf[p + 17] === COLON &&
    (buf[p + 20] === COLON || buf[p + 20] === SP) &&
    isDigit(buf[p + 7]) &&
    isDigit(buf[p + 8]) &&
    isDigit(buf[p + 9]) &&
    isDigit(buf[p + 10])
  );
}

function isSpaceC(c: number): boolean {
  return c === SP || (c >= 0x09 && c <= 0x0d);
}

function isLinksys(buf: Buffer, p: number, end: number): boolean {
  return (
    end - p >= 21 &&
    buf[p + 3] === SP &&
    buf[p + 6] === SP &&
    buf[p + 9] === COLON &&
    buf[p + 12] === COLON &&
    buf[p + 15] === SP &&
    isDigit(buf[p + 16]) &&
    isDigit(buf[p + 17]) &&
    isDigit(buf[p + 18]) &&
    isDigit(buf[p + 19]) &&
    isSpaceC(buf[p + 20])
  );
}

function isBsd(buf: Buffer, p: number, end: number): boolean {
  return end - p >= 15 && buf[p + 3] === SP && buf[p + 6] === SP && buf[p + 9] === COLON && buf[p + 12] === COLON;
}

function isBsdNoPad(buf: Buffer, p: number, end: number): boolean {
  return end - p >= 14 && buf[p + 3] === SP && isDigit(buf[p + 4]) && buf[p + 5] === SP && buf[p + 8] === COLON && buf[p + 11] === COLON;
}

function scanBsdFamily(buf: Buffer, end: number): boolean {
  const p = cur;
  if (isPixOrAsa(buf, p, end)) {
    const mo = monthAbbrev(buf, end);
    if (mo < 0 || !expect(buf, end, SP)) return fail(p);
    const d = posInt(buf, end, 2);
    if (d < 0 || !expect(buf, end, SP)) return fail(p);
    const y = posInt(buf, end, 4);
    if (y < 0 || !expect(buf, end, SP) || !scanClock(buf, end)) return fail(p);
    wct.mon = mo;
    wct.mday = d;
    wct.year = y;
    if (cur < end && buf[cur] === COLON) cur++;
    return true;
  }
  if (isLinksys(buf, p, end)) {
    const mo = monthAbbrev(buf, end);
    if (mo < 0 || !expect(buf, end, SP)) return fail(p);
    const d = posInt(buf, end, 2);
    if (d < 0 || !expect(buf, end, SP) || !scanClock(buf, end) || !expect(buf, end, SP)) return fail(p);
    const y = posInt(buf, end, 4);
    if (y < 0) return fail(p);
    wct.mon = mo;
    wct.mday = d;
    wct.year = y;
    return true;
  }
  if (isBsd(buf, p, end) || isBsdNoPad(buf, p, end)) {
    const mo = monthAbbrev(buf, end);
    if (mo < 0 || !expect(buf, end, SP)) return fail(p);
    let d = posInt(buf, end, 2);
    if (d < 0) d = posInt(buf, end, 1);
    if (d < 0 || !expect(buf, end, SP) || !scanClock(buf, end)) return fail(p);
    wct.mon = mo;
    wct.mday = d;
    scanUsec(buf, end);
    return true;
  }
  return false;
}

function fail(p: number): boolean {
  cur = p;
  return false;
}

/** RFC 3164 header stamp (ISO or BSD family) at `p`; position after it (and after one trailing `:`), or -1 */
export function scanRfc3164Timestamp(buf: Buffer, p: number, end: number): number {
  resetWct();
  cur = p;
  if (isoShape(buf, p, end)) {
    if (!scanIso(buf, end)) return -1;
  } else if (!scanBsdFamily(buf, end)) {
    return -1;
  }
  if (cur < end && buf[cur] === COLON) cur++;
  return cur;
}

/** RFC 5424 TIMESTAMP (ISO only) at `p`; position after it, or -1 */
export function scanRfc5424Timestamp(buf: Buffer, p: number, end: number): number {
  resetWct();
  cur = p;
  return scanIso(buf, end) ? cur : -1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date; month may be out of 1..12, day out of range (linear). */
export function daysFromCivil(year: number, mon: number, day: number): number {
  const m0 = mon - 1;
  const y = year + Math.floor(m0 / 12);
  const m = m0 - Math.floor(m0 / 12) * 12 + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year and month (1..12) of a day count from `daysFromCivil`. */
export function civilYearMonth(days: number): { year: number; mon: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mon = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (mon <= 2 ? 1 : 0), mon };
}

let guessNowSec = NaN;
let guessNowYear = 0;
let guessNowMon = 0;
let guessZone: Zone | undefined;

/**
 * syslog-ng's missing-year rule: the current year of the receiver's local
 * clock, except a December stamp in January is last year's and a January
 * stamp in December next year's.
 */
export function guessYear(mon: number, nowSec: number, local: Zone): number {
  if (nowSec !== guessNowSec || local !== guessZone) {
    const ym = civilYearMonth(Math.floor((nowSec + local.offsetAt(nowSec)) / 86400));
    guessNowSec = nowSec;
    guessZone = local;
    guessNowYear = ym.year;
    guessNowMon = ym.mon;
  }
  if (mon === 12 && guessNowMon === 1) return guessNowYear - 1;
  if (mon === 1 && guessNowMon === 12) return guessNowYear + 1;
  return guessNowYear;
}

/** wct as if it were UTC, seconds (fields normalized like mktime) */
export function wallAsUtc(w: WallClock): number {
  return daysFromCivil(w.year, w.mon, w.mday) * 86400 + w.hour * 3600 + w.min * 60 + w.sec;
}

/**
 * Offset for a zone-less wall-clock time in the local zone, as syslog-ng's
 * mktime() dance yields it: the offset in force at the instant mktime picks
 * (inside a DST gap that is the offset after the change, keeping the wall clock).
 */
export function localTargetOffset(asUtc: number, local: Zone): number {
  // offsets change only on quarter-hour instants, so the answer is constant per 900 s of wall clock
  const bucket = Math.floor(asUtc / 900);
  if (bucket === lastBucket && local === lastZone) return lastTarget;
  let off = local.offsetAt(asUtc);
  off = local.offsetAt(asUtc - off);
  lastTarget = local.offsetAt(asUtc - off) || 0;
  lastBucket = bucket;
  lastZone = local;
  return lastTarget;
}

let lastBucket = NaN;
let lastZone: Zone | undefined;
let lastTarget = 0;
