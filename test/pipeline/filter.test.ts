import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FilterArg, FilterExpr, SourceLocation } from '../../src/config/plan.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { FilterError, compileFilter, compareTyped } from '../../src/pipeline/filter.ts';
import { pcreToRegExp, PcreTranslateError } from '../../src/pipeline/filter-regex.ts';
import { parseIpv6 } from '../../src/pipeline/filter-netmask.ts';

const loc = (line: number, column = 1): SourceLocation => ({ file: 'f.conf', line, column });
const v = (text: string, quoted = true): FilterArg => ({ kind: 'value', text, quoted, loc: loc(1, 9) });
const r = (from: string, to: string): FilterArg => ({ kind: 'range', from, to, loc: loc(1, 9) });
const o = (name: string, ...args: FilterArg[]): FilterArg => ({ kind: 'option', name, args, loc: loc(1, 20) });
const call = (name: string, ...args: FilterArg[]): FilterExpr => ({ kind: 'call', name, args, loc: loc(3, 5) });
const and = (left: FilterExpr, right: FilterExpr): FilterExpr => ({ kind: 'and', left, right });
const or = (left: FilterExpr, right: FilterExpr): FilterExpr => ({ kind: 'or', left, right });
const not = (expr: FilterExpr): FilterExpr => ({ kind: 'not', expr });
const tpl = (text: string) => ({ kind: 'template' as const, text, escape: false, loc: loc(4) });
const cmp = (left: string, op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', right: string, numeric: boolean): FilterExpr => ({ kind: 'compare', op, numeric, left: tpl(left), right: tpl(right), loc: loc(4) });

const none = () => undefined;
const f = (e: FilterExpr, lookup: (n: string) => FilterExpr | undefined = none) => compileFilter(e, lookup);

function msg(pri = 13, patch: Partial<LogMessage> = {}): LogMessage {
  const m = new LogMessage({ sec: 1700000000, usec: 0, gmtoff: 0 });
  m.pri = pri;
  m.host = 'web01.example.com';
  m.program = 'sshd';
  m.pid = '42';
  m.message = 'Accepted publickey for root';
  Object.assign(m, patch);
  return m;
}

function throwsAt(fn: () => unknown, re: RegExp, line: number, column?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FilterError, String(e));
    assert.match(e.reason, re);
    assert.equal(e.loc.line, line);
    if (column !== undefined) assert.equal(e.loc.column, column);
    assert.ok(e.message.startsWith(`f.conf:${e.loc.line}:${e.loc.column}: `));
    return true;
  });
}

test('facility(): names, ranges, single numbers, aliases', () => {
  const user = msg(8 + 5);
  const local3 = msg(19 * 8 + 3);
  assert.equal(f(call('facility', v('user')))(user), true);
  assert.equal(f(call('facility', v('USER')))(user), true);
  assert.equal(f(call('facility', v('daemon'), v('user')))(user), true);
  assert.equal(f(call('facility', v('daemon')))(user), false);
  assert.equal(f(call('facility', r('local0', 'local7')))(local3), true);
  assert.equal(f(call('facility', r('local7', 'local4')))(local3), false);
  assert.equal(f(call('facility', v('19', false)))(local3), true);
  assert.equal(f(call('facility', v('1', false)))(local3), false);
  assert.equal(f(call('facility', v('megasafe')))(msg(10 * 8)), true);
  assert.equal(f(call('facility', v('kern')))(msg(100 * 8)), false);
  assert.equal(f(call('facility', v('100', false)))(msg(100 * 8)), true);
  throwsAt(() => f(call('facility', v('bogus'))), /Unknown facility "bogus"/, 1, 9);
  throwsAt(() => f(call('facility', v('1', false), v('2', false))), /single number/, 1);
});

test('level()/priority()/severity(): names, aliases, ranges in either order', () => {
  const err = msg(3);
  for (const name of ['level', 'priority', 'severity']) {
    assert.equal(f(call(name, v('err')))(err), true);
    assert.equal(f(call(name, v('error')))(err), true);
  }
  assert.equal(f(call('level', r('emerg', 'err')))(err), true);
  assert.equal(f(call('level', r('err', 'emerg')))(err), true);
  assert.equal(f(call('level', r('warning', 'debug')))(err), false);
  assert.equal(f(call('level', v('info'), v('crit')))(msg(2)), true);
  assert.equal(f(call('level', v('panic')))(msg(0)), true);
  throwsAt(() => f(call('level', v('loud'))), /Unknown priority level "loud"/, 1);
});

test('program(), host(), message(): PCRE by default, unanchored, with type() and flags()', () => {
  const m = msg();
  assert.equal(f(call('program', v('^ssh')))(m), true);
  assert.equal(f(call('program', v('^SSH')))(m), false);
  assert.equal(f(call('program', v('^SSH'), o('flags', v('ignore-case'))))(m), true);
  assert.equal(f(call('program', v('^SSH'), o('flags', v('icase'))))(m), true);
  assert.equal(f(call('host', v('\\.example\\.com$')))(m), true);
  assert.equal(f(call('message', v('publickey')))(m), true);
  assert.equal(f(call('message', v('Accepted'), o('type', v('string'))))(m), false);
  assert.equal(f(call('message', v('Accepted'), o('type', v('string')), o('flags', v('prefix'))))(m), true);
  assert.equal(f(call('message', v('PUBLICKEY'), o('type', v('string')), o('flags', v('substring'), v('ignore_case'))))(m), true);
  assert.equal(f(call('program', v('sshd'), o('type', v('string'))))(m), true);
  assert.equal(f(call('program', v('SSHD'), o('type', v('string')), o('flags', v('ignore-case'))))(m), true);
  assert.equal(f(call('host', v('web??.*'), o('type', v('glob'))))(m), true);
  assert.equal(f(call('host', v('web?.*'), o('type', v('glob'))))(m), false);
  assert.equal(f(call('program', v('^$')))(msg(13, { program: '' })), true);
  throwsAt(() => f(call('program', v('x'), o('type', v('posixx')))), /unknown matcher type "posixx"/, 1, 20);
  throwsAt(() => f(call('program', v('x'), o('flags', v('fast')))), /unknown matcher flag "fast"/, 1, 20);
  throwsAt(() => f(call('program')), /needs a pattern/, 3, 5);
});

test('match(): value(), template(), and the PROGRAM[PID]: MESSAGE fallback', () => {
  const m = msg();
  m.values.set('SOURCEIP', '10.1.2.3');
  m.values.set('.tls.x509_cn', 'client1');
  assert.equal(f(call('match', v('^client'), o('value', v('.tls.x509_cn'))))(m), true);
  assert.equal(f(call('match', v('^client'), o('value', v('$.tls.x509_cn'))))(m), true);
  assert.equal(f(call('match', v('^10\\.'), o('value', v('SOURCEIP'))))(m), true);
  assert.equal(f(call('match', v('^auth$'), o('value', v('FACILITY'))))(msg(4 * 8 + 6)), true);
  assert.equal(f(call('match', v('^sshd\\[42\\]: Accepted')))(m), true);
  assert.equal(f(call('match', v('^: x$')))(msg(13, { program: '', pid: '', message: 'x' })), true);
  assert.equal(f(call('match', v('^web01 sshd$'), o('template', v('${HOST:-none} ${PROGRAM}'))))(msg(13, { host: 'web01' })), true);
  throwsAt(() => f(call('match', v('x'), o('value', v('$(echo)')))), /cannot contain a full template string/, 1, 20);
  throwsAt(() => f(call('match', v('x'), o('template', v('${HOST')))), /'}' is missing/, 3);
});

test('PCRE features are translated, unsupported ones are rejected with the location', () => {
  const m = msg(13, { message: 'line\n' });
  assert.equal(f(call('message', v('line$')))(m), true, 'PCRE $ matches before a final newline');
  assert.equal(f(call('message', v('line\\z')))(m), false);
  assert.equal(f(call('message', v('(?i)LINE')))(m), true);
  assert.equal(f(call('program', v('(?P<n>ss)h(?P=n)?d')))(msg()), true);
  assert.equal(f(call('program', v('^[[:alpha:]]+$')))(msg()), true);
  assert.equal(f(call('program', v('^[]x]')))(msg(13, { program: ']' })), true);
  assert.equal(f(call('message', v('a.b')))(msg(13, { message: 'a\rb' })), true, '. matches CR in PCRE');
  assert.equal(f(call('message', v('a.b')))(msg(13, { message: 'a\nb' })), false);
  assert.equal(f(call('message', v('\\Qa.b\\E')))(msg(13, { message: 'a.b' })), true);
  assert.equal(f(call('message', v('\\Qa.b\\E')))(msg(13, { message: 'axb' })), false);
  assert.equal(f(call('message', v('a\\sb')))(msg(13, { message: 'a\u00a0b' })), false, '\\s is ASCII-only in PCRE');
  throwsAt(() => f(call('message', v('a++'))), /possessive quantifier/, 1, 9);
  throwsAt(() => f(call('message', v('(?>a)'))), /atomic group/, 1);
  throwsAt(() => f(call('message', v('(a)(?1)'))), /recursion/, 1);
  throwsAt(() => f(call('message', v('a\\Kb'))), /\\K/, 1);
  throwsAt(() => f(call('message', v('(unclosed'))), /compiling the regexp failed/, 1);
});

test('pcreToRegExp details', () => {
  assert.equal(pcreToRegExp('\\x{41}\\x42').test('AB'), true);
  assert.equal(pcreToRegExp('^a\\Z').test('a\n'), true);
  assert.equal(pcreToRegExp('(?s)a.b').test('a\nb'), true);
  assert.equal(pcreToRegExp('(?m)^b$').test('a\nb\nc'), true);
  assert.equal(pcreToRegExp('a(?#comment)b').test('ab'), true);
  assert.equal(pcreToRegExp('a(?i:B)c').test('abc'), true);
  assert.equal(pcreToRegExp('a(?i:B)c').test('abC'), false);
  assert.equal(pcreToRegExp('a{2,}').test('aa'), true);
  assert.equal(pcreToRegExp('a*?b').test('aab'), true);
  assert.equal(pcreToRegExp('x/y').test('x/y'), true);
  assert.equal(pcreToRegExp('line$', { newline: true }).test('line\r\n'), true);
  assert.throws(() => pcreToRegExp('(?x) a'), PcreTranslateError);
  assert.throws(() => pcreToRegExp('a(?i)b'), PcreTranslateError);
});

test('netmask(): IPv4 CIDR and dotted masks; local messages count as 127.0.0.1', () => {
  const m = msg();
  m.values.set('SOURCEIP', '10.1.2.3');
  assert.equal(f(call('netmask', v('10.0.0.0/8')))(m), true);
  assert.equal(f(call('netmask', v('10.0.0.0/255.0.0.0')))(m), true);
  assert.equal(f(call('netmask', v('10.1.2.3')))(m), true);
  assert.equal(f(call('netmask', v('10.1.2.4')))(m), false);
  assert.equal(f(call('netmask', v('192.168.0.0/16')))(m), false);
  assert.equal(f(call('netmask', v('0.0.0.0/0')))(m), true);
  assert.equal(f(call('netmask', v('127.0.0.0/8')))(msg()), true);
  const v6 = msg();
  v6.values.set('SOURCEIP', '::ffff:10.1.2.3');
  assert.equal(f(call('netmask', v('10.0.0.0/8')))(v6), false);
  throwsAt(() => f(call('netmask', v('10.0.0/8'))), /invalid netmask\(\) argument/, 1, 9);
  throwsAt(() => f(call('netmask', v('10.0.0.0/33'))), /invalid netmask/, 1);
});

test('netmask6(): prefixes, full addresses, v4 senders never match, local = ::1', () => {
  const m = msg();
  m.values.set('SOURCEIP', '2001:db8:1::42');
  assert.equal(f(call('netmask6', v('2001:db8::/32')))(m), true);
  assert.equal(f(call('netmask6', v('2001:db8:2::/48')))(m), false);
  assert.equal(f(call('netmask6', v('2001:db8:1::42')))(m), true);
  assert.equal(f(call('netmask6', v('2001:db8:1::/127')))(m), false);
  assert.equal(f(call('netmask6', v('::1')))(msg()), true);
  const v4 = msg();
  v4.values.set('SOURCEIP', '10.0.0.1');
  assert.equal(f(call('netmask6', v('::/1')))(v4), false);
  const mapped = msg();
  mapped.values.set('SOURCEIP', '::ffff:10.0.0.1');
  assert.equal(f(call('netmask6', v('::ffff:0:0/96')))(mapped), true);
  throwsAt(() => f(call('netmask6', v('2001:db8::/0'))), /invalid netmask6/, 1);
  throwsAt(() => f(call('netmask6', v('2001:zz::/32'))), /invalid netmask6/, 1);
  assert.deepEqual([...parseIpv6('::ffff:1.2.3.4')!], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual([...parseIpv6('1:2:3:4:5:6:7:8')!].slice(14), [0, 8]);
  assert.equal(parseIpv6('1::2::3'), undefined);
  assert.equal(parseIpv6('1:2:3:4:5:6:7:8:9'), undefined);
});

test('filter(): references, shared compilation, missing names and cycles', () => {
  const defs: Record<string, FilterExpr> = {
    f_err: call('level', r('emerg', 'err')),
    f_ssh: call('program', v('^sshd$')),
    f_both: and(call('filter', v('f_err')), call('filter', v('f_ssh'))),
    f_loop_a: call('filter', v('f_loop_b')),
    f_loop_b: or(call('facility', v('user')), call('filter', v('f_loop_a'))),
    f_self: call('filter', v('f_self')),
  };
  const lookup = (n: string) => defs[n];
  assert.equal(f(call('filter', v('f_both')), lookup)(msg(3)), true);
  assert.equal(f(call('filter', v('f_both')), lookup)(msg(6)), false);
  assert.equal(f(or(call('filter', v('f_err')), call('filter', v('f_err'))), lookup)(msg(2)), true);
  throwsAt(() => f(call('filter', v('nope')), lookup), /Referenced filter rule not found.*rule='nope'/, 3);
  throwsAt(() => f(call('filter', v('f_loop_a')), lookup), /Loop detected in filter rule; rule='f_loop_a'/, 3);
  throwsAt(() => f(call('filter', v('f_self')), lookup), /Loop detected/, 3);
});

test('tags(): any of the listed tags', () => {
  const m = msg();
  m.tags.push('.source.s_net', 'syslog.missing_pri');
  assert.equal(f(call('tags', v('x'), v('syslog.missing_pri')))(m), true);
  assert.equal(f(call('tags', v('x')))(m), false);
  throwsAt(() => f(call('tags')), /at least one tag/, 3);
});

test('in-list(): exact lines of a file against a value', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-inlist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts.list');
  writeFileSync(file, 'web01.example.com\n\ndb01\r\nlast');
  assert.equal(f(call('in-list', v(file), o('value', v('HOST'))))(msg()), true);
  assert.equal(f(call('in-list', v(file), v('$HOST')))(msg(13, { host: 'last' })), true);
  assert.equal(f(call('in-list', v(file), v('HOST')))(msg(13, { host: 'db01' })), false, 'CR stays part of the line');
  assert.equal(f(call('in-list', v(file), v('HOST')))(msg(13, { host: '' })), false);
  throwsAt(() => f(call('in-list', v(join(dir, 'missing')), v('HOST'))), /Error opening in-list filter list file/, 1, 9);
  throwsAt(() => f(call('in-list', v(file))), /takes a file name and value/, 3);
});

test('string comparisons (eq, ne, lt…) compare bytes of the expanded templates', () => {
  const m = msg();
  assert.equal(f(cmp('$PROGRAM', 'eq', 'sshd', false))(m), true);
  assert.equal(f(cmp('$PROGRAM', 'ne', 'sshd', false))(m), false);
  assert.equal(f(cmp('${PID}', 'lt', '5', false))(m), true, '"42" < "5" as strings');
  assert.equal(f(cmp('b', 'gt', 'a', false))(m), true);
  assert.equal(f(cmp('ab', 'ge', 'ab', false))(m), true);
  assert.equal(f(cmp('ab', 'le', 'abc', false))(m), true);
});

test('numeric comparisons are syslog-ng 4 type-aware', () => {
  const m = msg(3);
  assert.equal(f(cmp('$LEVEL_NUM', 'le', '4', true))(m), true);
  assert.equal(f(cmp('$SEVERITY_NUM', 'lt', '3', true))(m), false);
  assert.equal(f(cmp('$PID', 'gt', '5', true))(m), true, 'string vs number compares numerically');
  assert.equal(f(cmp('$PID', 'eq', '42', true))(m), true);
  assert.equal(f(cmp('$HOST', 'eq', '0', true))(m), false, 'NaN never equals');
  assert.equal(f(cmp('$HOST', 'ne', '0', true))(m), true, 'NaN is never equal');
  assert.equal(f(cmp('$PID', 'lt', '${HOST}', true))(m), true, 'two strings compare as text');
  assert.equal(compareTyped('eq', '1.0', 'string', '1', 'integer'), true);
  assert.equal(compareTyped('eq', '0x10', 'string', '16', 'integer'), true);
  assert.equal(compareTyped('eq', '', 'null', '', 'null'), true);
  assert.equal(compareTyped('ne', 'x', 'string', '', 'null'), true);
  assert.equal(compareTyped('gt', '[1]', 'json', '0', 'integer'), false);
});

test('and / or / not compose', () => {
  const e = or(and(call('facility', v('auth')), not(call('level', v('debug')))), call('program', v('^cron$')));
  const g = f(e);
  assert.equal(g(msg(4 * 8 + 6)), true);
  assert.equal(g(msg(4 * 8 + 7)), false);
  assert.equal(g(msg(3 * 8 + 7, { program: 'cron' })), true);
  assert.equal(g(msg(3 * 8 + 6)), false);
});

test('unknown filter functions are rejected', () => {
  throwsAt(() => f(call('bogus', v('x'))), /filter plugin bogus not found/, 3, 5);
});
