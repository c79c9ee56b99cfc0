/**
 * Pieces shared by the RFC 3164 and RFC 5424 parsers: the per-call context,
 * octet-count detection, `<PRI>`, the timestamp field and its conversion to
 * a `Timestamp`, and the UTF-8 handling of MESSAGE.
 */
import type { LogMessage, Timestamp } from '../message/log-message.ts';
import { MsgFlag } from '../message/log-message.ts';
import { localZone, type Zone } from '../message/timezone.ts';
import { ParseFlag, type ParseOptions } from './parse-options.ts';
import {
  NONE,
  guessYear,
  localTargetOffset,
  scanRfc3164Timestamp,
  scanRfc5424Timestamp,
  wallAsUtc,
  wct,
} from './parse-timestamp.ts';
import { decodeField, isValidUtf8, sanitizeUtf8 } from './utf8.ts';

/** syslog-ng's predefined tags the parser sets */
export const Tag = {
  INVALID_PRI: 'syslog.invalid_pri',
  MISSING_PRI: 'syslog.missing_pri',
  MISSING_TIMESTAMP: 'syslog.missing_timestamp',
  INVALID_HOSTNAME: 'syslog.invalid_hostname',
  UNEXPECTED_FRAMING: 'syslog.unexpected_framing',
  RFC3164_MISSING_HEADER: 'syslog.rfc3164_missing_header',
  RFC3164_INVALID_PROGRAM: 'syslog.rfc3164_invalid_program',
  RFC5424_MISSING_HOSTNAME: 'syslog.rfc5424_missing_hostname',
  RFC5424_MISSING_APP_NAME: 'syslog.rfc5424_missing_app_name',
  RFC5424_MISSING_PROCID: 'syslog.rfc5424_missing_procid',
  RFC5424_MISSING_MSGID: 'syslog.rfc5424_missing_msgid',
  RFC5424_MISSING_SDATA: 'syslog.rfc5424_missing_sdata',
  RFC5424_INVALID_SDATA: 'syslog.rfc5424_invalid_sdata',
  UTF8_SANITIZED: 'message.utf8_sanitized',
} as const;

export const SP = 0x20;

/** The state of one parseMessage() call; single-threaded, so one shared instance. */
export interface ParseContext {
  opts: ParseOptions;
  msg: LogMessage;
  flags: number;
  /** start of the record (positions in errors are relative to it) */
  start: number;
  /** where the caller's error marker goes, relative to `start`; 0 = no marker */
  problemPos: number;
  nowCache: Timestamp | undefined;
}

export const ctx: ParseContext = {
  opts: undefined as unknown as ParseOptions,
  msg: undefined as unknown as LogMessage,
  flags: 0,
  start: 0,
  problemPos: 0,
  nowCache: undefined,
};

export function now(): Timestamp {
  if (!ctx.nowCache) ctx.nowCache = ctx.opts.now ? ctx.opts.now() : ctx.msg.recvd;
  return ctx.nowCache;
}

export function local(): Zone {
  return ctx.opts.localZone ?? localZone;
}

export function defaultPri(): number {
  const p = ctx.opts.defaultPri;
  return p >= 0 ? p : (ctx.flags & ParseFlag.KERNEL) !== 0 ? 5 : 13;
}

/**
 * A leading `<digits> ` (at most 10 digits) is an octet count that framing
 * should have removed: skip it and tag the message.
 */
export function skipUnexpectedFraming(buf: Buffer, i: number, end: number): number {
  let p = i;
  while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) {
    p++;
    if (p - i > 10) return i;
  }
  if (p === i || !(p < end) || buf[p] !== SP) return i;
  ctx.msg.setTag(Tag.UNEXPECTED_FRAMING);
  return p;
}

/**
 * `<PRI>`: returns the position after it; -1 when `<` is followed by a
 * non-digit before `>` (invalid PRI). No `<` at all means the default
 * priority and tag `syslog.missing_pri`.
 */
export function parsePri(buf: Buffer, i: number, end: number): number {
  const msg = ctx.msg;
  if (i < end && buf[i] === 0x3c) {
    i++;
    let pri = 0;
    while (i < end && buf[i] !== 0x3e) {
      const c = buf[i];
      if (c < 0x30 || c > 0x39) return -1;
      pri = pri * 10 + (c - 0x30);
      if (pri > 0x7fffffff) return -1;
      i++;
    }
    // syslog-ng keeps PRI in 16 bits
    msg.pri = pri & 0xffff;
    // ${BSDTAG} of such a PRI holds a byte over 0x7f (see bsdtagLetter)
    if ((msg.pri & 0x3f8) >= 63 << 3) msg.flags |= MsgFlag.RAW_BYTES;
    if (i < end) i++;
    return i;
  }
  msg.pri = defaultPri();
  msg.setTag(Tag.MISSING_PRI);
  return i;
}

/** time-zone() offset, taken at the current time like syslog-ng does; NONE without time-zone() */
function recvZoneOffset(): number {
  const z = ctx.opts.timeZone;
  return z ? z.offsetAt(now().sec) : NONE;
}

/**
 * The TIMESTAMP field. RFC 5424 mode accepts `-` (stamp = now) and ISO
 * only; RFC 3164 mode the BSD family and ISO. Returns the position after it,
 * or -1 (stamp = receipt time, tag `syslog.missing_timestamp`).
 */
export function parseDate(buf: Buffer, i: number, end: number, rfc5424: boolean): number {
  const msg = ctx.msg;
  const keep = ctx.opts.keepTimestamp;
  let r: number;
  if (rfc5424) {
    if (i < end && buf[i] === 0x2d) {
      msg.setTag(Tag.MISSING_TIMESTAMP);
      const n = now();
      msg.stamp = { sec: n.sec, usec: n.usec, gmtoff: local().offsetAt(n.sec) };
      return i + 1;
    }
    r = scanRfc5424Timestamp(buf, i, end);
  } else {
    r = scanRfc3164Timestamp(buf, i, end);
  }
  if (r < 0) {
    const rv = msg.recvd;
    const off = recvZoneOffset();
    msg.stamp = { sec: rv.sec, usec: rv.usec, gmtoff: off !== NONE ? off : rv.gmtoff };
    msg.setTag(Tag.MISSING_TIMESTAMP);
    return -1;
  }
  if (keep) convertStamp();
  return r;
}

/** wct → msg.stamp: explicit zone, else time-zone() (at now), else the local zone at that wall-clock time. */
function convertStamp(): void {
  if (wct.year === NONE) wct.year = guessYear(wct.mon, now().sec, local());
  let target = wct.gmtoff;
  if (target === NONE) target = recvZoneOffset();
  const asUtc = wallAsUtc(wct);
  if (target === NONE) target = localTargetOffset(asUtc, local());
  let sec = asUtc - target + hourCarry(asUtc);
  if ((ctx.flags & ParseFlag.GUESS_TIMEZONE) !== 0) {
    const fixed = guessedOffset(sec, target);
    if (fixed !== NONE) {
      sec -= fixed - target;
      target = fixed;
    }
  }
  ctx.msg.stamp = { sec, usec: wct.usec, gmtoff: target || 0 };
}

/**
 * syslog-ng undoes any change mktime() made to the hour field (meant for DST
 * gaps) also when the hour changed only because an out-of-range field carried
 * over: `24:00:00` ends up a day late, `10:59:60` at `10:00:00`. Done the same
 * way so stamps agree; DST gaps are handled by localTargetOffset instead.
 */
function hourCarry(asUtc: number): number {
  const normalizedHour = Math.floor((((asUtc % 86400) + 86400) % 86400) / 3600);
  return (wct.hour - normalizedHour) * 3600;
}

/** Offsets in use today that are not whole hours (syslog-ng's list). */
const ODD_OFFSETS = new Set([
  -34200, -16200, -12600, -9000, 12600, 16200, 19800, 20700, 23400, 30600, 31500, 34200, 35100, 37800, 41400, 45900,
  49500,
]);

/** guess-timezone: a stamp within a day of now, off by whole quarter hours, is re-labelled to match now */
function guessedOffset(sec: number, gmtoff: number): number {
  const diff = now().sec - sec;
  if (Math.abs(diff) >= 86400) return NONE;
  const q = 900;
  const rounded = Math.trunc((diff < 0 ? diff - q / 2 : diff + q / 2) / q) * q;
  if (Math.abs(diff - rounded) > 30) return NONE;
  const result = gmtoff - rounded;
  if (result < -12 * 3600 || result > 14 * 3600) return NONE;
  if (result % 3600 !== 0 && !ODD_OFFSETS.has(result)) return NONE;
  return result;
}

/**
 * MESSAGE from `buf[i, end)`, sanitized or validated per sanitize-utf8 /
 * validate-utf8 (the one place every parser sets it). The check covers
 * `[i, checkEnd)`, which no-parse extends over the stripped trailing LF/NUL
 * as syslog-ng does; sanitizing then escapes that whole range.
 */
export function setMessageText(buf: Buffer, i: number, end: number, checkEnd: number = end): void {
  const msg = ctx.msg;
  const flags = ctx.flags;
  if ((flags & ParseFlag.SANITIZE_UTF8) !== 0) {
    msg.flags |= MsgFlag.UTF8;
    if (!isValidUtf8(buf, i, checkEnd)) {
      msg.message = sanitizeUtf8(buf, i, checkEnd);
      msg.setTag(Tag.UTF8_SANITIZED);
      return;
    }
  } else if ((flags & ParseFlag.VALIDATE_UTF8) !== 0 && isValidUtf8(buf, i, checkEnd)) {
    msg.flags |= MsgFlag.UTF8;
  }
  msg.message = decodeField(buf, i, end);
}
