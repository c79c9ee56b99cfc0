/**
 * The one table of words filter expressions accept: facility and severity
 * names, matcher types and matcher flags. The config checker
 * (config/filters.ts) and the filter compiler (pipeline/filter.ts) both read
 * it, so `-s` accepts exactly what the running daemon can compile.
 * As syslog-ng (lib/syslog-names.c, lib/logmatcher.c): names are
 * case-insensitive and, unlike option keywords, `_` is not read as `-` in
 * facility names (`solaris_cron` is unknown); matcher flags do fold `_`.
 */
import { severityFromName } from './names.ts';

const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, megasafe: 10, ftp: 11, ntp: 12, security: 13, console: 14, 'solaris-cron': 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

export const MATCHER_TYPES = ['pcre', 'string', 'glob', 'posix'] as const;
export const MATCHER_FLAGS = ['global', 'icase', 'ignore-case', 'newline', 'unicode', 'utf8', 'store-matches', 'substring', 'prefix', 'disable-jit', 'dupnames'] as const;

/** facility code of a filter facility name, or undefined */
export function filterFacility(name: string): number | undefined {
  const n = name.toLowerCase();
  return Object.hasOwn(FACILITIES, n) ? FACILITIES[n] : undefined;
}

/** severity code of a filter level name, or undefined */
export function filterSeverity(name: string): number | undefined {
  const n = severityFromName(name);
  return n < 0 ? undefined : n;
}

/** the canonical matcher flag for a written one (`_` = `-`), or undefined */
export function matcherFlag(word: string): (typeof MATCHER_FLAGS)[number] | undefined {
  const w = word.replace(/_/g, '-');
  return (MATCHER_FLAGS as readonly string[]).includes(w) ? (w as (typeof MATCHER_FLAGS)[number]) : undefined;
}

export function isMatcherType(word: string): boolean {
  return (MATCHER_TYPES as readonly string[]).includes(word);
}
