/**
 * Template functions `$(name args…)`. Each is prepared once at compile time
 * from its already split argument strings and returns a closure; an unknown
 * name or bad arguments throw, and the template compiler turns that into a
 * TemplateError at the function's offset.
 */
import type { LogMessage } from './log-message.ts';
import type { MacroContext, ValueType } from './macros.ts';
import { prepareFormatFlatJson, prepareFormatJson } from './format-json.ts';

/** A compiled template as functions need it (kept structural to avoid an import cycle). */
export interface ArgTemplate {
  format(msg: LogMessage, opts: MacroContext): string;
  readonly type: ValueType;
}

/** compiles an argument; `hinted` honours a type hint around it (`int64($X)`) */
export type CompileArg = (text: string, hinted?: boolean) => ArgTemplate;

export interface PreparedFunction {
  call: (msg: LogMessage, opts: MacroContext) => string;
  type: ValueType;
}

/** Thrown by a function's preparation; the message is shown to the user as is. */
export class FunctionArgError extends Error {}

type Prepare = (args: string[], compile: CompileArg) => PreparedFunction;

function perArg(type: ValueType, map: (s: string) => string): Prepare {
  return (args, compile) => {
    const ts = args.map((a) => compile(a));
    return {
      type,
      call: (msg, opts) => {
        let out = '';
        for (let i = 0; i < ts.length; i++) out += (i ? ' ' : '') + map(ts[i].format(msg, opts));
        return out;
      },
    };
  };
}

const functions: Record<string, Prepare> = {
  echo: perArg('string', (s) => s),
  // syslog-ng counts bytes, not characters
  length: perArg('integer', (s) => String(Buffer.byteLength(s, 'utf8'))),
  uppercase: perArg('string', (s) => s.toUpperCase()),
  lowercase: perArg('string', (s) => s.toLowerCase()),
  'format-json': (args, compile) => prepareFormatJson(args, (t, h) => compile(t, h)),
  'format-flat-json': (args, compile) => prepareFormatFlatJson(args, (t, h) => compile(t, h)),
};

/** Prepares `$(name args…)`; undefined when no such function exists. */
export function prepareFunction(name: string, args: string[], compile: CompileArg): PreparedFunction | undefined {
  const p = Object.hasOwn(functions, name) ? functions[name] : undefined;
  return p ? p(args, compile) : undefined;
}

export function functionNames(): string[] {
  return Object.keys(functions);
}
