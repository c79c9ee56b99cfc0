/**
 * The machinery of the option-state walk (test/config/option-states.test.ts
 * and test/daemon/option-states.test.ts): which schema is used where, a whole
 * config for one option, and fingerprints of what the built drivers run with.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ConfigError, parseConfigText, type Plan } from '../../src/config/index.ts';
import { ALL_SCHEMAS, DRIVERS, diskBufferSchema, globalSchema, statsSchema, tlsSchema, cipherSuiteSchema, failoverSchema, failbackSchema, amqpFailoverSchema, amqpValuePairsSchema, rowValidOn, type OptionSchema, type Side } from '../../src/config/schema/index.ts';
import { tlsOptionsFromBlock } from '../../src/config/tls-block.ts';
import { prepare } from '../../src/daemon/worker/prepare.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { compileTemplate } from '../../src/message/template.ts';
import { parseMessage } from '../../src/syslog/parse.ts';
import { defaultParseOptions } from '../../src/syslog/parse-options.ts';
import { buildMessage, localizedHostRules } from '../../src/sources/reader.ts';
import { OPTION_STATES, type Entry } from './option-states.table.ts';

export { OPTION_STATES, type Entry };

/** where each schema is used: the drivers' sides, and the nested blocks' */
function schemaUses(): Array<{ schema: OptionSchema; side: Side }> {
  const uses = new Map<OptionSchema, Set<Side>>();
  const add = (s: OptionSchema, sides: readonly Side[]) => {
    const set = uses.get(s) ?? new Set<Side>();
    for (const x of sides) set.add(x);
    uses.set(s, set);
  };
  for (const d of Object.values(DRIVERS)) add(d.schema, d.sides);
  add(globalSchema, ['global']);
  add(statsSchema, ['global']);
  add(tlsSchema, ['source', 'destination']);
  add(cipherSuiteSchema, ['source', 'destination']);
  add(failoverSchema, ['destination']);
  add(failbackSchema, ['destination']);
  add(diskBufferSchema, ['destination']);
  add(amqpFailoverSchema, ['destination']);
  add(amqpValuePairsSchema, ['destination']);
  const out: Array<{ schema: OptionSchema; side: Side }> = [];
  for (const schema of ALL_SCHEMAS) {
    const sides = uses.get(schema);
    assert.ok(sides, `schema ${schema.name} is used somewhere the test knows`);
    for (const side of sides) out.push({ schema, side });
  }
  return out;
}

export interface Combo {
  schema: OptionSchema;
  side: Side;
  row: string;
  key: string;
}

export function combos(): Combo[] {
  const out: Combo[] = [];
  for (const { schema, side } of schemaUses()) {
    const seen = new Set<string>();
    for (const row of schema.rows) {
      if (!rowValidOn(row, side) || seen.has(row.name)) continue;
      seen.add(row.name);
      out.push({ schema, side, row: row.name, key: `${schema.name} ${side} ${row.name}` });
    }
  }
  return out;
}

/** most specific first: `schema side row`, `side row`, `row` */
export function entryFor(c: Combo): Entry | undefined {
  return OPTION_STATES[c.key] ?? OPTION_STATES[`${c.side} ${c.row}`] ?? OPTION_STATES[c.row];
}

// ---------------------------------------------------------------- fixtures

const root = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'lf-optstates-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const F = {
  dir: root,
  cert: path.join(root, 'cert.pem'),
  key: path.join(root, 'key.pem'),
  cert2: path.join(root, 'cert2.pem'),
  p12: path.join(root, 'id.p12'),
  in: path.join(root, 'in.log'),
};
fs.writeFileSync(F.in, '');
fs.writeFileSync(F.p12, '');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=probe', '-days', '2', '-keyout', F.key, '-out', F.cert], { stdio: 'ignore' });
fs.copyFileSync(F.cert, F.cert2);

function fill(text: string): string {
  return text.replace(/@(CERT2|CERT|KEY|P12|DIR)\b/g, (_m, k: string) => JSON.stringify(k === 'CERT2' ? F.cert2 : k === 'CERT' ? F.cert : k === 'KEY' ? F.key : k === 'P12' ? F.p12 : F.dir));
}

export const PROBE_TEMPLATE = 'template t_probe { template("probe ${HOST} ${MSG}\\n"); };\n';

/** A whole config that uses `opt` (option text) in the place `c` names; `n` keeps object names apart. */
export function harness(c: Pick<Combo, 'schema' | 'side'>, opt: string, e: Entry, n = 0): { text: string; kind: 'drivers' | 'tls' } {
  const extra = e.extra ?? '';
  const o = fill(`${extra} ${opt}`);
  const s = `s${n}`;
  const d = `d${n}`;
  const log = (src: string, dst: string) => `${src}\n${dst}\nlog { source(${s}); destination(${d}); };\n`;
  const inetDriver = (legacy: boolean) => (legacy ? (e.udp ? 'udp' : 'tcp') : c.schema.name.replace('()', ''));
  const legacy = c.schema.name === 'tcp()';
  const udpT = e.udp && !legacy ? ' transport(udp)' : '';
  const anySrc = `source ${s} { internal(); };`;
  const anyDst = `destination ${d} { file(${JSON.stringify(path.join(F.dir, 'out', `${d}-\${HOUR}.log`))}); };`;
  switch (c.schema.name) {
    case 'options {}':
      return { text: `options { ${o.trim() ? `${o};` : ''} };\n${PROBE_TEMPLATE}${everything(n)}`, kind: 'drivers' };
    case 'stats()':
      return { text: `options { stats(${o}); };\n${everything(n)}`, kind: 'drivers' };
    case 'network()':
    case 'syslog()':
    case 'tcp()':
      return c.side === 'source'
        ? { text: PROBE_TEMPLATE + log(`source ${s} { ${inetDriver(legacy)}(ip("127.0.0.1") port(0)${udpT} ${o}); };`, anyDst), kind: 'drivers' }
        : { text: PROBE_TEMPLATE + log(anySrc, `destination ${d} { ${inetDriver(legacy)}("127.0.0.1" port(1)${udpT} ${o}); };`), kind: 'drivers' };
    case 'failover()':
      return { text: log(anySrc, `destination ${d} { network("127.0.0.1" port(1) failover(${o})); };`), kind: 'drivers' };
    case 'disk-buffer()':
      return { text: log(anySrc, `destination ${d} { network("127.0.0.1" port(1) disk-buffer(disk-buf-size(1MiB) ${o})); };`), kind: 'drivers' };
    case 'failback()':
      return { text: log(anySrc, `destination ${d} { network("127.0.0.1" port(1) failover(servers("127.0.0.3") failback(${o}))); };`), kind: 'drivers' };
    case 'tls()':
    case 'cipher-suite()': {
      const inner = c.schema.name === 'tls()' ? o : `cipher-suite(${o})`;
      return c.side === 'source'
        ? { text: log(`source ${s} { network(ip("127.0.0.1") port(0) transport(tls) tls(${inner})); };`, anyDst), kind: 'tls' }
        : { text: log(anySrc, `destination ${d} { network("127.0.0.1" port(1) transport(tls) tls(${inner})); };`), kind: 'tls' };
    }
    case 'file()':
      return c.side === 'source'
        ? { text: log(`source ${s} { file(${JSON.stringify(F.in)} ${o}); };`, anyDst), kind: 'drivers' }
        : { text: log(anySrc, `destination ${d} { file(${JSON.stringify(path.join(F.dir, 'out', `${d}-\${HOUR}.log`))} ${o}); };`), kind: 'drivers' };
    case 'stdin()':
      return { text: log(`source ${s} { stdin(${o}); };`, anyDst), kind: 'drivers' };
    case 'stdout()':
      return { text: log(anySrc, `destination ${d} { stdout(${o}); };`), kind: 'drivers' };
    case 'amqp()':
      return { text: log(anySrc, `destination ${d} { amqp(username("u") password("p") ${o}); };`), kind: 'drivers' };
    case 'amqp() failover()':
      return { text: log(anySrc, `destination ${d} { amqp(username("u") password("p") failover(${o})); };`), kind: 'drivers' };
    case 'value-pairs()':
      return { text: log(anySrc, `destination ${d} { amqp(username("u") password("p") value-pairs(${o})); };`), kind: 'drivers' };
    case 'internal()':
      return { text: log(`source ${s} { internal(${o}); };`, anyDst), kind: 'drivers' };
    case 'unix-stream()':
    case 'unix-dgram()':
      return { text: log(`source ${s} { ${c.schema.name.replace('()', '')}(${JSON.stringify(path.join(F.dir, `${s}.sock`))} ${o}); };`, anyDst), kind: 'drivers' };
    default:
      throw new Error(`no harness for ${c.schema.name}`);
  }
}

/** one driver of each kind, for global options (they reach the drivers by inheritance) */
function everything(n: number): string {
  const out = JSON.stringify(path.join(F.dir, 'out', `g${n}`, '${HOUR}.log'));
  return `source g${n}s { network(ip("127.0.0.1") port(0)); network(ip("127.0.0.1") port(0) transport(udp)); syslog(ip("127.0.0.1") port(0)); file(${JSON.stringify(F.in)}); internal(); };
destination g${n}d { file(${out}); network("127.0.0.1" port(1)); network("127.0.0.1" port(1) transport(udp)); syslog("127.0.0.1" port(1)); stdout(); };
log { source(g${n}s); destination(g${n}d); };
`;
}

// ---------------------------------------------------------------- fingerprints

const SAMPLE_5424 = Buffer.from('<165>1 2003-10-11T22:14:15.003456+02:00 mymachine.example.com evntslog 4321 ID47 [exampleSDID@32473 iut="3" eventSource="App"] it\'s "quoted"\nsecond line');
const SAMPLE_3164 = Buffer.from('<13>Oct 11 22:14:15 host1 prog[77]: h\xe9llo ${x} it\'s', 'latin1');
const SHOW = compileTemplate('${ISODATE} ${HOST} ${HOST_FROM} ${PROGRAM} ${PID} ${MSGID} ${FACILITY}.${LEVEL} [${TAGS}] ${SDATA} ${.SDATA.exampleSDID@32473.iut} ${.X.exampleSDID@32473.iut} ${MSG}');
const SHOW_OPTS = { tsFormat: 'rfc3339' as const, fracDigits: 6 };

function sampleMessage(): LogMessage {
  const m = new LogMessage({ sec: 1065903255, usec: 3456, gmtoff: 7200 });
  parseMessage(SAMPLE_5424, 0, SAMPLE_5424.length, defaultParseOptions({ localHostname: 'here', daemonPid: 1 }), m);
  return m;
}

function show(m: LogMessage): string {
  return SHOW.format(m, SHOW_OPTS);
}

/** plain data of a driver's settings; functions of a message are applied to a sample */
function fp(v: unknown, key = '', seen = new WeakSet<object>()): unknown {
  if (typeof v === 'function') {
    try {
      if (key === 'convert') return fp((v as (b: Buffer, s: number, e: number) => unknown)(SAMPLE_3164, 0, SAMPLE_3164.length));
      if (key === 'format' || key === 'fileName' || key === 'template') return fp((v as (m: LogMessage) => unknown)(sampleMessage()));
    } catch (err) {
      return `throws ${(err as Error).message}`;
    }
    return 'fn';
  }
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (v instanceof RegExp) return `/${v.source}/`;
  if (v instanceof LogMessage) return show(v);
  if (seen.has(v)) return '[seen]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => fp(x, '', seen));
  if (v instanceof Map) return [...v].map(([k, x]) => [fp(k, '', seen), fp(x, '', seen)]);
  if (v instanceof Set) return [...v].map((x) => fp(x, '', seen));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    // class instances: Zone objects are data; others (queues, contexts) are named only
    if (!('name' in v && 'offsetAt' in v) && !('fixed' in v)) return `<${proto?.constructor?.name ?? '?'}>`;
  }
  const out: Record<string, unknown> = {};
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec).sort()) out[k] = fp(rec[k], k, seen);
  // a reader recipe: what it makes of a sample line
  if ('parse' in rec && 'hostRules' in rec && 'tags' in rec) {
    try {
      const recipe = rec as unknown as Parameters<typeof buildMessage>[0];
      // a fixed "now", so stamps the parser fills in compare equal
      const r = { ...recipe, sourceName: 'probe', parse: { ...recipe.parse, now: () => ({ sec: 1700000000, usec: 0, gmtoff: 0 }) } };
      const sender = (rec.sender as { ip: string; resolvedName?: string } | undefined) ?? { ip: '192.0.2.7', resolvedName: 'peer.example.com' };
      // and a fixed receipt time (lines without a usable stamp take it)
      const realNow = Date.now;
      Date.now = () => 1700000000000;
      try {
        for (const line of [SAMPLE_3164, SAMPLE_5424]) {
          out[`#sample${line === SAMPLE_3164 ? 3164 : 5424}`] = show(buildMessage(r, localizedHostRules(r), line, 0, line.length, [], sender));
        }
      } finally {
        Date.now = realNow;
      }
    } catch (err) {
      out['#sample'] = `throws ${(err as Error).message}`;
    }
  }
  return out;
}

export function driversFingerprint(plan: Plan): string {
  const p = prepare(plan, { dryRun: true });
  return JSON.stringify({ sources: p.sources.map((s) => fp(s.effective)), destinations: p.destinations.map((d) => fp(d.effective)) });
}

export function tlsFingerprint(plan: Plan): string {
  const decls = [...plan.sources.values(), ...plan.destinations.values()].flatMap((x) => x.drivers);
  const blocks = decls.map((d) => d.options.values.tls).filter((b) => typeof b === 'object' && b !== null && !Array.isArray(b) && b.kind === 'block');
  return JSON.stringify(blocks.map((b) => fp(tlsOptionsFromBlock(b as Parameters<typeof tlsOptionsFromBlock>[0]))));
}

/** `what` names the case in failures only: both configs of a case share one file name, so locations compare equal */
export function compile(text: string, _what: string): Plan {
  const file = path.join(F.dir, 'probe.conf');
  fs.writeFileSync(file, text);
  return parseConfigText(text, file);
}

/** warnings of `b` that `a` did not have (obsolete-keyword notices are not about the option's effect) */
export function newWarnings(a: Plan, b: Plan): string[] {
  const strip = (w: string) => w.replace(/^[^:]*:\d+:\d+: /, '');
  const before = new Set(a.warnings.map(strip));
  return b.warnings.filter((w) => !before.has(strip(w)) && !/obsoleted keyword/.test(w));
}

