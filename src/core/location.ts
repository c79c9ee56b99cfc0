/** Where something was written in the configuration (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '<unknown>';
}

/**
 * An error in something the user configured, found after parsing (a template
 * that does not compile, a certificate that does not load). The CLI shows it
 * like a configuration error: file:line:col, the line, a caret.
 */
export class LocatedError extends Error {
  readonly loc: SourceLocation | undefined;
  constructor(message: string, loc: SourceLocation | undefined, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'LocatedError';
    this.loc = loc;
  }
}
