/**
 * Where each settings field comes from. Every settings interface has one such
 * table; compile fills the settings from it, and a test checks each named row
 * exists and gives the field its default.
 */
import type { SourceLocation } from '../../core/location.ts';

export type FieldSource =
  /** the driver's own row: compile already applied its default or the global it inherits */
  | { row: string }
  /** an `options {}` row the driver has no row of its own for */
  | { global: string }
  /** the driver's own row, completed by compile from other facts (`by` says which) */
  | { row: string; by: string }
  /** a positional argument (a destination's host, a file() path) */
  | { positional: number };

/** what every driver's settings carry besides their fields */
export interface SettingsHeader<K extends string> {
  kind: K;
  /** where the driver is written */
  loc: SourceLocation;
  /** where each field's option is written (absent when not written), only to point errors at it */
  where: Readonly<Record<string, SourceLocation>>;
}

/** one source per field of `T` (header fields excluded) */
export type FieldTable<T> = { readonly [K in Exclude<keyof T, keyof SettingsHeader<string>>]-?: FieldSource };
