/**
 * RFC 5424 output of the syslog() destination and of
 * network(flags(syslog-protocol)), as syslog-ng's writer builds it:
 * `<PRI>1 ISO-TS HOST PROGRAM PID MSGID SDATA [BOM]MSG\n`. Octet counting is
 * added by the framing layer (BatchEncoder), not here.
 */
import { MsgFlag, type LogMessage } from '../../message/log-message.ts';
import { formatSdata } from '../../message/sdata.ts';
import { formatIso } from '../../message/timefmt.ts';
import { RecordFormatter, type FormatOptions } from './formatter.ts';

const BOM = '\ufeff';
/** A header field: up to its first space; empty is the NILVALUE `-`. */
export function headerField(v: string): string {
  if (v.length === 0) return '-';
  const sp = v.indexOf(' ');
  return sp < 0 ? v : v.slice(0, sp);
}

export class SyslogProtocolFormatter extends RecordFormatter {
  constructor(opts: FormatOptions = {}) {
    super(opts);
  }

  protected record(msg: LogMessage, seqNum: number): string {
    const sdata = msg.sd.length === 0 && seqNum === 0 ? '' : formatSdata(msg, seqNum);
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
    return out + '\n';
  }
}
