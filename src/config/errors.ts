/**
 * Configuration errors a user sees: always a file:line:col, the offending line
 * with a caret, and the chain of `@include`s that led there. No stack traces.
 */
import type { SourceLocation } from '../core/location.ts';

/** One step of the include chain: the `@include` at file:line pulled the next file in. */
export interface IncludeFrame {
  file: string;
  line: number;
  column: number;
}

export class ConfigError extends Error {
  readonly loc: SourceLocation | undefined;
  /** outermost include first */
  readonly includeChain: IncludeFrame[];
  /** what the parser would have accepted at `loc`, when it knows */
  readonly expected: string[] | undefined;
  /** the source line `loc` points into, captured while the text was at hand */
  sourceLine: string | undefined;
  /** how to fix it, when the parser can tell (printed on its own line) */
  readonly hint: string | undefined;

  constructor(
    message: string,
    loc: SourceLocation | undefined,
    opts: { includeChain?: IncludeFrame[]; expected?: string[]; sourceLine?: string; hint?: string } = {},
  ) {
    super(message);
    this.name = 'ConfigError';
    this.loc = loc;
    this.includeChain = opts.includeChain ?? [];
    this.expected = opts.expected;
    this.sourceLine = opts.sourceLine;
    this.hint = opts.hint;
  }
}

/**
 * Renders an error the way a user should read it:
 *
 *   Error in /etc/logferry.conf:12:9: Unknown flag "foo"
 *     12 | source s { network(flags(foo)); };
 *        |                          ^
 *   expected one of: ...
 *   hint: ...
 *   included from /etc/main.conf:3
 */
export function formatConfigError(err: ConfigError): string {
  const out: string[] = [];
  const loc = err.loc;
  out.push(loc ? `Error in ${loc.file}:${loc.line}:${loc.column}: ${err.message}` : `Error: ${err.message}`);
  if (loc && err.sourceLine !== undefined) {
    const num = String(loc.line);
    const pad = ' '.repeat(num.length);
    const line = err.sourceLine.replace(/\r$/, '');
    // keep tabs so the caret lines up under tab-indented text
    const lead = Array.from(line.slice(0, Math.max(0, loc.column - 1)))
      .map((c) => (c === '\t' ? '\t' : ' '))
      .join('');
    out.push(`  ${num} | ${line}`);
    out.push(`  ${pad} | ${lead}^`);
  }
  if (err.expected && err.expected.length > 0) {
    out.push(err.expected.length === 1 ? `expected ${err.expected[0]}` : `expected one of: ${err.expected.join(', ')}`);
  }
  if (err.hint) out.push(`hint: ${err.hint}`);
  for (let i = err.includeChain.length - 1; i >= 0; i--) {
    const f = err.includeChain[i];
    out.push(`included from ${f.file}:${f.line}`);
  }
  return out.join('\n');
}

/** A non-fatal finding, rendered `file:line:col: WARNING: text`. */
export function formatWarning(loc: SourceLocation | undefined, text: string): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}: WARNING: ${text}` : `WARNING: ${text}`;
}
