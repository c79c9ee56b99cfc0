/**
 * Compile-time checks of filter expressions (config-language.md §5): known
 * functions, facility/severity names, matcher options, and the filter()
 * references to resolve once every statement is known. Regexes are kept as
 * text; the pipeline compiles them.
 */
import * as fs from 'node:fs';
import type { SourceLocation } from '../core/location.ts';
import { filterFacility, filterSeverity, isMatcherType, matcherFlag, MATCHER_TYPES } from '../message/filter-names.ts';
import type { FilterArg, FilterExpr } from './plan.ts';
import type { ConfigError } from './errors.ts';
import { describeErrno } from './errno.ts';
import { didYouMean } from './suggest.ts';

export const FILTER_FUNCTIONS = ['facility', 'level', 'host', 'program', 'message', 'match', 'netmask', 'netmask6', 'tags', 'filter', 'in-list', 'source'] as const;
/** syslog-ng filter functions logferry does not have */
const NOT_IMPLEMENTED = new Set(['rate-limit', 'severity-level', 'inlist', 'tag', 'sdata', 'python']);
const FUNCTION_ALIASES: Record<string, string> = { priority: 'level', severity: 'level', msg: 'message' };

export { MATCHER_TYPES, MATCHER_FLAGS } from '../message/filter-names.ts';

export interface FilterCheckContext {
  error(loc: SourceLocation, message: string): ConfigError;
  /** filter() references, resolved by the caller after all statements are read */
  onFilterRef(name: string, loc: SourceLocation): void;
}

function values(args: FilterArg[]): FilterArg[] {
  return args.filter((a) => a.kind !== 'option');
}

function checkNames(args: FilterArg[], what: 'facility' | 'severity', ctx: FilterCheckContext): void {
  // the filter compiler's own table, so -s and the daemon agree
  const lookup = what === 'facility' ? filterFacility : filterSeverity;
  const max = what === 'facility' ? 23 : 7;
  const one = (text: string, loc: SourceLocation): void => {
    if (/^[0-9]+$/.test(text)) {
      if (Number(text) > max) throw ctx.error(loc, `Unknown ${what} number; ${what}='${text}'`);
      return;
    }
    if (lookup(text) === undefined) throw ctx.error(loc, `Unknown ${what} name; ${what}='${text}'`);
  };
  for (const a of args) {
    if (a.kind === 'value') one(a.text, a.loc);
    else if (a.kind === 'range') {
      one(a.from, a.loc);
      one(a.to, a.loc);
    } else throw ctx.error(a.loc, `syntax error, unexpected option ${a.name}() in a ${what} filter`);
  }
}

function checkMatcher(name: string, args: FilterArg[], loc: SourceLocation, ctx: FilterCheckContext): void {
  const vals = values(args);
  if (vals.length !== 1 || vals[0].kind !== 'value') throw ctx.error(vals[1]?.loc ?? loc, `${name}() expects exactly one pattern`);
  const allowed = name === 'match' ? ['value', 'type', 'flags', 'template'] : ['type', 'flags'];
  for (const a of args) {
    if (a.kind !== 'option') continue;
    if (!allowed.includes(a.name)) {
      const near = didYouMean(a.name, allowed);
      throw ctx.error(a.loc, `unknown option ${a.name}() in ${name}()${near ? `; did you mean ${near}()?` : ''}`);
    }
    const inner = a.args.filter((x): x is Extract<FilterArg, { kind: 'value' }> => x.kind === 'value');
    if (inner.length !== a.args.length) throw ctx.error(a.loc, `syntax error, ${a.name}() takes values only`);
    if (a.name === 'type') {
      if (inner.length !== 1 || !isMatcherType(inner[0].text)) {
        throw ctx.error(inner[0]?.loc ?? a.loc, `Unknown matcher type; type='${inner[0]?.text ?? ''}', expected one of: ${MATCHER_TYPES.join(', ')}`);
      }
    } else if (a.name === 'flags') {
      for (const f of inner) {
        if (matcherFlag(f.text) === undefined) throw ctx.error(f.loc, `Unknown flag "${f.text}"`);
      }
    } else if (inner.length !== 1) {
      throw ctx.error(a.loc, `${a.name}() expects exactly one value`);
    }
  }
}

/** Checks (and canonicalises function names in) a filter expression. */
export function checkFilter(e: FilterExpr, ctx: FilterCheckContext): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      checkFilter(e.left, ctx);
      checkFilter(e.right, ctx);
      return;
    case 'not':
      checkFilter(e.expr, ctx);
      return;
    case 'compare':
      return;
    case 'call':
      break;
  }
  e.name = FUNCTION_ALIASES[e.name] ?? e.name;
  const vals = values(e.args);
  const at = (): SourceLocation => e.loc;
  switch (e.name) {
    case 'facility':
      if (vals.length === 0) throw ctx.error(at(), 'facility() needs at least one facility name');
      checkNames(e.args, 'facility', ctx);
      return;
    case 'level':
      if (vals.length === 0) throw ctx.error(at(), 'level() needs at least one severity name');
      checkNames(e.args, 'severity', ctx);
      return;
    case 'host':
    case 'program':
    case 'message':
    case 'match':
      checkMatcher(e.name, e.args, e.loc, ctx);
      return;
    case 'netmask':
    case 'netmask6': {
      if (vals.length !== 1 || vals[0].kind !== 'value' || e.args.length !== 1) throw ctx.error(at(), `${e.name}() expects one address/prefix`);
      const ok = e.name === 'netmask' ? /^[0-9.]+(\/([0-9]{1,2}|[0-9.]+))?$/ : /^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/;
      if (!ok.test(vals[0].text)) throw ctx.error(vals[0].loc, `Invalid ${e.name}() value; value='${vals[0].text}'`);
      return;
    }
    case 'tags':
      if (vals.length === 0 || vals.length !== e.args.length) throw ctx.error(at(), 'tags() expects one or more tag names');
      return;
    case 'source':
      if (vals.length !== 1 || e.args.length !== 1) throw ctx.error(at(), 'source() expects one source name');
      return;
    case 'filter': {
      const v = vals[0];
      if (vals.length !== 1 || e.args.length !== 1 || v.kind !== 'value') throw ctx.error(at(), 'filter() expects one filter name');
      ctx.onFilterRef(v.text, v.loc);
      return;
    }
    case 'in-list': {
      const v = vals[0];
      if (vals.length !== 1 || v.kind !== 'value') throw ctx.error(at(), 'in-list() expects a file name and value("NAME")');
      for (const a of e.args) {
        if (a.kind === 'option' && a.name !== 'value') throw ctx.error(a.loc, `unknown option ${a.name}() in in-list()`);
      }
      try {
        fs.statSync(v.text);
      } catch (err) {
        throw ctx.error(v.loc, `File "${v.text}" not found: ${describeErrno(err)}`);
      }
      return;
    }
    default: {
      if (NOT_IMPLEMENTED.has(e.name)) throw ctx.error(at(), `logferry does not implement the ${e.name}() filter function yet`);
      const near = didYouMean(e.name, [...FILTER_FUNCTIONS, ...Object.keys(FUNCTION_ALIASES)]);
      throw ctx.error(at(), `unknown filter function ${e.name}()${near ? `; did you mean ${near}()?` : ''}`);
    }
  }
}
