/**
 * RFC 5424 parsing as syslog-ng does it:
 *
 *   [octet count] <PRI>1 SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP [SD] [SP [BOM]MSG]
 *
 * Only VERSION 1 is RFC 5424; any other start falls back to the RFC 3164
 * parser unless no-rfc3164-fallback. `-` is "unset" (stored as ""). APP-NAME,
 * PROCID, MSGID are cut to 48, 128, 32 bytes; a HOSTNAME over 255 bytes is an
 * error. A missing SD is tolerated (the rest is MSG). A leading BOM marks MSG
 * as UTF-8 and is removed.
 */
import { MsgFlag } from '../message/log-message.ts';
import { ParseFlag, type ParseOptions } from './parse-options.ts';
import { SP, Tag, ctx, parseDate, parsePri, setMessageText, skipUnexpectedFraming } from './parse-common.ts';
import { parseHostname, parseRfc3164 } from './rfc3164.ts';
import { parseSdata, type SdataTarget } from './rfc5424-sdata.ts';
import { decodeField, decodeShort } from './utf8.ts';

const DEFAULT_SDATA_VALUE_MAX = 65535;

/** false = parse error, with `ctx.problemPos` set (0 when the line is not RFC 5424 at all). */
export function parseRfc5424(buf: Buffer, start: number, end: number): boolean {
  const msg = ctx.msg;
  let i = skipUnexpectedFraming(buf, start, end);
  let r = parsePri(buf, i, end);
  if (r >= 0) r = parseVersion(buf, r, end);
  if (r < 0) {
    if ((ctx.flags & ParseFlag.NO_RFC3164_FALLBACK) === 0) return parseRfc3164(buf, start, end);
    ctx.problemPos = 0;
    return false;
  }
  i = r;
  if (!(i < end && buf[i] === SP)) return fail(i, start);
  i++;

  r = parseDate(buf, i, end, true);
  if (r < 0) return fail(i, start);
  i = r;
  if (!(i < end && buf[i] === SP)) {
    msg.setTag(Tag.RFC5424_MISSING_HOSTNAME);
    return fail(i, start);
  }
  i++;

  const h = parseHostname(buf, i, end, undefined);
  const hostStart = h >= 0 ? i : -1;
  const hostEnd = h;
  if (h >= 0) i = h;
  if (!(i < end && buf[i] === SP)) {
    msg.setTag(Tag.RFC5424_MISSING_APP_NAME);
    return fail(i + 1, start);
  }
  i++;
  if (hostStart >= 0 && !(hostEnd - hostStart === 1 && buf[hostStart] === 0x2d)) {
    msg.host = decodeShort(buf, hostStart, hostEnd);
  }

  i = column(buf, i, end, 48, 0);
  if (!(i < end && buf[i] === SP)) {
    msg.setTag(Tag.RFC5424_MISSING_PROCID);
    return fail(i, start);
  }
  i = column(buf, i + 1, end, 128, 1);
  if (!(i < end && buf[i] === SP)) {
    msg.setTag(Tag.RFC5424_MISSING_MSGID);
    return fail(i, start);
  }
  i = column(buf, i + 1, end, 32, 2);
  if (!(i < end && buf[i] === SP)) {
    msg.setTag(Tag.RFC5424_MISSING_SDATA);
    return fail(i, start);
  }
  i++;

  if (i < end && (buf[i] === 0x2d || buf[i] === 0x5b)) {
    const sd = parseSdata(buf, i, end, sdataOptions(ctx.opts), msg);
    if (sd < 0) {
      msg.setTag(Tag.RFC5424_INVALID_SDATA);
      return fail(-sd - 1, start);
    }
    i = sd;
  }

  // syslog-ng sets an unnamed tag here, invisible in ${TAGS}
  if (!setMessage(buf, i, end)) return fail(i, start);
  msg.msgformat = 'syslog:rfc5424';
  return true;
}

// a source parses with the same options message after message: one object, not one per message
let sdataOpts: SdataTarget = { sdataPrefix: '.SDATA.', sdataParamValueMax: DEFAULT_SDATA_VALUE_MAX };

function sdataOptions(opts: ParseOptions): SdataTarget {
  const max = opts.sdataParamValueMax ?? DEFAULT_SDATA_VALUE_MAX;
  if (opts.sdataPrefix !== sdataOpts.sdataPrefix || max !== sdataOpts.sdataParamValueMax) {
    sdataOpts = { sdataPrefix: opts.sdataPrefix, sdataParamValueMax: max };
  }
  return sdataOpts;
}

function fail(pos: number, start: number): boolean {
  ctx.problemPos = pos - start;
  return false;
}

/** VERSION up to the next space: digits only, and it must be 1. */
function parseVersion(buf: Buffer, i: number, end: number): number {
  let v = 0;
  while (i < end && buf[i] !== SP) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
    i++;
  }
  return v === 1 ? i : -1;
}

/** One space-terminated header column (0 APP-NAME, 1 PROCID, 2 MSGID); `-` leaves it unset; nothing is stored without a following space. */
function column(buf: Buffer, i: number, end: number, max: number, which: number): number {
  const s = i;
  while (i < end && buf[i] !== SP) i++;
  if (i === end) return i;
  const len = i - s;
  if (len > 1 || buf[s] !== 0x2d) {
    const v = decodeShort(buf, s, s + (len > max ? max : len));
    const msg = ctx.msg;
    if (which === 0) msg.program = v;
    else if (which === 1) msg.pid = v;
    else msg.msgid = v;
  }
  return i;
}

/** `[SP [BOM] MSG]`; false when something other than a space follows the SD. */
function setMessage(buf: Buffer, i: number, end: number): boolean {
  const msg = ctx.msg;
  if (i >= end) {
    msg.message = '';
    return true;
  }
  if (buf[i] !== SP) return false;
  i++;
  if (end - i >= 3 && buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
    msg.flags |= MsgFlag.UTF8;
    msg.message = decodeField(buf, i + 3, end);
    return true;
  }
  setMessageText(buf, i, end);
  return true;
}
