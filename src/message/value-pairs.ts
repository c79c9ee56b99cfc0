/**
 * syslog-ng value-pairs: which name-value pairs and macros a `$(format-json …)`
 * (or any value-pairs user) sees, under which names, in which order.
 * Follows lib/value-pairs/{value-pairs,cmdline,transforms}.c: scopes, `--key`
 * / `--exclude` globs (last matching one wins), `--pair`, rekeying
 * (`--rekey`, `--shift`, `--add-prefix`, `--replace-prefix`, …), and the
 * result sorted in *descending* byte order, which is what syslog-ng emits.
 */
import type { LogMessage } from './log-message.ts';
import { allMacroNames, lookupMacro, resolveName } from './macros.ts';
import type { MacroContext, MacroFn, ValueType } from './macros.ts';

export const Scope = {
  NV_PAIRS: 0x01,
  DOT_NV_PAIRS: 0x02,
  RFC3164: 0x04,
  RFC5424: 0x08,
  ALL_MACROS: 0x10,
  SELECTED_MACROS: 0x20,
  SDATA: 0x40,
  EVERYTHING: 0x7f,
} as const;

const scopeNames: Record<string, number> = {
  'nv-pairs': Scope.NV_PAIRS,
  'dot-nv-pairs': Scope.DOT_NV_PAIRS,
  'all-nv-pairs': Scope.NV_PAIRS | Scope.DOT_NV_PAIRS,
  rfc3164: Scope.RFC3164,
  core: Scope.RFC3164,
  base: Scope.RFC3164,
  rfc5424: Scope.RFC5424,
  'syslog-proto': Scope.RFC5424,
  'all-macros': Scope.ALL_MACROS,
  'selected-macros': Scope.SELECTED_MACROS,
  sdata: Scope.SDATA,
  everything: Scope.EVERYTHING,
};

const rfc3164Set = ['FACILITY', 'PRIORITY', 'HOST', 'PROGRAM', 'PID', 'MESSAGE', 'DATE'];
const rfc5424Set = ['MSGID'];
const selectedSet = ['TAGS', 'SOURCEIP', 'SEQNUM'];

/** A glob as GLib's GPatternSpec reads it: `*` and `?` only, matching the whole string. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', 'u');
}

type KeyTransform = (key: string) => string;

interface TransformSet {
  glob: RegExp;
  fns: KeyTransform[];
}

export interface PairTemplate {
  format(msg: LogMessage, opts: MacroContext): string;
  readonly type: ValueType;
}

interface Pattern {
  re: RegExp;
  include: boolean;
}

interface Builtin {
  name: string;
  fn: MacroFn;
  type: ValueType;
}

export interface ValuePairsConfig {
  scopes: number;
  patterns: Pattern[];
  pairs: Array<{ name: string; tmpl: PairTemplate; explicitType: boolean }>;
  transforms: TransformSet[];
  omitEmpty: boolean;
  castToStrings: boolean;
}

export class ValuePairsError extends Error {}

export function replacePrefix(oldPrefix: string, newPrefix: string): KeyTransform {
  return (k) => (k.startsWith(oldPrefix) ? newPrefix + k.slice(oldPrefix.length) : k);
}

/**
 * Parses value-pairs command-line arguments (GOption style: `--opt value`,
 * `--opt=value`, short `-s value`). `extra` handles options of the caller
 * (format-json's `--leave-initial-dot`, `--key-delimiter`); it returns the
 * number of arguments it consumed (0 = not its option).
 */
export function parseValuePairsArgs(
  argv: string[],
  compilePair: (text: string) => { tmpl: PairTemplate; explicitType: boolean },
  extra: (name: string, value: () => string) => boolean,
  castDefault: boolean,
): ValuePairsConfig {
  const cfg: ValuePairsConfig = { scopes: 0, patterns: [], pairs: [], transforms: [], omitEmpty: false, castToStrings: castDefault };
  let curKey: string | undefined;
  let curSet: TransformSet | undefined;
  const remaining: string[] = [];

  const finish = () => {
    if (curSet) cfg.transforms.push(curSet);
    curSet = undefined;
    curKey = undefined;
  };
  const startKey = (k: string) => {
    finish();
    curKey = k;
  };
  const needSet = (opt: string): TransformSet => {
    if (curSet) return curSet;
    if (curKey === undefined) throw new ValuePairsError(`Error parsing value-pairs: --${opt} used without --key or --rekey`);
    const set = { glob: globToRegExp(curKey), fns: [] };
    finish();
    curSet = set;
    return set;
  };
  const addKeys = (v: string) => {
    startKey(v);
    for (const k of v.split(',')) cfg.patterns.push({ re: globToRegExp(k), include: true });
  };
  const addPair = (v: string) => {
    finish();
    const eq = v.indexOf('=');
    if (eq < 0) throw new ValuePairsError('Error parsing value-pairs: expected an equal sign in key=value pair');
    const { tmpl, explicitType } = compilePair(v.slice(eq + 1));
    cfg.pairs.push({ name: v.slice(0, eq), tmpl, explicitType });
  };
  const positiveInt = (v: string, opt: string): number => {
    const n = /^\s*[+-]?(0x[0-9a-f]+|\d+)$/i.test(v) ? Number.parseInt(v, /0x/i.test(v) ? 16 : 10) : NaN;
    if (!(n > 0)) throw new ValuePairsError(`Error parsing value-pairs, argument to --${opt} is not numeric or not a positive number`);
    return n;
  };

  const short: Record<string, string> = { s: 'scope', x: 'exclude', k: 'key', r: 'rekey', p: 'pair', S: 'shift', A: 'add-prefix', R: 'replace-prefix' };
  const noArg = new Set(['upper', 'lower', 'cast', 'no-cast', 'auto-cast', 'omit-empty-values', 'include-bytes']);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      remaining.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else if (arg.length > 1 && arg[0] === '-' && short[arg[1]]) {
      name = short[arg[1]];
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    } else if (arg.length > 1 && arg[0] === '-') {
      throw new ValuePairsError(`Unknown option ${arg}`);
    } else {
      remaining.push(arg);
      continue;
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new ValuePairsError(`Missing argument for --${name}`);
      return argv[++i];
    };
    if (noArg.has(name) && inline !== undefined) throw new ValuePairsError(`Option --${name} does not take an argument`);
    switch (name) {
      case 'scope':
        finish();
        for (const s of value().split(',')) {
          if (s === 'none') cfg.scopes = 0;
          else if (scopeNames[s] !== undefined) cfg.scopes |= scopeNames[s];
          else throw new ValuePairsError(`Error parsing value-pairs: unknown scope ${s}`);
        }
        break;
      case 'exclude':
        finish();
        for (const k of value().split(',')) cfg.patterns.push({ re: globToRegExp(k), include: false });
        break;
      case 'key':
        addKeys(value());
        break;
      case 'rekey':
        startKey(value());
        break;
      case 'pair':
        addPair(value());
        break;
      case 'upper':
        needSet('upper').fns.push((k) => k.replace(/[a-z]+/g, (s) => s.toUpperCase()));
        break;
      case 'lower':
        needSet('lower').fns.push((k) => k.replace(/[A-Z]+/g, (s) => s.toLowerCase()));
        break;
      case 'shift': {
        const n = positiveInt(value(), 'shift');
        needSet('shift').fns.push((k) => k.slice(n));
        break;
      }
      case 'shift-levels': {
        const n = positiveInt(value(), 'shift-levels');
        needSet('shift-levels').fns.push((k) => {
          let dot = k.indexOf('.');
          for (let left = n - 1; dot >= 0 && left > 0; left--) dot = k.indexOf('.', dot + 1);
          return dot >= 0 ? k.slice(dot + 1) : k;
        });
        break;
      }
      case 'add-prefix': {
        const p = value();
        needSet('add-prefix').fns.push((k) => p + k);
        break;
      }
      case 'replace-prefix':
      case 'replace': {
        const v = value();
        const set = needSet('replace-prefix');
        const eq = v.indexOf('=');
        if (eq < 0) throw new ValuePairsError('Error parsing value-pairs: rekey replace-prefix construct should be in the format string=replacement');
        set.fns.push(replacePrefix(v.slice(0, eq), v.slice(eq + 1)));
        break;
      }
      case 'subkeys': {
        const v = value();
        if (!v) throw new ValuePairsError('Error parsing value-pairs: --subkeys requires a non-empty argument');
        cfg.patterns.push({ re: globToRegExp(v + '*'), include: true });
        startKey(v + '*');
        needSet('subkeys').fns.push(replacePrefix(v, ''));
        break;
      }
      case 'omit-empty-values':
        cfg.omitEmpty = true;
        break;
      case 'cast':
        cfg.castToStrings = true;
        break;
      case 'no-cast':
        cfg.castToStrings = false;
        break;
      case 'auto-cast':
      case 'include-bytes':
        break;
      default:
        if (!extra(name, value)) throw new ValuePairsError(`Unknown option --${name}`);
    }
  }
  // GOption hands over the leftover words after all options were processed
  for (const r of remaining) {
    if (r.includes('=')) addPair(r);
    else addKeys(r);
  }
  finish();
  return cfg;
}

function included(patterns: Pattern[], name: string, initial: boolean): boolean {
  let inc = initial;
  for (const p of patterns) if (p.re.test(name)) inc = p.include;
  return inc;
}

function builtinsFor(cfg: ValuePairsConfig): Builtin[] {
  const out: Builtin[] = [];
  const add = (names: string[], initial: boolean) => {
    for (const n of names) {
      if (!included(cfg.patterns, n, initial)) continue;
      out.push({ name: n, fn: resolveName(n), type: lookupMacro(n)?.type ?? 'string' });
    }
  };
  if (cfg.patterns.length > 0) add(allMacroNames(), false);
  if (cfg.scopes & (Scope.RFC3164 | Scope.RFC5424 | Scope.SELECTED_MACROS)) add(rfc3164Set, true);
  if (cfg.scopes & Scope.RFC5424) add(rfc5424Set, true);
  if (cfg.scopes & Scope.SELECTED_MACROS) add(selectedSet, true);
  if (cfg.scopes & Scope.ALL_MACROS) add(allMacroNames(), true);
  return out;
}

/** Fields that sources keep in `values` but syslog-ng computes as macros: not name-value pairs. */
function isMacroBacked(name: string): boolean {
  return name !== 'PEERIP' && name !== 'PEERPORT' && lookupMacro(name) !== undefined;
}

const coreFields: Array<[string, (m: LogMessage) => string]> = [
  ['HOST', (m) => m.host],
  ['HOST_FROM', (m) => m.hostFrom],
  ['MESSAGE', (m) => m.message],
  ['PROGRAM', (m) => m.program],
  ['PID', (m) => m.pid],
  ['MSGID', (m) => m.msgid],
  ['SOURCE', (m) => m.sourceName],
  ['LEGACY_MSGHDR', (m) => m.legacyMsghdr],
  ['MSGFORMAT', (m) => m.msgformat],
];

/** Every name-value pair set on the message, the way syslog-ng's nv-table holds them. */
export function forEachNvPair(msg: LogMessage, cb: (name: string, value: string, sdata: boolean) => void): void {
  for (const [n, get] of coreFields) {
    const v = get(msg);
    if (v !== '') cb(n, v, false);
  }
  for (const [k, v] of msg.values) if (!isMacroBacked(k)) cb(k, v, k.startsWith('.SDATA.'));
  for (const el of msg.sd) for (const [p, v] of el.params) cb('.SDATA.' + el.id + '.' + p, v, true);
}

export interface VpResult {
  name: string;
  value: string;
  type: ValueType;
}

export class ValuePairs {
  readonly cfg: ValuePairsConfig;
  private readonly builtins: Builtin[];
  private readonly scanNv: boolean;

  constructor(cfg: ValuePairsConfig) {
    this.cfg = cfg;
    this.builtins = builtinsFor(cfg);
    this.scanNv = (cfg.scopes & (Scope.NV_PAIRS | Scope.DOT_NV_PAIRS | Scope.SDATA | Scope.RFC5424)) !== 0 || cfg.patterns.length > 0;
  }

  private rename(name: string): string {
    let k = name;
    for (const t of this.cfg.transforms) if (t.glob.test(k)) for (const f of t.fns) k = f(k);
    return k;
  }

  /** The selected pairs, renamed, sorted in descending byte order (syslog-ng's walk order). */
  collect(msg: LogMessage, ctx: MacroContext): VpResult[] {
    const cfg = this.cfg;
    const res = new Map<string, VpResult>();
    const put = (name: string, value: string, type: ValueType) => {
      const k = this.rename(name);
      const old = res.get(k);
      // a later value replaces an earlier one under the same name, the key keeps its first spelling
      if (old) {
        old.value = value;
        old.type = type;
      } else res.set(k, { name: k, value, type });
    };
    if (this.scanNv) {
      const scopes = cfg.scopes;
      forEachNvPair(msg, (name, value, sdata) => {
        if (cfg.omitEmpty && value === '') return;
        let inc =
          (name[0] === '.' && (scopes & Scope.DOT_NV_PAIRS) !== 0) ||
          (name[0] !== '.' && (scopes & Scope.NV_PAIRS) !== 0) ||
          (sdata && (scopes & (Scope.SDATA | Scope.RFC5424)) !== 0);
        for (const p of cfg.patterns) if (p.re.test(name)) inc = p.include;
        if (inc) put(name, value, 'string');
      });
    }
    for (const b of this.builtins) {
      const v = b.fn(msg, ctx);
      if (v === '') continue;
      put(b.name, v, cfg.castToStrings ? 'string' : b.type);
    }
    for (const p of cfg.pairs) {
      const v = p.tmpl.format(msg, ctx);
      if (cfg.omitEmpty && v === '') continue;
      put(p.name, v, cfg.castToStrings && !p.explicitType ? 'string' : p.tmpl.type);
    }
    const out = [...res.values()];
    out.sort((a, b) => compareBytes(b.name, a.name));
    return out;
  }
}

/** strcmp order on the UTF-8 bytes */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x < 0x80 && y < 0x80) return x - y;
      return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'));
    }
  }
  return a.length - b.length;
}
