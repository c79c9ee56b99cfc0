/** Picks the formatter a destination uses for its default output (drivers.md §5). */
import { BsdLineFormatter, FileLineFormatter } from './legacy.ts';
import { SyslogProtocolFormatter } from './syslog-protocol.ts';
import type { FormatOptions, Formatter } from './formatter.ts';

export type { FormatOptions, Formatter, SeqnumMode, TemplateFn } from './formatter.ts';

/**
 * 'syslog': the syslog() destination (RFC 5424; add octet counting for TCP/TLS).
 * 'network': the network() destination; RFC 5424 without MSG-LEN when
 * `syslogProtocol` (flags(syslog-protocol)), else the BSD line.
 * 'file': the file() destination's default line.
 */
export function createFormatter(kind: 'syslog' | 'network' | 'file', opts: FormatOptions & { syslogProtocol?: boolean } = {}): Formatter {
  if (kind === 'syslog' || (kind === 'network' && opts.syslogProtocol)) return new SyslogProtocolFormatter(opts);
  if (kind === 'network') return new BsdLineFormatter(opts);
  return new FileLineFormatter(opts);
}
