/**
 * The syslog message parser's one entry point: one received record (already
 * de-framed) into a LogMessage, exactly as syslog-ng's msg-format layer and
 * syslogformat module do it, including no-parse, RAWMSG, keep-timestamp(no),
 * no-multi-line, and the piggyback-errors replacement message.
 */
import type { LogMessage, Timestamp } from '../message/log-message.ts';
import { MsgFlag } from '../message/log-message.ts';
import { ParseFlag, type ParseOptions } from './parse-options.ts';
import { ctx, defaultPri, setMessageText } from './parse-common.ts';
import { parseRfc3164 } from './rfc3164.ts';
import { parseRfc5424 } from './rfc5424.ts';
import { decodeField, decodeState } from './utf8.ts';

export { ParseFlag, DEFAULT_PARSE_FLAGS, defaultParseOptions, parseFlagsFromNames } from './parse-options.ts';
export type { ParseOptions } from './parse-options.ts';

/** "no stamp parsed yet": replaced by a copy of the receipt time before parseMessage returns */
const UNSET_STAMP: Timestamp = Object.freeze({ sec: 0, usec: 0, gmtoff: 0 }) as Timestamp;

/** syslog.err: what syslog-ng gives its own parse-error messages */
const ERROR_PRI = 5 * 8 + 3;

/**
 * Parses `buf[start, end)` into `msg` (which arrives with `recvd` set).
 * Never throws on bad input: failures become the piggyback error message
 * (or, with no-piggyback-errors, the raw text as MESSAGE) with MSGFORMAT
 * `syslog-error`.
 */
export function parseMessage(buf: Buffer, start: number, end: number, opts: ParseOptions, msg: LogMessage): void {
  ctx.opts = opts;
  ctx.msg = msg;
  ctx.flags = opts.flags;
  ctx.start = start;
  ctx.problemPos = 0;
  ctx.nowCache = undefined;
  decodeState.escaped = false;
  const flags = opts.flags;
  const rv = msg.recvd;
  msg.pri = 13;
  msg.stamp = UNSET_STAMP;
  msg.host = '';
  msg.program = '';
  msg.pid = '';
  msg.msgid = '';
  msg.message = '';
  msg.legacyMsghdr = '';
  msg.msgformat = '';

  // trailing LF and NUL never belong to the message (CR does)
  let e = end;
  while (e > start && (buf[e - 1] === 0x0a || buf[e - 1] === 0)) e--;

  if ((flags & ParseFlag.STORE_RAW_MESSAGE) !== 0) msg.values.set('RAWMSG', decodeField(buf, start, e));

  let ok: boolean;
  if ((flags & ParseFlag.NO_PARSE) !== 0) ok = parseNothing(buf, start, end, e);
  else if ((flags & ParseFlag.SYSLOG_PROTOCOL) !== 0) ok = parseRfc5424(buf, start, e);
  else ok = parseRfc3164(buf, start, e);

  if (!ok) {
    if ((flags & ParseFlag.PIGGYBACK_ERRORS) !== 0) injectParseError(buf, start, e, ctx.problemPos);
    else msg.message = decodeField(buf, start, end);
  }
  postprocess();
  if (msg.stamp === UNSET_STAMP) msg.stamp = { sec: rv.sec, usec: rv.usec, gmtoff: rv.gmtoff };
  if (!ok) msg.msgformat = 'syslog-error';
  if (decodeState.escaped) msg.flags |= MsgFlag.RAW_BYTES;
  if (msg.host === '') msg.flags |= MsgFlag.NO_HOST;
  else msg.flags &= ~MsgFlag.NO_HOST;
  ctx.msg = undefined as unknown as LogMessage;
}

/** no-parse: the whole record is MESSAGE, PRI is the default, stamp stays the receipt time. */
function parseNothing(buf: Buffer, start: number, end: number, stripped: number): boolean {
  const msg = ctx.msg;
  msg.pri = defaultPri();
  msg.msgformat = 'raw';
  setMessageText(buf, start, stripped, end);
  return true;
}

/**
 * Replaces the message by syslog-ng's own report of the failure:
 * `Error processing log message: <before>>@<<after>` where the marker sits
 * one byte before the position the parser stopped at.
 */
function injectParseError(buf: Buffer, start: number, end: number, pos: number): void {
  const msg = ctx.msg;
  const opts = ctx.opts;
  const rv = msg.recvd;
  msg.stamp = { sec: rv.sec, usec: rv.usec, gmtoff: rv.gmtoff };
  msg.host = opts.localHostname;
  msg.program = 'syslog-ng';
  msg.pid = String(opts.daemonPid);
  msg.msgid = '';
  msg.legacyMsghdr = '';
  msg.msgformat = '';
  msg.sd = [];
  msg.values.clear();
  msg.tags = [];
  msg.flags = MsgFlag.LOCAL | MsgFlag.PARSE_ERROR;
  msg.pri = ERROR_PRI;
  let text = 'Error processing log message: ';
  if (pos > 0) {
    const cut = Math.min(start + pos - 1, end);
    text += decodeField(buf, start, untilNul(buf, start, cut)) + '>@<' + decodeField(buf, cut, untilNul(buf, cut, end));
  } else {
    text += decodeField(buf, start, untilNul(buf, start, end));
  }
  msg.message = text;
}

/** syslog-ng builds the report with printf `%.*s`, which stops at a NUL byte: each part ends at its first NUL. */
function untilNul(buf: Buffer, start: number, end: number): number {
  const nul = buf.indexOf(0, start);
  return nul >= 0 && nul < end ? nul : end;
}

/** Applied after every parse, failed or not. */
function postprocess(): void {
  const msg = ctx.msg;
  const opts = ctx.opts;
  const flags = ctx.flags;
  if (!opts.keepTimestamp) {
    const rv = msg.recvd;
    msg.stamp = { sec: rv.sec, usec: rv.usec, gmtoff: opts.timeZone ? opts.timeZone.offsetAt(rv.sec) : rv.gmtoff };
  }
  if ((flags & ParseFlag.NO_MULTI_LINE) !== 0) msg.message = msg.message.replace(/[\r\n\0]/g, ' ');
  if ((flags & ParseFlag.LOCAL) !== 0) msg.flags |= MsgFlag.LOCAL;
  if ((flags & ParseFlag.ASSUME_UTF8) !== 0) msg.flags |= MsgFlag.UTF8;
}
