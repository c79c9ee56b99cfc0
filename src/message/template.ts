/**
 * syslog-ng templates: `$NAME`, `${NAME}`, `${NAME:-default}`, `$(function
 * args)`, `$$`, literal text. A template is compiled once into literal parts
 * and value getters; formatting a message only concatenates.
 *
 * Syntax follows syslog-ng's lib/template/compiler.c, including its quirks:
 * `${X}@0` is X, `${X}@1` and up are empty (no correlation context here),
 * `${X}@@` is X and a literal `@`, a `$` not followed by a name is literal,
 * and a backslash is an ordinary character.
 */
import type { LogMessage } from './log-message.ts';
import { getLoghost, lookupMacro, resolveName, setLoghost } from './macros.ts';
import type { MacroContext, MacroFn, ValueType } from './macros.ts';
import { prepareFunction } from './template-functions.ts';
import type { TsFormat } from './timefmt.ts';
import type { Zone } from './timezone.ts';
import { NamedError } from '../core/named-error.ts';

export interface TemplateOptions {
  tsFormat: TsFormat;
  fracDigits: number;
  timeZone?: Zone;
  seqnum?: number;
}

export interface CompiledTemplate {
  readonly text: string;
  readonly escape: boolean;
  format(msg: LogMessage, opts: TemplateOptions): string;
}

/** A compiled template with what filters and format-json need beyond formatting. */
export interface TypedTemplate extends CompiledTemplate {
  /** type of the result (single macro ⇒ its type; otherwise string; or the explicit type hint) */
  readonly type: ValueType;
  /** true when the template has no macros or functions at all */
  readonly isLiteral: boolean;
}

export class TemplateError extends NamedError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export const defaultTemplateOptions: TemplateOptions = { tsFormat: 'rfc3164', fracDigits: 0 };

/** The host name `$LOGHOST` prints and local messages carry. */
export function setLocalHostname(name: string): void {
  setLoghost(name);
}

export function getLocalHostname(): string {
  return getLoghost();
}

/** template-escape(yes): `'`, `"`, `\` get a backslash, control characters become `\ooo`. */
export function escapeTemplateValue(s: string): string {
  if (!/['"\\\x00-\x1f]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c < 0x20) out += '\\' + c.toString(8).padStart(3, '0');
    else out += s[i];
  }
  return out;
}

interface Elem {
  /** literal text before the value */
  lit: string;
  fn: MacroFn;
  type: ValueType;
}

const empty: MacroFn = () => '';

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

class Compiler {
  private readonly text: string;
  private pos = 0;
  private lit = '';
  readonly elems: Elem[] = [];
  tail = '';

  constructor(text: string) {
    this.text = text;
  }

  run(): void {
    const t = this.text;
    while (this.pos < t.length) {
      if (t[this.pos] === '$') this.dollar();
      else this.lit += t[this.pos++];
    }
    this.tail = this.lit;
  }

  private push(fn: MacroFn, type: ValueType): void {
    const ref = this.msgRef();
    // @1 and higher address earlier messages of a correlation context, which never exist here
    this.elems.push({ lit: this.lit, fn: ref > 1 ? empty : fn, type: ref > 1 ? 'string' : type });
    this.lit = '';
  }

  /** `@N` after a value: 0 = none, N+1 otherwise (as syslog-ng counts) */
  private msgRef(): number {
    const t = this.text;
    if (t[this.pos] !== '@') return 0;
    this.pos++;
    if (t[this.pos] !== undefined && t[this.pos] >= '0' && t[this.pos] <= '9') {
      let ref = 0;
      while (t[this.pos] !== undefined && t[this.pos] >= '0' && t[this.pos] <= '9') ref = ref * 10 + Number(t[this.pos++]);
      return ref + 1;
    }
    // `@@` leaves one literal `@`; a lone `@` stays literal
    if (t[this.pos] !== '@') this.pos--;
    return 0;
  }

  private dollar(): void {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    const p = t[this.pos];
    if (p === '{') {
      const close = t.indexOf('}', this.pos + 1);
      if (close < 0) throw new TemplateError("Invalid macro, '}' is missing", t.length);
      const inner = t.slice(this.pos + 1, close);
      const colon = inner.indexOf(':');
      let name = inner;
      let def: string | undefined;
      if (colon >= 0) {
        name = inner.slice(0, colon);
        if (inner[colon + 1] !== '-') throw new TemplateError('Unknown substitution function', this.pos + 1 + colon + 1);
        def = inner.slice(colon + 2);
      }
      this.pos = close + 1;
      this.pushName(name, def);
    } else if (p === '(') {
      this.func(start);
    } else if (isNameChar(p)) {
      let end = this.pos;
      while (isNameChar(t[end])) end++;
      const name = t.slice(this.pos, end);
      this.pos = end;
      this.pushName(name, undefined);
    } else if (p === '*') {
      // $* lists regexp matches, which logferry filters never store
      this.pos++;
      this.push(empty, 'list');
    } else {
      if (p !== '$') this.lit += '$';
      if (p !== undefined) this.lit += t[this.pos++];
    }
  }

  private pushName(name: string, def: string | undefined): void {
    const macro = lookupMacro(name);
    const get = macro ? macro.fn : resolveName(name);
    const type: ValueType = macro ? macro.type : 'string';
    if (def === undefined) {
      this.push(get, type);
    } else {
      const d = def;
      this.push((m, c) => get(m, c) || d, type);
    }
  }

  private func(start: number): void {
    const args = this.argList();
    if (!args) throw new TemplateError("Invalid template function reference, missing function name or imbalanced '('", this.pos);
    this.pos++; // past ')'
    if (args.length === 0) {
      // `$()` produces nothing, but a following `@N` is still consumed
      this.msgRef();
      return;
    }
    const name = args[0].replace(/_/g, '-');
    let prepared;
    try {
      prepared = prepareFunction(name, args.slice(1), (text, hinted) => (hinted ? compileTemplateWithTypeHint(text) : compileTypedTemplate(text)));
    } catch (e) {
      if (e instanceof TemplateError) throw new TemplateError(`Error in $(${name}): ${e.message}`, start);
      throw new TemplateError(`Error in $(${name}): ${(e as Error).message}`, start);
    }
    if (!prepared) throw new TemplateError(`Unknown template function "${args[0]}"`, start);
    this.push(prepared.call, prepared.type);
  }

  /** Splits `(name arg "quoted arg" …)`; undefined when the parentheses do not balance. */
  private argList(): string[] | undefined {
    const t = this.text;
    const args: string[] = [];
    let buf = '';
    let has = false;
    let parens = 1;
    this.pos++;
    while (isSpace(t[this.pos])) this.pos++;
    while (this.pos < t.length) {
      let c = t[this.pos];
      if (c === '\\') {
        this.pos++;
        if (this.pos >= t.length) break;
        c = t[this.pos];
      } else if (c === '(') {
        parens++;
      } else if (c === ')') {
        parens--;
        if (parens === 0) break;
      } else if (c === '"' || c === "'") {
        const end = t.indexOf(c, this.pos + 1);
        if (end < 0) return undefined;
        // quotes are removed at the top level and kept inside nested parentheses
        buf += parens === 1 ? t.slice(this.pos + 1, end) : t.slice(this.pos, end + 1);
        this.pos = end + 1;
        has = true;
        continue;
      } else if (parens === 1 && isSpace(c)) {
        args.push(buf);
        buf = '';
        has = false;
        while (isSpace(t[this.pos])) this.pos++;
        continue;
      }
      buf += c;
      has = true;
      this.pos++;
    }
    if (has) args.push(buf);
    return t[this.pos] === ')' ? args : undefined;
  }
}

class Template implements TypedTemplate {
  readonly text: string;
  readonly escape: boolean;
  readonly type: ValueType;
  readonly isLiteral: boolean;
  readonly format: (msg: LogMessage, opts: TemplateOptions) => string;

  constructor(text: string, escape: boolean, elems: Elem[], tail: string, typeHint: ValueType | undefined) {
    this.text = text;
    this.escape = escape;
    this.isLiteral = elems.length === 0;
    if (typeHint) this.type = typeHint;
    else if (elems.length === 1 && elems[0].lit === '' && tail === '') this.type = elems[0].type;
    else this.type = 'string';
    this.format = build(elems, tail, escape);
  }
}

function build(elems: Elem[], tail: string, escape: boolean): (msg: LogMessage, opts: MacroContext) => string {
  const n = elems.length;
  if (n === 0) return () => tail;
  const fns: MacroFn[] = elems.map((e) => (escape ? wrapEscape(e.fn) : e.fn));
  const lits = elems.map((e) => e.lit);
  if (n === 1) {
    const [f] = fns;
    const [a] = lits;
    return (m, o) => a + f(m, o) + tail;
  }
  if (n === 2) {
    const [f, g] = fns;
    const [a, b] = lits;
    return (m, o) => a + f(m, o) + b + g(m, o) + tail;
  }
  return (m, o) => {
    let s = '';
    for (let i = 0; i < n; i++) s += lits[i] + fns[i](m, o);
    return s + tail;
  };
}

function wrapEscape(f: MacroFn): MacroFn {
  return (m, o) => escapeTemplateValue(f(m, o));
}

const typeHints: Record<string, ValueType> = {
  string: 'string',
  literal: 'string',
  int: 'integer',
  int32: 'integer',
  int64: 'integer',
  integer: 'integer',
  double: 'double',
  float: 'double',
  boolean: 'boolean',
  datetime: 'datetime',
  list: 'list',
  json: 'json',
  null: 'null',
};

/**
 * Compiles with an optional syslog-ng type hint around it, `int64($X)`, as
 * value-pairs `--pair` and comparisons accept it.
 */
export function compileTemplateWithTypeHint(spec: string): TypedTemplate {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(([\s\S]*)\)$/.exec(spec);
  if (!m) return compileTypedTemplate(spec);
  const hint = typeHints[m[1].toLowerCase()];
  if (!hint) throw new TemplateError(`Unknown type specified in type hinting: ${m[1]}`, 0);
  return compileTypedTemplate(m[2], false, hint);
}

export function compileTypedTemplate(text: string, escape = false, typeHint?: ValueType): TypedTemplate {
  const c = new Compiler(text);
  c.run();
  return new Template(text, escape, c.elems, c.tail, typeHint);
}

/** Compiles a template; throws TemplateError (with the character offset) on bad syntax or unknown functions. */
export function compileTemplate(text: string, escape = false): CompiledTemplate {
  return compileTypedTemplate(text, escape);
}
