/**
 * Recursive-descent parser: tokens → statements (config-language.md §3–§5).
 * It knows the grammar only; what an option means is the schemas' business.
 */
import type { SourceLocation } from '../core/location.ts';
import type { FilterArg, FilterExpr, TemplateSpec } from './plan.ts';
import { ConfigError } from './errors.ts';
import { normKeyword, type Token, type TokenKind } from './lexer.ts';
import type { Arg, ArgOption, DriverNode, LogNode, LogNodeItem, Stmt } from './ast.ts';

/** Statements syslog-ng has and logferry does not (a clear error, never ignored). */
const NOT_IMPLEMENTED_STMTS = new Set(['parser', 'rewrite', 'block', 'channel', 'junction', 'template-function', 'python', 'python-global', 'application']);
const STATEMENTS = ['source', 'destination', 'filter', 'template', 'log', 'options'];

const STRING_OPS: Record<string, 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };
const NUMERIC_OPS: Record<string, 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'word':
      return `'${t.text}'`;
    case 'string':
      return `string ${JSON.stringify(t.text)}`;
    case 'number':
    case 'float':
      return `number ${t.text}`;
    default:
      return `'${t.kind}'`;
  }
}

export class Parser {
  private readonly toks: Token[];
  private pos = 0;
  private readonly texts: Map<string, string[]>;

  constructor(tokens: Token[], texts: Map<string, string[]>) {
    this.toks = tokens;
    this.texts = texts;
    const last = tokens[tokens.length - 1];
    if (!last || last.kind !== 'eof') {
      const loc = last ? last.loc : { file: '<text>', line: 1, column: 1 };
      this.toks = [...tokens, { kind: 'eof', text: '', loc, chain: last?.chain ?? [] }];
    }
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }

  private take(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  error(t: Token, message: string, expected?: string[]): ConfigError {
    return new ConfigError(message, t.loc, {
      includeChain: t.chain,
      expected,
      sourceLine: this.texts.get(t.loc.file)?.[t.loc.line - 1],
    });
  }

  private unexpected(t: Token, expected: string[], where?: string): ConfigError {
    return this.error(t, `syntax error, unexpected ${describeToken(t)}${where ? ` ${where}` : ''}`, expected);
  }

  private expect(kind: TokenKind, where?: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(t, [`'${kind}'`], where);
    return this.take();
  }

  private isWord(t: Token, kw: string): boolean {
    return t.kind === 'word' && normKeyword(t.text) === kw;
  }

  /** One or more `;` (statement terminators). */
  private semicolons(where: string): void {
    this.expect(';', where);
    while (this.peek().kind === ';') this.take();
  }

  private optSemicolons(): void {
    while (this.peek().kind === ';') this.take();
  }

  /** An object id: a bare word or a string. */
  private identifier(what: string): Token {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string' || t.kind === 'number') return this.take();
    throw this.unexpected(t, [what]);
  }

  parseConfig(): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return out;
      if (t.kind === ';') {
        this.take();
        continue;
      }
      out.push(this.statement());
    }
  }

  private statement(): Stmt {
    const t = this.peek();
    if (t.kind !== 'word') throw this.unexpected(t, STATEMENTS);
    const kw = normKeyword(t.text);
    switch (kw) {
      case 'source':
      case 'destination': {
        this.take();
        let name: string | undefined;
        let nameLoc = t.loc;
        if (this.peek().kind !== '{') {
          const n = this.identifier(`${kw} name`);
          name = n.text;
          nameLoc = n.loc;
        }
        const drivers = this.driverBlock(kw);
        this.semicolons(`after the ${kw} statement`);
        return { kind: kw, name, loc: t.loc, nameLoc, drivers };
      }
      case 'filter': {
        this.take();
        const n = this.identifier('filter name');
        const expr = this.filterBlock();
        this.semicolons('after the filter statement');
        return { kind: 'filter', name: n.text, loc: t.loc, nameLoc: n.loc, expr };
      }
      case 'template': {
        this.take();
        const n = this.identifier('template name');
        if (this.peek().kind === 'string') {
          const text = this.take();
          this.semicolons('after the template statement');
          return { kind: 'template', name: n.text, loc: t.loc, nameLoc: n.loc, text, items: [] };
        }
        const items = this.optionItems('template');
        this.semicolons('after the template statement');
        return { kind: 'template', name: n.text, loc: t.loc, nameLoc: n.loc, text: undefined, items };
      }
      case 'options': {
        this.take();
        const items = this.optionItems('options');
        this.semicolons('after the options statement');
        return { kind: 'options', loc: t.loc, items };
      }
      case 'log': {
        this.take();
        let name: string | undefined;
        if (this.peek().kind !== '{') name = this.identifier('log path name or {').text;
        const node = this.logBody(t.loc, name);
        this.semicolons('after the log statement');
        return { kind: 'log', node };
      }
      default:
        if (NOT_IMPLEMENTED_STMTS.has(kw)) throw this.error(t, `logferry does not implement the ${kw} statement yet`);
        throw this.unexpected(t, STATEMENTS);
    }
  }

  /** `{ driver(…); driver(…); }` */
  private driverBlock(kind: string): DriverNode[] {
    this.expect('{', `after the ${kind} name`);
    const drivers: DriverNode[] = [];
    while (this.peek().kind !== '}') {
      const t = this.peek();
      if (t.kind === ';') {
        this.take();
        continue;
      }
      if (t.kind !== 'word') throw this.unexpected(t, [`a ${kind} driver such as network(...)`, "'}'"]);
      this.take();
      this.expect('(', `after ${t.text}`);
      const args = this.args(t.text);
      drivers.push({ name: normKeyword(t.text), raw: t.text, loc: t.loc, args });
      this.semicolons(`after ${t.text}()`);
    }
    this.take();
    return drivers;
  }

  /** Arguments up to and including the closing `)`; `(` already taken. */
  private args(owner: string): Arg[] {
    const out: Arg[] = [];
    for (;;) {
      const t = this.peek();
      switch (t.kind) {
        case ')':
          this.take();
          return out;
        case 'word':
          if (this.peek(1).kind === '(') {
            this.take();
            this.take();
            out.push({ kind: 'option', name: normKeyword(t.text), raw: t.text, loc: t.loc, args: this.args(t.text) });
          } else {
            out.push({ kind: 'value', tok: this.take() });
          }
          break;
        case 'string':
        case 'number':
        case 'float':
          out.push({ kind: 'value', tok: this.take() });
          break;
        case '=>':
          out.push({ kind: 'arrow', tok: this.take() });
          break;
        default:
          throw this.unexpected(t, ["')'", 'an option such as name(value)', 'a value'], `inside ${owner}()`);
      }
    }
  }

  /** `{ name(…); name(…); }` for options {} and template {} */
  private optionItems(owner: string): ArgOption[] {
    this.expect('{', `after ${owner}`);
    const items: ArgOption[] = [];
    while (this.peek().kind !== '}') {
      const t = this.peek();
      if (t.kind === ';') {
        this.take();
        continue;
      }
      if (t.kind !== 'word' || this.peek(1).kind !== '(') {
        throw this.unexpected(t.kind === 'word' ? this.peek(1) : t, t.kind === 'word' ? ["'('"] : ['an option such as name(value)', "'}'"]);
      }
      this.take();
      this.take();
      items.push({ kind: 'option', name: normKeyword(t.text), raw: t.text, loc: t.loc, args: this.args(t.text) });
      this.semicolons(`after ${t.text}()`);
    }
    this.take();
    return items;
  }

  // ---- log paths ----

  /** `{ items… [flags(…);] }` */
  private logBody(loc: SourceLocation, name: string | undefined): LogNode {
    this.expect('{', 'to open the log path');
    const node: LogNode = { name, loc, items: [], flags: undefined };
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.take();
        return node;
      }
      if (t.kind === ';') {
        this.take();
        continue;
      }
      if (node.flags) throw this.error(t, 'syntax error, flags() must be the last item of a log path', ["'}'"]);
      if (t.kind !== 'word') throw this.unexpected(t, LOG_ITEMS);
      const kw = normKeyword(t.text);
      if (kw === 'flags') {
        this.take();
        this.expect('(', 'after flags');
        node.flags = { kind: 'option', name: 'flags', raw: t.text, loc: t.loc, args: this.args('flags') };
        this.semicolons('after flags()');
        continue;
      }
      node.items.push(this.logItem(t, kw));
    }
  }

  private logItem(t: Token, kw: string): LogNodeItem {
    switch (kw) {
      case 'source':
      case 'destination':
      case 'filter': {
        this.take();
        if (this.peek().kind === '{') {
          let item: LogNodeItem;
          if (kw === 'filter') item = { kind: 'filter-inline', loc: t.loc, expr: this.filterBlock() };
          else item = { kind: kw === 'source' ? 'source-inline' : 'destination-inline', loc: t.loc, drivers: this.driverBlock(kw) };
          this.semicolons(`after the inline ${kw}`);
          return item;
        }
        this.expect('(', `after ${t.text}`);
        const n = this.identifier(`${kw} name`);
        this.expect(')', `after the ${kw} name`);
        this.semicolons(`after ${t.text}()`);
        return { kind: `${kw}-ref` as 'source-ref', name: n.text, loc: n.loc };
      }
      case 'log': {
        this.take();
        let name: string | undefined;
        if (this.peek().kind !== '{') name = this.identifier('log path name or {').text;
        const node = this.logBody(t.loc, name);
        this.semicolons('after the embedded log path');
        return { kind: 'log', node };
      }
      case 'junction': {
        this.take();
        this.expect('{', 'after junction');
        const channels: LogNode[] = [];
        for (;;) {
          const c = this.peek();
          if (c.kind === '}') break;
          if (c.kind === ';') {
            this.take();
            continue;
          }
          if (!this.isWord(c, 'channel')) throw this.unexpected(c, ["'channel'", "'}'"]);
          this.take();
          channels.push(this.logBody(c.loc, undefined));
          this.semicolons('after channel');
        }
        this.take();
        this.optSemicolons();
        return { kind: 'junction', loc: t.loc, channels };
      }
      case 'if': {
        this.take();
        const branches: Array<{ cond: FilterExpr | undefined; body: LogNode }> = [];
        branches.push(this.ifBranch(t));
        for (;;) {
          const n = this.peek();
          if (this.isWord(n, 'elif')) {
            this.take();
            branches.push(this.ifBranch(n));
          } else if (this.isWord(n, 'else')) {
            this.take();
            branches.push({ cond: undefined, body: this.logBody(n.loc, undefined) });
            break;
          } else {
            break;
          }
        }
        this.optSemicolons();
        return { kind: 'if', loc: t.loc, branches };
      }
      case 'parser':
      case 'rewrite':
        throw this.error(t, `logferry does not implement the ${kw} statement yet`);
      default:
        throw this.unexpected(t, LOG_ITEMS);
    }
  }

  private ifBranch(kwTok: Token): { cond: FilterExpr; body: LogNode } {
    this.expect('(', `after ${kwTok.text}`);
    const cond = this.filterExpr();
    this.expect(')', 'to close the condition');
    return { cond, body: this.logBody(kwTok.loc, undefined) };
  }

  // ---- filters ----

  /** `{ <expr>; }` */
  private filterBlock(): FilterExpr {
    this.expect('{', 'to open the filter');
    while (this.peek().kind === ';') this.take();
    const expr = this.filterExpr();
    this.semicolons('after the filter expression');
    this.expect('}', 'to close the filter');
    return expr;
  }

  filterExpr(): FilterExpr {
    let left = this.filterAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.take();
      left = { kind: 'or', left, right: this.filterAnd() };
    }
    return left;
  }

  private filterAnd(): FilterExpr {
    let left = this.filterUnary();
    while (this.isWord(this.peek(), 'and')) {
      this.take();
      left = { kind: 'and', left, right: this.filterUnary() };
    }
    return left;
  }

  private filterUnary(): FilterExpr {
    const t = this.peek();
    if (this.isWord(t, 'not')) {
      this.take();
      return { kind: 'not', expr: this.filterUnary() };
    }
    if (t.kind === '(') {
      this.take();
      const e = this.filterExpr();
      this.expect(')', 'to close the parenthesised filter expression');
      return e;
    }
    if (t.kind === 'word' && this.peek(1).kind === '(') {
      this.take();
      this.take();
      return { kind: 'call', name: normKeyword(t.text), args: this.filterArgs(t.text), loc: t.loc };
    }
    if (t.kind === 'string' || t.kind === 'word' || t.kind === 'number' || t.kind === 'float') {
      this.take();
      const opTok = this.peek();
      const op = opTok.kind === 'word' ? (STRING_OPS[opTok.text] ?? NUMERIC_OPS[opTok.text]) : undefined;
      if (!op) throw this.unexpected(opTok, ['a comparison operator (eq ne lt le gt ge == != < <= > >=)']);
      this.take();
      const r = this.peek();
      if (r.kind !== 'string' && r.kind !== 'word' && r.kind !== 'number' && r.kind !== 'float') throw this.unexpected(r, ['a template string']);
      this.take();
      const spec = (x: Token): TemplateSpec => ({ kind: 'template', text: x.text, escape: false, loc: x.loc });
      return { kind: 'compare', op, numeric: opTok.text in NUMERIC_OPS, left: spec(t), right: spec(r), loc: t.loc };
    }
    throw this.unexpected(t, ['a filter function such as facility(...)', "'('", "'not'", 'a template to compare']);
  }

  /** Filter function arguments: values, `a..b` ranges, nested options. `(` already taken. */
  private filterArgs(owner: string): FilterArg[] {
    const out: FilterArg[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === ')') {
        this.take();
        return out;
      }
      if (t.kind === 'word' && this.peek(1).kind === '(') {
        this.take();
        this.take();
        out.push({ kind: 'option', name: normKeyword(t.text), args: this.filterArgs(t.text), loc: t.loc });
        continue;
      }
      if (t.kind === 'word' || t.kind === 'string' || t.kind === 'number' || t.kind === 'float') {
        this.take();
        if (this.peek().kind === '..') {
          this.take();
          const to = this.peek();
          if (to.kind !== 'word' && to.kind !== 'string' && to.kind !== 'number') throw this.unexpected(to, ['the upper end of the range']);
          this.take();
          out.push({ kind: 'range', from: t.text, to: to.text, loc: t.loc });
        } else {
          out.push({ kind: 'value', text: t.text, quoted: t.kind === 'string', loc: t.loc });
        }
        continue;
      }
      throw this.unexpected(t, ["')'", 'a value'], `inside ${owner}()`);
    }
  }
}

const LOG_ITEMS = ["'source'", "'filter'", "'destination'", "'log'", "'junction'", "'if'", "'flags'", "'}'"];
