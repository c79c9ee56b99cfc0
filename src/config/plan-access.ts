/**
 * Typed reads of compiled option blocks. The config compiler already
 * validated types and applied defaults, so a wrong type here is a bug in
 * logferry, reported as such.
 */
import type { OptionBlock, OptionValue, TemplateSpec } from './plan.ts';

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
