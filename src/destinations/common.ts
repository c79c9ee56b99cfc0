/** Option reading shared by destination drivers. */
import type { DriverDecl, OptionBlock, TemplateSpec } from '../config/plan.ts';
import { optBool, optList, optNumber, optString, optTemplate } from '../config/plan-access.ts';
import { compileTemplate, TemplateError, type TemplateOptions } from '../message/template.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import { MsgFlag, type LogMessage } from '../message/log-message.ts';
import { encodeWithRawBytes } from '../message/raw-bytes.ts';
import { resolveZone, type Zone } from '../message/timezone.ts';
import { parseTsFormat, type TsFormat } from '../message/timefmt.ts';
import type { FormatOptions, SeqnumMode, TemplateFn } from '../syslog/format/create.ts';
import type { Congestion } from '../pipeline/congestion.ts';
import type { TlsEndpoint, TlsOptions } from '../tls/types.ts';

export interface DriverEnv {
  globals: OptionBlock;
  templates: Map<string, TemplateSpec>;
  hostname: string;
  dryRun: boolean;
  congestion?: Congestion;
  /** builds a TLS endpoint for a tls() block (the daemon decides where the material comes from) */
  tlsEndpoint(role: 'server' | 'client', opts: TlsOptions, loc: SourceLocation): TlsEndpoint;
}

/** Compiles a template, turning a syntax error into one that points into the config. */
export function compileSpec(spec: TemplateSpec): (msg: LogMessage, opts: TemplateOptions) => string {
  try {
    const t = compileTemplate(spec.text, spec.escape);
    return (m, o) => t.format(m, o);
  } catch (err) {
    if (err instanceof TemplateError) {
      throw new LocatedError(`invalid template ${JSON.stringify(spec.text)}: ${err.message} (at character ${err.offset + 1})`, spec.loc);
    }
    throw err;
  }
}

export function zoneOption(b: OptionBlock, name: string): Zone | undefined {
  const z = optString(b, name);
  if (z === undefined) return undefined;
  const zone = resolveZone(z);
  if (!zone) throw new LocatedError(`unknown time zone '${z}' in ${name}()`, b.locs[name] ?? b.loc);
  return zone;
}

export interface OutputSettings {
  format: FormatOptions & { syslogProtocol?: boolean };
  templateOptions: TemplateOptions;
  flags: string[];
}

/** template(), template-escape(), ts-format(), frac-digits(), time-zone(), flags() of a destination. */
export function outputSettings(d: DriverDecl, env: DriverEnv, defaultTemplateGlobal?: 'file-template' | 'proto-template'): OutputSettings {
  const b = d.options;
  const flags = optList(b, 'flags') ?? [];
  const tsFormat: TsFormat = parseTsFormat(optString(b, 'ts-format') ?? 'rfc3164') ?? 'rfc3164';
  const fracDigits = optNumber(b, 'frac-digits') ?? 0;
  const timeZone = zoneOption(b, 'time-zone');
  const templateOptions: TemplateOptions = { tsFormat, fracDigits, timeZone };
  let spec = optTemplate(b, 'template');
  if (!spec && defaultTemplateGlobal) {
    const name = optString(env.globals, defaultTemplateGlobal);
    if (name) {
      spec = env.templates.get(name);
      if (!spec) throw new LocatedError(`${defaultTemplateGlobal}() names template '${name}', which is not defined`, env.globals.locs[defaultTemplateGlobal] ?? env.globals.loc);
    }
  }
  if (spec && optBool(b, 'template-escape')) spec = { ...spec, escape: true };
  let template: TemplateFn | undefined;
  if (spec) {
    const fn = compileSpec(spec);
    template = (msg, seq) => fn(msg, seq ? { ...templateOptions, seqnum: seq } : templateOptions);
  }
  let seqnum: SeqnumMode = 'local';
  if (flags.includes('no-seqnum')) seqnum = 'off';
  else if (flags.includes('seqnum-all')) seqnum = 'all';
  return {
    format: {
      template,
      fracDigits,
      timeZone,
      tsFormat,
      noMultiLine: flags.includes('no-multi-line'),
      seqnum,
      truncateSize: optNumber(b, 'truncate-size'),
      syslogProtocol: flags.includes('syslog-protocol'),
    },
    templateOptions,
    flags,
  };
}

export function locOf(b: OptionBlock, name: string): SourceLocation {
  return b.locs[name] ?? b.loc;
}

/** A formatter whose output keeps the original bytes of messages that were not UTF-8. */
export function byteExact(format: (m: LogMessage) => string | Buffer): (m: LogMessage) => string | Buffer {
  return (m) => {
    const r = format(m);
    return (m.flags & MsgFlag.RAW_BYTES) !== 0 && typeof r === 'string' ? encodeWithRawBytes(r) : r;
  };
}
