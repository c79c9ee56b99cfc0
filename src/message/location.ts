/** Where something was written in the configuration (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '<unknown>';
}
