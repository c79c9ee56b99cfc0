/**
 * `$(format-json …)` and `$(format-flat-json …)`: value-pairs rendered as
 * JSON exactly as syslog-ng's modules/json/format-json.c does it — keys in
 * descending order, dotted names nested into objects (`.SDATA.a@1.b` ⇒
 * `{"_SDATA":{"a@1":{"b":…}}}`, the leading dot becoming `_` unless
 * `--leave-initial-dot`), strings escaped per RFC 8259 with `\u00XX` for
 * other control characters and everything else (including `/` and non-ASCII)
 * written as is.
 */
import { backslashEscape } from './escape.ts';
import type { LogMessage } from './log-message.ts';
import type { MacroContext, ValueType } from './macros.ts';
import { ValuePairs, ValuePairsError, parseValuePairsArgs, replacePrefix, globToRegExp } from './value-pairs.ts';
import type { PairTemplate, VpResult } from './value-pairs.ts';

// syslog-ng casts everything to strings for @version < 4.0 configurations
let castByDefault = false;

/**
 * Whether value-pairs output loses its types by default (`--cast`), as
 * syslog-ng does for configurations with `@version` below 4.0. Set by the
 * config compiler before it compiles templates.
 */
export function setValuePairsCastDefault(cast: boolean): void {
  castByDefault = cast;
}

export function jsonEscape(s: string): string {
  return /["\\\x00-\x1f]/.test(s) ? backslashEscape(s, true, 'u') : s;
}

/** `%.17g`, which is what g_ascii_dtostr prints */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mant, e] = d.toExponential(16).split('e');
  const x = Number(e);
  if (x < -4 || x >= 17) {
    const m = mant.replace(/\.?0+$/, '');
    return m + 'e' + (x < 0 ? '-' : '+') + String(Math.abs(x)).padStart(2, '0');
  }
  const fixed = d.toFixed(16 - x);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function parseInt64(v: string): string | undefined {
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(v);
  if (!m) return undefined;
  try {
    return BigInt(m[1] === '-' ? '-' + m[2] : m[2]).toString();
  } catch {
    return undefined;
  }
}

/** Items of a syslog-ng list value (`a,"b,c",'d'`). */
export function scanList(v: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < v.length) {
    let item = '';
    const q = v[i];
    if (q === '"' || q === "'") {
      i++;
      while (i < v.length && v[i] !== q) {
        if (v[i] === '\\' && i + 1 < v.length) {
          const n = v[++i];
          if (n === 'n') item += '\n';
          else if (n === 't') item += '\t';
          else if (n === 'r') item += '\r';
          else if (n === 'b') item += '\b';
          else if (n === 'f') item += '\f';
          else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
            item += String.fromCharCode(Number.parseInt(v.slice(i + 1, i + 3), 16));
            i += 2;
          } else item += n;
          i++;
        } else item += v[i++];
      }
      i++;
      while (i < v.length && v[i] !== ',') i++;
    } else {
      while (i < v.length && v[i] !== ',') item += v[i++];
    }
    out.push(item);
    i++;
  }
  return out;
}

/** `"name":value`, or undefined when the value does not fit its type (syslog-ng drops the whole output then). */
function renderValue(type: ValueType, value: string): string | undefined {
  switch (type) {
    case 'json':
      return value;
    case 'list':
      return '[' + scanList(value).map((s) => '"' + jsonEscape(s) + '"').join(',') + ']';
    case 'integer':
      return parseInt64(value);
    case 'double': {
      const t = value.trim();
      const d = t === '' ? NaN : Number(t);
      return Number.isNaN(d) && !/^[+-]?nan$/i.test(t) ? undefined : formatDouble(d);
    }
    case 'boolean': {
      const c = value[0];
      if (c === 't' || c === 'T' || c === '1') return 'true';
      if (c === 'f' || c === 'F' || c === '0') return 'false';
      return undefined;
    }
    case 'null':
      return 'null';
    default:
      return '"' + jsonEscape(value) + '"';
  }
}

/** Splits a name into path tokens the way syslog-ng's value-pairs walker does. */
export function splitKey(name: string, delim: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  let end = 0;
  const n = name.length;
  if (delim === '.') {
    while (end < n) {
      const c = name[end];
      if (c === '@') {
        // `@1234.5.6` (an SD enterprise number) stays inside the token
        do {
          end++;
          while (end < n && name[end] >= '0' && name[end] <= '9') end++;
        } while (name[end] === '.' && name[end + 1] !== undefined && name[end + 1] >= '0' && name[end + 1] <= '9');
      } else if (c === '.' && start !== end) {
        tokens.push(name.slice(start, end));
        end++;
        start = end;
      } else {
        end++;
        while (end < n && name[end] !== '@' && name[end] !== '.') end++;
      }
    }
  } else {
    while (end < n) {
      if (name[end] === delim && start !== end) {
        tokens.push(name.slice(start, end));
        end++;
        start = end;
      } else {
        const sep = name.indexOf(delim, end + 1);
        end = sep >= 0 ? sep : n;
      }
    }
  }
  if (start !== end) tokens.push(name.slice(start, end));
  return tokens;
}

/** Renders sorted results as nested JSON (syslog-ng's stack walk, quirks included). */
export function renderNested(results: VpResult[], delim: string): string | undefined {
  let out = '{';
  let comma = false;
  const stack: string[] = []; // prefixes of open objects
  for (const r of results) {
    while (stack.length > 0) {
      // a plain prefix test, as syslog-ng does: no check for the delimiter after it
      if (r.name.startsWith(stack[stack.length - 1])) break;
      stack.pop();
      out += '}';
      comma = true;
    }
    const tokens = splitKey(r.name, delim);
    if (tokens.length === 0) continue;
    for (let i = stack.length; i < tokens.length - 1; i++) {
      stack.push(tokens.slice(0, i + 1).join(delim));
      out += (comma ? ',' : '') + '"' + jsonEscape(tokens[i]) + '":{';
      comma = false;
    }
    const v = renderValue(r.type, r.value);
    if (v === undefined) return undefined;
    out += (comma ? ',' : '') + '"' + jsonEscape(tokens[tokens.length - 1]) + '":' + v;
    comma = true;
  }
  while (stack.pop() !== undefined) out += '}';
  return out + '}';
}

export function renderFlat(results: VpResult[]): string | undefined {
  let out = '{';
  for (let i = 0; i < results.length; i++) {
    const v = renderValue(results[i].type, results[i].value);
    if (v === undefined) return undefined;
    out += (i ? ',' : '') + '"' + jsonEscape(results[i].name) + '":' + v;
  }
  return out + '}';
}

export interface PreparedJson {
  call: (msg: LogMessage, ctx: MacroContext) => string;
  type: ValueType;
}

/** compiles a `--pair` value; `hinted` asks for syslog-ng type hints (`int64($X)`) to be honoured */
export type CompilePair = (text: string, hinted: boolean) => PairTemplate;

function prepare(args: string[], compile: CompilePair, flat: boolean): PreparedJson {
  let leaveInitialDot = false;
  let delim = '.';
  const cfg = parseValuePairsArgs(
    args,
    (text) => {
      const explicit = /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\([\s\S]*\)$/.test(text);
      return { tmpl: compile(text, true), explicitType: explicit };
    },
    (name, value) => {
      if (name === 'leave-initial-dot') {
        leaveInitialDot = true;
        return true;
      }
      if (name === 'key-delimiter') {
        const v = value();
        if (v.length !== 1) throw new ValuePairsError(`$(format-json) --key-delimiter only accepts a single character, found: '${v}'`);
        delim = v;
        return true;
      }
      return false;
    },
    castByDefault,
  );
  if (!leaveInitialDot && delim === '.') cfg.transforms.push({ glob: globToRegExp('.*'), fns: [replacePrefix('.', '_')] });
  const vp = new ValuePairs(cfg);
  return {
    type: 'json',
    call: (msg, ctx) => {
      const results = vp.collect(msg, ctx);
      return (flat ? renderFlat(results) : renderNested(results, delim)) ?? '';
    },
  };
}

/** Prepares `$(format-json args…)`; `compile` compiles `--pair` values (type hints allowed). */
export function prepareFormatJson(args: string[], compile: CompilePair): PreparedJson {
  return prepare(args, compile, false);
}

export function prepareFormatFlatJson(args: string[], compile: CompilePair): PreparedJson {
  return prepare(args, compile, true);
}
