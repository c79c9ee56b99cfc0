/** How the command line ends on an error: one sentence on stderr and an exit code, a stack only with --debug. */
import { ConfigError, formatConfigError } from '../config/errors.ts';

export function fail(code: number, text: string): never {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  process.exit(code);
}

export function describeError(err: unknown, debug: boolean): string {
  if (err instanceof ConfigError) return formatConfigError(err);
  const e = err as Error;
  return `logferry: ${e?.message ?? String(err)}` + (debug && e?.stack ? `\n${e.stack}` : '');
}
