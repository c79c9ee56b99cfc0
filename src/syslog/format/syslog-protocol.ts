/**
 * RFC 5424 output of the syslog() destination and of
 * network(flags(syslog-protocol)), as syslog-ng's writer builds it:
 * `<PRI>1 ISO-TS HOST PROGRAM PID MSGID SDATA [BOM]MSG\n`. Octet counting is
 * added by the framing layer (BatchEncoder), not here.
 */
import { MsgFlag, type LogMessage, type SdElement } from '../../message/log-message.ts';
import { formatSdata } from '../../message/sdata.ts';
import { formatIso } from '../../message/timefmt.ts';
import type { Zone } from '../../message/timezone.ts';
import { applyOutputFlags, SequenceCounter, type FormatOptions, type Formatter, type TemplateFn } from './formatter.ts';

const BOM = '\ufeff';
/** A header field: up to its first space; empty is the NILVALUE `-`. */
export function headerField(v: string): string {
  if (v.length === 0) return '-';
  const sp = v.indexOf(' ');
  return sp < 0 ? v : v.slice(0, sp);
}

/**
 * `${SDATA}` of a destination: the message's own elements plus
 * `sequenceId="N"` when `seqNum` is set and the message has no sequenceId.
 * Like syslog-ng, an existing `meta` element gets sequenceId as its first
 * parameter; otherwise `[meta sequenceId="N"]` comes last.
 */
export function formatSdataWithSeq(msg: LogMessage, seqNum: number): string {
  if (seqNum === 0) return msg.sd.length === 0 ? '' : formatSdata(msg);
  if (msg.sd.length === 0) return '[meta sequenceId="' + seqNum + '"]';
  if (msg.get('.SDATA.meta.sequenceId')) return formatSdata(msg);
  let meta = -1;
  for (let i = 0; i < msg.sd.length; i++) if (msg.sd[i].id === 'meta') meta = i;
  if (meta < 0) return formatSdata(msg) + '[meta sequenceId="' + seqNum + '"]';
  const sd: SdElement[] = msg.sd.slice();
  sd[meta] = { id: 'meta', params: [['sequenceId', String(seqNum)], ...msg.sd[meta].params] };
  return formatSdata({ sd, get: () => undefined } as unknown as LogMessage);
}

export class SyslogProtocolFormatter implements Formatter {
  private readonly opts: FormatOptions;
  private readonly fracDigits: number;
  private readonly zone: Zone | undefined;
  private readonly template: TemplateFn | undefined;
  private readonly seq: SequenceCounter;
  private readonly plain: boolean;

  constructor(opts: FormatOptions = {}) {
    this.opts = opts;
    this.fracDigits = opts.fracDigits ?? 0;
    this.zone = opts.timeZone;
    this.template = opts.template;
    this.seq = new SequenceCounter(opts.seqnum);
    this.plain = !opts.noMultiLine && opts.truncateSize === undefined;
  }

  resetSequence(): void {
    this.seq.reset();
  }

  format(msg: LogMessage): Buffer | string {
    const seqNum = this.seq.take(msg);
    const sdata = msg.sd.length === 0 && seqNum === 0 ? '' : formatSdataWithSeq(msg, seqNum);
    let out =
      '<' +
      msg.pri +
      '>1 ' +
      formatIso(msg.stamp, this.fracDigits, this.zone) +
      ' ' +
      headerField(msg.host) +
      ' ' +
      headerField(msg.program) +
      ' ' +
      headerField(msg.pid) +
      ' ' +
      headerField(msg.msgid) +
      ' ' +
      (sdata === '' ? '-' : sdata) +
      ' ';
    const utf8 = (msg.flags & MsgFlag.UTF8) !== 0;
    if (this.template !== undefined) {
      // with a template the BOM is written even when the expansion is empty
      out += (utf8 ? BOM : '') + this.template(msg, seqNum);
    } else if (msg.message.length !== 0) {
      out += utf8 ? BOM + msg.message : msg.message;
    }
    out += '\n';
    return this.plain ? out : applyOutputFlags(out, this.opts);
  }
}
