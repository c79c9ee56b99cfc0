/** Value types and rows that several schemas share. */
import { resolveZone } from '../../message/timezone.ts';
import { facilityFromName, severityFromName } from '../../message/names.ts';
import type { OptionValue } from '../plan.ts';
import type { OptionRow, OptionType } from './types.ts';

export const TS_FORMAT = {
  kind: 'enum',
  values: ['rfc3164', 'rfc3339', 'full', 'unix'],
  aliases: { bsd: 'rfc3164', iso: 'rfc3339', utc: 'unix' },
} as const satisfies OptionType;

export const MARK_MODE: OptionType = {
  kind: 'enum',
  values: ['internal', 'dst-idle', 'host-idle', 'periodical', 'none', 'global'],
  fold: true,
};

export function checkTimeZone(v: OptionValue): string | undefined {
  return typeof v === 'string' && !resolveZone(v) ? `Unknown time zone; time-zone='${v}'` : undefined;
}

export function checkFacility(v: OptionValue): string | undefined {
  return typeof v === 'string' && facilityFromName(v) < 0 ? `Unknown facility name; facility='${v}'` : undefined;
}

export function checkSeverity(v: OptionValue): string | undefined {
  return typeof v === 'string' && severityFromName(v) < 0 ? `Unknown severity name; severity='${v}'` : undefined;
}

export const SIZE_LIMIT_256MIB = 256 * 1024 * 1024;

export function checkLogMsgSize(v: OptionValue): string | undefined {
  if (typeof v !== 'number') return undefined;
  if (v <= 0) return 'Must be positive';
  return v > SIZE_LIMIT_256MIB ? `log-msg-size() cannot be larger than 256MiB; value='${v}'` : undefined;
}

function shown(v: OptionValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.join(' ');
  return typeof v === 'object' ? '…' : String(v);
}

/**
 * An option logferry does not act on yet: refused when written with another
 * value than `ok` (at compile time, so `-s` and start say the same).
 */
export function notImplementedUnless(name: string, ok: OptionValue | undefined): (v: OptionValue) => string | undefined {
  return (v) => (ok === undefined || v !== ok ? `${name}() is not implemented by logferry yet; remove it${ok === undefined ? '' : ` or use its default ${name}(${shown(ok)})`}` : undefined);
}

/**
 * An option accepted so stock syslog-ng configs run, with one warning (from
 * `-s` and at start) when its value would change something logferry cannot
 * change; `ok` is the value that matches what logferry does (undefined: any
 * written value warns).
 */
export function noEffectUnless(name: string, ok: OptionValue | undefined, why: string): (v: OptionValue) => string | undefined {
  // `stats(freq)` is shown as `stats(freq(600))`
  const written = (v: OptionValue) => (name.endsWith(')') ? `${name.slice(0, -1)}(${shown(v)}))` : `${name}(${shown(v)})`);
  return (v) => (ok === undefined || v !== ok ? `${written(v)} is accepted but has no effect in logferry: ${why}` : undefined);
}

/** An option written with a non-default value that Node.js gives no way to apply. */
export function unsupportedUnless<T extends OptionValue>(name: string, ok: T, why: string): (v: OptionValue) => string | undefined {
  return (v) => (v !== ok ? `logferry cannot honour ${name}(${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}): ${why}` : undefined);
}

export const NO_MARK = 'logferry does not generate MARK messages; remove it (or use mark-mode(none) / mark-freq(0))';
export const NO_PERSIST = 'logferry names persist state and reload identity after the driver itself (a file() source by its path; a reload keeps a driver whose settings are unchanged); remove it';

/** Host-name handling rows that sources inherit from `options {}` (drivers.md §7, §8). */
export const hostnameRows: OptionRow[] = [
  { name: 'keep-hostname', type: { kind: 'yesno' }, inherit: 'keep-hostname', doc: 'keep the host name written in the message as ${HOST} (no: ${HOST} is the name of the sender)' },
  {
    name: 'chain-hostnames',
    type: { kind: 'yesno' },
    inherit: 'chain-hostnames',
    obsolete: [{ name: 'long-hostnames', change: 'chain-hostnames' }],
    doc: 'with keep-hostname(no): ${HOST} is <host in the message>/<sender name> instead of the sender name alone',
  },
  {
    name: 'use-dns',
    type: { kind: 'enum', values: ['yes', 'no', 'persist-only'], fold: true, yesno: ['yes', 'no'] },
    inherit: 'use-dns',
    doc: 'name the sender (${HOST_FROM}) by reverse DNS, /etc/hosts included (no: its IP address; persist-only is treated as yes)',
  },
  { name: 'use-fqdn', type: { kind: 'yesno' }, inherit: 'use-fqdn', doc: 'keep resolved sender names fully qualified (no: cut at the first dot)' },
  { name: 'dns-cache', type: { kind: 'yesno' }, inherit: 'dns-cache', doc: 'cache reverse-DNS answers (size and lifetimes: options {}); UDP messages carry a sender name only once it is cached; file() and stdin() have no sender (it warns)' },
  { name: 'normalize-hostnames', type: { kind: 'yesno' }, inherit: 'normalize-hostnames', doc: 'lower-case resolved sender names' },
  { name: 'check-hostname', type: { kind: 'yesno' }, inherit: 'check-hostname', doc: 'a host name in the message with characters a host name cannot have is not taken as ${HOST} (tag syslog.invalid_hostname)' },
  { name: 'check-program', type: { kind: 'yesno' }, inherit: 'check-program', doc: 'a program name with invalid characters is not taken as ${PROGRAM}; it stays in the message text' },
];

/** Rows about the message itself that every source has (drivers.md §6, §7). */
export const sourceMessageRows: OptionRow[] = [
  { name: 'log-msg-size', type: { kind: 'size' }, inherit: 'log-msg-size', check: checkLogMsgSize, doc: 'largest message in bytes (at most 256MiB); see trim-large-messages() for longer ones' },
  { name: 'keep-timestamp', type: { kind: 'yesno' }, inherit: 'keep-timestamp', doc: 'use the timestamp in the message (no = reception time)' },
  { name: 'time-zone', type: { kind: 'string' }, inherit: 'recv-time-zone', check: checkTimeZone, doc: 'zone assumed for received timestamps without one' },
  { name: 'default-facility', type: { kind: 'string' }, default: 'user', check: checkFacility, doc: 'facility of messages without a PRI' },
  {
    name: 'default-severity',
    type: { kind: 'string' },
    default: 'notice',
    aliases: ['default-priority', 'default-level'],
    check: checkSeverity,
    doc: 'severity of messages without a PRI',
  },
  { name: 'program-override', type: { kind: 'string' }, obsolete: [{ name: 'log-prefix', change: 'program-override' }], doc: 'replace ${PROGRAM} of every message with this text' },
  { name: 'host-override', type: { kind: 'string' }, doc: 'replace ${HOST} of every message with this text (after the host-name rules)' },
  { name: 'tags', type: { kind: 'string-list' }, default: [], doc: 'tags added to each message, besides .source.<source name>' },
  { name: 'use-syslogng-pid', type: { kind: 'yesno' }, default: false, doc: "replace ${PID} with the daemon's pid" },
  { name: 'encoding', type: { kind: 'string' }, doc: 'character set of the input, converted to UTF-8' },
  { name: 'sdata-prefix', type: { kind: 'string' }, default: '.SDATA.', check: (v) => (typeof v === 'string' && v.length > 128 ? 'sdata-prefix() cannot be longer than 128 characters' : undefined), doc: 'name prefix of parsed RFC 5424 structured-data values (at most 128 characters)' },
  { name: 'persist-name', type: { kind: 'string' }, ignored: noEffectUnless('persist-name', undefined, NO_PERSIST), doc: 'identity of the driver across reloads (no effect: logferry uses the driver\'s own settings)' },
];

/** Output formatting rows of destinations. */
export const destinationFormatRows: OptionRow[] = [
  { name: 'template', type: { kind: 'template' }, doc: 'output format (template text or the name of a template statement)' },
  { name: 'template-escape', type: { kind: 'yesno' }, default: false, doc: "escape ', \" and \\ in macro values" },
  { name: 'ts-format', type: TS_FORMAT, inherit: 'ts-format', doc: 'timestamp style in templates: rfc3164, rfc3339, full, unix' },
  { name: 'frac-digits', type: { kind: 'non-negative-int' }, inherit: 'frac-digits', doc: 'sub-second digits in produced timestamps' },
  { name: 'time-zone', type: { kind: 'string' }, aliases: ['send-time-zone'], inherit: 'send-time-zone', check: checkTimeZone, doc: "zone of produced timestamps (default: the message's own zone)" },
  { name: 'local-time-zone', type: { kind: 'string' }, inherit: 'local-time-zone', check: checkTimeZone, doc: 'zone of dates in file() destination names (no effect elsewhere: warns)' },
  { name: 'log-fifo-size', type: { kind: 'positive-int' }, inherit: 'log-fifo-size', doc: 'messages queued in memory for this destination; when full, new messages of paths without flow control are dropped, counted (dropped_messages_total) and reported in one warning per 10 s' },
  { name: 'flush-lines', type: { kind: 'non-negative-int' }, inherit: 'flush-lines', doc: 'most messages formatted and written in one batch' },
  { name: 'throttle', type: { kind: 'non-negative-int' }, default: 0, doc: 'output rate limit in messages per second (0 = unlimited)' },
  { name: 'suppress', type: { kind: 'non-negative-int' }, default: 0, unsupported: notImplementedUnless('suppress', 0), doc: 'collapse repeated messages within this many seconds (not implemented yet)' },
  { name: 'mark-mode', type: MARK_MODE, inherit: 'mark-mode', ignored: noEffectUnless('mark-mode', 'none', NO_MARK), doc: 'MARK message generation (not done by logferry)' },
  { name: 'mark-freq', type: { kind: 'non-negative-int' }, inherit: 'mark-freq', ignored: noEffectUnless('mark-freq', 0, NO_MARK), doc: 'seconds between MARK messages (not done by logferry)' },
  { name: 'pad-size', type: { kind: 'non-negative-int' }, default: 0, unsupported: notImplementedUnless('pad-size', 0), doc: 'pad formatted output to this many bytes (not implemented yet)' },
  { name: 'truncate-size', type: { kind: 'non-negative-int' }, doc: 'cut each formatted message at this many bytes (UDP default 65507)' },
  { name: 'persist-name', type: { kind: 'string' }, ignored: noEffectUnless('persist-name', undefined, NO_PERSIST), doc: 'identity of the queue across reloads (no effect: logferry uses the driver\'s own settings)' },
];

/** disk-buffer() where logferry has no disk-buffered writer (file(), stdout()) */
export const refusedDiskBufferRow: OptionRow = {
  name: 'disk-buffer',
  type: { kind: 'opaque' },
  // refused when compiling, so `-s` and start give the same answer
  unsupported: () => 'disk-buffer() is not implemented by logferry yet for this destination; remove it (network() and syslog() destinations have it)',
  doc: 'disk-based queue (refused: network() and syslog() destinations have it)',
};

const ONE_THREAD = 'logferry does all I/O on one event-loop thread';

/** flags() words of sources that change nothing in logferry */
export const SOURCE_FLAGS_NO_EFFECT: Readonly<Record<string, string>> = {
  threaded: ONE_THREAD,
  'no-threaded': ONE_THREAD,
  'ignore-aux-data': 'logferry always records the sender address and transport values; remove it',
  'exit-on-eof': 'logferry stops at the end of stdin() (with -F) always, and never at the end of other sources',
};

/** flags() words of destinations that change nothing in logferry */
export const DESTINATION_FLAGS_NO_EFFECT: Readonly<Record<string, string>> = {
  threaded: ONE_THREAD,
  'no-threaded': ONE_THREAD,
  'ignore-errors': 'write errors are retried after time-reopen() as without it; remove it',
};

export const DESTINATION_FLAGS = ['syslog-protocol', 'no-multi-line', 'threaded', 'no-threaded', 'ignore-errors', 'seqnum', 'no-seqnum', 'seqnum-all', 'no-seqnum-all'] as const;

export const SOURCE_FLAGS = [
  'no-parse',
  'syslog-protocol',
  'no-rfc3164-fallback',
  'expect-hostname',
  'no-hostname',
  'store-legacy-msghdr',
  'dont-store-legacy-msghdr',
  'store-raw-message',
  'assume-utf8',
  'validate-utf8',
  'sanitize-utf8',
  'no-multi-line',
  'check-hostname',
  'check-program',
  'guess-timezone',
  'no-header',
  'piggyback-errors',
  'no-piggyback-errors',
  'kernel',
  'empty-lines',
  'threaded',
  'no-threaded',
  'ignore-aux-data',
  'exit-on-eof',
] as const;
