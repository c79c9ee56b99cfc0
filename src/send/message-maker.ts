/**
 * The records `logferry send` writes. Each carries the sender id and its
 * sequence number so a receiver can count, order and de-duplicate:
 *  - RFC 5424: structured data `[logferry@32473 sender="ID" seq="N"]`
 *    (syslog-ng: `${.SDATA.logferry@32473.seq}`);
 *  - RFC 3164: `sender=ID seq=N ` at the start of MSG.
 * 32473 is the enterprise number RFC 5612 sets aside for examples: logferry
 * has none of its own, and an SD-ID with `@` must name one (RFC 5424 §6.3.2).
 *
 * The record is rendered by the destination formatters (syslog/format) from a
 * LogMessage whose sequence number and MSG are placeholders, and cut at them
 * once per timestamp tick; a message then costs one string concatenation.
 */
import { hostname } from 'node:os';
import { LogMessage, nowTimestamp } from '../message/log-message.ts';
import { createFormatter } from '../syslog/format/create.ts';
import { decimalDigits } from '../syslog/framing/octet-encoder.ts';

/** decimal digits of a sequence number (any safe integer, unlike the 8-digit frame helper) */
function digits(n: number): number {
  return n < 1e7 ? decimalDigits(n) : String(n).length;
}
import type { SendFormat } from './options.ts';

export const SD_ID = 'logferry@32473';
export const PROGRAM = 'logferry-send';
/** user.info */
export const PRI = 14;
export const DEFAULT_TEXT = 'logferry send test message';

/** how a record is framed on the wire, for the --size arithmetic */
export type WireFraming = 'octet' | 'newline' | 'datagram';

const SEQ_MARK = '\u0001';
const MSG_MARK = '\u0002';

/** The record length (bytes, before any MSG-LEN header) that makes the whole frame `size` bytes. */
export function recordLengthForFrame(size: number, framing: WireFraming): number {
  if (framing !== 'octet') return size;
  // `MSG-LEN SP record`: the header width depends on the length it encodes
  for (let len = size - 2; len >= 0; len--) {
    if (decimalDigits(len) + 1 + len <= size) return len;
  }
  return 0;
}

export interface MessageMakerOptions {
  format: SendFormat;
  framing: WireFraming;
  /** sender id of this stream (unique per connection of a run) */
  sender: string;
  /** total frame size to pad to; undefined = no padding */
  size?: number;
  host?: string;
  pid?: number;
}

export class MessageMaker {
  readonly sender: string;
  private readonly format: SendFormat;
  private readonly fracDigits: number;
  private readonly formatter;
  private readonly tmpl: LogMessage;
  /** record length wanted, undefined = no padding */
  private readonly target: number | undefined;
  /** the clock value (ms or s) the cut pieces below were rendered for */
  private tick = NaN;
  private head = '';
  private mid = '';
  private tail = '';
  /** byte lengths of head + mid + tail */
  private fixedBytes = 0;
  /** default MSG followed by the filler, sliced for padded synthetic messages */
  private readonly fill: string;

  constructor(o: MessageMakerOptions) {
    this.sender = o.sender;
    this.format = o.format;
    // RFC 5424 carries milliseconds; the BSD stamp has whole seconds only
    this.fracDigits = o.format === '5424' ? 3 : 0;
    this.formatter = createFormatter(o.format === '5424' ? 'syslog' : 'network', { fracDigits: this.fracDigits, seqnum: 'off' });
    const m = new LogMessage();
    m.pri = PRI;
    m.host = o.host ?? hostname();
    m.program = PROGRAM;
    m.pid = String(o.pid ?? process.pid);
    if (o.format === '5424') {
      m.addSdParam(SD_ID, 'sender', o.sender);
      m.addSdParam(SD_ID, 'seq', SEQ_MARK);
      m.message = MSG_MARK;
    } else {
      m.message = `sender=${o.sender} seq=${SEQ_MARK} ${MSG_MARK}`;
    }
    this.tmpl = m;
    this.target = o.size === undefined ? undefined : recordLengthForFrame(o.size, o.framing);
    this.fill = o.size === undefined ? DEFAULT_TEXT : DEFAULT_TEXT + ' ' + 'x'.repeat(o.size);
  }

  private render(now: number): void {
    const tick = this.fracDigits > 0 ? now : Math.floor(now / 1000);
    if (tick === this.tick) return;
    this.tick = tick;
    const ts = nowTimestamp();
    this.tmpl.stamp = { sec: Math.floor(now / 1000), usec: (now % 1000) * 1000, gmtoff: ts.gmtoff };
    const rec = this.formatter.format(this.tmpl);
    const text = typeof rec === 'string' ? rec : rec.toString('utf8');
    const s = text.indexOf(SEQ_MARK);
    const b = text.indexOf(MSG_MARK, s);
    this.head = text.slice(0, s);
    this.mid = text.slice(s + 1, b);
    this.tail = text.slice(b + 1);
    this.fixedBytes = Buffer.byteLength(this.head) + Buffer.byteLength(this.mid) + Buffer.byteLength(this.tail);
  }

  /** bytes of a record for `seq` with an empty MSG; --size must leave room for it */
  minimumRecord(seq: number): number {
    this.render(Date.now());
    return this.fixedBytes + digits(seq);
  }

  /** A synthetic record: the default MSG, padded (or cut) to the frame size. */
  synthetic(seq: number): string {
    this.render(Date.now());
    if (this.target === undefined) return this.head + seq + this.mid + DEFAULT_TEXT + this.tail;
    const room = this.target - this.fixedBytes - digits(seq);
    return this.head + seq + this.mid + (room > 0 ? this.fill.slice(0, room) : '') + this.tail;
  }

  /** A record whose MSG is `line`, padded with ` xxx…` to the frame size (never cut). */
  withText(seq: number, line: string): string {
    this.render(Date.now());
    if (this.target === undefined) return this.head + seq + this.mid + line + this.tail;
    const room = this.target - this.fixedBytes - digits(seq) - Buffer.byteLength(line);
    return this.head + seq + this.mid + line + (room > 0 ? this.fill.slice(DEFAULT_TEXT.length, DEFAULT_TEXT.length + room) : '') + this.tail;
  }
}
