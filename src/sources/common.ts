/** Option reading shared by source drivers: parse options and host rules from a declaration. */
import type { DriverDecl, OptionBlock } from '../config/plan.ts';
import { optBool, optList, optNumber, optString } from '../config/plan-access.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import { facilityFromName, severityFromName } from '../message/names.ts';
import { resolveZone } from '../message/timezone.ts';
import { DEFAULT_PARSE_FLAGS, ParseFlag, defaultParseOptions, parseFlagsFromNames, type ParseOptions } from '../syslog/parse.ts';
import type { HostRules } from '../syslog/hostname.ts';
import type { Congestion } from '../pipeline/congestion.ts';
import type { TlsEndpoint, TlsOptions } from '../tls/types.ts';
import { SUPPORTED_ENCODINGS, createEncodingConverter, type EncodingConverter } from '../syslog/encoding.ts';

export interface SourceEnv {
  globals: OptionBlock;
  hostname: string;
  dryRun: boolean;
  onStdinEof?: () => void;
  /** the daemon's PID as users see it (parse-error reports, internal messages) */
  pid: number;
  congestion?: Congestion;
  /** builds a TLS endpoint for a tls() block (the daemon decides where the material comes from) */
  tlsEndpoint(role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation): TlsEndpoint;
}

export function parseOptionsFor(d: DriverDecl, env: SourceEnv, base: number = DEFAULT_PARSE_FLAGS): ParseOptions {
  const b = d.options;
  let flags: number;
  try {
    flags = parseFlagsFromNames(optList(b, 'flags') ?? [], base);
  } catch (err) {
    throw new LocatedError((err as Error).message, b.locs['flags'] ?? d.loc);
  }
  if (optBool(b, 'check-hostname')) flags |= ParseFlag.CHECK_HOSTNAME;
  if (optBool(b, 'check-program')) flags |= ParseFlag.CHECK_PROGRAM;
  const kernel = (flags & ParseFlag.KERNEL) !== 0;
  const facWritten = b.locs['default-facility'] !== undefined;
  const sevWritten = b.locs['default-severity'] !== undefined;
  const fac = facWritten ? facilityFromName(optString(b, 'default-facility') ?? 'user') : kernel ? 0 : 1;
  const sev = sevWritten ? severityFromName(optString(b, 'default-severity') ?? 'notice') : 5;
  const tzName = optString(b, 'time-zone');
  const timeZone = tzName !== undefined ? resolveZone(tzName) : undefined;
  if (tzName !== undefined && !timeZone) throw new LocatedError(`unknown time zone '${tzName}'`, b.locs['time-zone'] ?? d.loc);
  const bad = optString(env.globals, 'bad-hostname');
  let badHostname: RegExp | undefined;
  if (bad) {
    try {
      badHostname = new RegExp(bad);
    } catch (err) {
      throw new LocatedError(`bad-hostname() is not a valid regular expression: ${(err as Error).message}`, env.globals.locs['bad-hostname']);
    }
  }
  return defaultParseOptions({
    flags,
    defaultPri: Math.max(0, fac) * 8 + Math.max(0, sev),
    timeZone,
    keepTimestamp: optBool(b, 'keep-timestamp') ?? true,
    sdataPrefix: optString(b, 'sdata-prefix') ?? '.SDATA.',
    badHostname,
    localHostname: env.hostname,
    daemonPid: env.pid,
  });
}

export function hostRulesFor(d: DriverDecl, sourceName: string): HostRules {
  const b = d.options;
  return {
    keepHostname: optBool(b, 'keep-hostname') ?? false,
    chainHostnames: optBool(b, 'chain-hostnames') ?? false,
    useDns: (optString(b, 'use-dns') ?? 'yes') !== 'no',
    useFqdn: optBool(b, 'use-fqdn') ?? false,
    normalizeHostnames: optBool(b, 'normalize-hostnames') ?? false,
    hostOverride: optString(b, 'host-override'),
    programOverride: optString(b, 'program-override'),
    sourceGroup: sourceName,
  };
}

/** use-syslogng-pid(yes) ⇒ the PID users see for this daemon (syslog-ng sets PID after parsing) */
export function pidOverrideFor(d: DriverDecl, env: SourceEnv): string | undefined {
  return optBool(d.options, 'use-syslogng-pid') ? String(env.pid) : undefined;
}

export function tagsFor(d: DriverDecl, sourceName: string): string[] {
  return ['.source.' + sourceName, ...(optList(d.options, 'tags') ?? [])];
}

export function maxMsgSize(d: DriverDecl, env: SourceEnv): number {
  return optNumber(d.options, 'log-msg-size') ?? optNumber(env.globals, 'log-msg-size') ?? 65536;
}

/** encoding(): the frame converter, undefined when the option is not set */
export function converterFor(d: DriverDecl): EncodingConverter | undefined {
  const name = optString(d.options, 'encoding');
  if (name === undefined) return undefined;
  const conv = createEncodingConverter(name);
  if (!conv) throw new LocatedError(`unknown encoding '${name}' in encoding(); supported: ${SUPPORTED_ENCODINGS.join(', ')}`, d.options.locs['encoding'] ?? d.loc);
  return conv;
}
