/**
 * Parser settings: the source `flags()` words as bits, plus the options that
 * steer parsing (default-facility/-severity, time-zone(), keep-timestamp(),
 * sdata-prefix(), bad-hostname()).
 */
import type { Timestamp } from '../message/log-message.ts';
import type { Zone } from '../message/timezone.ts';

/** Bits of `ParseOptions.flags`; names follow syslog-ng's `flags()` keywords. */
export const ParseFlag = {
  NO_PARSE: 0x1,
  CHECK_HOSTNAME: 0x2,
  SYSLOG_PROTOCOL: 0x4,
  ASSUME_UTF8: 0x8,
  VALIDATE_UTF8: 0x10,
  SANITIZE_UTF8: 0x20,
  NO_MULTI_LINE: 0x40,
  STORE_LEGACY_MSGHDR: 0x80,
  EXPECT_HOSTNAME: 0x100,
  /** messages from a local source (unix sockets): marked LOCAL, kernel lines get PROGRAM `kernel` */
  LOCAL: 0x200,
  STORE_RAW_MESSAGE: 0x800,
  GUESS_TIMEZONE: 0x1000,
  NO_HEADER: 0x2000,
  NO_RFC3164_FALLBACK: 0x4000,
  PIGGYBACK_ERRORS: 0x8000,
  CHECK_PROGRAM: 0x10000,
  /** reader flags: accepted in flags(), acted on outside the parser except KERNEL (default priority) */
  KERNEL: 0x100000,
  EMPTY_LINES: 0x200000,
  THREADED: 0x400000,
  IGNORE_AUX_DATA: 0x800000,
  EXIT_ON_EOF: 0x1000000,
} as const;

/** syslog-ng's default parser flags: expect-hostname, store-legacy-msghdr, piggyback-errors. */
export const DEFAULT_PARSE_FLAGS = ParseFlag.EXPECT_HOSTNAME | ParseFlag.STORE_LEGACY_MSGHDR | ParseFlag.PIGGYBACK_ERRORS;

export interface ParseOptions {
  flags: number;
  /** PRI for lines without `<PRI>` and for no-parse; -1 = user.notice (kern.notice with KERNEL) */
  defaultPri: number;
  /** source time-zone(): zone-less stamps get this zone's offset *at the current time* (as syslog-ng does) */
  timeZone?: Zone;
  /** the receiver's own zone (process local zone when unset): zone-less stamps without time-zone(), year guessing */
  localZone?: Zone;
  /** keep-timestamp(no) ⇒ false: the message stamp becomes the receipt time */
  keepTimestamp: boolean;
  /** sdata-prefix(); SD params go to `msg.sd` only with the default `.SDATA.`, else to `msg.values` */
  sdataPrefix: string;
  /** longest SD parameter value kept, in bytes (syslog-ng: 65535) */
  sdataParamValueMax?: number;
  /** bad-hostname(): a matching RFC 3164 hostname candidate is not taken as HOST */
  badHostname?: RegExp;
  /** current time for year guessing, `-` stamps and guess-timezone; defaults to the message's receipt time */
  now?: () => Timestamp;
  /** HOST of piggybacked parse-error messages (short or FQDN per use-fqdn(), chosen by the caller) */
  localHostname: string;
  /** PID of piggybacked parse-error messages */
  daemonPid: number;
}

export function defaultParseOptions(overrides?: Partial<ParseOptions>): ParseOptions {
  const flags = overrides?.flags ?? DEFAULT_PARSE_FLAGS;
  return {
    flags,
    defaultPri: (flags & ParseFlag.KERNEL) !== 0 ? 5 : 13,
    keepTimestamp: true,
    sdataPrefix: '.SDATA.',
    localHostname: 'localhost',
    daemonPid: process.pid,
    ...overrides,
  };
}

/** [name, bit, set (true) or clear (false)] for every flags() word the syslog-ng network()/syslog() sources accept */
const FLAG_WORDS: ReadonlyArray<readonly [string, number, boolean]> = [
  ['no-parse', ParseFlag.NO_PARSE, true],
  ['check-hostname', ParseFlag.CHECK_HOSTNAME, true],
  ['syslog-protocol', ParseFlag.SYSLOG_PROTOCOL, true],
  ['assume-utf8', ParseFlag.ASSUME_UTF8, true],
  ['validate-utf8', ParseFlag.VALIDATE_UTF8, true],
  ['sanitize-utf8', ParseFlag.SANITIZE_UTF8, true],
  ['no-multi-line', ParseFlag.NO_MULTI_LINE, true],
  ['store-legacy-msghdr', ParseFlag.STORE_LEGACY_MSGHDR, true],
  ['store-raw-message', ParseFlag.STORE_RAW_MESSAGE, true],
  ['dont-store-legacy-msghdr', ParseFlag.STORE_LEGACY_MSGHDR, false],
  ['expect-hostname', ParseFlag.EXPECT_HOSTNAME, true],
  ['no-hostname', ParseFlag.EXPECT_HOSTNAME, false],
  ['guess-timezone', ParseFlag.GUESS_TIMEZONE, true],
  ['no-header', ParseFlag.NO_HEADER, true],
  ['no-rfc3164-fallback', ParseFlag.NO_RFC3164_FALLBACK, true],
  ['piggyback-errors', ParseFlag.PIGGYBACK_ERRORS, true],
  ['no-piggyback-errors', ParseFlag.PIGGYBACK_ERRORS, false],
  ['check-program', ParseFlag.CHECK_PROGRAM, true],
  ['kernel', ParseFlag.KERNEL, true],
  ['empty-lines', ParseFlag.EMPTY_LINES, true],
  ['threaded', ParseFlag.THREADED, true],
  ['ignore-aux-data', ParseFlag.IGNORE_AUX_DATA, true],
  ['exit-on-eof', ParseFlag.EXIT_ON_EOF, true],
];

/**
 * Applies syslog-ng `flags()` words (`_` and `-` alike, case-insensitive) to
 * `base` (default: syslog-ng's default set). Throws `Unknown flag "<x>"`.
 */
export function parseFlagsFromNames(names: string[], base: number = DEFAULT_PARSE_FLAGS): number {
  let flags = base;
  for (const raw of names) {
    const name = raw.toLowerCase().replace(/_/g, '-');
    const row = FLAG_WORDS.find((r) => r[0] === name);
    if (!row) throw new Error(`Unknown flag "${raw}"`);
    flags = row[2] ? flags | row[1] : flags & ~row[1];
  }
  return flags;
}
