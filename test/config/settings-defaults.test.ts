/**
 * The typed settings compile gives each driver instance: with nothing written
 * they hold exactly the schema defaults (through the field→row tables), they
 * are frozen, plain data (structuredClone keeps them whole), and every field
 * names a row that exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './helpers.ts';
import { DRIVERS, diskBufferSchema, failbackSchema, failoverSchema, findRow, globalSchema, rowValidOn, statsSchema, type OptionRow, type OptionSchema, type Side } from '../../src/config/schema/index.ts';
import { fieldTable, settingsKind } from '../../src/config/settings/build.ts';
import { GLOBAL_FIELDS, STATS_FIELDS } from '../../src/config/settings/global.ts';
import { DISK_BUFFER_FIELDS, FAILBACK_FIELDS, FAILOVER_FIELDS } from '../../src/config/settings/destination.ts';
import type { DriverSettings } from '../../src/config/settings/index.ts';
import { transportFacts, transportRow } from '../../src/config/transports.ts';
import type { DriverDecl } from '../../src/config/plan.ts';

type DriverSide = Exclude<Side, 'global'>;

const HEADER = ['kind', 'loc', 'where'];

/** every (driver name, side) the schema allows, compiled from an empty block */
function emptyDrivers(): Array<{ name: string; side: DriverSide; decl: DriverDecl }> {
  const out: Array<{ name: string; side: DriverSide; decl: DriverDecl }> = [];
  for (const [name, info] of Object.entries(DRIVERS)) {
    for (const side of info.sides as DriverSide[]) {
      const pos = info.schema.positional?.[side] ? (name === 'file' ? '"/tmp/logferry-settings-probe"' : '"192.0.2.1"') : '';
      const plan = parse(`@version: 4.27\n${side} x { ${name}(${pos}); };\n`);
      const decl = (side === 'source' ? plan.sources : plan.destinations).get('x')!.drivers[0];
      out.push({ name, side, decl });
    }
  }
  return out;
}

function rowOf(schema: OptionSchema, name: string, side: Side): OptionRow | undefined {
  const row = findRow(schema, name, side)?.row;
  return row && rowValidOn(row, side) ? row : undefined;
}

/** what an unwritten row holds: the global it inherits (its default), else its own default */
function rowDefault(row: OptionRow): unknown {
  if (row.inherit) {
    const g = rowOf(globalSchema, row.inherit, 'global');
    assert.ok(g, `${row.name} inherits ${row.inherit}, which options {} has no row for`);
    if (g.default !== undefined) return g.default;
  }
  return row.default;
}

/** fields compile completes from other facts: their value with nothing written */
function derivedDefault(name: string, side: DriverSide, field: string, s: DriverSettings): unknown {
  const info = DRIVERS[name];
  const inet = info.canonical === 'syslog' ? 'syslog' : 'network';
  const t = transportRow(info.fixed?.transport ?? 'tcp')!;
  switch (field) {
    case 'transport':
      return transportFacts(t, inet);
    case 'port':
      return t.port[inet];
    case 'ip':
      return info.fixed?.ipProtocol === 6 ? '::' : '0.0.0.0';
    case 'logIwSize':
      return t.socket === 'datagram' ? 100 : 1000;
    case 'truncateSize':
      return t.maxPayload;
    case 'template':
      return undefined;
    case 'defaultFacility':
      return rowDefault(rowOf(info.schema, 'default-facility', side)!);
  }
  assert.fail(`no expectation for the derived field ${field} of ${s.kind}`);
}

test('an empty block of every driver gives settings equal to the schema defaults', () => {
  const drivers = emptyDrivers();
  assert.equal(drivers.length, 21, 'network, syslog, tcp, tcp6, udp, udp6, file both sides; stdin, stdout, internal, unix-stream, unix-dgram, system, amqp one each');
  for (const { name, side, decl } of drivers) {
    const s = decl.settings;
    const info = DRIVERS[name];
    assert.equal(s.kind, settingsKind(info.canonical, side));
    if (s.kind === 'system') {
      // system() has no options: it carries the unix-dgram("/dev/log" so-rcvbuf(8192)) 4.27 expands it to
      assert.deepEqual([s.devlog.kind, s.devlog.path, s.devlog.soRcvbuf, s.devlog.perm], ['unix-dgram', '/dev/log', 8192, 0o666]);
      continue;
    }
    const table = fieldTable(s.kind);
    assert.deepEqual(Object.keys(s).sort(), [...HEADER, ...Object.keys(table)].sort(), `${name}() ${side}: fields are the table's`);
    assert.deepEqual(s.where, {}, `${name}() ${side}: nothing was written`);
    for (const [field, src] of Object.entries(table)) {
      const got: unknown = (s as unknown as Record<string, unknown>)[field];
      let want: unknown;
      if ('positional' in src) want = decl.positional[src.positional];
      else if ('by' in src) want = derivedDefault(name, side, field, s);
      else if ('global' in src) want = rowOf(globalSchema, src.global, 'global')!.default;
      else if (field === 'ipProtocol' && info.fixed) want = info.fixed.ipProtocol;
      else want = rowDefault(rowOf(info.schema, src.row, side)!);
      assert.deepEqual(got, want, `${name}() ${side}: ${field}`);
    }
  }
});

test('options {} defaults reach the global settings unchanged', () => {
  const g = parse('@version: 4.27\n').globals as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(g).sort(), Object.keys(GLOBAL_FIELDS).sort());
  for (const [field, src] of Object.entries(GLOBAL_FIELDS)) {
    assert.ok('row' in src);
    // stats() is a block: its fields are checked below
    if (field === 'stats') continue;
    assert.deepEqual(g[field], rowOf(globalSchema, src.row, 'global')!.default, field);
  }
});

test('stats() unwritten gives its rows\' defaults, under field names of those rows; freq() written reaches it', () => {
  const g = parse('@version: 4.27\n').globals;
  assert.deepEqual(Object.keys(g.stats).sort(), Object.keys(STATS_FIELDS).sort());
  for (const [field, src] of Object.entries(STATS_FIELDS)) {
    assert.ok('row' in src);
    assert.equal(camel(src.row), field);
    assert.deepEqual((g.stats as unknown as Record<string, unknown>)[field], rowOf(statsSchema, src.row, 'global')!.default, field);
  }
  assert.equal(parse('@version: 4.27\noptions { stats(freq(30)); };\n').globals.stats.freq, 30);
  assert.equal(parse('@version: 4.27\noptions { stats-freq(20); };\n').globals.stats.freq, 20);
});

/** `max-connections` ⇒ `maxConnections`: a field is named for its row, so a table pointing at the wrong row shows */
const camel = (row: string) => row.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test('every settings field names a row that exists on its side (or a positional argument)', () => {
  for (const { name, side, decl } of emptyDrivers()) {
    const info = DRIVERS[name];
    for (const [field, src] of Object.entries(fieldTable(decl.settings.kind))) {
      if (!('positional' in src)) assert.equal(camel('global' in src ? src.global : src.row), field, `${decl.settings.kind}: the field of ${JSON.stringify(src)}`);
      if ('positional' in src) {
        assert.ok(info.schema.positional?.[side], `${name}() ${side}: ${field} is a positional argument it does not take`);
      } else if ('global' in src) {
        assert.ok(rowOf(globalSchema, src.global, 'global'), `${field}: options {} has no ${src.global}() row`);
      } else if (!rowOf(info.schema, src.row, side)) {
        // tcp(), udp()… have no transport() row: their name fixes it
        assert.ok('by' in src && src.row === 'transport' && info.fixed, `${name}() ${side}: ${field} names ${src.row}(), which is not a row`);
      }
    }
  }
  for (const [field, src] of Object.entries(GLOBAL_FIELDS)) assert.ok('row' in src && rowOf(globalSchema, src.row, 'global') && camel(src.row) === field, field);
});

test('settings are deeply frozen plain data that structuredClone keeps whole', () => {
  const plan = parse(`@version: 4.27
options { log-fifo-size(5); };
template t { template("$MSG\\n"); };
source s { network(port(0) tls(peer-verify(optional-untrusted)) transport(tls) tags(a, b)); };
destination d { network("192.0.2.1" template(t) failover(servers("192.0.2.2") failback(tcp-probe-interval(5)))); file("/tmp/x-$HOST"); };
`);
  const all: unknown[] = [plan.globals, ...[...plan.sources.values(), ...plan.destinations.values()].flatMap((x) => x.drivers.map((d) => d.settings))];
  const frozen = (v: unknown, at: string): void => {
    if (v === null || typeof v !== 'object') return;
    assert.ok(Object.isFrozen(v), `${at} is frozen`);
    const proto = Object.getPrototypeOf(v);
    assert.ok(proto === Object.prototype || proto === Array.prototype, `${at} is a plain object or array`);
    for (const [k, x] of Object.entries(v)) frozen(x, `${at}.${k}`);
  };
  for (const s of all) {
    frozen(s, 'settings');
    assert.deepEqual(structuredClone(s), s);
  }
});

test('a written option wins over the global it inherits, which wins over the row default', () => {
  const plan = parse(`@version: 4.27
options { log-fifo-size(5); time-reopen(7); };
destination a { network("192.0.2.1"); };
destination b { network("192.0.2.1" log-fifo-size(9) time-reopen(3)); };
destination c { file("/tmp/x"); };
`);
  const s = (n: string) => plan.destinations.get(n)!.drivers[0].settings;
  const a = s('a');
  const b = s('b');
  const c = s('c');
  assert.ok(a.kind === 'network-destination' && b.kind === 'network-destination' && c.kind === 'file-destination');
  assert.equal(a.logFifoSize, 5);
  assert.equal(a.timeReopen, 7);
  assert.equal(b.logFifoSize, 9);
  assert.equal(b.timeReopen, 3);
  assert.ok(b.where.logFifoSize, 'a written option says where it was written');
  // file() has no time-reopen() of its own: it reads options {}
  assert.equal(c.timeReopen, 7);
  assert.equal(c.flushLines, 100);
});

test('failover() and failback() written empty give their rows’ defaults, under field names of those rows', () => {
  const plan = parse('@version: 4.27\ndestination d { network("192.0.2.1" failover(failback())); };\n');
  const s = plan.destinations.get('d')!.drivers[0].settings;
  assert.ok(s.kind === 'network-destination' && s.failover && s.failover.failback);
  for (const [table, schema, got] of [
    [FAILOVER_FIELDS, failoverSchema, { ...s.failover, failback: undefined }],
    [FAILBACK_FIELDS, failbackSchema, s.failover.failback],
  ] as const) {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(table).sort());
    for (const [field, src] of Object.entries(table)) {
      assert.ok('row' in src);
      assert.equal(camel(src.row), field);
      const row = rowOf(schema, src.row, 'destination');
      assert.ok(row, `${schema.name} has a ${src.row}() row`);
      // the nested failback() block itself is checked by its own table
      if (field !== 'failback') assert.deepEqual((got as Record<string, unknown>)[field], row.default, field);
    }
  }
});

test('disk-buffer() with only disk-buf-size() gives its rows’ defaults, under field names of those rows; dir() is unset', () => {
  const plan = parse('@version: 4.27\ndestination d { network("192.0.2.1" disk-buffer(disk-buf-size(1GiB))); };\n');
  const s = plan.destinations.get('d')!.drivers[0].settings;
  assert.ok(s.kind === 'network-destination' && s.diskBuffer);
  assert.deepEqual(Object.keys(s.diskBuffer).sort(), Object.keys(DISK_BUFFER_FIELDS).sort());
  for (const [field, src] of Object.entries(DISK_BUFFER_FIELDS)) {
    assert.ok('row' in src);
    assert.equal(camel(src.row), field);
    const row = rowOf(diskBufferSchema, src.row, 'destination');
    assert.ok(row, `disk-buffer() has a ${src.row}() row`);
    if (field !== 'diskBufSize') assert.deepEqual((s.diskBuffer as unknown as Record<string, unknown>)[field], row.default, field);
  }
  assert.equal(s.diskBuffer.diskBufSize, 1024 ** 3);
  assert.equal(s.diskBuffer.dir, undefined);
});
