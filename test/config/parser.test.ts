import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterExpr, LogItem, OptionBlock, OptionValue, TemplateSpec } from '../../src/config/plan.ts';
import { parse } from './helpers.ts';

type Bin = Extract<FilterExpr, { left: FilterExpr }>;

function block(v: OptionValue | undefined): OptionBlock {
  assert.ok(typeof v === 'object' && !Array.isArray(v) && v.kind === 'block', 'is a block');
  return v;
}

test('options {}: several statements, later wins, aliases resolved', () => {
  const p = parse('options { keep_hostname(yes); log-msg-size(64KiB); };\noptions { keep-hostname(no); time-zone("+02:00"); };');
  assert.equal(p.options.values['keep-hostname'], false);
  assert.equal(p.options.values['log-msg-size'], 65536);
  assert.equal(p.options.values['send-time-zone'], '+02:00');
  assert.deepEqual(p.options.locs['keep-hostname'], { file: 'test.conf', line: 2, column: 11 });
});

test('source with several drivers', () => {
  const p = parse('source s_net { network(port(514) transport(udp)); syslog(port(6601)); };');
  const s = p.sources.get('s_net')!;
  assert.equal(s.drivers.length, 2);
  assert.equal(s.drivers[0].driver, 'network');
  assert.equal(s.drivers[0].options.values.transport, 'udp');
  assert.equal(s.drivers[1].options.values.port, 6601);
  assert.deepEqual(s.loc, { file: 'test.conf', line: 1, column: 1 });
});

test('quoted object names', () => {
  const p = parse('source "s demo" { internal(); }; log { source("s demo"); };');
  assert.ok(p.sources.has('s demo'));
  assert.deepEqual(p.logPaths[0].sources, ['s demo']);
});

test('destination with positional host and options in any order', () => {
  const p = parse('destination d { syslog(port(6514) "10.1.2.3" transport("tls") tls(peer-verify(optional_untrusted))); };');
  const d = p.destinations.get('d')!.drivers[0];
  assert.deepEqual(d.positional, ['10.1.2.3']);
  assert.equal(block(d.options.values.tls).values['peer-verify'], 'optional-untrusted');
});

test('legacy tcp6()/udp() map to network with transport and ip-protocol', () => {
  const p = parse('source s { tcp6(port(1514)); udp(); };');
  const [a, b] = p.sources.get('s')!.drivers;
  assert.equal(a.driver, 'network');
  assert.equal(a.alias, 'tcp6');
  assert.equal(a.options.values.transport, 'tcp');
  assert.equal(a.options.values['ip-protocol'], 6);
  assert.equal(a.options.values.ip, '::');
  assert.equal(b.alias, 'udp');
  assert.equal(b.options.values.transport, 'udp');
  assert.equal(b.options.values.port, 514);
  assert.equal(b.options.values['log-iw-size'], 100);
});

test('template statement: both forms; template() by reference and inline', () => {
  const p = parse(`
template t1 { template("\${HOST} \${MSG}\\n"); template-escape(yes); };
template t2 "\${ISODATE}\\n";
destination d { file("/tmp/a" template(t1)); file("/tmp/b" template("\${MSG}\\n") template-escape(yes)); stdout(template(t2)); };
`);
  assert.equal(p.templates.get('t1')!.text, '${HOST} ${MSG}\n');
  assert.equal(p.templates.get('t1')!.escape, true);
  assert.equal(p.templates.get('t2')!.escape, false);
  const [f1, f2, so] = p.destinations.get('d')!.drivers;
  const t1 = f1.options.values.template as TemplateSpec;
  assert.equal(t1.name, 't1');
  assert.equal(t1.escape, true);
  const inline = f2.options.values.template as TemplateSpec;
  assert.equal(inline.name, undefined);
  assert.equal(inline.text, '${MSG}\n');
  assert.equal(inline.escape, true);
  assert.deepEqual(inline.loc, { file: 'test.conf', line: 4, column: 69 });
  assert.equal((so.options.values.template as TemplateSpec).name, 't2');
});

test('filter: precedence, not, parentheses, ranges, nested options, comparisons', () => {
  const p = parse(`filter f { facility(local0..local7, user) and not (level(err..emerg) or program("^sshd$")) or match("fo*" value("MSG") type(glob) flags(ignore-case)); };
filter g { "\${PID}" >= "100" and "$HOST" eq "a"; };
filter h { filter(f) and tags("t1", "t2") and netmask(10.0.0.0/8) and priority(info); };`);
  const f = p.filters.get('f')!.expr;
  assert.equal(f.kind, 'or');
  const or = f as Bin;
  assert.equal(or.left.kind, 'and');
  const and = or.left as Bin;
  assert.equal(and.right.kind, 'not');
  const fac = and.left as Extract<FilterExpr, { kind: 'call' }>;
  assert.equal(fac.name, 'facility');
  assert.deepEqual(fac.args[0], { kind: 'range', from: 'local0', to: 'local7', loc: { file: 'test.conf', line: 1, column: 21 } });
  const m = or.right as Extract<FilterExpr, { kind: 'call' }>;
  assert.equal(m.name, 'match');
  assert.equal(m.args.length, 4);
  const flagsOpt = m.args[3] as Extract<typeof m.args[number], { kind: 'option' }>;
  assert.equal(flagsOpt.kind, 'option');
  assert.equal(flagsOpt.name, 'flags');
  assert.deepEqual(flagsOpt.args.map((a) => (a.kind === 'value' ? a.text : a.kind)), ['ignore-case']);
  assert.deepEqual(flagsOpt.loc, { file: 'test.conf', line: 1, column: 131 });
  const g = p.filters.get('g')!.expr as Bin;
  const cmp = g.left as Extract<FilterExpr, { kind: 'compare' }>;
  assert.equal(cmp.op, 'ge');
  assert.equal(cmp.numeric, true);
  assert.equal(cmp.left.text, '${PID}');
  const cmp2 = g.right as Extract<FilterExpr, { kind: 'compare' }>;
  assert.equal(cmp2.op, 'eq');
  assert.equal(cmp2.numeric, false);
  // priority() is level()
  const h = p.filters.get('h')!.expr as Bin;
  assert.equal((h.right as Extract<FilterExpr, { kind: 'call' }>).name, 'level');
});

test('log path: references, inline objects with generated names, nested log, flags', () => {
  const p = parse(`
source s { internal(); };
destination d { stdout(); };
filter f { level(info); };
log l1 {
  source(s);
  source { network(port(1514)); };
  filter(f);
  filter { program("x"); };
  destination(d);
  destination { file("/tmp/x"); };
  log { destination(d); flags(final); };
  flags(flow-control, final);
};`);
  const l = p.logPaths[0];
  assert.equal(l.name, 'l1');
  assert.deepEqual(l.sources, ['s', '#anon-source0']);
  assert.ok(p.sources.has('#anon-source0'));
  assert.deepEqual(l.items.map((i) => i.kind), ['filter', 'filter', 'destination', 'destination', 'log']);
  assert.equal((l.items[1] as { name: string }).name, '#anon-filter0');
  assert.ok(p.filters.has('#anon-filter0'));
  assert.equal((l.items[3] as { name: string }).name, '#anon-destination0');
  assert.ok(p.destinations.has('#anon-destination0'));
  assert.deepEqual(l.flags, { final: true, fallback: false, catchall: false, flowControl: true, noFlowControl: false });
  const nested = l.items[4] as Extract<LogItem, { kind: 'log' }>;
  assert.equal(nested.path.flags.final, true);
});

test('log path: junction with channels and if/elif/else', () => {
  const p = parse(`
source s { internal(); };
destination a { stdout(); };
destination b { stdout(); };
log {
  source(s);
  junction {
    channel { filter { level(err); }; destination(a); flags(final); };
    channel { destination(b); };
  };
  if (level(err)) { destination(a); } elif (program("x")) { destination(b); } else { destination(a); destination(b); };
};`);
  const items = p.logPaths[0].items;
  const j = items[0] as Extract<LogItem, { kind: 'junction' }>;
  assert.equal(j.kind, 'junction');
  assert.equal(j.branches.length, 2);
  assert.equal(j.branches[0].flags.final, true);
  const i = items[1] as Extract<LogItem, { kind: 'if' }>;
  assert.equal(i.branches.length, 3);
  assert.equal(i.branches[0].cond?.kind, 'call');
  assert.equal(i.branches[2].cond, undefined);
  assert.equal(i.branches[2].body.items.length, 2);
});

test('log flags: catch-all spelling, underscores, drop-unmatched warns', () => {
  const p = parse('log { flags(catch-all, no_flow_control, fallback, drop-unmatched); };');
  assert.equal(p.logPaths[0].flags.catchall, true);
  assert.equal(p.logPaths[0].flags.noFlowControl, true);
  assert.equal(p.logPaths[0].flags.fallback, true);
  assert.ok(p.warnings.some((w) => w.startsWith('test.conf:1:51: WARNING:') && w.includes('drop-unmatched')));
});

test('objects may be referenced before they are defined', () => {
  const p = parse('log { source(s); destination(d); };\nsource s { internal(); };\ndestination d { stdout(); };');
  assert.equal(p.logPaths.length, 1);
});

test('file source and destination options', () => {
  const p = parse(`
source s { file("/var/log/in.log" follow-freq(0.5) flags(no-parse) default-priority(warning) program-override("app") tags("a", "b")); };
destination d { file("/tmp/\${HOST}.log" create-dirs(yes) perm(0640) dir-perm(0750) owner("root") ts-format(iso) frac-digits(3) time-zone("UTC") flush-lines(10) flags(no-multi-line)); };`);
  const s = p.sources.get('s')!.drivers[0];
  assert.deepEqual(s.positional, ['/var/log/in.log']);
  assert.equal(s.options.values['follow-freq'], 0.5);
  assert.deepEqual(s.options.values.flags, ['no-parse']);
  assert.equal(s.options.values['default-severity'], 'warning');
  assert.deepEqual(s.options.values.tags, ['a', 'b']);
  const d = p.destinations.get('d')!.drivers[0];
  assert.equal(d.positional[0], '/tmp/${HOST}.log');
  assert.equal(d.options.values.perm, 0o640);
  assert.equal(d.options.values['dir-perm'], 0o750);
  assert.equal(d.options.values['ts-format'], 'rfc3339');
  assert.equal(d.options.values['frac-digits'], 3);
  assert.equal(d.options.values['time-zone'], 'UTC');
  assert.equal(d.options.values['flush-lines'], 10);
});

test('failover() with failback() and the deprecated failover-servers()', () => {
  const p = parse(`
destination a { syslog("p" failover(servers("f1", "f2") failback(tcp-probe-interval(120)))); };
destination b { network("p" failover-servers("x", "y")); };`);
  const fo = block(p.destinations.get('a')!.drivers[0].options.values.failover);
  assert.deepEqual(fo.values.servers, ['f1', 'f2']);
  const fb = block(fo.values.failback);
  assert.equal(fb.values['tcp-probe-interval'], 120);
  assert.equal(fb.values['successful-probes-required'], 3);
  const fo2 = block(p.destinations.get('b')!.drivers[0].options.values.failover);
  assert.deepEqual(fo2.values.servers, ['x', 'y']);
  assert.ok(p.warnings.some((w) => w.includes("keyword='failover-servers', change='failover(servers())'")));
});

test('openssl-conf-cmds() pairs and cipher-suite() block', () => {
  const p = parse(`destination d { network("h" transport(tls) tls(
    cipher-suite(tls12-and-older("A:B") tls13("TLS_AES_256_GCM_SHA384"))
    openssl-conf-cmds("CipherString" => "ECDHE-RSA-AES128-SHA", "Options" => "PrioritizeChaCha", "protocol" => "-ALL,TLSv1.3",)
  )); };`);
  const tls = block(p.destinations.get('d')!.drivers[0].options.values.tls);
  assert.deepEqual(tls.values['openssl-conf-cmds'], ['CipherString', 'ECDHE-RSA-AES128-SHA', 'Options', 'PrioritizeChaCha', 'Protocol', '-ALL,TLSv1.3']);
  const cs = block(tls.values['cipher-suite']);
  assert.equal(cs.values.tls13, 'TLS_AES_256_GCM_SHA384');
  const p2 = parse('destination d { network("h" transport(tls) tls(cipher-suite("X:Y"))); };');
  assert.equal(block(p2.destinations.get('d')!.drivers[0].options.values.tls).values['cipher-suite'], 'X:Y');
});

test('statements end with one or more semicolons; empty statements are fine', () => {
  const p = parse(';;source s { internal();; };;;');
  assert.ok(p.sources.has('s'));
});

test('unnamed top-level destination gets a generated name and a warning', () => {
  const p = parse('destination { stdout(); };');
  assert.ok(p.destinations.has('#anon-destination0'));
  assert.ok(p.warnings.some((w) => w.includes('unnamed destination')));
});
