/**
 * The default lines of the network() destination (`<PRI>Mmm dd HH:MM:SS HOST
 * MSGHDRMSG\n`, RFC 3164 style) and of the file() destination (`STAMP HOST
 * MSGHDRMSG\n`, stamp in ts-format()). A template() replaces the whole line
 * and nothing is appended to it.
 */
import type { LogMessage } from '../../message/log-message.ts';
import { formatMsghdr } from '../../message/macros.ts';
import { formatBsd, formatStamp, type TsFormat } from '../../message/timefmt.ts';
import { RecordFormatter, type FormatOptions } from './formatter.ts';

abstract class LineFormatter extends RecordFormatter {
  protected record(msg: LogMessage, seqNum: number): string {
    return this.template !== undefined
      ? this.template(msg, seqNum)
      : this.prefix(msg) + ' ' + msg.host + ' ' + formatMsghdr(msg) + msg.message + '\n';
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
