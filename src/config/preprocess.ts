/**
 * `@` directives (config-language.md §2): runs the lexer over the main file
 * and every `@include`d file in order, executes `@define`, `@version`,
 * `@requires`, `@module`, `@config-id`, and hands the parser one flat token
 * list. Each token remembers its own file and include chain.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceLocation } from '../core/location.ts';
import { formatWarning, type IncludeFrame } from './errors.ts';
import { Lexer, type Token } from './lexer.ts';
import { describeErrno } from './errno.ts';

export const CURRENT_VERSION = '4.27';
/** last config version with a semantic change (compatibility mode below it) */
const LAST_SEMANTIC_CHANGE = '4.26';
const MAX_INCLUDE_DEPTH = 32;

/** Modules logferry provides (what `@module`/`@requires` may name). */
export const AVAILABLE_MODULES = ['afsocket', 'affile', 'syslogformat', 'basicfuncs'] as const;
const MODULES = new Set<string>(AVAILABLE_MODULES);

export const DEFAULT_INCLUDE_PATH = ['/etc/syslog-ng', '/usr/share/syslog-ng/include'];

export interface PreprocessOptions {
  defines?: Record<string, string>;
  includePath?: string[];
}

export interface Preprocessed {
  tokens: Token[];
  version: { value: string; loc: SourceLocation } | undefined;
  configId: string | undefined;
  defines: Map<string, string>;
  warnings: string[];
  /** lines of every file read, for error excerpts */
  texts: Map<string, string[]>;
}

export function versionCompare(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

class Preprocessor {
  readonly out: Preprocessed;
  private readonly mainDir: string;
  private readonly optIncludePath: string[] | undefined;
  private contentSeen = false;

  constructor(mainFile: string, opts: PreprocessOptions) {
    this.mainDir = path.dirname(path.resolve(mainFile));
    this.optIncludePath = opts.includePath;
    this.out = {
      tokens: [],
      version: undefined,
      configId: undefined,
      defines: new Map(Object.entries(opts.defines ?? {})),
      warnings: [],
      texts: new Map(),
    };
  }

  private lookup = (name: string): string | undefined => this.out.defines.get(name) ?? process.env[name];

  private warn(loc: SourceLocation, text: string): void {
    this.out.warnings.push(formatWarning(loc, text));
  }

  /** Lexes one file's text; returns false when `@requires` asked to skip it. */
  run(text: string, file: string, chain: IncludeFrame[]): void {
    this.out.texts.set(file, text.split('\n'));
    const lx = new Lexer(text, file, this.lookup, chain);
    const startLen = this.out.tokens.length;
    for (;;) {
      const t = lx.next();
      if (t.kind === 'eof') return;
      if (t.kind !== 'pragma') {
        this.contentSeen = true;
        this.out.tokens.push(t);
        continue;
      }
      const keep = this.pragma(lx, t, chain);
      if (!keep) {
        this.out.tokens.length = startLen;
        return;
      }
    }
  }

  private argText(lx: Lexer, t: Token | undefined, what: string, at: SourceLocation): string {
    if (!t || (t.kind !== 'string' && t.kind !== 'word' && t.kind !== 'number' && t.kind !== 'float')) {
      throw lx.error(`syntax error, ${what} expected`, t?.loc ?? at);
    }
    return t.text;
  }

  /** Executes one pragma; false = skip the rest of this file. */
  private pragma(lx: Lexer, t: Token, chain: IncludeFrame[]): boolean {
    const args = t.args ?? [];
    const name = t.text.replace(/_/g, '-');
    const afterColon = args[0]?.kind === ':' ? args.slice(1) : args;
    switch (name) {
      case 'version': {
        const v = this.argText(lx, afterColon[0], 'version number', t.loc);
        if (this.out.version) {
          this.warn(t.loc, 'The @version directive must be placed at the top of the configuration; only the first one is used');
          return true;
        }
        if (this.contentSeen) {
          this.warn(t.loc, 'The @version directive must be placed at the top of the configuration, before any statements');
        }
        const value = v === 'current' ? CURRENT_VERSION : v;
        if (!/^\d+\.\d+$/.test(value)) throw lx.error(`Invalid @version value; version='${v}'`, afterColon[0].loc);
        if (versionCompare(value, '3.0') < 0) {
          throw lx.error(`Configuration file format is too old, versions before 3.0 are not supported; version='${v}'`, afterColon[0].loc);
        }
        if (versionCompare(value, CURRENT_VERSION) > 0) {
          this.warn(t.loc, `Configuration file format is newer than the current version, please specify the current version number ('${CURRENT_VERSION}') in the @version directive; logferry will operate at its highest supported version`);
          this.out.version = { value: CURRENT_VERSION, loc: t.loc };
          return true;
        }
        if (versionCompare(value, LAST_SEMANTIC_CHANGE) < 0) {
          this.warn(t.loc, `Configuration file format is too old, running in compatibility mode; config-version='${value}', current='${CURRENT_VERSION}'`);
        }
        this.out.version = { value, loc: t.loc };
        return true;
      }
      case 'config-id': {
        this.out.configId = this.argText(lx, afterColon[0], 'config id string', t.loc);
        return true;
      }
      case 'define': {
        const key = this.argText(lx, args[0], 'name after @define', t.loc);
        const value = this.argText(lx, args[1], `value for @define ${key}`, args[0].loc);
        this.out.defines.set(key, value);
        return true;
      }
      case 'module': {
        const mod = this.argText(lx, args[0], 'module name', t.loc);
        if (!MODULES.has(mod)) throw lx.error(`logferry does not implement the ${mod} module; available modules: ${[...MODULES].join(', ')}`, args[0].loc);
        return true;
      }
      case 'requires': {
        const mod = this.argText(lx, args[0], 'module name', t.loc);
        if (MODULES.has(mod)) return true;
        const message = args[1] ? this.argText(lx, args[1], 'message', args[0].loc) : undefined;
        if (message === undefined && chain.length > 0) return false;
        throw lx.error(`Cannot load required module; module='${mod}'${message ? `, message='${message}'` : ''}`, args[0].loc);
      }
      case 'include': {
        const target = this.argText(lx, args[0], 'file name after @include', t.loc);
        if (chain.length + 1 > MAX_INCLUDE_DEPTH) throw lx.error(`Include file depth is too deep, increase the limit or check for an include loop; depth='${MAX_INCLUDE_DEPTH}'`, t.loc);
        const frame: IncludeFrame = { file: lx.file, line: t.loc.line, column: t.loc.column };
        const childChain = [...chain, frame];
        for (const f of this.resolveInclude(lx, target, args[0].loc)) {
          let text: string;
          try {
            text = fs.readFileSync(f, 'utf8');
          } catch (e) {
            throw lx.error(`Error opening include file; filename='${f}', error='${describeErrno(e)}'`, args[0].loc);
          }
          this.run(text, f, childChain);
        }
        return true;
      }
      default:
        throw lx.error(`Unknown pragma @${t.text}`, t.loc, ['@version', '@include', '@define', '@requires', '@module', '@config-id']);
    }
  }

  private includePath(): string[] {
    const defined = this.out.defines.get('include-path');
    if (defined !== undefined) return defined.split(':').filter((p) => p !== '');
    return this.optIncludePath ?? [this.mainDir, ...DEFAULT_INCLUDE_PATH];
  }

  /** The files an `@include` argument stands for, in include order. */
  private resolveInclude(lx: Lexer, target: string, loc: SourceLocation): string[] {
    const isGlob = /[*?[]/.test(target);
    const bases = path.isAbsolute(target) ? [target] : this.includePath().map((d) => path.join(d, target));
    for (const candidate of bases) {
      if (isGlob) {
        const found = globFiles(candidate);
        if (found.length > 0) return found;
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(candidate);
      } catch {
        continue;
      }
      if (st.isDirectory()) return includeDirFiles(candidate);
      return [candidate];
    }
    if (isGlob) return [];
    throw lx.error(`Include file/directory not found; filename='${target}', include-path='${this.includePath().join(':')}'`, loc);
  }
}

const INCLUDE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Regular files of a directory that an `@include` of the directory takes, sorted bytewise. */
export function includeDirFiles(dir: string): string[] {
  const names = fs.readdirSync(dir).filter((n) => INCLUDE_NAME.test(n) && !n.startsWith('.'));
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out: string[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      if (fs.statSync(p).isFile()) out.push(p);
    } catch {
      // vanished or dangling link: nothing to include
    }
  }
  return out;
}

function globFiles(pattern: string): string[] {
  let matches: string[];
  try {
    matches = fs.globSync(pattern);
  } catch {
    return [];
  }
  const files = matches.filter((m) => {
    try {
      return fs.statSync(m).isFile();
    } catch {
      return false;
    }
  });
  files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return files;
}

export function preprocess(text: string, file: string, opts: PreprocessOptions = {}): Preprocessed {
  const p = new Preprocessor(file, opts);
  p.run(text, file, []);
  return p.out;
}
