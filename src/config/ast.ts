/**
 * Syntax tree of a configuration: what was written, before schemas give it
 * meaning. Option names are already folded (`_` → `-`); values stay tokens so
 * the compiler can report each one at its own location.
 */
import type { SourceLocation } from '../core/location.ts';
import type { FilterExpr } from './plan.ts';
import type { Token } from './lexer.ts';

/** A positional value: string, bare word or number. */
export interface ArgValue {
  kind: 'value';
  tok: Token;
}

/** `name(args…)` inside a driver, block or `options {}`. */
export interface ArgOption {
  kind: 'option';
  /** folded keyword (`_` → `-`) */
  name: string;
  /** as written */
  raw: string;
  loc: SourceLocation;
  args: Arg[];
}

/** `=>` between the members of a pair (`openssl-conf-cmds()`). */
export interface ArgArrow {
  kind: 'arrow';
  tok: Token;
}

export type Arg = ArgValue | ArgOption | ArgArrow;

/** `network(…)`, `file(…)`: a driver inside a source or destination. */
export interface DriverNode {
  name: string;
  raw: string;
  loc: SourceLocation;
  args: Arg[];
}

export interface ObjectStmt {
  kind: 'source' | 'destination';
  /** undefined for an unnamed top-level object */
  name: string | undefined;
  loc: SourceLocation;
  nameLoc: SourceLocation;
  drivers: DriverNode[];
}

export interface FilterStmt {
  kind: 'filter';
  name: string;
  loc: SourceLocation;
  nameLoc: SourceLocation;
  expr: FilterExpr;
}

export interface TemplateStmt {
  kind: 'template';
  name: string;
  loc: SourceLocation;
  nameLoc: SourceLocation;
  /** short form `template t "text";` */
  text: Token | undefined;
  /** block form items: template(), template-escape() */
  items: ArgOption[];
}

export interface OptionsStmt {
  kind: 'options';
  loc: SourceLocation;
  items: ArgOption[];
}

export type LogNodeItem =
  | { kind: 'source-ref' | 'filter-ref' | 'destination-ref'; name: string; loc: SourceLocation }
  | { kind: 'source-inline' | 'destination-inline'; loc: SourceLocation; drivers: DriverNode[] }
  | { kind: 'filter-inline'; loc: SourceLocation; expr: FilterExpr }
  | { kind: 'log'; node: LogNode }
  | { kind: 'junction'; loc: SourceLocation; channels: LogNode[] }
  | { kind: 'if'; loc: SourceLocation; branches: Array<{ cond: FilterExpr | undefined; body: LogNode }> };

export interface LogNode {
  name: string | undefined;
  loc: SourceLocation;
  items: LogNodeItem[];
  flags: ArgOption | undefined;
}

export interface LogStmt {
  kind: 'log';
  node: LogNode;
}

export type Stmt = ObjectStmt | FilterStmt | TemplateStmt | OptionsStmt | LogStmt;
