import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_SCHEMAS, DRIVERS, schemas } from '../../src/config/index.ts';
import type { OptionBlock, OptionValue } from '../../src/config/plan.ts';
import { parse } from './helpers.ts';

function block(v: OptionValue | undefined): OptionBlock {
  assert.ok(typeof v === 'object' && !Array.isArray(v) && v.kind === 'block');
  return v;
}

test('schema tables: every row has a name, a type and a doc line; names are kebab-case', () => {
  let rows = 0;
  for (const s of ALL_SCHEMAS) {
    for (const r of s.rows) {
      rows++;
      assert.match(r.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${s.name} ${r.name}`);
      assert.ok(r.doc.length > 5, `${s.name} ${r.name} has a doc line`);
      assert.ok(!r.doc.includes('\n'));
    }
  }
  assert.ok(rows > 150, `${rows} rows`);
  assert.equal(DRIVERS.tcp6.fixed?.ipProtocol, 6);
  assert.ok(schemas.tlsSchema.rows.some((r) => r.name === 'sni' && r.sides?.includes('destination') && !r.sides.includes('source')));
});

test('global defaults (config-language.md §7) all appear in values', () => {
  const v = parse('').options.values;
  assert.equal(v['keep-hostname'], false);
  assert.equal(v['chain-hostnames'], false);
  assert.equal(v['use-dns'], 'yes');
  assert.equal(v['dns-cache-size'], 1007);
  assert.equal(v['dns-cache-expire'], 3600);
  assert.equal(v['dns-cache-expire-failed'], 60);
  assert.equal(v['keep-timestamp'], true);
  assert.equal(v['log-msg-size'], 65536);
  assert.equal(v['log-fifo-size'], 10000);
  assert.equal(v['time-reopen'], 60);
  assert.equal(v['time-reap'], 60);
  assert.equal(v['flush-lines'], 100);
  assert.equal(v['mark-freq'], 1200);
  assert.equal(v['mark-mode'], 'host-idle');
  assert.equal(v['ts-format'], 'rfc3164');
  assert.equal(v['frac-digits'], 0);
  assert.equal(v['perm'], 0o600);
  assert.equal(v['dir-perm'], 0o700);
  assert.equal(v['min-iw-size-per-reader'], 100);
  const stats = block(v.stats);
  assert.deepEqual(stats.values, { freq: 0, level: 0, lifetime: 600, 'max-dynamics': -1, 'syslog-stats': 'auto', 'healthcheck-freq': 300 });
  assert.equal(v['recv-time-zone'], undefined, 'unset means local');
});

test('network() source and destination defaults (drivers.md §2, §7, §9)', () => {
  const p = parse('source s { network(); syslog(); };\ndestination d { network("h"); syslog("h" transport(udp)); syslog("h" transport(tls) tls(peer-verify(none))); };');
  const [n, sy] = p.sources.get('s')!.drivers;
  assert.equal(n.options.values.port, 514);
  assert.equal(n.options.values.transport, 'tcp');
  assert.equal(n.options.values.ip, '0.0.0.0');
  assert.equal(n.options.values['max-connections'], 10);
  assert.equal(n.options.values['listen-backlog'], 255);
  assert.equal(n.options.values['log-iw-size'], 1000);
  assert.equal(n.options.values['log-fetch-limit'], 10);
  assert.equal(n.options.values['so-keepalive'], true);
  assert.equal(n.options.values['tcp-keepalive-time'], 60);
  assert.equal(n.options.values['default-facility'], 'user');
  assert.equal(n.options.values['default-severity'], 'notice');
  assert.equal(n.options.values['sdata-prefix'], '.SDATA.');
  assert.equal(sy.options.values.port, 601);
  const [dn, du, dt] = p.destinations.get('d')!.drivers;
  assert.equal(dn.options.values.port, 514);
  assert.equal(dn.options.values['time-reopen'], 60);
  assert.equal(dn.options.values['close-on-input'], true);
  assert.equal(dn.options.values.localport, 0);
  assert.equal(dn.options.values['truncate-size'], undefined);
  assert.equal(du.options.values.port, 514);
  assert.equal(du.options.values['truncate-size'], 65507);
  assert.equal(dt.options.values.port, 6514);
  const tls = block(dt.options.values.tls);
  assert.equal(tls.values['peer-verify'], 'optional-untrusted');
  assert.deepEqual(tls.values['ssl-options'], ['no-sslv2']);
  assert.equal(tls.values.sni, false);
  assert.equal(tls.values['allow-compress'], false);
});

test('inheritance: unset driver options take the global value, set ones keep theirs', () => {
  const p = parse(`options { keep-hostname(yes); log-msg-size(8k); time-reopen(5); log-fifo-size(50); send-time-zone("+01:00"); recv-time-zone("UTC"); create-dirs(yes); };
source s { network(); network(keep-hostname(no) log-msg-size(1MiB)); };
destination d { network("h"); file("/tmp/x" log-fifo-size(7)); };`);
  const [a, b] = p.sources.get('s')!.drivers;
  assert.equal(a.options.values['keep-hostname'], true);
  assert.equal(a.options.values['log-msg-size'], 8000);
  assert.equal(a.options.values['time-zone'], 'UTC');
  assert.equal(b.options.values['keep-hostname'], false);
  assert.equal(b.options.values['log-msg-size'], 1048576);
  const [n, f] = p.destinations.get('d')!.drivers;
  assert.equal(n.options.values['time-reopen'], 5);
  assert.equal(n.options.values['log-fifo-size'], 50);
  assert.equal(n.options.values['time-zone'], '+01:00');
  assert.equal(f.options.values['log-fifo-size'], 7);
  assert.equal(f.options.values['create-dirs'], true);
});

test('aliases: localip/localport/destport, default-priority, tcp-keepalive, send-time-zone', () => {
  const p = parse(`source s { network(localip(127.0.0.1) localport(1514) default-priority(err) tcp-keepalive(no)); };
destination d { network("h" destport(1600) send-time-zone("UTC")); };`);
  const s = p.sources.get('s')!.drivers[0].options.values;
  assert.equal(s.ip, '127.0.0.1');
  assert.equal(s.port, 1514);
  assert.equal(s['default-severity'], 'err');
  assert.equal(s['so-keepalive'], false);
  const d = p.destinations.get('d')!.drivers[0].options.values;
  assert.equal(d.port, 1600);
  assert.equal(d['time-zone'], 'UTC');
  assert.equal(p.warnings.length, 0);
});

test('obsolete spellings are accepted with the syslog-ng warning text', () => {
  const p = parse('options { long_hostnames(yes); stats-freq(10); log-iw-size(100); };\ndestination d { network("h" transport(tls) tls(trusted-keys("SHA1:00") curve-list("prime256v1"))); };');
  assert.equal(p.options.values['chain-hostnames'], true);
  assert.equal(block(p.options.values.stats).values.freq, 10);
  assert.ok(p.warnings.includes("test.conf:1:11: WARNING: Your configuration file uses an obsoleted keyword, please update your configuration; keyword='long_hostnames', change='chain-hostnames'"));
  assert.ok(p.warnings.some((w) => w.includes('Support for the global log-iw-size() option was removed')));
  const tls = block(p.destinations.get('d')!.drivers[0].options.values.tls);
  // trusted-keys() keeps its own row: unlike trusted-fingerprints() it never vouches for an invalid leaf
  assert.deepEqual(tls.values['trusted-keys'], ['SHA1:00']);
  assert.equal(tls.values['ecdh-curve-list'], 'prime256v1');
  assert.ok(p.warnings.some((w) => w.includes("keyword='trusted-keys', change='trusted-fingerprints'")));
});

test('enumerated values: case-insensitive with _ for -, yes/no forms', () => {
  const p = parse(`destination d { network("h" transport(tls) tls(peer-verify(Required_Untrusted) ssl-options(NO_SSLV3, no-tlsv1) ssl-version(TLSv1_2))); };
source s { network(transport(tls) tls(peer-verify(no))); network(transport(tls) tls(peer-verify(1) ssl-options())); };`);
  const t = block(p.destinations.get('d')!.drivers[0].options.values.tls).values;
  assert.equal(t['peer-verify'], 'required-untrusted');
  assert.deepEqual(t['ssl-options'], ['no-sslv3', 'no-tlsv1']);
  assert.equal(t['ssl-version'], 'tlsv1-2');
  const [a, b] = p.sources.get('s')!.drivers;
  assert.equal(block(a.options.values.tls).values['peer-verify'], 'optional-untrusted');
  assert.equal(block(b.options.values.tls).values['peer-verify'], 'required-trusted');
  assert.deepEqual(block(b.options.values.tls).values['ssl-options'], []);
});

test('yesno accepts yes/on/no/off and numbers', () => {
  const p = parse('options { use-fqdn(on); check-hostname(1); keep-timestamp(off); threaded(0); };');
  assert.equal(p.options.values['use-fqdn'], true);
  assert.equal(p.options.values['check-hostname'], true);
  assert.equal(p.options.values['keep-timestamp'], false);
  assert.equal(p.options.values.threaded, false);
});

test('port() takes a service name; an unknown one warns and gives 0', () => {
  const p = parse('source s { network(port("syslog-tls")); network(port(no-such-service-x)); };');
  const [a, b] = p.sources.get('s')!.drivers;
  assert.equal(a.options.values.port, 6514);
  assert.equal(b.options.values.port, 0);
  assert.ok(p.warnings.some((w) => w.includes("Error finding port number, falling back to default; service='tcp/no-such-service-x'")));
});

test('invalid ts-format() warns and falls back to rfc3164', () => {
  const p = parse('options { ts-format(weird); };');
  assert.equal(p.options.values['ts-format'], 'rfc3164');
  assert.ok(p.warnings.some((w) => w.includes("value='weird'")));
});
