/**
 * RFC 3164 ("BSD", "legacy") parsing as syslog-ng does it: very forgiving.
 *
 *   [octet count] [<PRI>] [cisco-seq: ] [*|.]TIMESTAMP[:] [HOSTNAME] PROGRAM[[PID]][:] [SP]MESSAGE
 *
 * Vendor quirks handled: Cisco sequence numbers and `*`/`.` clock-sync marks,
 * PIX/ASA and Linksys stamps (year inside), AIX "Message forwarded from",
 * "last message repeated" lines, IPv6 addresses as HOSTNAME, bad-hostname().
 * Without a timestamp no hostname is expected and PROGRAM starts the line.
 */
import { ParseFlag } from './parse-options.ts';
import { SP, Tag, ctx, parseDate, parsePri, setMessageText, skipUnexpectedFraming } from './parse-common.ts';
import { decodeField, decodeShort } from './utf8.ts';

const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const AIX_FWD = Buffer.from('Message forwarded from ');
const REPEAT = Buffer.from('last message repeated');

/** Always succeeds (sets MSGFORMAT `syslog:rfc3164`, as AxoSyslog does). */
export function parseRfc3164(buf: Buffer, start: number, end: number): boolean {
  const msg = ctx.msg;
  let i = skipUnexpectedFraming(buf, start, end);
  const r = parsePri(buf, i, end);
  if (r < 0) {
    // "<" without a number and ">": the whole line (after any octet count) is the message
    msg.setTag(Tag.INVALID_PRI);
  } else {
    i = r;
    if ((ctx.flags & ParseFlag.NO_HEADER) === 0) i = parseLegacyHeader(buf, i, end);
  }
  setMessageText(buf, i, end);
  msg.msgformat = 'syslog:rfc3164';
  return true;
}

function skipSpaces(buf: Buffer, i: number, end: number): number {
  while (i < end && buf[i] === SP) i++;
  return i;
}

function startsWith(buf: Buffer, i: number, end: number, lit: Buffer, minLeft: number): boolean {
  if (end - i < minLeft) return false;
  for (let k = 0; k < lit.length; k++) if (buf[i + k] !== lit[k]) return false;
  return true;
}

function parseLegacyHeader(buf: Buffer, i: number, end: number): number {
  const msg = ctx.msg;
  const flags = ctx.flags;
  i = parseCiscoSequenceId(buf, i, end);
  i = skipSpaces(buf, i, end);
  if (i < end && (buf[i] === 0x2a || buf[i] === 0x2e)) {
    if (ctx.opts.keepTimestamp) msg.addSdParam('timeQuality', 'isSynced', buf[i] === 0x2a ? '0' : '1');
    i++;
  }

  const r = parseDate(buf, i, end, false);
  if (r < 0) {
    if ((msg.pri & 0x3f8) === 0 && (flags & ParseFlag.LOCAL) !== 0) {
      msg.program = 'kernel';
    } else {
      msg.setTag(Tag.RFC3164_MISSING_HEADER);
      i = parseProgram(buf, i, end);
    }
    return i;
  }

  i = skipSpaces(buf, r, end);
  let hostStart = -1;
  let hostLen = 0;
  if (startsWith(buf, i, end, AIX_FWD, AIX_FWD.length)) {
    i += AIX_FWD.length;
    hostStart = i;
    while (i < end && buf[i] !== COLON) i++;
    hostLen = i - hostStart;
    while (i < end && (buf[i] === SP || buf[i] === COLON)) i++;
  }
  // syslog-ng compares 21 bytes but wants one more byte to be present
  if (!startsWith(buf, i, end, REPEAT, REPEAT.length + 1)) {
    if (hostStart < 0 && (flags & ParseFlag.EXPECT_HOSTNAME) !== 0) {
      const h = parseHostname(buf, i, end, ctx.opts.badHostname);
      if (h >= 0) {
        hostStart = i;
        hostLen = Math.min(h - i, 255);
        i = h;
      }
      i = skipSpaces(buf, i, end);
    }
    i = parseProgram(buf, i, end);
  }
  if (hostStart >= 0) msg.host = decodeShort(buf, hostStart, hostStart + hostLen);
  return i;
}

/** `<digits>: ` right after PRI: a Cisco sequence number, kept as `.SDATA.meta.sequenceId`. */
function parseCiscoSequenceId(buf: Buffer, i: number, end: number): number {
  let p = i;
  while (p < end && buf[p] !== COLON) {
    if (buf[p] < 0x30 || buf[p] > 0x39) return i;
    p++;
  }
  if (!(p < end)) return i;
  p++;
  if (!(p < end) || buf[p] !== SP) return i;
  ctx.msg.addSdParam('meta', 'sequenceId', decodeField(buf, i, p - 1));
  return p;
}

const HOSTNAME_OK = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ok =
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === COLON ||
    c === 0x40 ||
    c === 0x2f;
  HOSTNAME_OK[c] = ok ? 1 : 0;
}

function isXDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * A HOSTNAME candidate at `i`: up to 255 bytes before a space or `[`; a `:`
 * ends it unless everything so far looks like an IPv6 address; with
 * check-hostname an invalid character ends it. It is a hostname only if a
 * space follows and bad-hostname() does not match. Returns the position
 * after it, or -1 (tag `syslog.invalid_hostname`, nothing consumed).
 * Shared with the RFC 5424 parser (which passes no bad-hostname regex).
 */
export function parseHostname(buf: Buffer, i: number, end: number, bad: RegExp | undefined): number {
  const check = (ctx.flags & ParseFlag.CHECK_HOSTNAME) !== 0;
  const start = i;
  let segments = 0;
  let digits = 0;
  let ipv6Failed = false;
  while (i < end && buf[i] !== SP && buf[i] !== LBRACKET && i - start < 255) {
    const c = buf[i];
    if (!ipv6Failed) {
      if (c !== COLON && !isXDigit(c)) ipv6Failed = true;
      else if (c !== COLON) {
        if (++digits > 4) ipv6Failed = true;
      } else {
        digits = 0;
        if (++segments >= 8) ipv6Failed = true;
      }
    }
    if (c === COLON && ipv6Failed) break;
    if (check && HOSTNAME_OK[c] === 0) break;
    i++;
  }
  if (i < end && buf[i] === SP) {
    if (!bad) return i;
    bad.lastIndex = 0;
    if (!bad.test(decodeField(buf, start, i))) return i;
  }
  ctx.msg.setTag(Tag.INVALID_HOSTNAME);
  return -1;
}

const PROGRAM_SPECIALS = '.-_()/';

/**
 * `PROGRAM[PID]: ` — PROGRAM up to space, `[` or `:`; PID up to `]`; then an
 * optional `:` and one optional space. The consumed text is LEGACY_MSGHDR.
 * With check-program an invalid PROGRAM leaves everything to MESSAGE.
 */
export function parseProgram(buf: Buffer, i: number, end: number): number {
  const msg = ctx.msg;
  const flags = ctx.flags;
  const check = (flags & ParseFlag.CHECK_PROGRAM) !== 0;
  const progStart = i;
  let hasAlpha = false;
  while (i < end && buf[i] !== SP && buf[i] !== LBRACKET && buf[i] !== COLON) {
    if (check) {
      const c = buf[i];
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) hasAlpha = true;
      else if (!(c >= 0x30 && c <= 0x39) && PROGRAM_SPECIALS.indexOf(String.fromCharCode(c)) < 0) {
        msg.setTag(Tag.RFC3164_INVALID_PROGRAM);
        return progStart;
      }
    }
    i++;
  }
  if (check && !hasAlpha) {
    msg.setTag(Tag.RFC3164_INVALID_PROGRAM);
    return progStart;
  }
  msg.program = decodeShort(buf, progStart, i);
  if (i < end && buf[i] === LBRACKET) {
    const pidStart = i + 1;
    while (i < end && buf[i] !== SP && buf[i] !== RBRACKET && buf[i] !== COLON) i++;
    if (i < end) msg.pid = decodeShort(buf, pidStart, i);
    if (i < end && buf[i] === RBRACKET) i++;
  }
  if (i < end && buf[i] === COLON) i++;
  if (i < end && buf[i] === SP) i++;
  if ((flags & ParseFlag.STORE_LEGACY_MSGHDR) !== 0) msg.legacyMsghdr = decodeShort(buf, progStart, i);
  return i;
}
