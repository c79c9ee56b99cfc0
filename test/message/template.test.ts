import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogMessage } from '../../src/message/log-message.ts';
import {
  TemplateError,
  compileTemplate,
  compileTemplateWithTypeHint,
  compileTypedTemplate,
  defaultTemplateOptions,
  escapeTemplateValue,
  getLocalHostname,
  setLocalHostname,
} from '../../src/message/template.ts';
import { isoWeek } from '../../src/message/macros.ts';
import { wallClock } from '../../src/message/timefmt.ts';
import { resolveZone } from '../../src/message/timezone.ts';

const opts = defaultTemplateOptions;

/** The RFC 5424 test message of drivers.md §5.1, as a syslog() source would store it. */
function sample(): LogMessage {
  const m = new LogMessage({ sec: 1700000000, usec: 0, gmtoff: 0 });
  m.pri = 134;
  m.stamp = { sec: 1162083599, usec: 156789, gmtoff: 3600 };
  m.host = 'mymachine';
  m.hostFrom = 'vm';
  m.program = 'evntslog';
  m.pid = '3535';
  m.msgid = 'ID47';
  m.message = 'An application event';
  m.sourceName = 's_in';
  m.addSdParam('exampleSDID@0', 'iut', '3');
  m.addSdParam('exampleSDID@0', 'eventSource', 'App');
  m.addSdParam('meta', 'sysUpTime', '5');
  m.tags.push('.source.s_in');
  return m;
}

function fmt(text: string, m: LogMessage = sample(), o = opts, escape = false): string {
  return compileTemplate(text, escape).format(m, o);
}

test('message macros of a local message match syslog-ng 3.38 output', () => {
  const saved = getLocalHostname();
  setLocalHostname('vm');
  try {
    // recorded from syslog-ng 3.38 (file() source, flags(syslog-protocol), seqnum 1); fields 3.38 lacks
    // (PEERIP/PEERPORT/IP_PROTO) and its empty SOURCEPORT follow axosyslog 4.x instead
    const got = fmt(
      'F=$FACILITY|$FACILITY_NUM|$SEVERITY|$PRIORITY|$LEVEL|$SEVERITY_NUM|$LEVEL_NUM|$PRI|$TAG|$BSDTAG|TAGS=$TAGS|MSGHDR=$MSGHDR|LM=$LEGACY_MSGHDR|SD=$SDATA|$MSGFORMAT|SRC=$SOURCE|$SOURCEIP|$SOURCEPORT|$DESTIP|$DESTPORT|$PEERIP|$PEERPORT|$IP_PROTO|$PROTO|T=$TRANSPORT|$RAWMSG_SIZE|SEQ=$SEQNUM|$RCPTID|$UNIQID|$HOST|$HOST_FROM|$FULLHOST|$FULLHOST_FROM|$PROGRAM|$PID|$MSGID|$MSG|$MSGONLY|${.SDATA.exampleSDID@0.iut}|$LOGHOST',
      sample(),
      { ...opts, seqnum: 1 },
    );
    assert.equal(
      got,
      'F=local0|16|info|info|info|6|6|134|86|6Q|TAGS=.source.s_in|MSGHDR=evntslog[3535]: |LM=|SD=[exampleSDID@0 iut="3" eventSource="App"][meta sequenceId="1" sysUpTime="5"]||SRC=s_in|127.0.0.1|0|127.0.0.1|0|127.0.0.1|0|0|0|T=|0|SEQ=1|||mymachine|vm|mymachine|vm|evntslog|3535|ID47|An application event|An application event|3|vm',
    );
  } finally {
    setLocalHostname(saved);
  }
});

test('template syntax quirks match syslog-ng (defaults, $$, lone $, @N, backslash)', () => {
  // recorded from syslog-ng 3.38 with ts-format(full) template-escape(yes)
  const got = fmt('X=$STAMP|$HOST|$MSG|${NOPE:-dflt}|${HOST:-dflt}|$$|$ |a$|${MSG}@1|${MSG}@0|${MSG}@@|${MSG}@x|\\x', sample(), { tsFormat: 'full', fracDigits: 0 }, true);
  assert.equal(got, 'X=2006 Oct 29 01:59:59|mymachine|An application event|dflt|mymachine|$|$ |a$||An application event|An application event@|An application event@x|\\x');
  assert.equal(fmt('$'), '$');
  assert.equal(fmt('a$()b'), 'ab');
  assert.equal(fmt('$HOST.x'), 'mymachine.x');
  assert.equal(fmt('${HOST}x'), 'mymachinex');
  assert.equal(fmt('$*'), '');
});

test('network address macros and their fallbacks', () => {
  const m = sample();
  assert.equal(fmt('$SOURCEIP $SOURCEPORT $PEERIP $PEERPORT $IP_PROTO $PROTO $PROTO_NAME', m), '127.0.0.1 0 127.0.0.1 0 0 0 unknown');
  m.values.set('SOURCEIP', '10.1.2.3');
  m.values.set('SOURCEPORT', '5514');
  m.values.set('DESTIP', '10.0.0.1');
  m.values.set('DESTPORT', '6514');
  m.values.set('PROTO', '6');
  m.values.set('TRANSPORT', 'rfc5425+tls');
  assert.equal(fmt('$SOURCEIP:$SOURCEPORT $PEERIP:$PEERPORT $DESTIP:$DESTPORT $IP_PROTO $PROTO/$PROTO_NAME $TRANSPORT', m), '10.1.2.3:5514 10.1.2.3:5514 10.0.0.1:6514 4 6/tcp rfc5425+tls');
  m.values.set('PEERIP', '192.168.1.1');
  m.values.set('PEERPORT', '40000');
  m.values.set('PROTO', '17');
  assert.equal(fmt('$PEERIP:$PEERPORT $PROTO_NAME', m), '192.168.1.1:40000 udp');
  m.values.set('SOURCEIP', '2001:db8::1');
  assert.equal(fmt('$IP_PROTO', m), '6');
  m.values.set('SOURCEIP', '::ffff:10.0.0.1');
  assert.equal(fmt('$IP_PROTO', m), '4');
  m.values.set('RAWMSG', '<13>x');
  m.values.set('RAWMSG_SIZE', '5');
  m.values.set('.tls.x509_cn', 'client1');
  assert.equal(fmt('$RAWMSG $RAWMSG_SIZE ${.tls.x509_cn} [${.tls.x509_o}]', m), '<13>x 5 client1 []');
});

test('priority macros: unknown facilities print as hex, TAG is two hex digits', () => {
  const m = sample();
  m.pri = 8 * 30 + 2;
  assert.equal(fmt('$FACILITY $FACILITY_NUM $SEVERITY $TAG $BSDTAG $PRI', m), '1e 30 crit f2 2_ 242');
  m.pri = 0;
  assert.equal(fmt('$FACILITY.$SEVERITY $TAG $BSDTAG', m), 'kern.emerg 00 0A');
  m.pri = 10 * 8 + 4;
  assert.equal(fmt('$FACILITY', m), 'authpriv');
});

test('MSGHDR: legacy header wins, else PROGRAM[PID]: , PROGRAM: , or nothing', () => {
  const m = sample();
  assert.equal(fmt('$MSGHDR', m), 'evntslog[3535]: ');
  m.pid = '';
  assert.equal(fmt('$MSGHDR', m), 'evntslog: ');
  m.program = '';
  assert.equal(fmt('$MSGHDR', m), '');
  m.legacyMsghdr = 'prog[1]:';
  assert.equal(fmt('$MSGHDR|$LEGACY_MSGHDR', m), 'prog[1]:|prog[1]:');
});

test('SDATA: sequenceId goes first into an existing meta element, else a new one; names and values escaped', () => {
  const m = sample();
  assert.equal(fmt('$SDATA', m), '[exampleSDID@0 iut="3" eventSource="App"][meta sysUpTime="5"]');
  assert.equal(fmt('$SDATA', m, { ...opts, seqnum: 7 }), '[exampleSDID@0 iut="3" eventSource="App"][meta sequenceId="7" sysUpTime="5"]');
  const n = sample();
  n.sd = [];
  assert.equal(fmt('$SDATA', n, { ...opts, seqnum: 7 }), '[meta sequenceId="7"]');
  n.addSdParam('meta', 'sequenceId', '99');
  assert.equal(fmt('$SDATA|$SEQNUM', n, { ...opts, seqnum: 7 }), '[meta sequenceId="99"]|7');
  const e = sample();
  e.sd = [];
  e.addSdParam('a b', 'ké=y', 'q"\\]');
  assert.equal(fmt('$SDATA', e), '[a%20b k%C3%A9%3Dy="q\\"\\\\\\]"]');
});

test('TAGS quotes tags that need it like syslog-ng str-repr', () => {
  const m = sample();
  m.tags = ['a', 'b c', 'x,y', "it's", 'say "hi"', ''];
  assert.equal(fmt('$TAGS', m), 'a,"b c","x,y","it\'s",\'say "hi"\',""');
});

test('template-escape(yes) escapes values, not literal text; control characters as octal', () => {
  const m = sample();
  m.message = `it's "x" \\ \t\x01`;
  assert.equal(fmt(`'$MSG'"`, m, opts, true), `'it\\'s \\"x\\" \\\\ \\011\\001'"`);
  assert.equal(fmt(`$(echo $MSG)`, m, opts, true), `it\\'s \\"x\\" \\\\ \\011\\001`);
  assert.equal(escapeTemplateValue('plain'), 'plain');
  assert.equal(compileTemplate('x', true).escape, true);
});

test('time-zone(), frac-digits() and ts-format() shape date macros', () => {
  const m = sample();
  const z = resolveZone('Europe/Budapest');
  assert.ok(z);
  assert.equal(fmt('$ISODATE', m, { tsFormat: 'rfc3339', fracDigits: 3, timeZone: z }), '2006-10-29T02:59:59.156+02:00');
  assert.equal(fmt('$STAMP', m, { tsFormat: 'rfc3339', fracDigits: 0 }), '2006-10-29T01:59:59+01:00');
  assert.equal(fmt('$STAMP', m, { tsFormat: 'unix', fracDigits: 2 }), '1162083599.15');
  assert.equal(fmt('$STAMP', m, { tsFormat: 'full', fracDigits: 6 }), '2006 Oct 29 01:59:59.156789');
  assert.equal(fmt('$R_ISODATE $S_YEAR $R_UNIXTIME', m), '2023-11-14T22:13:20+00:00 2006 1700000000');
  const now = Math.floor(Date.now() / 1000);
  const c = Number(fmt('$C_UNIXTIME', m));
  assert.ok(Math.abs(c - now) <= 2, `C_UNIXTIME ${c} vs ${now}`);
  assert.ok(Math.abs(Number(fmt('$P_UNIXTIME', m)) - now) <= 2);
  assert.match(fmt('$SYSUPTIME'), /^\d+$/);
});

test('ISO week numbers at year boundaries', () => {
  const cases: Array<[string, number]> = [
    ['2021-01-03', 53], ['2021-01-04', 1], ['2024-12-30', 1], ['2026-01-01', 1], ['2027-01-01', 53],
    ['2016-01-01', 53], ['2015-12-31', 53], ['2020-12-31', 53], ['2008-12-29', 1], ['2010-01-03', 53], ['2019-12-30', 1],
  ];
  for (const [d, w] of cases) {
    const sec = Date.parse(d + 'T12:00:00Z') / 1000;
    assert.equal(isoWeek(wallClock({ sec, usec: 0, gmtoff: 0 })), w, d);
  }
});

test('template functions: echo, length (bytes), uppercase, lowercase, nesting and quoting', () => {
  const m = sample();
  assert.equal(fmt('$(echo $HOST $PROGRAM)', m), 'mymachine evntslog');
  assert.equal(fmt('$(echo "a b"  c)', m), 'a b c');
  assert.equal(fmt("$(echo 'x y')", m), 'x y');
  assert.equal(fmt('$(length $HOST ü)', m), '9 2');
  assert.equal(fmt('$(uppercase $PROGRAM)-$(lowercase ABC)', m), 'EVNTSLOG-abc');
  assert.equal(fmt('$(echo $(uppercase $HOST))', m), 'MYMACHINE');
  assert.equal(fmt('$(echo \\) x)', m), ') x');
  assert.equal(fmt('$(format_json --scope none --pair a=1)', m), '{"a":"1"}');
});

test('compile errors carry the offset', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['abc ${HOST', 10, /'}' is missing/],
    ['x ${HOST:=y}', 9, /Unknown substitution function/],
    ['ab $(nosuch x)', 3, /Unknown template function "nosuch"/],
    ['$(echo x', 8, /imbalanced/],
    ['$(echo "x)', 7, /imbalanced/],
    ['$(format-json --bogus)', 0, /Unknown option --bogus/],
  ];
  for (const [text, offset, re] of cases) {
    assert.throws(
      () => compileTemplate(text),
      (e: unknown) => e instanceof TemplateError && e.offset === offset && re.test(e.message),
      text,
    );
  }
  assert.throws(() => compileTemplateWithTypeHint('wat($HOST)'), /Unknown type specified in type hinting: wat/);
});

test('result types: a lone macro keeps its type, anything else is a string', () => {
  assert.equal(compileTypedTemplate('$FACILITY_NUM').type, 'integer');
  assert.equal(compileTypedTemplate('${LEVEL_NUM}').type, 'integer');
  assert.equal(compileTypedTemplate('$TAGS').type, 'list');
  assert.equal(compileTypedTemplate('x$FACILITY_NUM').type, 'string');
  assert.equal(compileTypedTemplate('$FACILITY_NUM ').type, 'string');
  assert.equal(compileTypedTemplate('$(format-json)').type, 'json');
  assert.equal(compileTypedTemplate('$PID').type, 'string');
  assert.equal(compileTemplateWithTypeHint('int64($PID)').type, 'integer');
  assert.equal(compileTypedTemplate('plain').isLiteral, true);
  assert.equal(compileTypedTemplate('$HOST').isLiteral, false);
});

test('compiled templates keep their text and are reusable across messages', () => {
  const t = compileTemplate('${HOST} ${MSG}\n');
  assert.equal(t.text, '${HOST} ${MSG}\n');
  assert.equal(t.escape, false);
  const a = sample();
  const b = sample();
  b.host = 'other';
  assert.equal(t.format(a, opts), 'mymachine An application event\n');
  assert.equal(t.format(b, opts), 'other An application event\n');
  const many = compileTemplate('<$PRI>$DATE $HOST $PROGRAM[$PID]: $MSG\n');
  assert.equal(many.format(a, opts), '<134>Oct 29 01:59:59 mymachine evntslog[3535]: An application event\n');
});
