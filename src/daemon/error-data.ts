/** Errors cross the thread boundary as data; a config error must still render with its file:line:col and caret. */
import { ConfigError } from '../config/errors.ts';
import type { ErrorData } from './protocol.ts';

export function errorToData(err: unknown): ErrorData {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const d: ErrorData = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof ConfigError) {
    d.loc = err.loc;
    d.sourceLine = err.sourceLine;
    d.includeChain = err.includeChain;
    d.expected = err.expected;
    d.hint = err.hint;
  }
  return d;
}

export function errorFromData(d: ErrorData): Error {
  const err =
    d.name === 'ConfigError'
      ? new ConfigError(d.message, d.loc, { sourceLine: d.sourceLine, includeChain: d.includeChain, expected: d.expected, hint: d.hint })
      : Object.assign(new Error(d.message), { name: d.name });
  if (d.stack) err.stack = d.stack;
  return err;
}
