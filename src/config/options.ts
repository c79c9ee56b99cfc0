/**
 * Applies an option schema to parsed arguments: finds each option's row,
 * converts and checks its value, then fills defaults and inherited globals
 * ("unset, then inherit") in one pass. Produces the Plan's OptionBlock.
 */
import * as fs from 'node:fs';
import type { SourceLocation } from '../core/location.ts';
import type { OptionBlock, OptionRecord, OptionValue, TemplateSpec } from './plan.ts';
import type { ConfigError } from './errors.ts';
import type { Arg, ArgOption } from './ast.ts';
import type { Token } from './lexer.ts';
import { describeErrno } from './errno.ts';
import { findRow, rowValidOn, type OptionRow, type OptionSchema, type Side } from './schema/types.ts';
import { checkOpensslConfCmd, OPENSSL_CONF_COMMANDS } from './schema/tls.ts';
import { lookupService } from './services.ts';
import { didYouMean } from './suggest.ts';

export interface OptionContext {
  side: Side;
  error(loc: SourceLocation, message: string, expected?: string[]): ConfigError;
  warn(loc: SourceLocation, text: string): void;
  /** defined `template` objects, for template() references */
  templates: ReadonlyMap<string, TemplateSpec>;
  /** global options (defaults applied), for inheritance; absent while compiling options {} itself */
  globals?: OptionRecord;
}

const INT_LIMIT = 2 ** 31;

export function obsoleteWarning(keyword: string, change: string): string {
  return `Your configuration file uses an obsoleted keyword, please update your configuration; keyword='${keyword}', change='${change}'`;
}

function cloneValue(v: OptionValue): OptionValue {
  if (Array.isArray(v)) return [...v];
  if (typeof v === 'object' && v.kind === 'block') return { kind: 'block', loc: v.loc, values: { ...v.values }, locs: { ...v.locs } };
  return v;
}

/** Applies `schema` to `args`; returns the option block and the positional value tokens. */
export function compileOptions(
  schema: OptionSchema,
  args: Arg[],
  loc: SourceLocation,
  owner: string,
  ctx: OptionContext,
): { block: OptionBlock; positional: Token[] } {
  const block: OptionBlock = { kind: 'block', loc, values: {}, locs: {} };
  const positional: Token[] = [];
  const pos = schema.positional?.[ctx.side];
  const movedBlocks = new Set<string>();
  for (const arg of args) {
    if (arg.kind === 'arrow') throw ctx.error(arg.tok.loc, `syntax error, unexpected '=>' in ${owner}`);
    if (arg.kind === 'value') {
      if (!pos) {
        throw ctx.error(arg.tok.loc, `syntax error, unexpected value ${JSON.stringify(arg.tok.text)} in ${owner}; options are written as name(value)`);
      }
      if (positional.length >= pos.max) {
        throw ctx.error(arg.tok.loc, `syntax error, ${owner} takes only one ${pos.what}; unexpected ${JSON.stringify(arg.tok.text)}`);
      }
      positional.push(arg.tok);
      continue;
    }
    const hit = findRow(schema, arg.name, ctx.side);
    if (!hit) {
      const names = schema.rows.filter((r) => rowValidOn(r, ctx.side)).flatMap((r) => [r.name, ...(r.aliases ?? [])]);
      const near = didYouMean(arg.name, names);
      throw ctx.error(arg.loc, `unknown option ${arg.raw}() in ${owner}${near ? `; did you mean ${near}()?` : ''}`);
    }
    const { row } = hit;
    if (!rowValidOn(row, ctx.side)) {
      throw ctx.error(arg.loc, `syntax error, ${arg.raw}() is only valid in a ${row.sides!.join(' or ')} ${schema.name}, not in a ${ctx.side}`);
    }
    if (hit.obsolete) ctx.warn(arg.loc, obsoleteWarning(arg.raw, hit.obsolete.change));
    const v = parseValue(row, arg, ctx);
    if (typeof row.ignored === 'string') {
      ctx.warn(arg.loc, row.ignored);
      continue;
    }
    judge(row, v, arg, ctx);
    if (row.moveTo) {
      const [outer, inner] = row.moveTo;
      // the moved value obeys the row it lands in (stats-freq() warns as stats(freq()) does)
      const outerRow = findRow(schema, outer, ctx.side)?.row;
      const innerRow = outerRow?.type.kind === 'block' ? findRow(outerRow.type.schema(), inner)?.row : undefined;
      if (innerRow) judge(innerRow, v, arg, ctx);
      let target = block.values[outer];
      if (!target || typeof target !== 'object' || Array.isArray(target) || target.kind !== 'block') {
        target = { kind: 'block', loc: arg.loc, values: {}, locs: {} };
        block.values[outer] = target;
        block.locs[outer] = arg.loc;
        movedBlocks.add(outer);
      }
      target.values[inner] = v;
      target.locs[inner] = arg.loc;
      continue;
    }
    const prev = block.values[row.name];
    // a block written twice (stats(freq()) then stats(level())) adds up, as in syslog-ng
    if (isBlock(prev) && isBlock(v)) {
      Object.assign(prev.values, v.values);
      Object.assign(prev.locs, v.locs);
    } else {
      block.values[row.name] = v;
      block.locs[row.name] = arg.loc;
    }
  }
  if (pos && positional.length < pos.min) {
    throw ctx.error(loc, `${owner} requires a ${pos.what} as its first argument`);
  }
  fillDefaults(schema, block, ctx);
  for (const name of movedBlocks) {
    const row = findRow(schema, name, ctx.side)?.row;
    const b = block.values[name];
    if (row && row.type.kind === 'block' && isBlock(b)) fillDefaults(row.type.schema(), b, ctx);
  }
  return { block, positional };
}

/**
 * The three states of an option (honoured, accepted with a warning, refused)
 * are decided here, while compiling, so `-s` and a start cannot disagree.
 */
function judge(row: OptionRow, v: OptionValue, arg: ArgOption, ctx: OptionContext): void {
  const refused = row.unsupported?.(v);
  if (refused) throw ctx.error(arg.loc, refused);
  const bad = row.check?.(v);
  if (bad) throw ctx.error(valueLoc(arg), bad);
  const noEffect = typeof row.ignored === 'function' ? row.ignored(v) : undefined;
  if (noEffect) ctx.warn(arg.loc, noEffect);
}

export function isBlock(v: OptionValue | undefined): v is OptionBlock {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'block';
}

/** Unset values take the inherited global, else the row default. */
export function fillDefaults(schema: OptionSchema, block: OptionBlock, ctx: OptionContext): void {
  for (const row of schema.rows) {
    if (!rowValidOn(row, ctx.side) || row.moveTo || row.name in block.values) continue;
    if (row.inherit && ctx.globals && ctx.globals[row.inherit] !== undefined) {
      block.values[row.name] = cloneValue(ctx.globals[row.inherit]);
    } else if (row.default !== undefined) {
      block.values[row.name] = cloneValue(row.default);
    } else if (row.type.kind === 'block' && row.alwaysPresent) {
      const nested: OptionBlock = { kind: 'block', loc: block.loc, values: {}, locs: {} };
      fillDefaults(row.type.schema(), nested, ctx);
      block.values[row.name] = nested;
    }
  }
}

function valueLoc(arg: ArgOption): SourceLocation {
  const first = arg.args[0];
  if (first && first.kind === 'value') return first.tok.loc;
  return arg.loc;
}

function valueTokens(row: OptionRow, arg: ArgOption, ctx: OptionContext): Token[] {
  const out: Token[] = [];
  for (const a of arg.args) {
    if (a.kind === 'value') out.push(a.tok);
    else if (a.kind === 'option') throw ctx.error(a.loc, `syntax error, ${arg.raw}() takes values, not the option ${a.raw}()`);
    else throw ctx.error(a.tok.loc, `syntax error, unexpected '=>' in ${arg.raw}()`);
  }
  return out;
}

function single(row: OptionRow, arg: ArgOption, ctx: OptionContext): Token {
  const toks = valueTokens(row, arg, ctx);
  if (toks.length !== 1) {
    throw ctx.error(toks[1]?.loc ?? arg.loc, `syntax error, ${arg.raw}() expects exactly one value, got ${toks.length}`);
  }
  return toks[0];
}

function rangeCheck(kind: string, n: number, t: Token, arg: ArgOption, ctx: OptionContext, wide = false): void {
  const shown = `${arg.raw}(${t.text})`;
  if (kind === 'positive-int' && n <= 0) throw ctx.error(t.loc, `Must be positive: ${shown}`);
  if ((kind === 'non-negative-int' || kind === 'size') && n < 0) throw ctx.error(t.loc, `It cannot be negative: ${shown}`);
  if (wide) {
    if (!Number.isSafeInteger(n)) throw ctx.error(t.loc, `Must be smaller than 2^53: ${shown}`);
    return;
  }
  if (n >= INT_LIMIT) throw ctx.error(t.loc, `Must be smaller than 2^31: ${shown}`);
}

function parseValue(row: OptionRow, arg: ArgOption, ctx: OptionContext): OptionValue {
  const type = row.type;
  switch (type.kind) {
    case 'string':
    case 'path':
      return single(row, arg, ctx).text;
    case 'existing-file': {
      const t = single(row, arg, ctx);
      try {
        fs.statSync(t.text);
      } catch (e) {
        throw ctx.error(t.loc, `File "${t.text}" not found: ${describeErrno(e)}`);
      }
      return t.text;
    }
    case 'int':
    case 'positive-int':
    case 'non-negative-int':
    case 'size': {
      const t = single(row, arg, ctx);
      if (t.kind !== 'number' || t.value === undefined) {
        throw ctx.error(t.loc, `syntax error, ${arg.raw}() expects an integer, got ${JSON.stringify(t.text)}`);
      }
      rangeCheck(type.kind, t.value, t, arg, ctx, type.kind === 'size' && type.wide === true);
      if (type.kind === 'int' && t.value <= -INT_LIMIT) throw ctx.error(t.loc, `Must be smaller than 2^31: ${arg.raw}(${t.text})`);
      return t.value;
    }
    case 'float': {
      const t = single(row, arg, ctx);
      if ((t.kind !== 'number' && t.kind !== 'float') || t.value === undefined) {
        throw ctx.error(t.loc, `syntax error, ${arg.raw}() expects a number, got ${JSON.stringify(t.text)}`);
      }
      return t.value;
    }
    case 'yesno': {
      const t = single(row, arg, ctx);
      const b = yesno(t);
      if (b === undefined) throw ctx.error(t.loc, `syntax error, ${arg.raw}() expects yes or no, got ${JSON.stringify(t.text)}`);
      return b;
    }
    case 'enum': {
      const t = single(row, arg, ctx);
      if (type.yesno) {
        const b = yesno(t);
        if (b !== undefined) return b ? type.yesno[0] : type.yesno[1];
      }
      const word = type.fold ? t.text.toLowerCase().replace(/_/g, '-') : t.text.replace(/_/g, '-');
      const canon = type.aliases?.[word] ?? (type.values.includes(word) ? word : undefined);
      if (canon !== undefined) return canon;
      const msg = `${type.error ?? `unknown ${arg.raw}() argument`}; value='${t.text}', expected one of: ${type.values.join(', ')}`;
      if (type.fallback !== undefined) {
        ctx.warn(t.loc, `${msg}; using ${type.fallback}`);
        return type.fallback;
      }
      throw ctx.error(t.loc, msg);
    }
    case 'string-list':
      return valueTokens(row, arg, ctx).map((t) => t.text);
    case 'flags': {
      const out: string[] = [];
      for (const t of valueTokens(row, arg, ctx)) {
        const word = type.fold ? t.text.toLowerCase().replace(/_/g, '-') : t.text.replace(/_/g, '-');
        const canon = type.aliases?.[word] ?? (type.values.includes(word) ? word : undefined);
        if (canon === undefined) throw ctx.error(t.loc, type.error ? `${type.error}; value='${t.text}'` : `Unknown flag "${t.text}"`);
        const why = type.noEffect?.[canon];
        if (why) ctx.warn(t.loc, `${arg.raw}(${t.text}) is accepted but has no effect in logferry: ${why}`);
        if (!out.includes(canon)) out.push(canon);
      }
      return out;
    }
    case 'template': {
      const t = single(row, arg, ctx);
      const named = ctx.templates.get(t.text);
      if (named) return { kind: 'template', text: named.text, escape: named.escape, name: t.text, loc: t.loc };
      return { kind: 'template', text: t.text, escape: false, loc: t.loc };
    }
    case 'block':
      return compileOptions(type.schema(), arg.args, arg.loc, `${arg.raw}()`, ctx).block;
    case 'string-or-block': {
      if (arg.args.length === 1 && arg.args[0].kind === 'value') return arg.args[0].tok.text;
      return compileOptions(type.schema(), arg.args, arg.loc, `${arg.raw}()`, ctx).block;
    }
    case 'port': {
      const t = single(row, arg, ctx);
      if (t.kind === 'number' || /^[0-9]+$/.test(t.text)) {
        const n = t.kind === 'number' && t.value !== undefined ? t.value : Number(t.text);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw ctx.error(t.loc, `${arg.raw}() must be a port number between 0 and 65535, got ${t.text}`);
        return n;
      }
      const svc = lookupService(t.text, 'tcp') ?? lookupService(t.text, 'udp');
      if (svc === undefined) {
        ctx.warn(t.loc, `Error finding port number, falling back to default; service='tcp/${t.text}'`);
        return 0;
      }
      return svc;
    }
    case 'pairs': {
      const out: string[] = [];
      const a = arg.args;
      for (let i = 0; i < a.length; i += 3) {
        const k = a[i];
        const arrow = a[i + 1];
        const v = a[i + 2];
        if (k.kind !== 'value' || arrow?.kind !== 'arrow' || v?.kind !== 'value') {
          const at = k.kind === 'value' ? k.tok.loc : k.kind === 'arrow' ? k.tok.loc : k.loc;
          throw ctx.error(at, `syntax error, ${arg.raw}() expects "Command" => "value" pairs`);
        }
        const bad = checkOpensslConfCmd(k.tok.text, v.tok.text);
        if (bad) throw ctx.error(k.tok.loc, bad);
        out.push(OPENSSL_CONF_COMMANDS[k.tok.text.toLowerCase()], v.tok.text);
      }
      return out;
    }
    case 'opaque':
      return true;
  }
}

/** yes/on/no/off or an integer (0 = no); undefined for anything else. */
export function yesno(t: Token): boolean | undefined {
  if (t.kind === 'number' && t.value !== undefined) return t.value !== 0;
  if (t.kind !== 'word' && t.kind !== 'string') return undefined;
  const w = t.text.toLowerCase();
  if (w === 'yes' || w === 'on') return true;
  if (w === 'no' || w === 'off') return false;
  return undefined;
}
