/**
 * Compiled option blocks → typed, frozen settings. The blocks already hold
 * defaults and inherited globals (options.ts); this step names the fields,
 * resolves what depends on several options (transport facts, the default
 * template) and freezes the result. Plain data only, so it can be posted to
 * a worker thread as is.
 */
import type { SourceLocation } from '../../core/location.ts';
import type { OptionBlock, OptionValue, TemplateSpec } from '../plan.ts';
import { fillDefaults, isBlock } from '../options.ts';
import { unixDgramSchema } from '../schema/unix.ts';
import { tlsOptionsFromBlock } from '../tls-block.ts';
import { transportFacts, transportRow, type InetDriver } from '../transports.ts';
import type { FieldSource, FieldTable } from './fields.ts';
import type { DriverSettings, UnixDgramSettings } from './index.ts';
import { GLOBAL_FIELDS, STATS_FIELDS, type GlobalSettings } from './global.ts';
import { FILE_SOURCE_FIELDS, INTERNAL_FIELDS, NETWORK_SOURCE_FIELDS, STDIN_FIELDS, SYSTEM_SOURCE_FIELDS, UNIX_DGRAM_FIELDS, UNIX_STREAM_FIELDS } from './source.ts';
import {
  FAILBACK_FIELDS,
  FAILOVER_FIELDS,
  FILE_DESTINATION_FIELDS,
  NETWORK_DESTINATION_FIELDS,
  STDOUT_FIELDS,
  DISK_BUFFER_FIELDS,
  AMQP_DESTINATION_FIELDS,
  AMQP_VALUE_PAIRS_FIELDS,
  type DiskBufferSettings,
  type FailoverSettings,
} from './destination.ts';

export interface SettingsInput {
  driver: string;
  side: 'source' | 'destination';
  loc: SourceLocation;
  positional: readonly string[];
  options: OptionBlock;
  globals: OptionBlock;
  templates: ReadonlyMap<string, TemplateSpec>;
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function copy(v: OptionValue | undefined): unknown {
  if (v === undefined || typeof v !== 'object') return v;
  return structuredClone(v);
}

/** the fields of `table` read from their rows, plus where each was written */
function fill<T>(table: FieldTable<T>, b: OptionBlock, positional: readonly string[], globals: OptionBlock | undefined) {
  const values: Record<string, unknown> = {};
  const where: Record<string, SourceLocation> = {};
  for (const [field, src] of Object.entries(table) as Array<[string, FieldTable<T>[keyof FieldTable<T>]]>) {
    if ('positional' in src) {
      values[field] = positional[src.positional];
      continue;
    }
    const from = 'global' in src ? globals : b;
    const name = 'global' in src ? src.global : src.row;
    values[field] = copy(from?.values[name]);
    const at = from?.locs[name];
    if (at) where[field] = at;
  }
  return { values, where };
}

export function globalSettings(options: OptionBlock): GlobalSettings {
  const values = fill(GLOBAL_FIELDS, options, [], undefined).values;
  // compile always makes a stats() block (alwaysPresent in the schema), holding its rows' defaults
  const stats = options.values.stats;
  if (!isBlock(stats)) throw new Error('options {} reached the settings without its stats() block');
  values.stats = fill(STATS_FIELDS, stats, [], undefined).values;
  return deepFreeze(values as unknown as GlobalSettings);
}

function failoverSettings(b: OptionValue | undefined): FailoverSettings | undefined {
  if (!isBlock(b)) return undefined;
  const fb = b.values.failback;
  const out = fill(FAILOVER_FIELDS, b, [], undefined).values;
  out.failback = isBlock(fb) ? fill(FAILBACK_FIELDS, fb, [], undefined).values : undefined;
  return out as unknown as FailoverSettings;
}

function diskBufferSettings(b: OptionValue | undefined): DiskBufferSettings | undefined {
  if (!isBlock(b)) return undefined;
  return fill(DISK_BUFFER_FIELDS, b, [], undefined).values as unknown as DiskBufferSettings;
}

/** template(), else the options {} template the driver defaults to; template-escape(yes) applies to either */
function templateSetting(b: OptionBlock, i: SettingsInput, fallbackGlobal: 'file-template' | 'proto-template' | undefined, row = 'template'): TemplateSpec | undefined {
  let spec = b.values[row] as TemplateSpec | undefined;
  if (spec === undefined && fallbackGlobal) {
    const name = i.globals.values[fallbackGlobal];
    // an undefined name is refused when references are resolved (compile.ts)
    if (typeof name === 'string') spec = i.templates.get(name);
  }
  if (spec && b.values['template-escape'] === true) spec = { ...spec, escape: true };
  return spec === undefined ? undefined : structuredClone(spec);
}

function transportOf(b: OptionBlock, driver: InetDriver) {
  const row = transportRow(String(b.values.transport));
  // finalize.ts refused unknown transports before we get here
  if (!row) throw new Error(`internal error: transport ${String(b.values.transport)} has no table row`);
  return transportFacts(row, driver);
}

/** kernel messages without a PRI are kern unless default-facility() says otherwise (drivers.md §6) */
function defaultFacility(b: OptionBlock): string {
  if (b.locs['default-facility'] === undefined && (b.values.flags as string[]).includes('kernel')) return 'kern';
  return String(b.values['default-facility']);
}

const TABLES = {
  'file-source': FILE_SOURCE_FIELDS,
  stdin: STDIN_FIELDS,
  'network-source': NETWORK_SOURCE_FIELDS,
  internal: INTERNAL_FIELDS,
  'unix-stream': UNIX_STREAM_FIELDS,
  'unix-dgram': UNIX_DGRAM_FIELDS,
  system: SYSTEM_SOURCE_FIELDS,
  'file-destination': FILE_DESTINATION_FIELDS,
  stdout: STDOUT_FIELDS,
  'network-destination': NETWORK_DESTINATION_FIELDS,
  'amqp-destination': AMQP_DESTINATION_FIELDS,
} as const satisfies Record<DriverSettings['kind'], object>;

/** the settings kind of a canonical driver name on a side */
export function settingsKind(driver: string, side: 'source' | 'destination'): DriverSettings['kind'] {
  if (driver === 'network' || driver === 'syslog') return side === 'source' ? 'network-source' : 'network-destination';
  if (driver === 'file') return side === 'source' ? 'file-source' : 'file-destination';
  if (driver === 'amqp' && side === 'destination') return 'amqp-destination';
  if (driver === 'stdin' || driver === 'stdout' || driver === 'internal') return driver;
  if (side === 'source' && (driver === 'unix-stream' || driver === 'unix-dgram' || driver === 'system')) return driver;
  throw new Error(`internal error: no settings for the ${driver}() ${side}`);
}

/** The field table of a settings kind (tests check every row it names exists). */
export function fieldTable(kind: DriverSettings['kind']): Readonly<Record<string, FieldSource>> {
  return TABLES[kind] as Readonly<Record<string, FieldSource>>;
}

export function driverSettings(i: SettingsInput): DriverSettings {
  const kind = settingsKind(i.driver, i.side);
  const b = i.options;
  const { values, where } = fill(TABLES[kind] as FieldTable<Record<string, unknown>>, b, i.positional, i.globals);
  const inet: InetDriver = i.driver === 'syslog' ? 'syslog' : 'network';
  switch (kind) {
    case 'file-source':
    case 'stdin':
    case 'unix-stream':
    case 'unix-dgram':
      values.defaultFacility = defaultFacility(b);
      break;
    case 'network-source':
      values.defaultFacility = defaultFacility(b);
      values.transport = transportOf(b, inet);
      values.tls = isBlock(b.values.tls) ? tlsOptionsFromBlock(b.values.tls) : undefined;
      break;
    case 'network-destination':
      values.transport = transportOf(b, inet);
      values.tls = isBlock(b.values.tls) ? tlsOptionsFromBlock(b.values.tls) : undefined;
      values.failover = failoverSettings(b.values.failover);
      values.diskBuffer = diskBufferSettings(b.values['disk-buffer']);
      values.template = templateSetting(b, i, inet === 'network' ? 'proto-template' : undefined);
      break;
    case 'system':
      values.devlog = systemDevlog(i);
      break;
    case 'amqp-destination': {
      const fo = b.values.failover;
      values.failover = isBlock(fo) ? [...(fo.values.servers as string[])] : undefined;
      values.diskBuffer = diskBufferSettings(b.values['disk-buffer']);
      const vp = b.values['value-pairs'];
      values.valuePairs = isBlock(vp) ? fill(AMQP_VALUE_PAIRS_FIELDS, vp, [], undefined).values : undefined;
      values.body = templateSetting(b, i, undefined, 'body');
      break;
    }
    case 'file-destination':
    case 'stdout':
      values.template = templateSetting(b, i, 'file-template');
      break;
  }
  return deepFreeze({ kind, loc: i.loc, where, ...values } as unknown as DriverSettings);
}

/**
 * What AxoSyslog 4.27's system() writes for a Linux host without systemd:
 * unix-dgram("/dev/log" so-rcvbuf(8192)), with every other option at its
 * default or the options {} value. (4.27 also sets flags(syslog-protocol),
 * whose parser falls back to RFC 3164 for the usual syslog(3) lines; logferry's
 * does not fall back, so the flag is left out: the same result for those lines.)
 */
function systemDevlog(i: SettingsInput): UnixDgramSettings {
  const block: OptionBlock = { kind: 'block', loc: i.loc, values: { 'so-rcvbuf': 8192 }, locs: {} };
  const noop = () => {
    throw new Error('internal error: system() expansion reported a problem');
  };
  fillDefaults(unixDgramSchema, block, { side: 'source', error: noop, warn: () => {}, templates: i.templates, globals: i.globals.values });
  return driverSettings({ ...i, driver: 'unix-dgram', positional: ['/dev/log'], options: block }) as UnixDgramSettings;
}
