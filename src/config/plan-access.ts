/**
 * Typed reads of compiled option blocks. The config compiler already
 * validated types and applied defaults, so a wrong type here is a bug in
 * logferry, reported as such.
 */
import type { OptionBlock, OptionValue, TemplateSpec } from './plan.ts';
import { LocatedError } from '../message/location.ts';

function bug(name: string, want: string, v: OptionValue | undefined): never {
  throw new Error(`internal error: option ${name} should be ${want}, is ${JSON.stringify(v)}`);
}

export function optRaw(b: OptionBlock | undefined, name: string): OptionValue | undefined {
  return b?.values[name];
}

export function optString(b: OptionBlock | undefined, name: string): string | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return bug(name, 'a string', v);
}

export function optNumber(b: OptionBlock | undefined, name: string): number | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return bug(name, 'a number', v);
}

export function optBool(b: OptionBlock | undefined, name: string): boolean | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return bug(name, 'yes/no', v);
}

export function optList(b: OptionBlock | undefined, name: string): string[] | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  return bug(name, 'a list', v);
}

export function optBlock(b: OptionBlock | undefined, name: string): OptionBlock | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && v.kind === 'block') return v;
  return bug(name, 'a block', v);
}

export function optTemplate(b: OptionBlock | undefined, name: string): TemplateSpec | undefined {
  const v = b?.values[name];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && v.kind === 'template') return v;
  if (typeof v === 'string') return { kind: 'template', text: v, escape: false, loc: b!.locs[name] ?? b!.loc };
  return bug(name, 'a template', v);
}

/**
 * Options logferry parses but does not act on yet are never silently ignored:
 * the daemon refuses to start with them. `-s` (dryRun) only warns, because the
 * configuration itself is valid syslog-ng syntax.
 */
export function rejectUnimplemented(b: OptionBlock, what: string, rows: Array<[name: string, isDefault: (v: unknown) => boolean]>, dryRun: boolean): void {
  for (const [name, isDefault] of rows) {
    const v = b.values[name];
    if (v !== undefined && b.locs[name] && !isDefault(v)) {
      const loc = b.locs[name];
      const text = `${name}() is not implemented by logferry yet (in ${what}); the daemon will not start with it: remove it or use its default`;
      if (!dryRun) throw new LocatedError(text, loc);
      process.stderr.write(`${loc.file}:${loc.line}:${loc.column}: WARNING: ${text}\n`);
    }
  }
}

