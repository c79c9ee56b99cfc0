/**
 * The compiled configuration: what `config/` hands to the daemon. Plain data,
 * validated and with defaults applied, so that the layers above never look at
 * config text again. Option names are canonical: kebab-case, `_` folded to
 * `-`, aliases resolved to the primary name of the schema row.
 */
import type { SourceLocation } from '../core/location.ts';
import type { DriverSettings, GlobalSettings } from './settings/index.ts';

export type { SourceLocation };

/** A template as a destination or `template` statement gives it. */
export interface TemplateSpec {
  kind: 'template';
  /** template text, e.g. `${ISODATE} ${HOST} ${MSG}\n` */
  text: string;
  escape: boolean;
  /** the `template` object it came from, when referenced by name */
  name?: string;
  loc: SourceLocation;
}

/** A nested option block: a driver's options, `tls(...)`, `failover(...)`, `options {}`. */
export interface OptionBlock {
  kind: 'block';
  loc: SourceLocation;
  values: OptionRecord;
  /** where each option in `values` was written (absent for defaults) */
  locs: Record<string, SourceLocation>;
}

export type OptionValue = string | number | boolean | string[] | TemplateSpec | OptionBlock;
export type OptionRecord = { [name: string]: OptionValue };

export interface DriverDecl {
  /** canonical driver name: network, syslog, tcp, tcp6, udp, udp6, file, stdin, stdout, internal */
  driver: string;
  loc: SourceLocation;
  /** positional arguments: a destination's host, a file() path */
  positional: string[];
  options: OptionBlock;
  /** the options as typed, frozen settings: what the driver is built from */
  settings: DriverSettings;
  /** the name as written when it was an older equivalent of `driver` (tcp, tcp6, udp, udp6) */
  alias?: string;
}

export interface SourceDecl {
  name: string;
  loc: SourceLocation;
  drivers: DriverDecl[];
}

export interface DestinationDecl {
  name: string;
  loc: SourceLocation;
  drivers: DriverDecl[];
}

export type FilterArg =
  | { kind: 'value'; text: string; quoted: boolean; loc: SourceLocation }
  | { kind: 'range'; from: string; to: string; loc: SourceLocation }
  | { kind: 'option'; name: string; args: FilterArg[]; loc: SourceLocation };

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  /** facility(), level(), program(), host(), message(), match(), netmask(), filter(), tags()… */
  | { kind: 'call'; name: string; args: FilterArg[]; loc: SourceLocation }
  /** `"<template>" eq "<template>"` (string ops) or `==`, `<`… (numeric ops) */
  | { kind: 'compare'; op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; numeric: boolean; left: TemplateSpec; right: TemplateSpec; loc: SourceLocation };

export interface FilterDecl {
  name: string;
  loc: SourceLocation;
  expr: FilterExpr;
}

export interface LogFlags {
  final: boolean;
  fallback: boolean;
  catchall: boolean;
  flowControl: boolean;
  noFlowControl: boolean;
}

export type LogItem =
  | { kind: 'filter'; name: string; loc: SourceLocation }
  | { kind: 'destination'; name: string; loc: SourceLocation }
  | { kind: 'log'; path: LogPathDecl }
  | { kind: 'junction'; branches: LogPathDecl[]; loc: SourceLocation }
  | { kind: 'if'; branches: Array<{ cond: FilterExpr | undefined; body: LogPathDecl }>; loc: SourceLocation };

export interface LogPathDecl {
  name?: string;
  loc: SourceLocation;
  /** source names (inline sources get generated names and live in Plan.sources) */
  sources: string[];
  /** filters, destinations and nested paths, in the order written */
  items: LogItem[];
  flags: LogFlags;
}

export interface Plan {
  /** main config file path */
  file: string;
  /** @version value, or undefined when missing */
  version: string | undefined;
  /** global options with defaults applied */
  options: OptionBlock;
  /** the global options as typed, frozen settings */
  globals: GlobalSettings;
  sources: Map<string, SourceDecl>;
  destinations: Map<string, DestinationDecl>;
  filters: Map<string, FilterDecl>;
  templates: Map<string, TemplateSpec>;
  logPaths: LogPathDecl[];
  /** non-fatal findings (obsolete keywords…), already formatted with file:line:col */
  warnings: string[];
  /** `@config-id` value, when given */
  configId?: string;
}
