/** What destination drivers share: templates, output formatting and queue settings from their settings. */
import type { TemplateSpec } from '../config/plan.ts';
import type { SettingsHeader, WriterSettings } from '../config/settings/index.ts';
import { compileTemplate, TemplateError, type TemplateOptions } from '../message/template.ts';
import { LocatedError, type SourceLocation } from '../core/location.ts';
import { MsgFlag, type LogMessage } from '../message/log-message.ts';
import { encodeWithRawBytes } from '../message/raw-bytes.ts';
import { resolveZone, type Zone } from '../message/timezone.ts';
import type { FormatOptions, SeqnumMode, TemplateFn } from '../syslog/format/create.ts';
import type { DriverEnv } from '../pipeline/types.ts';
import type { QueuedOptions } from './queued.ts';

export type { DriverEnv };

/** a destination's settings with where they were written */
export type WriterConfig = WriterSettings & SettingsHeader<string>;

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

/** a time-zone option's zone; undefined when not set */
export function zoneOption(zone: string | undefined, name: string, loc: SourceLocation): Zone | undefined {
  if (zone === undefined) return undefined;
  const z = resolveZone(zone);
  if (!z) throw new LocatedError(`unknown time zone '${zone}' in ${name}()`, loc);
  return z;
}

export interface OutputSettings {
  format: FormatOptions & { syslogProtocol?: boolean };
  templateOptions: TemplateOptions;
  flags: string[];
}

/** template(), ts-format(), frac-digits(), time-zone(), flags() of a destination. */
export function outputSettings(s: WriterConfig): OutputSettings {
  const flags = [...s.flags];
  const tsFormat = s.tsFormat;
  const fracDigits = s.fracDigits;
  const timeZone = zoneOption(s.timeZone, 'time-zone', s.where.timeZone ?? s.loc);
  const templateOptions: TemplateOptions = { tsFormat, fracDigits, timeZone };
  let template: TemplateFn | undefined;
  if (s.template) {
    const fn = compileSpec(s.template);
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
      truncateSize: s.truncateSize,
      syslogProtocol: flags.includes('syslog-protocol'),
    },
    templateOptions,
    flags,
  };
}

/** the memory queue and write loop settings every destination has */
export function queuedOptions(s: Pick<WriterSettings, 'logFifoSize' | 'flushLines' | 'timeReopen' | 'throttle'>, env: DriverEnv, name: string): QueuedOptions {
  return {
    name,
    congestion: env.congestion,
    fifoSize: s.logFifoSize,
    flushLines: s.flushLines,
    timeReopenMs: s.timeReopen * 1000,
    throttle: s.throttle,
  };
}

/** A formatter whose output keeps the original bytes of messages that were not UTF-8. */
export function byteExact(format: (m: LogMessage) => string | Buffer): (m: LogMessage) => string | Buffer {
  return (m) => {
    const r = format(m);
    return (m.flags & MsgFlag.RAW_BYTES) !== 0 && typeof r === 'string' ? encodeWithRawBytes(r) : r;
  };
}
