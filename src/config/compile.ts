/**
 * Statements → Plan. Order of work: global options first (drivers inherit
 * from them), then templates (drivers reference them), then objects, then
 * log paths; references are resolved last because objects may be used before
 * they are defined.
 */
import type { SourceLocation } from '../core/location.ts';
import type {
  DestinationDecl,
  DriverDecl,
  FilterDecl,
  LogFlags,
  LogItem,
  LogPathDecl,
  OptionBlock,
  Plan,
  SourceDecl,
  TemplateSpec,
} from './plan.ts';
import type { ArgOption, DriverNode, LogNode, ObjectStmt, Stmt, TemplateStmt } from './ast.ts';
import { ConfigError, formatWarning } from './errors.ts';
import { compileOptions, type OptionContext } from './options.ts';
import { DRIVERS, UNIMPLEMENTED_DRIVERS } from './schema/index.ts';
import { globalSchema } from './schema/global.ts';
import type { OptionSchema, Side } from './schema/types.ts';
import { driverSettings, globalSettings } from './settings/build.ts';
import { finalizeInet, finalizeTemplate, warnLocalSourceOptions, warnStdoutOptions } from './finalize.ts';
import { checkFilter } from './filters.ts';
import { didYouMean } from './suggest.ts';
import { driverRefusal } from './refusals.ts';
import type { Preprocessed } from './preprocess.ts';

const templateStmtSchema: OptionSchema = {
  name: 'template {}',
  rows: [
    { name: 'template', type: { kind: 'string' }, doc: 'template text' },
    { name: 'template-escape', type: { kind: 'yesno' }, default: false, doc: "escape ', \" and \\ in macro values" },
  ],
};

const LOG_FLAGS: Record<string, keyof LogFlags | 'drop-unmatched'> = {
  final: 'final',
  fallback: 'fallback',
  catchall: 'catchall',
  'catch-all': 'catchall',
  'flow-control': 'flowControl',
  'no-flow-control': 'noFlowControl',
  'drop-unmatched': 'drop-unmatched',
};

interface Ref {
  content: 'source' | 'destination' | 'filter' | 'template';
  name: string;
  loc: SourceLocation;
}

export class Compiler {
  private readonly pre: Preprocessed;
  private readonly file: string;
  private readonly warnings: string[];
  private readonly allowDups: boolean;
  private readonly refs: Ref[] = [];
  private readonly anon = { source: 0, destination: 0, filter: 0 };
  private readonly logNames = new Map<string, SourceLocation>();
  private readonly templates = new Map<string, TemplateSpec>();
  private plan!: Plan;

  constructor(pre: Preprocessed, file: string) {
    this.pre = pre;
    this.file = file;
    this.warnings = [...pre.warnings];
    const dups = pre.defines.get('allow-config-dups');
    this.allowDups = dups !== undefined && !/^(0|no|off|)$/i.test(dups);
  }

  error = (loc: SourceLocation, message: string, expected?: string[]): ConfigError => {
    const chain = this.pre.tokens.find((t) => t.loc.file === loc.file)?.chain ?? [];
    return new ConfigError(message, loc, { includeChain: chain, expected, sourceLine: this.pre.texts.get(loc.file)?.[loc.line - 1] });
  };

  warn = (loc: SourceLocation, text: string): void => {
    this.warnings.push(formatWarning(loc, text));
  };

  private ctx(side: Side, globals?: OptionBlock): OptionContext {
    return { side, error: this.error, warn: this.warn, templates: this.templates, globals: globals?.values };
  }

  compile(stmts: Stmt[]): Plan {
    const optionItems: ArgOption[] = [];
    let optionsLoc: SourceLocation | undefined;
    for (const s of stmts) {
      if (s.kind === 'options') {
        optionsLoc ??= s.loc;
        optionItems.push(...s.items);
      }
    }
    const options = compileOptions(globalSchema, optionItems, optionsLoc ?? { file: this.file, line: 1, column: 1 }, 'options {}', this.ctx('global')).block;
    this.plan = {
      file: this.file,
      version: this.pre.version?.value,
      options,
      globals: globalSettings(options),
      sources: new Map(),
      destinations: new Map(),
      filters: new Map(),
      templates: this.templates,
      logPaths: [],
      warnings: this.warnings,
    };
    if (this.pre.configId !== undefined) this.plan.configId = this.pre.configId;

    for (const s of stmts) if (s.kind === 'template') this.template(s);
    for (const s of stmts) {
      if (s.kind === 'source' || s.kind === 'destination') this.object(s);
      else if (s.kind === 'filter') {
        this.checkDup('filter', this.plan.filters, s.name, s.nameLoc);
        this.filterCheck(s.expr);
        this.plan.filters.set(s.name, { name: s.name, loc: s.loc, expr: s.expr });
      }
    }
    for (const name of ['file-template', 'proto-template']) {
      const v = this.plan.options.values[name];
      if (typeof v === 'string') this.refs.push({ content: 'template', name: v, loc: this.plan.options.locs[name] });
    }
    for (const s of stmts) if (s.kind === 'log') this.plan.logPaths.push(this.logPath(s.node, true));
    this.resolveRefs();
    return this.plan;
  }

  private checkDup(type: string, map: Map<string, { loc: SourceLocation }>, name: string, loc: SourceLocation): void {
    const prev = map.get(name);
    if (!prev || this.allowDups) return;
    const p = prev.loc;
    throw this.error(loc, `duplicate ${type} definition; name='${name}', previous='${p.file}:${p.line}:${p.column}'`);
  }

  private template(s: TemplateStmt): void {
    this.checkDup('template', this.plan.templates, s.name, s.nameLoc);
    let spec: TemplateSpec;
    if (s.text) {
      spec = { kind: 'template', text: s.text.text, escape: false, name: s.name, loc: s.text.loc };
    } else {
      const { block } = compileOptions(templateStmtSchema, s.items, s.loc, `template ${s.name}`, this.ctx('global'));
      const text = block.values.template;
      if (typeof text !== 'string') throw this.error(s.nameLoc, `template ${s.name} needs a template("…") item`);
      spec = { kind: 'template', text, escape: block.values['template-escape'] === true, name: s.name, loc: block.locs.template };
    }
    this.plan.templates.set(s.name, spec);
  }

  private object(s: ObjectStmt): void {
    let name = s.name;
    if (name === undefined) {
      name = this.anonName(s.kind);
      this.warn(s.loc, `unnamed ${s.kind} statement; no log path can refer to it`);
    }
    const map = s.kind === 'source' ? this.plan.sources : this.plan.destinations;
    this.checkDup(s.kind, map, name, s.nameLoc);
    const decl: SourceDecl | DestinationDecl = { name, loc: s.loc, drivers: s.drivers.map((d) => this.driver(d, s.kind)) };
    map.set(name, decl);
  }

  private anonName(kind: 'source' | 'destination' | 'filter'): string {
    return `#anon-${kind}${this.anon[kind]++}`;
  }

  private driver(node: DriverNode, side: 'source' | 'destination'): DriverDecl {
    const info = DRIVERS[node.name];
    if (!info) {
      const refusal = driverRefusal(node.name, node.raw);
      if (refusal) throw this.error(node.loc, refusal);
      if (UNIMPLEMENTED_DRIVERS.includes(node.name)) throw this.error(node.loc, `logferry does not implement the ${node.raw}() driver yet`);
      const names = Object.keys(DRIVERS).filter((k) => DRIVERS[k].sides.includes(side));
      const near = didYouMean(node.name, names);
      throw this.error(node.loc, `unknown ${side} driver ${node.raw}()${near ? `; did you mean ${near}()?` : ''}`, names.map((n) => `${n}()`));
    }
    if (!info.sides.includes(side)) throw this.error(node.loc, `${node.raw}() cannot be used as a ${side} driver`);
    const ctx = this.ctx(side, this.plan.options);
    const { block, positional } = compileOptions(info.schema, node.args, node.loc, `${node.raw}() ${side}`, ctx);
    if (info.schema.name.endsWith('()') && (info.canonical === 'network' || info.canonical === 'syslog')) {
      finalizeInet({ info, written: node.name, side, loc: node.loc, options: block, version: this.plan.version, ctx });
    } else {
      finalizeTemplate(block);
      // amqp() has no file name either
      if (info.canonical === 'stdout' || info.canonical === 'amqp') warnStdoutOptions(block, ctx);
      if (['file', 'stdin', 'unix-stream', 'unix-dgram'].includes(info.canonical) && side === 'source') warnLocalSourceOptions(block, ctx);
    }
    const texts = positional.map((t) => t.text);
    const settings = driverSettings({ driver: info.canonical, side, loc: node.loc, positional: texts, options: block, globals: this.plan.options, templates: this.plan.templates });
    const decl: DriverDecl = { driver: info.canonical, loc: node.loc, positional: texts, options: block, settings };
    if (node.name !== info.canonical) decl.alias = node.name;
    return decl;
  }

  private filterCheck(expr: Parameters<typeof checkFilter>[0]): void {
    checkFilter(expr, { error: this.error, onFilterRef: (name, loc) => this.refs.push({ content: 'filter', name, loc }) });
  }

  private logPath(node: LogNode, top: boolean): LogPathDecl {
    if (node.name !== undefined) {
      const prev = this.logNames.get(node.name);
      if (prev && !this.allowDups) throw this.error(node.loc, `duplicate log path definition; name='${node.name}'`);
      this.logNames.set(node.name, node.loc);
    }
    const decl: LogPathDecl = { loc: node.loc, sources: [], items: [], flags: this.logFlags(node.flags, top) };
    if (node.name !== undefined) decl.name = node.name;
    let nonSource = false;
    for (const item of node.items) {
      const isSource = item.kind === 'source-ref' || item.kind === 'source-inline';
      if (isSource && nonSource) {
        throw this.error(
          item.loc,
          'Error compiling sequence, source-pipe follows a non-source one, please list source references/definitions first',
        );
      }
      if (!isSource) nonSource = true;
      switch (item.kind) {
        case 'source-ref':
          this.refs.push({ content: 'source', name: item.name, loc: item.loc });
          decl.sources.push(item.name);
          break;
        case 'source-inline': {
          const name = this.anonName('source');
          this.plan.sources.set(name, { name, loc: item.loc, drivers: item.drivers.map((d) => this.driver(d, 'source')) });
          decl.sources.push(name);
          break;
        }
        case 'filter-ref':
        case 'destination-ref': {
          const kind = item.kind === 'filter-ref' ? 'filter' : 'destination';
          this.refs.push({ content: kind, name: item.name, loc: item.loc });
          decl.items.push({ kind, name: item.name, loc: item.loc });
          break;
        }
        case 'filter-inline': {
          const name = this.anonName('filter');
          this.filterCheck(item.expr);
          const f: FilterDecl = { name, loc: item.loc, expr: item.expr };
          this.plan.filters.set(name, f);
          decl.items.push({ kind: 'filter', name, loc: item.loc });
          break;
        }
        case 'destination-inline': {
          const name = this.anonName('destination');
          this.plan.destinations.set(name, { name, loc: item.loc, drivers: item.drivers.map((d) => this.driver(d, 'destination')) });
          decl.items.push({ kind: 'destination', name, loc: item.loc });
          break;
        }
        case 'log':
          decl.items.push({ kind: 'log', path: this.logPath(item.node, false) });
          break;
        case 'junction':
          decl.items.push({ kind: 'junction', loc: item.loc, branches: item.channels.map((c) => this.logPath(c, false)) });
          break;
        case 'if': {
          const branches: Extract<LogItem, { kind: 'if' }>['branches'] = item.branches.map((b) => {
            if (b.cond) this.filterCheck(b.cond);
            return { cond: b.cond, body: this.logPath(b.body, false) };
          });
          decl.items.push({ kind: 'if', loc: item.loc, branches });
          break;
        }
      }
    }
    return decl;
  }

  private logFlags(opt: ArgOption | undefined, top: boolean): LogFlags {
    const flags: LogFlags = { final: false, fallback: false, catchall: false, flowControl: false, noFlowControl: false };
    if (!opt) return flags;
    for (const a of opt.args) {
      if (a.kind !== 'value') {
        const loc = a.kind === 'option' ? a.loc : a.tok.loc;
        throw this.error(loc, 'syntax error, flags() takes flag names only');
      }
      const key = LOG_FLAGS[a.tok.text.replace(/_/g, '-')];
      if (!key) throw this.error(a.tok.loc, `Unknown log statement flag; flag='${a.tok.text}'`, Object.keys(LOG_FLAGS));
      if (key === 'drop-unmatched') {
        this.warn(a.tok.loc, 'The drop-unmatched log flag was removed in 4.1 and has no effect');
        continue;
      }
      if (key === 'catchall' && !top) {
        this.warn(a.tok.loc, 'flags(catchall) only has an effect on top-level log paths');
      }
      flags[key] = true;
    }
    if (flags.flowControl && flags.noFlowControl) {
      throw this.error(opt.loc, "incompatible flags were specified; flow-control and no-flow-control can't be used together");
    }
    return flags;
  }

  private resolveRefs(): void {
    for (const r of this.refs) {
      const map =
        r.content === 'source'
          ? this.plan.sources
          : r.content === 'destination'
            ? this.plan.destinations
            : r.content === 'filter'
              ? this.plan.filters
              : this.plan.templates;
      if (!map.has(r.name)) {
        const near = didYouMean(r.name, [...map.keys()].filter((k) => !k.startsWith('#')));
        throw this.error(
          r.loc,
          `Error resolving reference; content='${r.content}', name='${r.name}', location='${r.loc.file}:${r.loc.line}:${r.loc.column}'${near ? `; did you mean '${near}'?` : ''}`,
        );
      }
    }
  }
}
