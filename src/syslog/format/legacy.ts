/**
 * The default lines of the network() destination (`<PRI>Mmm dd HH:MM:SS HOST
 * MSGHDRMSG\n`, RFC 3164 style) and of the file() destination (`STAMP HOST
 * MSGHDRMSG\n`, stamp in ts-format()). A template() replaces the whole line
 * and nothing is appended to it.
 */
import type { LogMessage } from '../../message/log-message.ts';
import { formatBsd, formatStamp, type TsFormat } from '../../message/timefmt.ts';
import type { Zone } from '../../message/timezone.ts';
import { applyOutputFlags, SequenceCounter, type FormatOptions, type Formatter, type TemplateFn } from './formatter.ts';

/** `${MSGHDR}`: the received program header, else `PROGRAM[PID]: `, else nothing. */
export function msgHeader(msg: LogMessage): string {
  if (msg.legacyMsghdr.length !== 0) return msg.legacyMsghdr;
  if (msg.program.length === 0) return '';
  return msg.pid.length !== 0 ? msg.program + '[' + msg.pid + ']: ' : msg.program + ': ';
}

abstract class LineFormatter implements Formatter {
  protected readonly opts: FormatOptions;
  protected readonly fracDigits: number;
  protected readonly zone: Zone | undefined;
  private readonly template: TemplateFn | undefined;
  private readonly seq: SequenceCounter;
  private readonly plain: boolean;

  constructor(opts: FormatOptions) {
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
    const out =
      this.template !== undefined
        ? this.template(msg, seqNum)
        : this.prefix(msg) + ' ' + msg.host + ' ' + msgHeader(msg) + msg.message + '\n';
    return this.plain || out.length === 0 ? out : applyOutputFlags(out, this.opts);
  }

  protected abstract prefix(msg: LogMessage): string;
}

/** network() default: BSD timestamp (ts-format() does not apply), PRI in front. */
export class BsdLineFormatter extends LineFormatter {
  constructor(opts: FormatOptions = {}) {
    super(opts);
  }
  protected prefix(msg: LogMessage): string {
    return '<' + msg.pri + '>' + formatBsd(msg.stamp, this.fracDigits, this.zone);
  }
}

/** file() default: timestamp in ts-format() (default rfc3164), no PRI. */
export class FileLineFormatter extends LineFormatter {
  private readonly tsFormat: TsFormat;
  constructor(opts: FormatOptions = {}) {
    super(opts);
    this.tsFormat = opts.tsFormat ?? 'rfc3164';
  }
  protected prefix(msg: LogMessage): string {
    return formatStamp(msg.stamp, this.tsFormat, this.fracDigits, this.zone);
  }
}
