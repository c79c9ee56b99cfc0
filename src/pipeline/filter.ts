/**
 * Filter expressions compiled to closures: everything that can be decided
 * from the config (names, ranges, regexps, netmasks, list files, referenced
 * filters) is resolved once here, so evaluating a message does no parsing.
 * Semantics follow syslog-ng's lib/filter/*.c and lib/logmatcher.c.
 */
import { readFileSync } from 'node:fs';
import type { FilterArg, FilterExpr, TemplateSpec } from '../config/plan.ts';
import type { LogMessage } from '../message/log-message.ts';
import type { SourceLocation } from '../core/location.ts';
import { formatLocation } from '../core/location.ts';
import { resolveName } from '../message/macros.ts';
import type { ValueType } from '../message/macros.ts';
import { TemplateError, compileTemplateWithTypeHint, defaultTemplateOptions } from '../message/template.ts';
import type { TemplateOptions, TypedTemplate } from '../message/template.ts';
import { compareBytes, globToRegExp } from '../message/value-pairs.ts';
import { PcreTranslateError, pcreToRegExp } from './filter-regex.ts';
import { ipv4Matcher, ipv6Matcher } from './filter-netmask.ts';
import { filterFacility, filterSeverity, isMatcherType, matcherFlag } from '../message/filter-names.ts';

export type FilterFn = (msg: LogMessage) => boolean;

export class FilterError extends Error {
  readonly loc: SourceLocation;
  /** the reason without the location */
  readonly reason: string;
  constructor(reason: string, loc: SourceLocation) {
    super(`${formatLocation(loc)}: ${reason}`);
    this.name = 'FilterError';
    this.loc = loc;
    this.reason = reason;
  }
}

function range(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  let bits = 0;
  for (let i = lo; i <= hi; i++) bits |= 1 << i;
  return bits >>> 0;
}

interface MatchSpec {
  pattern: string;
  type: string;
  flags: Set<string>;
  value?: string;
  template?: string;
  loc: SourceLocation;
}

function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s;
}

function buildMatcher(spec: MatchSpec): (s: string) => boolean {
  const icase = spec.flags.has('icase') || spec.flags.has('ignore-case');
  const pat = spec.pattern;
  switch (spec.type) {
    case 'string': {
      if (spec.flags.has('prefix')) {
        if (icase) {
          const lp = asciiLower(pat);
          return (s) => asciiLower(s.slice(0, lp.length)) === lp;
        }
        return (s) => s.startsWith(pat);
      }
      if (spec.flags.has('substring')) {
        if (icase) {
          const lp = asciiLower(pat);
          return (s) => asciiLower(s).includes(lp);
        }
        return (s) => s.includes(pat);
      }
      if (icase) {
        const lp = asciiLower(pat);
        return (s) => s.length === pat.length && asciiLower(s) === lp;
      }
      return (s) => s === pat;
    }
    case 'glob': {
      // GLib globs have no case folding; syslog-ng ignores the flag here too
      const re = globToRegExp(pat);
      return (s) => re.test(s);
    }
    default: {
      let re: RegExp;
      try {
        re = pcreToRegExp(pat, { ignoreCase: icase, newline: spec.flags.has('newline') });
      } catch (e) {
        const why = e instanceof PcreTranslateError ? e.message : String(e);
        throw new FilterError(`compiling the regexp failed: PCRE expression >>>${pat}<<< cannot be used in logferry: ${why}`, spec.loc);
      }
      return (s) => re.test(s);
    }
  }
}

/** Numbers as syslog-ng's parse_generic_number reads them; NaN when not a number. */
export function parseNumber(s: string): number {
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return s[0] === '-' ? -Number.parseInt(s.slice(3), 16) : Number.parseInt(s.replace(/^\+/, '').slice(2), 16);
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
  return NaN;
}

function toNumber(v: string, t: ValueType): number {
  switch (t) {
    case 'json':
    case 'list':
      return NaN;
    case 'null':
      return 0;
    case 'boolean':
      return v[0] === 't' || v[0] === 'T' || v[0] === '1' ? 1 : 0;
    case 'datetime': {
      const n = parseNumber(v);
      return Number.isNaN(n) ? 0 : Math.trunc(n * 1000);
    }
    default:
      return parseNumber(v);
  }
}

type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

function decide(op: CmpOp, c: number): boolean {
  switch (op) {
    case 'eq': return c === 0;
    case 'ne': return c !== 0;
    case 'lt': return c < 0;
    case 'le': return c <= 0;
    case 'gt': return c > 0;
    default: return c >= 0;
  }
}

/** syslog-ng 4's type-aware comparison (`==`, `<`, …): same-typed strings compare as text, the rest as numbers. */
export function compareTyped(op: CmpOp, l: string, lt: ValueType, r: string, rt: ValueType): boolean {
  if (lt === rt && (lt === 'string' || lt === 'json' || lt === 'list')) return decide(op, compareBytes(l, r));
  if (lt === 'null' || rt === 'null') {
    if (op === 'ne') return lt !== rt;
    if (op === 'eq') return lt === rt;
  }
  const a = toNumber(l, lt);
  const b = toNumber(r, rt);
  if (Number.isNaN(a) || Number.isNaN(b)) return op === 'ne';
  return decide(op, a < b ? -1 : a > b ? 1 : 0);
}

class FilterCompiler {
  private readonly lookup: (name: string) => FilterExpr | undefined;
  private readonly opts: TemplateOptions;
  private readonly done = new Map<string, FilterFn>();
  private readonly visiting = new Set<string>();

  constructor(lookup: (name: string) => FilterExpr | undefined, opts: TemplateOptions) {
    this.lookup = lookup;
    this.opts = opts;
  }

  compile(e: FilterExpr): FilterFn {
    switch (e.kind) {
      case 'and': {
        const a = this.compile(e.left);
        const b = this.compile(e.right);
        return (m) => a(m) && b(m);
      }
      case 'or': {
        const a = this.compile(e.left);
        const b = this.compile(e.right);
        return (m) => a(m) || b(m);
      }
      case 'not': {
        const a = this.compile(e.expr);
        return (m) => !a(m);
      }
      case 'compare':
        return this.compare(e.op, e.numeric, e.left, e.right, e.loc);
      case 'call':
        return this.call(e.name.replace(/_/g, '-'), e.args, e.loc);
    }
  }

  private template(spec: TemplateSpec | string, loc: SourceLocation): TypedTemplate {
    const text = typeof spec === 'string' ? spec : spec.text;
    try {
      return compileTemplateWithTypeHint(text);
    } catch (e) {
      if (e instanceof TemplateError) throw new FilterError(`Error compiling template "${text}": ${e.message} at offset ${e.offset}`, loc);
      throw e;
    }
  }

  private compare(op: CmpOp, numeric: boolean, left: TemplateSpec, right: TemplateSpec, loc: SourceLocation): FilterFn {
    const l = this.template(left, loc);
    const r = this.template(right, loc);
    const o = this.opts;
    if (!numeric) return (m) => decide(op, compareBytes(l.format(m, o), r.format(m, o)));
    // a bare number is a number, as syslog-ng 4 reads `"$LEVEL_NUM" < 4`
    const typeOf = (t: TypedTemplate): ValueType => (t.isLiteral && t.type === 'string' && /^[+-]?\d+$/.test(t.text) ? 'integer' : t.type);
    const lt = typeOf(l);
    const rt = typeOf(r);
    return (m) => compareTyped(op, l.format(m, o), lt, r.format(m, o), rt);
  }

  private call(name: string, args: FilterArg[], loc: SourceLocation): FilterFn {
    switch (name) {
      case 'facility':
        return this.facility(args, loc);
      case 'level':
      case 'priority':
      case 'severity':
        return this.severity(name, args, loc);
      case 'program':
        return this.regexOn(name, args, loc, (m) => m.program);
      case 'host':
        return this.regexOn(name, args, loc, (m) => m.host);
      case 'message':
        return this.regexOn(name, args, loc, (m) => m.message);
      case 'source':
        return this.regexOn(name, args, loc, (m) => m.sourceName, 'string');
      case 'match':
        return this.match(args, loc);
      case 'netmask':
      case 'netmask6':
        return this.netmask(name, args, loc);
      case 'filter':
        return this.reference(args, loc);
      case 'tags': {
        const tags = this.values(name, args, loc);
        if (tags.length === 0) throw new FilterError('tags() needs at least one tag', loc);
        return (m) => {
          for (const t of tags) if (m.tags.includes(t)) return true;
          return false;
        };
      }
      case 'in-list':
        return this.inList(args, loc);
      default:
        throw new FilterError(`filter plugin ${name} not found`, loc);
    }
  }

  private values(fn: string, args: FilterArg[], loc: SourceLocation): string[] {
    return args.map((a) => {
      if (a.kind !== 'value') throw new FilterError(`${fn}() takes plain values here`, a.loc ?? loc);
      return a.text;
    });
  }

  private facility(args: FilterArg[], loc: SourceLocation): FilterFn {
    if (args.length === 0) throw new FilterError('facility() needs at least one facility', loc);
    if (args.length === 1 && args[0].kind === 'value' && !args[0].quoted && /^\d+$/.test(args[0].text)) {
      // a number is an exact facility code (which may lie beyond the named ones)
      const code = Number(args[0].text);
      return (m) => (m.pri & 0x3f8) >> 3 === code;
    }
    const code = (text: string, at: SourceLocation): number => {
      const v = filterFacility(text);
      if (v === undefined) throw new FilterError(/^\d+$/.test(text) ? 'facility() takes a single number, or names and ranges' : `Unknown facility "${text}"`, at);
      return v;
    };
    let bits = 0;
    for (const a of args) {
      if (a.kind === 'value') bits |= 1 << code(a.text, a.loc);
      else if (a.kind === 'range') bits |= range(code(a.from, a.loc), code(a.to, a.loc));
      else throw new FilterError(`unexpected ${a.name}() in facility()`, a.loc);
    }
    const valid = bits >>> 0;
    return (m) => {
      const f = (m.pri & 0x3f8) >> 3;
      return f < 32 && ((valid >>> f) & 1) === 1;
    };
  }

  private severity(fn: string, args: FilterArg[], loc: SourceLocation): FilterFn {
    if (args.length === 0) throw new FilterError(`${fn}() needs at least one level`, loc);
    const code = (text: string, at: SourceLocation): number => {
      const v = filterSeverity(text);
      if (v === undefined) throw new FilterError(`Unknown priority level "${text}"`, at);
      return v;
    };
    let bits = 0;
    for (const a of args) {
      if (a.kind === 'value') bits |= 1 << code(a.text, a.loc);
      else if (a.kind === 'range') bits |= range(code(a.from, a.loc), code(a.to, a.loc));
      else throw new FilterError(`unexpected ${a.name}() in ${fn}()`, a.loc);
    }
    const valid = bits;
    return (m) => ((valid >> (m.pri & 7)) & 1) === 1;
  }

  private matchSpec(fn: string, args: FilterArg[], loc: SourceLocation, allowValue: boolean): MatchSpec {
    const first = args[0];
    if (!first || first.kind !== 'value') throw new FilterError(`${fn}() needs a pattern as its first argument`, loc);
    const spec: MatchSpec = { pattern: first.text, type: 'pcre', flags: new Set(), loc: first.loc ?? loc };
    for (const a of args.slice(1)) {
      if (a.kind !== 'option') throw new FilterError(`${fn}() takes one pattern; extra argument "${a.kind === 'value' ? a.text : a.from + '..' + a.to}"`, a.loc);
      const opt = a.name.replace(/_/g, '-');
      const vals = this.values(opt, a.args, a.loc);
      if (opt === 'type') {
        const t = vals[0] ?? '';
        if (vals.length !== 1 || !isMatcherType(t)) throw new FilterError(`unknown matcher type "${t}"`, a.loc);
        spec.type = t === 'posix' ? 'pcre' : t;
      } else if (opt === 'flags') {
        for (const f of vals) {
          const nf = matcherFlag(f);
          if (nf === undefined) throw new FilterError(`unknown matcher flag "${f}"`, a.loc);
          spec.flags.add(nf);
        }
      } else if (allowValue && opt === 'value') {
        if (vals.length !== 1) throw new FilterError('value() takes one name-value pair name', a.loc);
        let v = vals[0];
        if (v.startsWith('$')) v = v.slice(1);
        if (v.startsWith('(') || v.includes('$'))
          throw new FilterError('value() reference for the match() filter cannot contain a full template string, use the template() option or stick to a single value', a.loc);
        spec.value = v;
      } else if (allowValue && opt === 'template') {
        if (vals.length !== 1) throw new FilterError('template() takes one template', a.loc);
        spec.template = vals[0];
      } else {
        throw new FilterError(`unknown option ${a.name}() in ${fn}()`, a.loc);
      }
    }
    return spec;
  }

  private regexOn(fn: string, args: FilterArg[], loc: SourceLocation, get: (m: LogMessage) => string, forceType?: string): FilterFn {
    const spec = this.matchSpec(fn, args, loc, false);
    if (forceType) spec.type = forceType;
    const test = buildMatcher(spec);
    return (m) => test(get(m));
  }

  private match(args: FilterArg[], loc: SourceLocation): FilterFn {
    const spec = this.matchSpec('match', args, loc, true);
    const test = buildMatcher(spec);
    if (spec.value !== undefined) {
      const get = resolveName(spec.value);
      const o = this.opts;
      return (m) => test(get(m, o));
    }
    if (spec.template !== undefined) {
      const t = this.template(spec.template, loc);
      const o = this.opts;
      return (m) => test(t.format(m, o));
    }
    // syslog-ng's deprecated form matches against "PROGRAM[PID]: MESSAGE"
    return (m) => test(m.program + (m.pid ? '[' + m.pid + ']' : '') + ': ' + m.message);
  }

  private netmask(fn: string, args: FilterArg[], loc: SourceLocation): FilterFn {
    const vals = this.values(fn, args, loc);
    if (vals.length !== 1) throw new FilterError(`${fn}() takes one address/mask`, loc);
    const test = fn === 'netmask' ? ipv4Matcher(vals[0]) : ipv6Matcher(vals[0]);
    if (!test) throw new FilterError(`invalid ${fn}() argument "${vals[0]}"`, args[0].loc ?? loc);
    return (m) => test(m.values.get('SOURCEIP'));
  }

  private reference(args: FilterArg[], loc: SourceLocation): FilterFn {
    const vals = this.values('filter', args, loc);
    if (vals.length !== 1) throw new FilterError('filter() takes one filter name', loc);
    const name = vals[0];
    const done = this.done.get(name);
    if (done) return done;
    if (this.visiting.has(name)) throw new FilterError(`Loop detected in filter rule; rule='${name}'`, loc);
    const expr = this.lookup(name);
    if (!expr) throw new FilterError(`Referenced filter rule not found in filter() expression; rule='${name}'`, loc);
    this.visiting.add(name);
    try {
      const fn = this.compile(expr);
      this.done.set(name, fn);
      return fn;
    } finally {
      this.visiting.delete(name);
    }
  }

  private inList(args: FilterArg[], loc: SourceLocation): FilterFn {
    const file = args[0];
    if (!file || file.kind !== 'value') throw new FilterError('in-list() needs a file name', loc);
    let name: string | undefined;
    const second = args[1];
    if (second?.kind === 'value') name = second.text;
    else if (second?.kind === 'option' && second.name === 'value' && second.args.length === 1 && second.args[0].kind === 'value') name = second.args[0].text;
    if (name === undefined || args.length !== 2) throw new FilterError('in-list() takes a file name and value("NAME")', loc);
    if (name.startsWith('$')) name = name.slice(1);
    let text: string;
    try {
      text = readFileSync(file.text, 'utf8');
    } catch (e) {
      throw new FilterError(`Error opening in-list filter list file; file='${file.text}', error='${(e as Error).message}'`, file.loc ?? loc);
    }
    const set = new Set<string>();
    for (const line of text.split('\n')) if (line !== '') set.add(line);
    const get = resolveName(name);
    const o = this.opts;
    return (m) => set.has(get(m, o));
  }
}

/**
 * Compiles a filter expression. `lookup` resolves `filter(name)` references
 * (compiled once each; cycles are an error). Throws FilterError with the
 * location of the offending call.
 */
export function compileFilter(
  expr: FilterExpr,
  lookup: (name: string) => FilterExpr | undefined,
  templateOptions: TemplateOptions = defaultTemplateOptions,
): (msg: LogMessage) => boolean {
  return new FilterCompiler(lookup, templateOptions).compile(expr);
}

