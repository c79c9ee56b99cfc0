/**
 * Public API of the configuration layer: syslog-ng configuration text in,
 * validated Plan out (or a ConfigError that names file:line:col).
 */
import * as fs from 'node:fs';
import type { Plan } from './plan.ts';
import { ConfigError } from './errors.ts';
import { describeErrno } from './errno.ts';
import { preprocess } from './preprocess.ts';
import { Parser } from './parser.ts';
import { Compiler } from './compile.ts';

export type { Plan } from './plan.ts';
export * from './plan.ts';
export type * from './settings/index.ts';
export { ConfigError, formatConfigError, type IncludeFrame } from './errors.ts';
export * as schemas from './schema/index.ts';
export { DRIVERS, ALL_SCHEMAS } from './schema/index.ts';
export { CURRENT_VERSION } from './preprocess.ts';

export interface LoadOptions {
  /** values for backtick references, as if written with @define before the text */
  defines?: Record<string, string>;
  /** where relative `@include`s are searched (default: the config's directory, /etc/syslog-ng, /usr/share/syslog-ng/include) */
  includePath?: string[];
}

/** Compiles configuration text; `fileName` is used in locations and for relative includes. */
export function parseConfigText(text: string, fileName: string, opts: LoadOptions = {}): Plan {
  const pre = preprocess(text, fileName, opts);
  const stmts = new Parser(pre.tokens, pre.texts).parseConfig();
  return new Compiler(pre, fileName).compile(stmts);
}

/** Reads and compiles a configuration file. Throws ConfigError. */
export function loadConfig(file: string, opts: LoadOptions = {}): Plan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Error opening configuration file; filename='${file}', error='${describeErrno(e)}'`, undefined);
  }
  return parseConfigText(text, file, opts);
}
