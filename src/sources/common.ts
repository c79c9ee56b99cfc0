/** What source drivers share: parse options, host rules and message extras from their settings. */
import type { ReaderSettings, SettingsHeader } from '../config/settings/index.ts';
import { LocatedError } from '../core/location.ts';
import { facilityFromName, severityFromName } from '../message/names.ts';
import { resolveZone } from '../message/timezone.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag, defaultParseOptions, parseFlagsFromNames, type ParseOptions } from '../syslog/parse.ts';
import type { HostRules } from '../syslog/hostname.ts';
import type { DriverEnv } from '../pipeline/types.ts';
import { SUPPORTED_ENCODINGS, createEncodingConverter, type EncodingConverter } from '../syslog/encoding.ts';

export interface SourceEnv extends DriverEnv {
  /** stdin() reached its end (with -F the daemon stops then) */
  onStdinEof?: () => void;
}

/** a reading source's settings with where they were written */
export type ReaderConfig = ReaderSettings & SettingsHeader<string>;

function at(s: ReaderConfig, field: keyof ReaderSettings) {
  return s.where[field] ?? s.loc;
}

export function parseOptionsFor(s: ReaderConfig, env: SourceEnv, base: number = DEFAULT_PARSE_FLAGS): ParseOptions {
  let flags: number;
  try {
    flags = parseFlagsFromNames([...s.flags], base);
  } catch (err) {
    throw new LocatedError((err as Error).message, at(s, 'flags'));
  }
  if (s.checkHostname) flags |= ParseFlag.CHECK_HOSTNAME;
  if (s.checkProgram) flags |= ParseFlag.CHECK_PROGRAM;
  const fac = facilityFromName(s.defaultFacility);
  const sev = severityFromName(s.defaultSeverity);
  const timeZone = s.timeZone !== undefined ? resolveZone(s.timeZone) : undefined;
  if (s.timeZone !== undefined && !timeZone) throw new LocatedError(`unknown time zone '${s.timeZone}'`, at(s, 'timeZone'));
  let badHostname: RegExp | undefined;
  if (s.badHostname) {
    try {
      badHostname = new RegExp(s.badHostname);
    } catch (err) {
      throw new LocatedError(`bad-hostname() is not a valid regular expression: ${(err as Error).message}`, at(s, 'badHostname'));
    }
  }
  return defaultParseOptions({
    flags,
    defaultPri: Math.max(0, fac) * 8 + Math.max(0, sev),
    timeZone,
    keepTimestamp: s.keepTimestamp,
    sdataPrefix: s.sdataPrefix,
    badHostname,
    localHostname: env.hostname,
    daemonPid: env.pid,
  });
}

export function hostRulesFor(s: ReaderSettings, sourceName: string): HostRules {
  return {
    keepHostname: s.keepHostname,
    chainHostnames: s.chainHostnames,
    useDns: s.useDns !== 'no',
    useFqdn: s.useFqdn,
    normalizeHostnames: s.normalizeHostnames,
    hostOverride: s.hostOverride,
    programOverride: s.programOverride,
    sourceGroup: sourceName,
  };
}

/** use-syslogng-pid(yes) ⇒ the PID users see for this daemon (syslog-ng sets PID after parsing) */
export function pidOverrideFor(s: ReaderSettings, env: SourceEnv): string | undefined {
  return s.useSyslogngPid ? String(env.pid) : undefined;
}

export function tagsFor(s: ReaderSettings, sourceName: string): string[] {
  return ['.source.' + sourceName, ...s.tags];
}

/** encoding(): the frame converter, undefined when the option is not set */
export function converterFor(s: ReaderConfig): EncodingConverter | undefined {
  if (s.encoding === undefined) return undefined;
  const conv = createEncodingConverter(s.encoding);
  if (!conv) throw new LocatedError(`unknown encoding '${s.encoding}' in encoding(); supported: ${SUPPORTED_ENCODINGS.join(', ')}`, at(s, 'encoding'));
  return conv;
}
