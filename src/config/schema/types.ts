/**
 * The shape of an option schema table. One row per option: the row alone
 * drives parsing, validation, defaults, inheritance and `--help` text.
 */
import type { OptionValue } from '../plan.ts';

export type Side = 'source' | 'destination' | 'global';

export type OptionType =
  | { kind: 'string' }
  | { kind: 'path' }
  /** a file that must exist at parse time (`File "<path>" not found: …`) */
  | { kind: 'existing-file' }
  | { kind: 'int' }
  | { kind: 'positive-int' }
  | { kind: 'non-negative-int' }
  /** bytes, size suffixes allowed (`64KiB`); `wide`: up to 2^53 instead of 2^31 (AxoSyslog's 64-bit sizes) */
  | { kind: 'size'; wide?: boolean }
  | { kind: 'float' }
  | { kind: 'yesno' }
  /**
   * one word of `values` (stored canonical). `aliases` maps other spellings to
   * a value; `fold` compares case-insensitively with `_` = `-`; `yesno` maps
   * yes/no (and numbers) to the two given values; `error` replaces the message;
   * with `fallback`, an unknown word is a warning and the fallback is used.
   */
  | { kind: 'enum'; values: readonly string[]; aliases?: Readonly<Record<string, string>>; fold?: boolean; yesno?: readonly [string, string]; error?: string; fallback?: string }
  | { kind: 'string-list' }
  /** words from `values`; unknown ⇒ `Unknown flag "<x>"` (or `error`) */
  | {
      kind: 'flags';
      values: readonly string[];
      aliases?: Readonly<Record<string, string>>;
      fold?: boolean;
      error?: string;
      /** words accepted with a warning (word ⇒ why it changes nothing in logferry) */
      noEffect?: Readonly<Record<string, string>>;
    }
  /** a template string or the name of a `template` object ⇒ TemplateSpec */
  | { kind: 'template' }
  /** nested options ⇒ OptionBlock */
  | { kind: 'block'; schema: () => OptionSchema }
  /** a string, or nested options (`cipher-suite()`) */
  | { kind: 'string-or-block'; schema: () => OptionSchema }
  /** a port number or a service name (resolved to a number) */
  | { kind: 'port' }
  /** `"key" => "value"` pairs ⇒ string[] of alternating keys and values */
  | { kind: 'pairs' }
  /** anything (only for options that are refused via `unsupported`) */
  | { kind: 'opaque' };

export interface ObsoleteName {
  name: string;
  /** what to write instead (shown in the warning) */
  change: string;
}

export interface OptionRow {
  /** canonical kebab-case name */
  name: string;
  type: OptionType;
  /** value when not written (and not inherited); absent = unset */
  default?: OptionValue;
  /** other accepted spellings, no warning */
  aliases?: readonly string[];
  /** deprecated spellings: accepted with the obsolete-keyword warning */
  obsolete?: readonly ObsoleteName[];
  /** global option this one inherits when not written */
  inherit?: string;
  /** where it may be written; absent = everywhere the schema is used */
  sides?: readonly Side[];
  /** one line for `--help` */
  doc: string;
  /** a value logferry cannot honour ⇒ the error text (undefined = fine) */
  unsupported?: (v: OptionValue) => string | undefined;
  /** extra validation ⇒ error text */
  check?: (v: OptionValue) => string | undefined;
  /**
   * accepted but has no effect: the warning text (a function: the warning for
   * this value, undefined when the value is what logferry does anyway)
   */
  ignored?: string | ((v: OptionValue) => string | undefined);
  /** a block row that is filled with its defaults even when not written */
  alwaysPresent?: boolean;
  /** deprecated: the value is stored at this path instead (e.g. ['stats', 'freq']) */
  moveTo?: readonly string[];
}

export interface OptionSchema {
  /** e.g. `network()`, `tls()`, `options {}` */
  name: string;
  rows: readonly OptionRow[];
  /** how many positional values the driver takes per side (default 0) */
  positional?: Partial<Record<Side, { min: number; max: number; what: string }>>;
}

/**
 * The row an option name selects, preferring a row valid on `side` (a name may
 * have one row per side, e.g. `port()`).
 */
export function findRow(schema: OptionSchema, name: string, side?: Side): { row: OptionRow; obsolete?: ObsoleteName } | undefined {
  let fallback: { row: OptionRow; obsolete?: ObsoleteName } | undefined;
  for (const row of schema.rows) {
    let hit: { row: OptionRow; obsolete?: ObsoleteName } | undefined;
    const ob = row.obsolete?.find((o) => o.name === name);
    if (ob) hit = { row, obsolete: ob };
    else if (row.name === name || row.aliases?.includes(name)) hit = { row };
    if (!hit) continue;
    if (side === undefined || rowValidOn(row, side)) return hit;
    fallback ??= hit;
  }
  return fallback;
}

export function rowValidOn(row: OptionRow, side: Side): boolean {
  return !row.sides || row.sides.includes(side);
}
