/**
 * One schema row as the facts a reader needs: spellings, value type, default
 * or inherited global, sides, doc, and whether logferry honours it. Every fact
 * is read from the row (and the row it inherits from), none is written here.
 */
import { findRow, globalSchema, type OptionRow, type OptionSchema, type OptionType, type Side } from '../config/schema/index.ts';
import type { OptionValue } from '../config/plan.ts';

export type OptionStateKind = 'honoured' | 'no-effect' | 'refused';

export interface OptionState {
  kind: OptionStateKind;
  /** e.g. `no effect; warns unless none` */
  label: string;
  /** the warning or error the user gets, when there is one */
  message?: string;
}

export interface OptionFacts {
  name: string;
  aliases: string[];
  /** deprecated spellings with what to write instead */
  obsolete: string[];
  type: string;
  /** the row's own default, shown as written in a config; undefined = unset */
  default?: string;
  /** `options { NAME }`, with the global default when it has one */
  inherits?: string;
  sides: Side[];
  doc: string;
  state: OptionState;
  /** the block topic a `block` row opens (`tls`, `failover`) */
  block?: string;
}

/** A value as it would be written in a config file. */
export function showValue(row: OptionRow, v: OptionValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(' ');
  // file modes are written and read in octal (perm(0640))
  if (typeof v === 'number' && row.type.kind === 'int' && /perm$/.test(row.name)) return '0' + v.toString(8);
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number') return String(v);
  return v.kind === 'block' ? '(block)' : '(template)';
}

function words(values: readonly string[], aliases?: Readonly<Record<string, string>>): string {
  const also = Object.entries(aliases ?? {}).map(([a, c]) => `${a} = ${c}`);
  return values.join(', ') + (also.length ? ` (also ${also.join(', ')})` : '');
}

export function describeType(t: OptionType): string {
  switch (t.kind) {
    case 'string': return 'string';
    case 'path': return 'path';
    case 'existing-file': return 'path of an existing file';
    case 'int': return 'integer';
    case 'positive-int': return 'integer > 0';
    case 'non-negative-int': return 'integer >= 0';
    case 'size': return 'size in bytes (64k, 2MiB allowed)';
    case 'float': return 'number';
    case 'yesno': return 'yes or no';
    case 'enum': return `one of: ${words(t.values, t.aliases)}${t.yesno && t.yesno.join() !== 'yes,no' ? `; yes = ${t.yesno[0]}, no = ${t.yesno[1]}` : ''}`;
    case 'string-list': return 'list of strings';
    case 'flags': {
      const noEffect = Object.keys(t.noEffect ?? {});
      return `words from: ${words(t.values, t.aliases)}${noEffect.length ? `; accepted with a warning, no effect: ${noEffect.join(', ')}` : ''}`;
    }
    case 'template': return 'template text or template name';
    case 'block': return `block ${t.schema().name}`;
    case 'string-or-block': return `string, or block ${t.schema().name}`;
    case 'port': return 'port number or service name';
    case 'pairs': return '"key" => "value" pairs';
    case 'opaque': return 'any';
  }
}

/** The row that judges a value: moved rows (stats-freq()) are judged where they land. */
function judgingRow(schema: OptionSchema, row: OptionRow): OptionRow {
  if (!row.moveTo) return row;
  const outer = findRow(schema, row.moveTo[0])?.row;
  const inner = outer?.type.kind === 'block' ? findRow(outer.type.schema(), row.moveTo[1])?.row : undefined;
  return inner ?? row;
}

function inheritedDefault(row: OptionRow): OptionValue | undefined {
  return row.inherit ? globalSchema.rows.find((g) => g.name === row.inherit)?.default : undefined;
}

/**
 * `ignored` and `unsupported` may depend on the value. They are tried on every
 * value of a yes/no or enum row; otherwise on the value used when the option
 * is not written, on 0 and on one more value: enough to find the one value
 * that is silent (the helpers in schema/common.ts accept exactly one).
 */
function probes(row: OptionRow): OptionValue[] {
  const t = row.type.kind;
  if (t === 'yesno') return [true, false];
  if (row.type.kind === 'enum') return [...row.type.values];
  const d = row.default ?? inheritedDefault(row);
  const numeric = t === 'int' || t === 'positive-int' || t === 'non-negative-int' || t === 'size' || t === 'float' || t === 'port';
  if (numeric) {
    const n = typeof d === 'number' ? d : 0;
    return [...new Set([n, 0, n + 1])];
  }
  return d === undefined ? ['…'] : [d, '…'];
}

function judge(row: OptionRow, kind: OptionStateKind, verdict: (v: OptionValue) => string | undefined, word: string): OptionState {
  const tried = probes(row).map((v) => ({ v, message: verdict(v) }));
  const ok = tried.filter((b) => !b.message).map((b) => showValue(row, b.v));
  const first = tried.find((b) => b.message);
  if (!first) return { kind: 'honoured', label: 'honoured' };
  return { kind, label: ok.length > 0 ? `${word} unless ${ok.join(' or ')}` : word, message: first.message };
}

export function optionState(schema: OptionSchema, row: OptionRow): OptionState {
  const r = judgingRow(schema, row);
  if (r.unsupported) {
    const refused = judge(r, 'refused', r.unsupported, 'refused');
    if (refused.kind === 'refused') return refused;
  }
  if (typeof r.ignored === 'string') return { kind: 'no-effect', label: 'no effect; warns', message: r.ignored };
  if (r.ignored) return judge(r, 'no-effect', r.ignored, 'no effect; warns');
  return { kind: 'honoured', label: 'honoured' };
}

export function optionFacts(schema: OptionSchema, row: OptionRow, topicSides: readonly Side[]): OptionFacts {
  const facts: OptionFacts = {
    name: row.name,
    aliases: [...(row.aliases ?? [])],
    obsolete: (row.obsolete ?? []).map((o) => (o.name === row.name ? `obsolete: write ${o.change}` : `${o.name} (obsolete: write ${o.change})`)),
    type: describeType(row.type),
    sides: [...(row.sides ?? topicSides)],
    doc: row.doc,
    state: optionState(schema, row),
  };
  if (row.default !== undefined) facts.default = showValue(row, row.default);
  else if (row.alwaysPresent) facts.default = '(block with its defaults)';
  // set while compiling from other options (port() from transport()): the doc line says how
  else if (!row.inherit && /\bdefault\b/.test(row.doc)) facts.default = '(see the description)';
  if (row.inherit) {
    const d = inheritedDefault(row);
    facts.inherits = `options { ${row.inherit} }` + (d === undefined ? '' : ` (default ${showValue(row, d)})`);
  }
  if (row.type.kind === 'block' || row.type.kind === 'string-or-block') facts.block = row.type.schema().name;
  return facts;
}
