/**
 * Tokens of the syslog-ng configuration language (config-language.md §1).
 *
 * One Lexer reads one file. Backtick references are substituted as they are
 * met, so an `@define` earlier in the text applies to everything after it.
 * Substituted text is scanned as if it were written at the backtick: every
 * token from it carries the backtick's location.
 */
import type { SourceLocation } from '../core/location.ts';
import { ConfigError, type IncludeFrame } from './errors.ts';

export type TokenKind =
  | 'word' // bare word (keyword or identifier), text as written
  | 'string' // "…" or '…', text unescaped
  | 'number' // integer with optional size suffix; `value` holds it
  | 'float'
  | '('
  | ')'
  | '{'
  | '}'
  | ';'
  | ':'
  | '=>'
  | '..'
  | 'pragma' // `@name …` line; `text` = name, `args` = the line's tokens
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** numeric value of number/float tokens */
  value?: number;
  /** quote character of string tokens */
  quote?: '"' | "'";
  loc: SourceLocation;
  /** include chain of the file the token came from (shared, do not mutate) */
  chain: IncludeFrame[];
  /** pragma arguments */
  args?: Token[];
}

/** Characters that end a bare word (besides end of input). */
const NON_WORD = new Set([' ', '\t', '\r', '\n', '\f', '#', "'", '"', '(', ')', '{', '}', '[', ']', '\\', ';', ',', '|', '.', '@', ':']);

export function isWordChar(c: string | undefined): boolean {
  return c !== undefined && c !== '`' && !NON_WORD.has(c);
}

/** Folds keyword spelling: `-` and `_` are interchangeable. */
export function normKeyword(s: string): string {
  return s.replace(/_/g, '-');
}

const INT_RE = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?:([kKmMgG])([iI])?)?([bB])?$/;
const FLOAT_RE = /^[+-]?[0-9]+\.[0-9]+$/;

/** Parses an integer with base prefix and size suffix (`64k`, `2MiB`, `0x1f`, `0644`); undefined if it is not one. */
export function parseNumber(text: string): number | undefined {
  const m = INT_RE.exec(text);
  if (!m) return undefined;
  const [, sign, digits, unit, binary] = m;
  let n: number;
  if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits[0] === '0') n = parseInt(digits, 8);
  else n = parseInt(digits, 10);
  if (unit) {
    const exp = 'kmg'.indexOf(unit.toLowerCase()) + 1;
    n *= (binary ? 1024 : 1000) ** exp;
  } else if (m[5] && !unit) {
    // a lone `b` suffix (bytes) changes nothing
  }
  return sign === '-' ? -n : n;
}

export type DefineLookup = (name: string) => string | undefined;

export class Lexer {
  readonly file: string;
  readonly chain: IncludeFrame[];
  private readonly lines: string[];
  private text: string;
  private pos = 0;
  private line = 1;
  private col = 1;
  // substituted text occupies [virtStart, virtEnd); it does not move line/col
  private virtStart = -1;
  private virtEnd = -1;
  private virtSpan = 0;
  private pragmaMode = false;
  private readonly lookup: DefineLookup;
  /**
   * The first string of this file that ran over a line break. Strings may
   * hold raw newlines, but when a quote is missing that string is the one
   * that swallowed the text up to the next quote: it is where the fix goes.
   */
  private firstMultiline: { loc: SourceLocation; quote: '"' | "'"; endLine: number } | undefined;

  constructor(text: string, file: string, lookup: DefineLookup = () => undefined, chain: IncludeFrame[] = []) {
    this.text = text;
    this.file = file;
    this.lines = text.split('\n');
    this.lookup = lookup;
    this.chain = chain;
  }

  /** Lexes everything (pragmas are returned as tokens, not executed). */
  static tokenize(text: string, file = '<text>', lookup?: DefineLookup): Token[] {
    const lx = new Lexer(text, file, lookup);
    const out: Token[] = [];
    for (;;) {
      const t = lx.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  sourceLine(line: number): string | undefined {
    return this.lines[line - 1];
  }

  error(message: string, loc: SourceLocation, expected?: string[], hint?: string): ConfigError {
    return new ConfigError(message, loc, { includeChain: this.chain, expected, sourceLine: this.sourceLine(loc.line), hint });
  }

  private here(): SourceLocation {
    return { file: this.file, line: this.line, column: this.col };
  }

  private inVirtual(): boolean {
    return this.pos >= this.virtStart && this.pos < this.virtEnd;
  }

  private peek(k = 0): string | undefined {
    const i = this.pos + k;
    return i < this.text.length ? this.text[i] : undefined;
  }

  private advance(): string {
    const c = this.text[this.pos++];
    if (this.pos > this.virtStart && this.pos <= this.virtEnd) {
      if (this.pos === this.virtEnd) this.col += this.virtSpan;
      return c;
    }
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return c;
  }

  /** Reads the name of a backtick reference starting at pos (on the opening backtick); returns [name, span]. */
  private readReference(): { name: string; span: number } {
    const start = this.here();
    const close = this.text.indexOf('`', this.pos + 1);
    const nl = this.text.indexOf('\n', this.pos + 1);
    if (close < 0 || (nl >= 0 && nl < close)) throw this.error('missing closing backtick (`) character', start);
    const name = this.text.slice(this.pos + 1, close);
    return { name, span: close - this.pos + 1 };
  }

  private valueOf(name: string): string {
    if (name === '') return '`';
    return this.lookup(name) ?? '';
  }

  /** Replaces the backtick reference at pos by its value, to be scanned next. */
  private substituteHere(): void {
    const { name, span } = this.readReference();
    const value = this.valueOf(name);
    this.text = this.text.slice(0, this.pos) + value + this.text.slice(this.pos + span);
    this.virtStart = this.pos;
    this.virtEnd = this.pos + value.length;
    this.virtSpan = span;
    if (value.length === 0) this.col += span;
  }

  /** Skips whitespace, commas, comments and line continuations. Stops at a newline in pragma mode. */
  private skipBlank(): void {
    for (;;) {
      const c = this.peek();
      if (c === undefined) return;
      if (c === '\n') {
        if (this.pragmaMode && !this.inVirtual()) return;
        this.advance();
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === ',') {
        this.advance();
      } else if (c === '#') {
        while (this.peek() !== undefined && this.peek() !== '\n') this.advance();
      } else if (c === '\\' && (this.peek(1) === '\n' || (this.peek(1) === '\r' && this.peek(2) === '\n'))) {
        this.advance();
        if (this.peek() === '\r') this.advance();
        this.advance();
      } else if (c === '`' && !this.inVirtual()) {
        this.substituteHere();
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipBlank();
    const loc = this.here();
    const c = this.peek();
    const tok = (kind: TokenKind, text: string): Token => ({ kind, text, loc, chain: this.chain });
    if (c === undefined) return tok('eof', '');
    if (this.pragmaMode && c === '\n') return tok('eof', '');
    if (c === '@' && this.col === 1 && !this.pragmaMode && !this.inVirtual()) return this.pragma();
    switch (c) {
      case '(':
      case ')':
      case '{':
      case '}':
      case ';':
        this.advance();
        return tok(c, c);
      case ':':
        if (this.pragmaMode) {
          this.advance();
          return tok(':', ':');
        }
        break;
      case '"':
        return this.doubleQuoted(loc);
      case "'":
        return this.singleQuoted(loc);
      case '.':
        if (this.peek(1) === '.') {
          this.advance();
          this.advance();
          return tok('..', '..');
        }
        break;
      default:
        if (this.wordChar(c)) return this.word(loc);
    }
    throw this.error(`syntax error, unexpected character '${c === '\n' ? '\\n' : c}'`, loc);
  }

  /** substituted text may hold a literal backtick (from an empty `` reference) */
  private wordChar(c: string | undefined): boolean {
    return isWordChar(c) || (c === '`' && this.inVirtual());
  }

  private word(loc: SourceLocation): Token {
    let s = '';
    for (;;) {
      const c = this.peek();
      if (this.wordChar(c)) {
        s += this.advance();
      } else if (c === '`' && !this.inVirtual()) {
        this.substituteHere();
      } else if (c === '.' && s.length > 0 && s[s.length - 1] !== '.' && isWordChar(this.peek(1))) {
        s += this.advance();
      } else {
        break;
      }
    }
    const base = { loc, chain: this.chain };
    if (s === '=>') return { kind: '=>', text: s, ...base };
    if (FLOAT_RE.test(s)) return { kind: 'float', text: s, value: Number(s), ...base };
    const n = parseNumber(s);
    if (n !== undefined) return { kind: 'number', text: s, value: n, ...base };
    return { kind: 'word', text: s, ...base };
  }

  private doubleQuoted(loc: SourceLocation): Token {
    this.advance();
    let s = '';
    let multiline = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.unterminated(loc, '"');
      if (c === '"') {
        this.advance();
        break;
      }
      if (c === '\n' && !this.inVirtual()) multiline = true;
      if (c === '`' && !this.inVirtual()) {
        const { name, span } = this.readReference();
        s += this.valueOf(name);
        for (let i = 0; i < span; i++) this.advance();
        continue;
      }
      if (c !== '\\') {
        s += this.advance();
        continue;
      }
      this.advance();
      const e = this.peek();
      if (e === undefined) throw this.unterminated(loc, '"');
      if (e === '\n') {
        this.advance();
        continue;
      }
      if (e === '\r' && this.peek(1) === '\n') {
        this.advance();
        this.advance();
        continue;
      }
      this.advance();
      switch (e) {
        case 'a':
          s += '\x07';
          break;
        case 'n':
          s += '\n';
          break;
        case 'r':
          s += '\r';
          break;
        case 't':
          s += '\t';
          break;
        case 'v':
          s += '\v';
          break;
        case 'x': {
          let h = '';
          while (h.length < 2 && /[0-9a-fA-F]/.test(this.peek() ?? '')) h += this.advance();
          s += h ? String.fromCharCode(parseInt(h, 16)) : 'x';
          break;
        }
        case 'o': {
          let o = '';
          while (o.length < 3 && /[0-7]/.test(this.peek() ?? '')) o += this.advance();
          s += o ? String.fromCharCode(parseInt(o, 8) & 0xff) : 'o';
          break;
        }
        default:
          s += e;
      }
    }
    if (multiline) this.noteMultiline(loc, '"');
    return { kind: 'string', text: s, quote: '"', loc, chain: this.chain };
  }

  private singleQuoted(loc: SourceLocation): Token {
    this.advance();
    let s = '';
    let multiline = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.unterminated(loc, "'");
      if (c === "'") {
        this.advance();
        break;
      }
      if (c === '\n' && !this.inVirtual()) multiline = true;
      if (c === '`' && !this.inVirtual()) {
        const at = this.here();
        const { name, span } = this.readReference();
        const v = this.valueOf(name);
        if (v.includes("'")) throw this.error('cannot represent apostrophes within apostroph-enclosed string', at);
        s += v;
        for (let i = 0; i < span; i++) this.advance();
        continue;
      }
      s += this.advance();
    }
    if (multiline) this.noteMultiline(loc, "'");
    return { kind: 'string', text: s, quote: "'", loc, chain: this.chain };
  }

  private noteMultiline(loc: SourceLocation, quote: '"' | "'"): void {
    this.firstMultiline ??= { loc, quote, endLine: this.line };
  }

  /**
   * The end of the file inside a string. Reported where a string opened (as
   * syslog-ng does), with the missing quote named: the string that opened
   * here when it is the only suspect, else the first one that ran over a
   * line break, since a missing quote makes it swallow text up to the next
   * quote and shifts every string after it, so that the one left open at
   * the end is only a symptom.
   */
  private unterminated(open: SourceLocation, quote: '"' | "'"): ConfigError {
    const first = this.firstMultiline;
    if (!first) {
      return this.error(`unterminated string literal: the ${quote} opened here is never closed`, open, undefined, `add the missing closing ${quote} where the string should end`);
    }
    return this.error(
      `unterminated string literal: the string opened here runs on to line ${first.endLine}, and the one opened at ${open.line}:${open.column} is still open at the end of the file`,
      first.loc,
      undefined,
      `the closing ${first.quote} of the string opened here (line ${first.loc.line}) is probably missing`,
    );
  }

  private pragma(): Token {
    const loc = this.here();
    this.advance();
    let name = '';
    while (isWordChar(this.peek())) name += this.advance();
    if (name === '') throw this.error('syntax error, pragma name expected after @', loc);
    this.pragmaMode = true;
    const args: Token[] = [];
    try {
      for (;;) {
        const t = this.next();
        if (t.kind === 'eof') break;
        args.push(t);
      }
    } finally {
      this.pragmaMode = false;
    }
    return { kind: 'pragma', text: name, loc, chain: this.chain, args };
  }
}
